"""Permission-checked reads of 包联服务 (STYLE.md §6).

Who sees which pairings (and so which visits and issues):

* a cadre (``engagement.visit``): only their own pairings;
* a unit's liaison (``engagement.view``, unit scope): the pairings of the unit's cadres;
* an office or a leader (``engagement.view``, jurisdiction scope): the cadres of their area
  and the areas below it — the county office only its county;
* an enterprise (``engagement.enterprise``): only the pairings with itself.

"Missing" and "not yours" give the same 404.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from qinqing.core.accounts.access import (
    has_capability,
    one_or_not_found,
    profile_of,
    require_capability,
    scope_area,
    scoped_by_area,
    user_uscc,
    visible_units,
)
from qinqing.core.accounts.models import Scope
from qinqing.core.errors import NotFound, PermissionDenied
from qinqing.core.orgs.models import Unit
from qinqing.engagement.models import (
    ApprovalItem,
    Blocker,
    Cadre,
    EnterpriseList,
    ListMembership,
    Meeting,
    Pairing,
    Project,
    RaisedIssue,
    Visit,
)

PAIRING_NOT_FOUND = "包联关系不存在，或不在您可查看的范围内。"
VISIT_NOT_FOUND = "走访记录不存在，或不在您可查看的范围内。"
PROJECT_NOT_FOUND = "重点项目不存在，或不在您可查看的范围内。"
MEETING_NOT_FOUND = "沟通会不存在，或不在您可查看的范围内。"
LIST_NOT_FOUND = "企业名录不存在，或不在您可查看的范围内。"

M = TypeVar("M", bound=Model)

ENGAGEMENT_CAPABILITIES = (
    "engagement.visit",
    "engagement.view",
    "engagement.manage",
    "engagement.enterprise",
)


def require_engagement_access(user) -> None:
    for code in ENGAGEMENT_CAPABILITIES:
        if has_capability(user, code):
            return
    require_capability(user, "engagement.view")


def require_staff_access(user) -> None:
    """Pages for officials (cadres, units, offices, leaders), not for enterprises."""
    for code in ("engagement.visit", "engagement.view", "engagement.manage"):
        if has_capability(user, code):
            return
    require_capability(user, "engagement.view")


def _scope(user) -> str | None:
    profile = profile_of(user)
    return profile.role.scope if profile else None


def cadre_of(user) -> Cadre | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Cadre.objects.filter(user=user, active=True).select_related("unit", "area").first()


def _own_enterprise_rows(user, qs: QuerySet[M], field: str) -> QuerySet[M]:
    """An enterprise account's own rows (``field`` names its credit code); none without the
    enterprise capability or a bound enterprise."""
    uscc = user_uscc(user)
    if not uscc or not has_capability(user, "engagement.enterprise"):
        return qs.none()
    return qs.filter(**{field: uscc})


def oversight_filter(user, prefix: str = "") -> Q | None:
    """The rows an office, leader or unit liaison oversees (``None``: oversees nothing)."""
    if not has_capability(user, "engagement.view"):
        return None
    scope = _scope(user)
    if scope == Scope.GLOBAL:
        return Q()
    if scope == Scope.JURISDICTION:
        area = scope_area(user)
        return Q(**{f"{prefix}area__path__startswith": area.path}) if area else None
    if scope == Scope.UNIT:
        profile = profile_of(user)
        unit_id = profile.unit_id if profile is not None else None
        return Q(**{f"{prefix}unit_id": unit_id}) if unit_id else None
    return None


def visible_pairings_for_user(user) -> QuerySet[Pairing]:
    require_engagement_access(user)
    qs = Pairing.objects.select_related("cadre", "enterprise", "project", "unit")
    if _scope(user) == Scope.ENTERPRISE:
        return _own_enterprise_rows(user, qs, "enterprise__uscc")
    condition = oversight_filter(user)
    if condition is not None:
        return qs.filter(condition)
    if has_capability(user, "engagement.visit"):
        return qs.filter(cadre__user=user)
    return qs.none()


def own_pairings(user) -> QuerySet[Pairing]:
    """The cadre's own pairings (empty for anyone who is not a cadre)."""
    require_capability(user, "engagement.visit")
    return Pairing.objects.filter(cadre__user=user, cadre__active=True).select_related(
        "enterprise", "project"
    )


def access_pairing_for_user(user, pairing_id: int) -> Pairing:
    return one_or_not_found(visible_pairings_for_user(user), pairing_id, PAIRING_NOT_FOUND)


def access_pairing_for_cadre(user, pairing_id: int) -> Pairing:
    """Only the paired cadre records visits on a pairing."""
    return one_or_not_found(own_pairings(user), pairing_id, PAIRING_NOT_FOUND)


def manageable_units(user) -> QuerySet[Unit]:
    """Units whose cadres the user may pair (the office's area)."""
    require_capability(user, "engagement.manage")
    return visible_units(user)


def access_pairing_for_office(user, pairing_id: int) -> Pairing:
    pairing = Pairing.objects.filter(pk=pairing_id, unit__in=manageable_units(user)).first()
    if pairing is None:
        raise NotFound(PAIRING_NOT_FOUND)
    return pairing


def visible_cadres_for_user(user) -> QuerySet[Cadre]:
    require_engagement_access(user)
    condition = oversight_filter(user)
    if condition is not None:
        return Cadre.objects.filter(condition).select_related("user", "unit")
    return Cadre.objects.filter(user=user).select_related("user", "unit")


def _visits_scope(user, qs):
    if _scope(user) == Scope.ENTERPRISE:
        return _own_enterprise_rows(user, qs, "enterprise__uscc")
    condition = oversight_filter(user)
    if condition is not None:
        return qs.filter(condition)
    if has_capability(user, "engagement.visit"):
        return qs.filter(cadre__user=user)
    return qs.none()


def visible_visits_for_user(user) -> QuerySet[Visit]:
    require_engagement_access(user)
    return _visits_scope(user, Visit.objects.select_related("pairing", "cadre", "enterprise"))


def access_visit_for_user(user, visit_id: int) -> Visit:
    return one_or_not_found(visible_visits_for_user(user), visit_id, VISIT_NOT_FOUND)


def access_visit_for_cadre(user, visit_id: int) -> Visit:
    require_capability(user, "engagement.visit")
    visit = Visit.objects.filter(pk=visit_id, cadre__user=user).select_related("enterprise").first()
    if visit is None:
        raise NotFound(VISIT_NOT_FOUND)
    return visit


def access_visit_for_enterprise(user, visit_id: int) -> Visit:
    """The visited enterprise rates its visits."""
    require_capability(user, "engagement.enterprise")
    return one_or_not_found(
        _own_enterprise_rows(user, Visit.objects.all(), "enterprise__uscc"),
        visit_id,
        VISIT_NOT_FOUND,
    )


def visible_issues_for_user(user) -> QuerySet[RaisedIssue]:
    require_engagement_access(user)
    return _visits_scope(user, RaisedIssue.objects.select_related("appeal", "enterprise", "cadre"))


# ---------------------------------------------------------------------------------------
# Projects, meetings, lists: offices and leaders of the area; cadres and members see theirs
# ---------------------------------------------------------------------------------------


def visible_projects_for_user(user) -> QuerySet[Project]:
    require_staff_access(user)
    qs = Project.objects.select_related("leader", "lead_unit", "area")
    if _scope(user) == Scope.ENTERPRISE:
        return qs.none()
    if has_capability(user, "engagement.view") and _scope(user) in (
        Scope.JURISDICTION,
        Scope.GLOBAL,
    ):
        return qs.filter(oversight_filter(user))
    profile = profile_of(user)
    mine = Q(leader=user) | Q(members=user) | Q(pairings__cadre__user=user)
    if has_capability(user, "engagement.view") and profile and profile.unit_id:
        mine |= Q(lead_unit_id=profile.unit_id)
    return qs.filter(mine).distinct()


def access_project_for_user(user, project_id: int) -> Project:
    return one_or_not_found(visible_projects_for_user(user), project_id, PROJECT_NOT_FOUND)


def access_project_for_taskforce(user, project_id: int) -> Project:
    """The office, the leader in charge and task-force members keep the project's checklist."""
    project = access_project_for_user(user, project_id)
    if has_capability(user, "engagement.manage") and can_manage_area(user, project.area):
        return project
    if project.leader_id == user.pk or project.members.filter(pk=user.pk).exists():
        return project
    raise PermissionDenied("只有营商办、包抓领导和专班成员可以维护项目的审批和堵点。")


def access_blocker_for_owner(user, blocker_id: int) -> Blocker:
    """The owner unit (or the task force) resolves a blocker."""
    blocker = Blocker.objects.select_related("project").filter(pk=blocker_id).first()
    if blocker is None:
        raise NotFound("堵点不存在，或不在您可处理的范围内。")
    profile = profile_of(user)
    if (
        profile is not None
        and profile.unit_id == blocker.owner_unit_id
        and has_capability(user, "engagement.visit")
    ):
        return blocker
    access_project_for_taskforce(user, blocker.project_id)
    return blocker


def access_approval_for_taskforce(user, approval_id: int) -> ApprovalItem:
    item = ApprovalItem.objects.filter(pk=approval_id).first()
    if item is None:
        raise NotFound("审批事项不存在，或不在您可处理的范围内。")
    access_project_for_taskforce(user, item.project_id)
    return item


def can_manage_area(user, area: Unit) -> bool:
    return (
        has_capability(user, "engagement.manage")
        and visible_units(user).filter(pk=area.pk).exists()
    )


def office_area(user) -> Unit:
    """The area an office manages (its city or county)."""
    require_capability(user, "engagement.manage")
    area = scope_area(user)
    if area is None:
        raise PermissionDenied("您的账号没有所属地区，不能管理包联服务。")
    return area


def visible_meetings_for_user(user) -> QuerySet[Meeting]:
    require_engagement_access(user)
    qs = Meeting.objects.select_related("host_unit", "area")
    if _scope(user) == Scope.ENTERPRISE:
        return _own_enterprise_rows(user, qs, "invited_enterprises__uscc").distinct()
    condition = oversight_filter(user)
    if condition is not None and _scope(user) != Scope.UNIT:
        return qs.filter(condition)
    profile = profile_of(user)
    if profile is None or profile.unit_id is None:
        return qs.none()
    unit = profile.unit_id
    return qs.filter(Q(host_unit_id=unit) | Q(invited_units=unit)).distinct()


def access_meeting_for_user(user, meeting_id: int) -> Meeting:
    return one_or_not_found(visible_meetings_for_user(user), meeting_id, MEETING_NOT_FOUND)


def access_meeting_for_office(user, meeting_id: int) -> Meeting:
    office_area(user)
    return one_or_not_found(
        scoped_by_area(Meeting.objects.all(), user), meeting_id, MEETING_NOT_FOUND
    )


def visible_lists_for_user(user) -> QuerySet[EnterpriseList]:
    require_engagement_access(user)
    condition = oversight_filter(user)
    if condition is None or _scope(user) == Scope.UNIT:
        return EnterpriseList.objects.none()
    return EnterpriseList.objects.filter(condition).select_related("area")


def access_list_for_user(user, list_id: int) -> EnterpriseList:
    return one_or_not_found(visible_lists_for_user(user), list_id, LIST_NOT_FOUND)


def access_list_for_office(user, list_id: int) -> EnterpriseList:
    office_area(user)
    return one_or_not_found(
        scoped_by_area(EnterpriseList.objects.all(), user), list_id, LIST_NOT_FOUND
    )


def access_membership_for_office(user, membership_id: int) -> ListMembership:
    office_area(user)
    return one_or_not_found(
        scoped_by_area(
            ListMembership.objects.select_related("enterprise_list", "enterprise"),
            user,
            field="enterprise_list__area",
        ),
        membership_id,
        "名录成员不存在，或不在您可管理的范围内。",
    )
