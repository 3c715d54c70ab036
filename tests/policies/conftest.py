"""Fixtures of the policy delivery tests: the seed policies owned by world units, a small
registry whose enterprises each show one behaviour, and a matching run for 2025."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

NOW = dt.datetime(2025, 11, 20, 2, 0, tzinfo=dt.UTC)  # Thursday 10:00 in Shanghai
YEAR = 2025


def registry_csv(rows: list[str]) -> bytes:
    from qinqing.policies.seeds import REGISTRY_HEADER

    return ("\n".join([REGISTRY_HEADER, *rows]) + "\n").encode("utf-8")


def uscc(body17: str) -> str:
    from qinqing.core.enterprises.uscc import uscc_check_char

    return body17 + uscc_check_char(body17)


USCC_C = uscc("91420602MA0CCCC0C")
USCC_D = uscc("91420602MA0DDDD0D")
USCC_E = uscc("91420602MA0EEEE0E")


def world_registry_rows() -> list[str]:
    """A: small, 高新 2025 → art3 100,000; no graduates → near miss of the subsidy.
    B: large, 规上工业 2025, 12 graduates → art2 50,000; misses the subsidy only on size,
       which it cannot change: no near miss (defect 12).
    C: micro, 3 graduates → subsidy 3,000.
    D: 严重失信 with 小巨人 2025 → nothing; near miss (excluded) of art3.
    E: medium, 2 graduates, 国家单项冠军 + 限上 2025 → art2 210,000; subsidy 2,000."""
    from qinqing.policies.seeds import _row
    from tests.world import USCC_A, USCC_B

    return [
        _row(USCC_A, "甲企业<script>alert(1)</script>", size="small", high_tech_on="2025-05-20"),
        _row(
            USCC_B,
            "乙企业",
            size="large",
            graduate_hires=12,
            above_scale_industrial_on="2025-03-15",
        ),  # fmt: skip
        _row(USCC_C, "丙企业", size="micro", graduate_hires=3),
        _row(
            USCC_D, "丁企业", size="small", serious_dishonesty="True", little_giant_on="2025-02-01"
        ),  # fmt: skip
        _row(
            USCC_E,
            "戊企业",
            size="medium",
            graduate_hires=2,
            champion_national_on="2025-07-01",
            above_quota_on="2025-01-10",
        ),  # fmt: skip
    ]


@dataclass
class PolicyWorld:
    world: object
    art2: object
    art3: object
    grad: object
    sme: object  # 依申请 policy of 市市场监管局 with two required materials


def make_application_policy(world, *, code="sme-social-insurance", owner=None):
    from qinqing.policies import service
    from qinqing.policies.models import Delivery

    return service.create_policy(
        actor=world.office_admin,
        data={
            "code": code, "title": "小微企业吸纳就业社会保险补贴", "owner_unit": owner or world.market,
            "delivery": Delivery.APPLICATION, "materials": "劳动合同复印件\n社会保险缴费明细",
            "starts_on": dt.date(2025, 1, 1), "ends_on": dt.date(2027, 12, 31),
            "review_limit_workdays": 10, "beneficiaries": "小微企业",
        },
        now=NOW,
    )  # fmt: skip


@pytest.fixture
def pw(world) -> PolicyWorld:
    from qinqing.core.enterprises.service import import_registry
    from qinqing.policies.seeds import install_seed_policies

    owners = {
        "district18-art2": world.market,
        "district18-art3": world.ndrc,
        "grad-hiring-subsidy": world.market,
    }
    art2, art3, grad = install_seed_policies(owners, actor=world.office_admin, now=NOW)
    import_registry(
        registry_csv(world_registry_rows()), filename="测试企业.csv", actor=world.office_admin
    )
    return PolicyWorld(world, art2, art3, grad, make_application_policy(world))


@pytest.fixture
def matched(pw):
    from qinqing.policies.matching import run_matching

    run = run_matching(actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW)
    return run


def set_budget(policy, total, *, actor, year=YEAR):
    from qinqing.policies import service

    return service.set_budget(policy, year=year, total=Decimal(total), actor=actor, now=NOW)
