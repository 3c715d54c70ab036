"""The numbers on-site checks feed to the assessment (考评), per department.

One grouped query per indicator over the whole unit list. Nothing here is built on fines
(罚没): the scheme refuses those (``FINES_TAG``, 004 (二十五)); flexible enforcement is
counted as cases, never as money.
"""

from __future__ import annotations

from django.db.models import Count, Q

from qinqing.assessment.registry import Period, indicator
from qinqing.onsite.models import CheckRegistration, FlexibleCase, RegistrationState
from qinqing.onsite.rules import PLANNED_CATEGORIES

SOURCE = "onsite"


def _percent(ok: int, n: int) -> float | None:
    return None if not n else round(100.0 * ok / n, 1)


@indicator(
    "onsite.flexible_cases",
    "柔性执法案例数",
    source=SOURCE,
    unit_label="件",
    description="期间内依据免罚、轻罚、不予强制清单以告知、提醒、约谈、观察期等方式办结的案例数；按执法部门统计。",
)
def flexible_cases(period: Period, unit_ids: list[int]) -> dict[int, float | None]:

    rows = (
        FlexibleCase.objects.filter(
            unit_id__in=unit_ids, handled_on__gte=period.start, handled_on__lte=period.end
        )
        .values("unit_id")
        .annotate(n=Count("id"))
    )
    found = {r["unit_id"]: float(r["n"]) for r in rows}
    return {u: found.get(u, 0.0) for u in unit_ids}


@indicator(
    "onsite.registered_before_entry_rate",
    "入企检查事前备案率",
    source=SOURCE,
    description="期间内入企检查中，入企前完成备案（非事后补录）的比例；按检查部门统计，已取消和不予核准的不计。",
)
def registered_before_entry_rate(period: Period, unit_ids: list[int]) -> dict[int, float | None]:

    rows = (
        CheckRegistration.objects.filter(
            unit_id__in=unit_ids,
            planned_on__gte=period.start,
            planned_on__lte=period.end,
        )
        .exclude(state__in=[RegistrationState.CANCELLED, RegistrationState.REJECTED])
        .values("unit_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(after_the_fact=False)))
    )
    found = {r["unit_id"]: _percent(r["ok"], r["n"]) for r in rows}
    return {u: found.get(u) for u in unit_ids}


@indicator(
    "onsite.joint_visit_rate",
    "联合检查占比",
    source=SOURCE,
    description="期间内已完成的计划性入企检查中，与其他部门合并为一次入企（进一次门、查多项事）的比例；按检查部门统计。",
)
def joint_visit_rate(period: Period, unit_ids: list[int]) -> dict[int, float | None]:

    rows = (
        CheckRegistration.objects.filter(
            unit_id__in=unit_ids,
            planned_on__gte=period.start,
            planned_on__lte=period.end,
            category__in=PLANNED_CATEGORIES,
            state__in=[RegistrationState.ARRIVED, RegistrationState.DONE],
        )
        .values("unit_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(joint__isnull=False)))
    )
    found = {r["unit_id"]: _percent(r["ok"], r["n"]) for r in rows}
    return {u: found.get(u) for u in unit_ids}
