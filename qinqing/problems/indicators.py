"""The numbers the problem ledger feeds to the assessment (考评).

Deductions are configuration (``ProblemSettings``: points per overdue problem, per
recurrence found by 回头看, per 问责); 问责 is the top escalation and weighs most.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q

from qinqing.assessment.registry import Period, indicator
from qinqing.core.orgs.models import Unit
from qinqing.problems.models import FollowUpCheck, Problem, ProblemSettings
from qinqing.problems.service import settings_for

SOURCE = "problems"


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    tz = ZoneInfo("Asia/Shanghai")
    start = dt.datetime.combine(period.start, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start, end


@indicator(
    "problems.on_time_close_out",
    "问题按期整改销号率",
    source=SOURCE,
    description="期间内整改期限届满的问题中，在期限前申请销号并经营商办审核销号的比例；按牵头单位统计。",
)
def on_time_close_out(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    start, end = _bounds(period)
    rows = (
        Problem.objects.filter(lead_unit_id__in=unit_ids, due_at__gte=start, due_at__lt=end)
        .exclude(state="referred")
        .values("lead_unit_id")
        .annotate(
            n=Count("id"),
            ok=Count("id", filter=Q(closed_at__isnull=False, submitted_at__lte=F("due_at"))),
        )
    )
    found = {r["lead_unit_id"]: round(100.0 * r["ok"] / r["n"], 2) for r in rows if r["n"]}
    return {u: found.get(u) for u in unit_ids}


@indicator(
    "problems.deduction_points",
    "问题整改扣分",
    source=SOURCE,
    unit_label="分",
    higher_is_better=False,
    description="逾期未整改、回头看反弹、被问责的问题按本地区问题台账设置的分值扣分（问责为最高一级）。",
)
def deduction_points(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    start, end = _bounds(period)
    overdue = dict(
        Problem.objects.filter(
            lead_unit_id__in=unit_ids, due_at__gte=start, due_at__lt=end
        ).filter(Q(submitted_at__isnull=True) | Q(submitted_at__gt=F("due_at")))
        .exclude(state="referred")
        .values("lead_unit_id").annotate(n=Count("id")).values_list("lead_unit_id", "n")
    )  # fmt: skip
    recurred = dict(
        FollowUpCheck.objects.filter(
            problem__lead_unit_id__in=unit_ids, state="recurred", checked_at__gte=start,
            checked_at__lt=end,
        ).values("problem__lead_unit_id").annotate(n=Count("id"))
        .values_list("problem__lead_unit_id", "n")
    )  # fmt: skip
    accountable = dict(
        Problem.objects.filter(
            lead_unit_id__in=unit_ids, accountability=True, created_at__lt=end,
        ).values("lead_unit_id").annotate(n=Count("id")).values_list("lead_unit_id", "n")
    )  # fmt: skip
    out: dict[int, float | None] = {}
    cache: dict[int, ProblemSettings | None] = defaultdict(lambda: None)
    for unit in Unit.objects.filter(pk__in=unit_ids):
        area = unit.area()
        conf = cache[area.pk] or settings_for(area)
        cache[area.pk] = conf
        points = (
            conf.deduction_overdue * overdue.get(unit.pk, 0)
            + conf.deduction_recurrence * recurred.get(unit.pk, 0)
            + conf.deduction_accountability * accountable.get(unit.pk, 0)
        )
        out[unit.pk] = float(Decimal(points))
    return {u: out.get(u) for u in unit_ids}
