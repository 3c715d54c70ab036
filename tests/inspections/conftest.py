"""A small 双随机 world on top of the named test world (tests/world.py).

Two departments with items and inspectors (市市场监管局, 市税务局), 40 enterprises in
示例市 (one of them world.enterprise_a's, whose name carries ``<script>``), the clock
frozen on Monday 2026-06-01 so that campaign windows have calendar data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone

NOW = timezone.make_aware(datetime(2026, 6, 1, 9, 0))
TODAY = date(2026, 6, 1)
WINDOW = (date(2026, 6, 1), date(2026, 6, 30))
EVIL_NAME = "甲企业<script>alert(1)</script>"
INDUSTRIES = ["C14", "C34", "F52", "H62", "I65"]


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def make_uscc(n: int, region: str = "420602") -> str:
    from qinqing.core.enterprises.uscc import uscc_check_char

    body = f"91{region}MA{n:07d}"
    return body + uscc_check_char(body)


@dataclass
class InspectionWorld:
    world: object
    enterprises: list = field(default_factory=list)
    market_item: object = None
    tax_item: object = None
    market_inspectors: list = field(default_factory=list)
    tax_inspectors: list = field(default_factory=list)
    # the login of each of the first three inspectors of a unit (role 执法检查人员)
    logins: dict = field(default_factory=dict)

    def login_of(self, inspector):
        return self.__dict__["logins"][inspector.certificate_number]

    def __getattr__(self, name):
        return getattr(self.__dict__["world"], name)


def build_inspection_world(world, *, n_enterprises: int = 40) -> InspectionWorld:
    from qinqing.core.accounts.service import create_user_with_role
    from qinqing.core.enterprises.models import Enterprise
    from qinqing.inspections import service
    from tests.world import USCC_A, _confirm_totp_devices

    tiers = "ABBBCD"
    rows = [
        Enterprise(
            uscc=make_uscc(n),
            name=f"示例市测试{n:02d}号有限公司",
            region_code="420602",
            industry_code=INDUSTRIES[n % len(INDUSTRIES)],
            size="small",
            credit_tier=tiers[n % len(tiers)],
        )
        for n in range(1, n_enterprises)
    ]
    rows.append(
        Enterprise(
            uscc=USCC_A,
            name=EVIL_NAME,
            region_code="420602",
            industry_code="C14",
            size="small",
            credit_tier="D",
        )
    )
    Enterprise.objects.bulk_create(rows)
    iw = InspectionWorld(world=world, enterprises=list(Enterprise.objects.order_by("uscc")))
    office = world.office_admin
    iw.market_item = service.create_item(
        actor=office,
        unit=world.market,
        code="SCJG-T01",
        name="企业公示信息情况检查",
        legal_basis="《企业信息公示暂行条例》第十四条",
        industries="*",
        ratios={t: Decimal("0.5") for t in "ABCD"},
        frequency="yearly",
        now=NOW,
    )
    iw.tax_item = service.create_item(
        actor=office,
        unit=world.tax,
        code="SW-T01",
        name="发票使用和管理情况检查",
        legal_basis="《中华人民共和国发票管理办法》第三十条",
        industries="C14;F52",
        ratios={"A": Decimal("0.2"), "B": Decimal("0.5"), "C": Decimal("0.5"), "D": Decimal("1")},
        frequency="yearly",
        now=NOW,
    )
    for unit, prefix, people, bucket in (
        (
            world.market,
            "SJ",
            ["陈立明", "黄晓燕", "赵国庆", "孙丽娟", "周建华"],
            iw.market_inspectors,
        ),
        (world.tax, "SW", ["吴海涛", "郑雪梅", "王志强", "冯小兰", "何文斌"], iw.tax_inspectors),
    ):
        for k, name in enumerate(people, 1):
            certificate = f"{prefix}{k:04d}"
            username = ""
            if k <= 3:
                username = f"inspector_{certificate.lower()}"
                iw.logins[certificate] = create_user_with_role(
                    actor=office, username=username, password="Qinqing-test-2026",
                    role_code="inspector", unit=unit, full_name=name,
                )  # fmt: skip
            bucket.append(
                service.create_inspector(
                    actor=office,
                    unit=unit,
                    name=name,
                    certificate_number=certificate,
                    fields="",
                    conflicts="",
                    username=username,
                    now=NOW,
                )
            )
    _confirm_totp_devices(iw.logins.values())
    return iw


@pytest.fixture
def frozen_now(monkeypatch):
    """Views read the clock; freeze it on 2026-06-01 09:00 (a Monday with calendar data)."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def iw(world, frozen_now):
    return build_inspection_world(world)


def plan(iw, *, items=None, now=NOW, **overrides):
    """A draft campaign of the office over June 2026 with 上、中旬宁静日."""
    from qinqing.inspections import service

    fields = {
        "name": "2026 年 6 月联合抽查",
        "items": items if items is not None else [iw.market_item, iw.tax_item],
        "window_start_on": WINDOW[0],
        "window_end_on": WINDOW[1],
        "region_codes": "",
        "monthly_quiet": [[1, 20]],
    }
    fields.update(overrides)
    return service.plan_campaign(actor=iw.office_admin, area=iw.city, now=now, **fields)


def drawn_campaign(iw, *, publish: bool = False, **overrides):
    from qinqing.inspections import service

    campaign = plan(iw, **overrides)
    campaign = service.commit_campaign(campaign, actor=iw.office_admin, now=NOW)
    campaign = service.draw_campaign(campaign, actor=iw.office_admin, now=NOW)
    if publish:
        campaign = service.publish_campaign(campaign, actor=iw.office_admin, now=NOW)
    return campaign
