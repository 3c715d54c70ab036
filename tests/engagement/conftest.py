"""包联服务 tests: the named world plus registry rows, cadres, a liaison and pairings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 9 March 2026, 10:00 in Shanghai: an ordinary working day.
NOW = dt.datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _fresh_appeal_settings():
    from qinqing.appeals.service import forget_settings

    forget_settings()
    yield
    forget_settings()


@pytest.fixture
def clock_start() -> dt.datetime:
    return NOW


@dataclass
class Scene:
    world: object
    ent_a: object
    ent_b: object
    ent_c: object
    market_cadre: object
    county_cadre: object
    liaison: object
    pairing_a: object  # market_clerk ↔ 甲企业
    pairing_b: object  # county_clerk ↔ 乙企业
    pairing_c: object  # market_clerk ↔ 丙企业, ended


def make_enterprise(uscc: str, name: str):
    from qinqing.core.enterprises.models import Enterprise, Size

    return Enterprise.objects.create(uscc=uscc, name=name, region_code="110000",
                                     industry_code="C34", size=Size.SMALL)  # fmt: skip


@pytest.fixture
def scene(world, clock):
    from qinqing.core.accounts.roles import ensure_builtin_roles
    from qinqing.core.accounts.service import create_user_with_role
    from qinqing.engagement import service
    from tests.world import USCC_A, USCC_B, make_uscc

    ensure_builtin_roles()
    ent_a = make_enterprise(USCC_A, "甲企业<script>alert(1)</script>")
    ent_b = make_enterprise(USCC_B, "乙企业")
    ent_c = make_enterprise(make_uscc("91110000MA01CCCC2"), "丙企业")
    liaison = create_user_with_role(
        actor="test-setup", username="market_liaison", password="Qinqing-test-2026",
        role_code="engagement_liaison", unit=world.market, full_name="市监联络员",
        email="market_liaison@example.invalid",
    )  # fmt: skip
    world.users["market_liaison"] = liaison
    market_cadre = service.register_cadre(world.market_clerk, actor=world.office_admin, now=NOW,
                                          level="department", title="科长", phone="13900000001")  # fmt: skip
    county_cadre = service.register_cadre(world.county_clerk, actor=world.office_admin, now=NOW,
                                          level="township", phone="13900000002")  # fmt: skip
    start = dt.date(2026, 1, 5)
    pairing_a = service.create_pairing(actor=world.office_admin, now=NOW, cadre=market_cadre,
                                       enterprise=ent_a, grid_level="industry", starts_on=start)  # fmt: skip
    pairing_b = service.create_pairing(actor=world.office_admin, now=NOW, cadre=county_cadre,
                                       enterprise=ent_b, starts_on=start)  # fmt: skip
    pairing_c = service.create_pairing(actor=world.office_admin, now=NOW, cadre=market_cadre,
                                       enterprise=ent_c, starts_on=start,
                                       ends_on=dt.date(2026, 2, 28))  # fmt: skip
    return Scene(world, ent_a, ent_b, ent_c, market_cadre, county_cadre, liaison,
                 pairing_a, pairing_b, pairing_c)  # fmt: skip


@pytest.fixture
def as_user(db):
    from django.test import Client

    def login(user):
        client = Client()
        client.force_login(user)
        return client

    return login
