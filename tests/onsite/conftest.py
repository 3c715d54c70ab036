"""On-site checks on top of the 双随机 world (tests/inspections/conftest.py).

The clock is frozen on Monday 2026-06-01 09:00. 示例市 has the 上、中旬“宁静日” rule
(days 1–20 of every month), so the first open working day of June is Monday 2026-06-22.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.inspections.conftest import NOW, build_inspection_world

OPEN_DAY = date(2026, 6, 22)  # Monday after the 宁静日 window of June
QUIET_DAY = date(2026, 6, 10)  # Wednesday inside 1–20


@pytest.fixture
def frozen_now(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def ow(world, frozen_now):
    """The inspections world plus 示例市's 宁静日 rule."""
    from qinqing.inspections import service as inspections

    iw = build_inspection_world(world)
    inspections.add_local_quiet_days(
        actor=world.office_admin, area=world.city, name="企业生产经营上、中旬宁静日",
        first_day=1, last_day=20, source="示例市优化营商环境若干措施", now=NOW,
    )  # fmt: skip
    return iw


def enterprise(ow, tier: str | None = None, n: int = 0):
    """An enterprise of the world (the n-th of a credit tier, or by position)."""
    rows = [e for e in ow.enterprises if tier is None or e.credit_tier == tier]
    return rows[n]


def register(ow, *, unit="market", user=None, ent=None, day=OPEN_DAY, category="routine", **kw):
    from qinqing.onsite import service

    items = [ow.market_item] if unit == "market" else [ow.tax_item]
    people = ow.market_inspectors[:2] if unit == "market" else ow.tax_inspectors[:2]
    fields = {
        "actor": user or (ow.market_clerk if unit == "market" else ow.tax_clerk),
        "now": NOW,
        "unit": getattr(ow, unit),
        "enterprise": ent or enterprise(ow, "B"),
        "category": category,
        "reason": "年度日常监督检查",
        "legal_basis": "《企业信息公示暂行条例》第十四条",
        "items": items,
        "inspectors": people,
        "planned_on": day,
    }
    fields.update(kw)
    return service.register_check(**fields)
