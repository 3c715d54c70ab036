"""The numbers 包联服务 feeds to the assessment (考评).

An indicator is asked for a period and a list of units. For an area unit (city, county,
township) the value covers every cadre of that area; for any other unit (a department) it
covers that unit's cadres. ``None`` where there is nothing to measure. Formulas: figures.py
and docs/engagement.md.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from qinqing.assessment.registry import Period, indicator
from qinqing.engagement import figures, rules

SOURCE = "engagement"


def _split(unit_ids: list[int]) -> tuple[list[int], list[int]]:
    from qinqing.core.orgs.models import AREA_KINDS, Unit

    kinds = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "kind"))
    areas = [u for u in unit_ids if kinds.get(u) in AREA_KINDS]
    return areas, [u for u in unit_ids if u not in areas]


def _counts(period: Period, unit_ids: list[int]) -> dict[int, figures.Counts]:
    from django.utils import timezone

    from qinqing.core.orgs.models import Unit
    from qinqing.engagement.service import local_today

    today = local_today(timezone.now())
    end = min(period.end, today)
    areas, others = _split(unit_ids)
    out: dict[int, figures.Counts] = {}
    if others:
        out.update(figures.grouped_counts(Q(unit_id__in=others), "unit", period.start, end, today))
    for area in Unit.objects.filter(pk__in=areas):
        rows = figures.grouped_counts(Q(area__path__startswith=area.path), "area", period.start,
                                      end, today)  # fmt: skip
        out[area.pk] = figures.total(rows)
    return out


def _drilldown(unit_id: int, period: Period) -> str:
    from django.urls import reverse

    query = f"start={period.start.isoformat()}&end={period.end.isoformat()}"
    return f"{reverse('engagement:dashboard')}?unit={unit_id}&{query}"


@indicator(
    "engagement.visit_completion",
    "包联走访完成率",
    source=SOURCE,
    drilldown=_drilldown,
    description="期间内到期的包联走访周期中，按时完成走访的比例（按包联关系约定的走访频次，到期日遇节假日顺延至工作日）。",
)
def visit_completion(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    counts = _counts(period, unit_ids)
    return {u: counts[u].completion_rate if u in counts else None for u in unit_ids}


@indicator(
    "engagement.issue_on_time_rate",
    "走访收集诉求按时办结率",
    source=SOURCE,
    drilldown=_drilldown,
    description="期间内在走访和政企沟通会中收集、已办结的诉求中，主办工单均在答复时限内答复的比例。",
)
def issue_on_time_rate(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    counts = _counts(period, unit_ids)
    return {u: counts[u].on_time_rate if u in counts else None for u in unit_ids}


@indicator(
    "engagement.visit_satisfaction",
    "包联走访满意率",
    source=SOURCE,
    drilldown=_drilldown,
    description="期间内企业对走访的评价中（满意 + 基本满意 × 0.8）占评价次数的比例。",
)
def visit_satisfaction(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    counts = _counts(period, unit_ids)
    return {u: counts[u].satisfaction_rate if u in counts else None for u in unit_ids}


def list_coverage(area_path: str, on: dt.date) -> tuple[int, int]:
    """(members of the area's named lists with a pairing in force, members) on a day."""
    from qinqing.engagement.models import ListMembership, Pairing

    members = ListMembership.objects.filter(
        enterprise_list__area__path__startswith=area_path, joined_on__lte=on
    ).filter(Q(left_on__isnull=True) | Q(left_on__gt=on))
    ids = members.values("enterprise_id")
    paired = Pairing.objects.filter(enterprise_id__in=ids, starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )
    total = members.aggregate(n=Count("enterprise_id", distinct=True))["n"]
    covered = paired.aggregate(n=Count("enterprise_id", distinct=True))["n"]
    return covered, total


@indicator(
    "engagement.pairing_coverage",
    "重点企业包联覆盖率",
    source=SOURCE,
    description="期末本地区各企业名录（重点企业、专精特新等）在册企业中，有包联干部的比例；只对地区计算。",
)
def pairing_coverage(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    from qinqing.core.orgs.models import Unit

    areas, _ = _split(unit_ids)
    out: dict[int, float | None] = dict.fromkeys(unit_ids)
    for area in Unit.objects.filter(pk__in=areas):
        covered, members = list_coverage(area.path, period.end)
        out[area.pk] = rules.rate(covered, members)
    return out
