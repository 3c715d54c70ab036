"""The numbers 惠企政策直达 feeds to the assessment (考评), per owning department (承办单位).

Each indicator is a couple of grouped queries over the whole unit list (never a query per
unit); rates are percentages rounded to 0.1, ``None`` where the unit had nothing to measure.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, F, Q

from qinqing.assessment.registry import Period, indicator

SOURCE = "policies"


def _percent(numerator: float, denominator: int) -> float | None:
    return None if denominator <= 0 else round(100.0 * numerator / denominator, 1)


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


@indicator(
    "policies.match_satisfaction",
    "政策匹配满意率",
    source=SOURCE,
    description="期间内企业对本单位政策推送的反馈中，选择“符合我的情况”的比例（“部分符合”按一半计）。",
)
def match_satisfaction(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    from qinqing.policies.models import FitAnswer, PushFeedback

    start, end = _bounds(period)
    rows = (
        PushFeedback.objects.filter(
            policy__owner_unit_id__in=unit_ids, updated_at__gte=start, updated_at__lt=end
        )
        .values("policy__owner_unit_id")
        .annotate(
            n=Count("id"),
            fits=Count("id", filter=Q(answer=FitAnswer.FITS)),
            partly=Count("id", filter=Q(answer=FitAnswer.PARTLY)),
        )
    )
    by_unit = {r["policy__owner_unit_id"]: r for r in rows}
    return {
        u: _percent(by_unit[u]["fits"] + 0.5 * by_unit[u]["partly"], by_unit[u]["n"])
        if u in by_unit
        else None
        for u in unit_ids
    }


@indicator(
    "policies.review_on_time",
    "政策申报按时审核率",
    source=SOURCE,
    description="期间内作出审核结论（通过、退回补正、不予兑现）的申报中，在审核时限（工作日）内办结的比例。",
)
def review_on_time(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    from qinqing.policies.models import Application

    start, end = _bounds(period)
    rows = (
        Application.objects.filter(
            policy__owner_unit_id__in=unit_ids, reviewed_at__gte=start, reviewed_at__lt=end
        )
        .values("policy__owner_unit_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(reviewed_at__lte=F("review_due_at"))))
    )
    by_unit = {r["policy__owner_unit_id"]: r for r in rows}
    return {
        u: _percent(by_unit[u]["ok"], by_unit[u]["n"]) if u in by_unit else None for u in unit_ids
    }


@indicator(
    "policies.funds_passed_on_time",
    "上级资金15日内下达率",
    source=SOURCE,
    description="期间内到达本级的上级奖补资金中，到达本级15日内下达县（区）或直接拨付给企业的比例（未下达且已过时限的计为未按时）。",
)
def funds_passed_on_time(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    from django.utils import timezone

    from qinqing.policies.models import FundArrival

    today = timezone.localdate()
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    arrivals = FundArrival.objects.filter(
        budget__policy__owner_unit_id__in=unit_ids,
        arrived_on__gte=period.start,
        arrived_on__lte=period.end,
    ).values_list("budget__policy__owner_unit_id", "due_on", "disbursed_on")
    for unit_id, due_on, disbursed_on in arrivals:
        if disbursed_on is None and today <= due_on:
            continue  # still inside its 15 days: counts neither way
        counts[unit_id][0] += 1
        if disbursed_on is not None and disbursed_on <= due_on:
            counts[unit_id][1] += 1
    return {u: _percent(counts[u][1], counts[u][0]) if u in counts else None for u in unit_ids}
