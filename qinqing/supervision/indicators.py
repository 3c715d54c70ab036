"""The numbers the supervision loop feeds to the assessment (考评).

Each indicator answers, for one period and a list of units, one value per unit (``None``
where the unit had nothing to measure). Every one is a handful of grouped queries over the
whole unit list, never a loop of queries per unit.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Sum, Value, When

from qinqing.assessment.registry import Period, indicator
from qinqing.plans import queries as plan_queries
from qinqing.supervision.models import ProgressReport, SupervisionNotice
from qinqing.supervision.rules import LEVEL_WEIGHT, rate

SOURCE = "supervision"


@indicator(
    "supervision.on_time_completion",
    "任务按时完成率",
    source=SOURCE,
    description="期间内到期的任务中，按期（完成时限当日及以前）报告完成并经核验的比例；按牵头单位统计，无牵头单位的按责任单位统计。",
)
def on_time_completion(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    lead = plan_queries.unit_links("lead").model
    responsible = plan_queries.unit_links("responsible").model
    due = {
        "task__due_on__gte": period.start,
        "task__due_on__lte": period.end,
        "task__ongoing": False,
    }
    ledger = Q(task__plan__isnull=True) | Q(task__plan__status="confirmed")
    on_time = Q(task__completion__claimed_on__lte=F("task__due_on"))
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    led = (
        lead.objects.filter(ledger, unit_id__in=unit_ids, **due)
        .values("unit_id")
        .annotate(
            n=Count("task_id", distinct=True), ok=Count("task_id", filter=on_time, distinct=True)
        )
    )
    no_lead = ~Exists(lead.objects.filter(task_id=OuterRef("task_id")))
    owned = (
        responsible.objects.filter(ledger, no_lead, unit_id__in=unit_ids, **due)
        .values("unit_id")
        .annotate(
            n=Count("task_id", distinct=True), ok=Count("task_id", filter=on_time, distinct=True)
        )
    )
    for row in [*led, *owned]:
        totals[row["unit_id"]][0] += row["n"]
        totals[row["unit_id"]][1] += row["ok"]
    return {u: rate(totals[u][1], totals[u][0]) if u in totals else None for u in unit_ids}


def _reports_due(period: Period, unit_ids: list[int]):
    return ProgressReport.objects.filter(
        unit_id__in=unit_ids, report_due_on__gte=period.start, report_due_on__lte=period.end
    )


@indicator(
    "supervision.report_timeliness",
    "进度报送及时率",
    source=SOURCE,
    description="期间内到期的进度报送中，在报送截止日当日及以前首次报送的比例（退回后重报不影响及时性）。",
)
def report_timeliness(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    rows = (
        _reports_due(period, unit_ids)
        .values("unit_id")
        .annotate(
            n=Count("id"),
            ok=Count("id", filter=Q(first_submitted_on__lte=F("report_due_on"))),
        )
    )
    found = {r["unit_id"]: rate(r["ok"], r["n"]) for r in rows}
    return {u: found.get(u) for u in unit_ids}


@indicator(
    "supervision.returned_report_rate",
    "进度报送退回率",
    source=SOURCE,
    higher_is_better=False,
    description="期间内到期且已报送的进度报送中，至少被营商办退回一次的比例。",
)
def returned_report_rate(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    rows = (
        _reports_due(period, unit_ids)
        .filter(version__gt=0)
        .values("unit_id")
        .annotate(n=Count("id"), returned=Count("id", filter=Q(return_count__gt=0)))
    )
    found = {r["unit_id"]: rate(r["returned"], r["n"]) for r in rows}
    return {u: found.get(u) for u in unit_ids}


@indicator(
    "supervision.notice_response_rate",
    "督办单按时反馈率",
    source=SOURCE,
    description="期间内反馈截止的督办单中，在截止日当日及以前反馈的比例。",
)
def notice_response_rate(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    rows = (
        SupervisionNotice.objects.filter(
            unit_id__in=unit_ids,
            response_due_on__gte=period.start,
            response_due_on__lte=period.end,
        )
        .values("unit_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(responded_on__lte=F("response_due_on"))))
    )
    found = {r["unit_id"]: rate(r["ok"], r["n"]) for r in rows}
    return {u: found.get(u) for u in unit_ids}


@indicator(
    "supervision.notice_severity",
    "被督办问责分值",
    source=SOURCE,
    unit_label="分",
    higher_is_better=False,
    description="期间内签发给本单位的督办单按层级计分之和：提醒 1 分、督办 2 分、约谈 4 分、问责 8 分。",
)
def notice_severity(period: Period, unit_ids: list[int]) -> dict[int, float | None]:

    weight = Case(
        *[When(level=level, then=Value(w)) for level, w in LEVEL_WEIGHT.items()],
        output_field=IntegerField(),
    )
    rows = (
        SupervisionNotice.objects.filter(
            unit_id__in=unit_ids, issued_on__gte=period.start, issued_on__lte=period.end
        )
        .values("unit_id")
        .annotate(points=Sum(weight))
    )
    found = {r["unit_id"]: float(r["points"] or 0) for r in rows}
    return {u: found.get(u, 0.0) for u in unit_ids}
