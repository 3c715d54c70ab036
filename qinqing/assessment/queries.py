"""Permission-checked reads of the assessment (STYLE.md §6).

Who sees what (docs/assessment.md, “谁能看到什么”):

* Full view — the office and leaders of the scheme's area (or of an area above it): every
  unit's scores and drill-downs, published runs; managers of the area also unpublished ones.
* Partial view — a user whose own units are assessed by the scheme (unit staff, a county's
  office for the city's county ranking): the published ranking table (the totals a 通报
  shows every unit) and the drill-down of their own unit only; no export.
* Managing (editing schemes, computing, publishing, importing external results) needs
  ``assessment.manage`` and the scheme's area to be the user's own area.
* Enterprises and roles without ``assessment.view``: nothing (403); another city: 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from qinqing.assessment.models import (
    AssessmentRun,
    AssessmentScheme,
    ExternalRanking,
    ExternalTrigger,
    RunStatus,
    SchemeItem,
    SchemeStatus,
    TriggerStatus,
    UnitScore,
)
from qinqing.core.accounts.access import (
    has_capability,
    require_capability,
    scope_area,
    visible_units,
)
from qinqing.core.errors import NotFound, PermissionDenied
from qinqing.core.orgs.models import Unit

VIEW = "assessment.view"
MANAGE = "assessment.manage"

SCHEME_NOT_FOUND = "考评方案不存在，或不在您可查看的范围内。"
RUN_NOT_FOUND = "考评结果不存在，或不在您可查看的范围内。"


def can_manage(user) -> bool:
    return has_capability(user, MANAGE) and scope_area(user) is not None


def manage_area_for_user(user) -> Unit:
    """The area whose schemes and external results the user maintains."""
    require_capability(user, MANAGE)
    area = scope_area(user)
    if area is None:
        raise PermissionDenied("您的账号没有所属地区，不能维护考评方案。请联系系统管理员。")
    return area


# --- schemes -------------------------------------------------------------------------------


def visible_schemes_for_user(user) -> QuerySet[AssessmentScheme]:
    require_capability(user, VIEW)
    units = visible_units(user)
    full = Q(area__in=units)
    partial = Q(targets__in=units) & ~Q(status=SchemeStatus.DRAFT)
    qs = AssessmentScheme.objects.filter(full | partial)
    area = scope_area(user) if has_capability(user, MANAGE) else None
    if area is None:
        qs = qs.exclude(status=SchemeStatus.DRAFT)  # drafts are the managers' working copies
    else:
        qs = qs.exclude(Q(status=SchemeStatus.DRAFT) & ~Q(area=area))
    return qs.distinct().select_related("area")


@dataclass
class Access:
    full: bool
    manage: bool
    own_unit_ids: set[int] = field(default_factory=set)

    def may_drill(self, unit_id: int) -> bool:
        return self.full or unit_id in self.own_unit_ids


def scheme_access(user, scheme: AssessmentScheme) -> Access | None:
    if not has_capability(user, VIEW):
        return None
    units = visible_units(user)
    manage = has_capability(user, MANAGE) and scope_area(user) == scheme.area
    full = units.filter(pk=scheme.area_id).exists()
    if scheme.status == SchemeStatus.DRAFT and not manage:
        return None
    if full:
        return Access(full=True, manage=manage)
    own = set(scheme.targets.filter(pk__in=units).values_list("pk", flat=True))
    if own:
        return Access(full=False, manage=False, own_unit_ids=own)
    return None


def access_scheme_for_user(user, scheme_id: int) -> tuple[AssessmentScheme, Access]:
    require_capability(user, VIEW)
    scheme = AssessmentScheme.objects.select_related("area").filter(pk=scheme_id).first()
    access = scheme_access(user, scheme) if scheme else None
    if scheme is None or access is None:
        raise NotFound(SCHEME_NOT_FOUND)
    return scheme, access


def access_scheme_for_manage(user, scheme_id: int) -> AssessmentScheme:
    area = manage_area_for_user(user)
    scheme = AssessmentScheme.objects.select_related("area").filter(pk=scheme_id).first()
    if scheme is None or scheme.area_id != area.pk:
        raise NotFound(SCHEME_NOT_FOUND)
    return scheme


def access_item_for_manage(user, scheme_id: int, item_id: int) -> SchemeItem:
    scheme = access_scheme_for_manage(user, scheme_id)
    item = scheme.items.filter(pk=item_id).first()
    if item is None:
        raise NotFound("该指标已不在方案中，请刷新页面。")
    item.scheme = scheme
    return item


def lineage_of(scheme: AssessmentScheme) -> QuerySet[AssessmentScheme]:
    root = scheme.lineage_root_id
    return AssessmentScheme.objects.filter(Q(pk=root) | Q(lineage_id=root))


# --- runs ----------------------------------------------------------------------------------


def runs_for(scheme: AssessmentScheme, access: Access) -> QuerySet[AssessmentRun]:
    qs = scheme.runs.all()
    if not access.manage:
        qs = qs.filter(status=RunStatus.PUBLISHED)
    return qs


def access_run_for_user(user, run_id: int) -> tuple[AssessmentRun, Access]:
    require_capability(user, VIEW)
    run = AssessmentRun.objects.select_related("scheme", "scheme__area").filter(pk=run_id).first()
    access = scheme_access(user, run.scheme) if run else None
    if run is None or access is None or (not run.is_published and not access.manage):
        raise NotFound(RUN_NOT_FOUND)
    return run, access


def access_run_for_manage(user, run_id: int) -> AssessmentRun:
    area = manage_area_for_user(user)
    run = AssessmentRun.objects.select_related("scheme", "scheme__area").filter(pk=run_id).first()
    if run is None or run.scheme.area_id != area.pk:
        raise NotFound(RUN_NOT_FOUND)
    return run


def access_unit_score_for_user(
    user, run_id: int, unit_id: int
) -> tuple[AssessmentRun, Access, UnitScore]:
    run, access = access_run_for_user(user, run_id)
    score = run.scores.select_related("unit").filter(unit_id=unit_id).first()
    if score is None or not access.may_drill(unit_id):
        raise NotFound("该单位的考评明细不存在，或不在您可查看的范围内。")
    return run, access, score


def history_runs(scheme: AssessmentScheme, access: Access) -> list[AssessmentRun]:
    """One run per period across the scheme's versions (the newest version wins), oldest first."""
    qs = AssessmentRun.objects.filter(scheme__in=lineage_of(scheme))
    if not access.manage:
        qs = qs.filter(status=RunStatus.PUBLISHED)
    by_period: dict[tuple, AssessmentRun] = {}
    for run in qs.order_by("period_start", "period_end", "scheme_version"):
        by_period[(run.period_start, run.period_end)] = run
    return sorted(by_period.values(), key=lambda r: (r.period_end, r.period_start))


# --- external results ----------------------------------------------------------------------


def visible_rankings_for_user(user) -> QuerySet[ExternalRanking]:
    """External rankings are for the area's office and leaders (full view of the area)."""
    require_capability(user, VIEW)
    return ExternalRanking.objects.filter(area__in=visible_units(user)).select_related("area")


def access_ranking_for_user(user, ranking_id: int) -> ExternalRanking:
    ranking = visible_rankings_for_user(user).filter(pk=ranking_id).first()
    if ranking is None:
        raise NotFound("外部评价结果不存在，或不在您可查看的范围内。")
    return ranking


def access_trigger_for_manage(user, trigger_id: int) -> ExternalTrigger:
    area = manage_area_for_user(user)
    trigger = (
        ExternalTrigger.objects.select_related("unit", "ranking")
        .filter(pk=trigger_id, ranking__area=area)
        .first()
    )
    if trigger is None:
        raise NotFound("触发记录不存在，或不在您可处理的范围内。")
    return trigger


def pending_external_triggers(area: Unit | None = None) -> QuerySet[ExternalTrigger]:
    """Unchecked read for the supervision module: triggers waiting to be acted on."""
    qs = ExternalTrigger.objects.filter(status=TriggerStatus.PENDING).select_related(
        "unit", "ranking", "result"
    )
    if area is not None:
        qs = qs.filter(ranking__area__path__startswith=area.path)
    return qs.order_by("created_at", "pk")
