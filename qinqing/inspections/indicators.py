"""The numbers 双随机、一公开 feeds to the assessment (考评), per department.

One grouped query over the whole unit list per indicator, never a query per unit.
"""

from __future__ import annotations

from django.db.models import Count, F, Q

from qinqing.assessment.registry import Period, indicator
from qinqing.inspections.models import VisitItem

SOURCE = "inspections"


def _percent(ok: int, n: int) -> float | None:
    return None if not n else round(100.0 * ok / n, 1)


@indicator(
    "inspections.results_published_on_time",
    "抽查结果按时公示率",
    source=SOURCE,
    description="期间内公示截止日到期的检查事项中，在截止日当日及以前公示检查结果的比例；按检查事项的实施部门统计。",
)
def results_published_on_time(period: Period, unit_ids: list[int]) -> dict[int, float | None]:

    rows = (
        VisitItem.objects.filter(
            item__unit_id__in=unit_ids,
            publish_due_on__gte=period.start,
            publish_due_on__lte=period.end,
        )
        .values("item__unit_id")
        .annotate(
            n=Count("id"),
            ok=Count("id", filter=Q(published_at__date__lte=F("publish_due_on"))),
        )
    )
    found = {r["item__unit_id"]: _percent(r["ok"], r["n"]) for r in rows}
    return {u: found.get(u) for u in unit_ids}
