"""Test indicators and helpers for the assessment tests (also used by the browser test).

The domains' real indicators are written elsewhere; these stand-ins are registered for one
test and removed afterwards, and return whatever the test puts into the ``Feed``.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

from qinqing.assessment import service
from qinqing.assessment.models import (
    AssessmentRun,
    AssessmentScheme,
    ExternalRanking,
    ExternalResult,
    ExternalRule,
    ExternalTrigger,
    ItemScore,
    SchemeItem,
    UnitScore,
)
from qinqing.assessment.registry import Indicator, Period, registered
from qinqing.core.audit.models import AuditEvent

ON_TIME = "test.on_time_rate"
RETURNED = "test.returned_rate"
NOTICES = "test.notice_response_rate"
FINE_TAGGED = "test.enforcement_income"
FINE_LABEL = "test.penalty_amount"
BROKEN = "test.broken"


class Feed:
    """Values the test indicators return: ``feed.set(code, {unit: value}, period=None)``."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, date | None], dict[int, float | None]] = {}
        self.calls: list[tuple[str, Period, list[int]]] = []

    def set(self, code: str, values: dict, period: Period | None = None) -> None:
        key = (code, period.start if period else None)
        self.values[key] = {getattr(u, "pk", u): v for u, v in values.items()}

    def compute(self, code: str):
        def fn(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
            self.calls.append((code, period, list(unit_ids)))
            specific = self.values.get((code, period.start))
            default = self.values.get((code, None), {})
            source = specific if specific is not None else default
            return {uid: source.get(uid) for uid in unit_ids}

        return fn


def _broken(period, unit_ids):
    raise RuntimeError("database unavailable")


def make_indicators(feed: Feed) -> list[Indicator]:
    return [
        Indicator(
            ON_TIME,
            "任务按时完成率",
            feed.compute(ON_TIME),
            source="supervision",
            drilldown=lambda unit_id, period: (
                f"/supervision/ledger/?unit={unit_id}&from={period.start.isoformat()}"
            ),
        ),
        Indicator(
            RETURNED,
            "进度报送退回率",
            feed.compute(RETURNED),
            source="supervision",
            higher_is_better=False,
        ),
        Indicator(NOTICES, "督办单按时回复率", feed.compute(NOTICES), source="supervision"),
        Indicator(
            FINE_TAGGED,
            "执法收入完成率",
            feed.compute(FINE_TAGGED),
            source="inspections",
            tags=frozenset({"fines"}),
        ),
        Indicator(
            FINE_LABEL, "罚款金额", feed.compute(FINE_LABEL), source="inspections", unit_label="元"
        ),
        Indicator(BROKEN, "出错的指标", _broken, source="supervision"),
    ]


@contextmanager
def indicators_registered():
    feed = Feed()
    with registered(make_indicators(feed)):
        yield feed


NOW = datetime(2026, 7, 6, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
Q1 = Period.quarter(2026, 1)
Q2 = Period.quarter(2026, 2)


def build_departments_scheme(world, *, activate: bool = True, bottom_n: int = 1, name=None):
    """市直部门 scheme: 按时完成率 50 (linear 60–100), 退回率 30 (rank), 回复率 20 (threshold)."""
    scheme = service.create_scheme(
        actor=world.office_admin,
        area=world.city,
        name=name or "2026年度市直部门营商环境考评",
        target_kind="departments",
        effective_from=date(2026, 1, 1),
        effective_to=date(2026, 12, 31),
        bottom_n=bottom_n,
        now=NOW,
    )
    add = service.add_scheme_item
    add(scheme, actor=world.office_admin, indicator_code=ON_TIME, weight=Decimal(50),
        method="linear", floor=Decimal(60), ceiling=Decimal(100), now=NOW)  # fmt: skip
    add(scheme, actor=world.office_admin, indicator_code=RETURNED, weight=Decimal(30),
        method="rank", now=NOW)  # fmt: skip
    add(scheme, actor=world.office_admin, indicator_code=NOTICES, weight=Decimal(20),
        method="threshold", thresholds=[(95, 100), (80, 60)], now=NOW)  # fmt: skip
    if activate:
        service.activate_scheme(scheme, actor=world.office_admin, now=NOW)
        scheme.refresh_from_db()
    return scheme


def feed_standard_values(feed: Feed, world, period: Period | None = None) -> None:
    """market best, tax middle, ndrc worst on every indicator (see test_runs for the sums)."""
    feed.set(ON_TIME, {world.market: 100, world.tax: 80, world.ndrc: 60}, period)
    feed.set(RETURNED, {world.market: 0, world.tax: 5, world.ndrc: 10}, period)
    feed.set(NOTICES, {world.market: 100, world.tax: 90, world.ndrc: 50}, period)


def run(scheme, period: Period = Q1, *, world, publish: bool = False) -> AssessmentRun:
    result = service.run_assessment(scheme, period, actor=world.office_admin, now=NOW)
    if publish:
        service.publish_run(result, actor=world.office_admin, now=NOW)
        result.refresh_from_db()
    return result


MODELS = [
    AssessmentScheme,
    SchemeItem,
    AssessmentRun,
    UnitScore,
    ItemScore,
    ExternalRanking,
    ExternalResult,
    ExternalRule,
    ExternalTrigger,
    AuditEvent,
]


def snapshot() -> dict:
    """Row counts, states and weights: equal before and after a refused request."""
    state = {m.__name__: m.objects.count() for m in MODELS}
    state["schemes"] = sorted(
        AssessmentScheme.objects.values_list("pk", "status", "name", "bottom_n")
    )
    state["items"] = sorted(SchemeItem.objects.values_list("pk", "weight", "method"))
    state["runs"] = sorted(AssessmentRun.objects.values_list("pk", "status", "computed_at"))
    state["targets"] = sorted(AssessmentScheme.targets.through.objects.values_list("pk"))
    state["triggers"] = sorted(ExternalTrigger.objects.values_list("pk", "status"))
    state["rules"] = sorted(ExternalRule.objects.values_list("pk", "bottom_n", "level", "active"))
    return state


def xlsx_bytes(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
