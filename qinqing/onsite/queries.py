"""Permission-checked reads of on-site checks, lists and reports.

* Office and leader (jurisdiction roles with ``onsite.view``) see the registrations of
  their area and the areas below it; the office (``onsite.approve``) approves entry.
* Unit staff see and register only their own unit's checks, with their own unit's
  inspection items and inspectors; they keep their own unit's lists and cases.
* An enterprise account sees only the checks of its own enterprise.
* The public pages show published list versions, active matters and their discretion
  standards, and penalty notices inside their publication period.

"Missing" and "not yours" raise the same :class:`NotFound`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from qinqing.core.accounts.access import (
    has_capability,
    one_or_not_found,
    own_unit,
    require_capability,
    scope_area,
    scoped_by_area,
    scoped_by_own_unit,
    scoped_by_unit,
    user_uscc,
)
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import NotFound, PermissionDenied
from qinqing.core.orgs.models import Unit
from qinqing.inspections import queries as inspections_queries
from qinqing.inspections.queries import inspector_of_user
from qinqing.onsite import rules
from qinqing.onsite.models import (
    CheckRegistration,
    DrawnVisitRefusal,
    EnforcementMatter,
    EnterpriseCode,
    FlexibleCase,
    JointVisitProposal,
    LeniencyEntry,
    LeniencyList,
    LeniencyListVersion,
    OnsiteSettings,
    PenaltyNotice,
    RecognitionLink,
    UnregisteredVisitReport,
    VersionState,
)

if TYPE_CHECKING:
    from qinqing.inspections.models import InspectionItem, Inspector

NOT_FOUND = "检查备案不存在，或不在您可查看的范围内。"


def overseen_area(user) -> Unit | None:
    """The area an office or leader oversees (with ``onsite.view``), or ``None``."""
    if not has_capability(user, "onsite.view"):
        return None
    return scope_area(user)


def can_register(user) -> bool:
    return has_capability(user, "onsite.register") and own_unit(user) is not None


def can_approve(user) -> bool:
    return has_capability(user, "onsite.approve") and scope_area(user) is not None


def ancestors_of(area: Unit) -> list[int]:
    return [int(pk) for pk in area.path.strip("/").split("/") if pk]


def settings_for_area(area: Unit) -> OnsiteSettings:
    """The nearest settings row of the area or an area above it (defaults when none)."""
    ids = ancestors_of(area)
    rows = {s.area_id: s for s in OnsiteSettings.objects.filter(area_id__in=ids)}
    for pk in reversed(ids):
        if pk in rows:
            return rows[pk]
    return OnsiteSettings(area=area)


# ---------------------------------------------------------------- registrations


def _registrations_with_places() -> QuerySet[CheckRegistration]:
    return CheckRegistration.objects.select_related("unit", "area", "enterprise")


def visible_registrations_for_user(user) -> QuerySet[CheckRegistration]:
    require_capability(user, "onsite.view")
    return scoped_by_unit(CheckRegistration.objects.all(), user, area_field="area")


def access_registration_for_user(user, registration_id: int) -> CheckRegistration:
    rows = visible_registrations_for_user(user).select_related("unit", "area", "enterprise")
    return one_or_not_found(rows, registration_id, NOT_FOUND)


def access_registration_for_unit(user, registration_id: int) -> CheckRegistration:
    """A registration of the user's own unit (cancel, finish, join, scan)."""
    require_capability(user, "onsite.register")
    rows = scoped_by_own_unit(_registrations_with_places(), user)
    return one_or_not_found(rows, registration_id, NOT_FOUND)


def access_registration_for_approval(user, registration_id: int) -> CheckRegistration:
    require_capability(user, "onsite.approve")
    rows = scoped_by_area(_registrations_with_places(), user)
    return one_or_not_found(rows, registration_id, NOT_FOUND)


def registrable_items_for_user(user) -> QuerySet[InspectionItem]:
    """The inspection items a unit may register checks for: its own active ones."""
    unit = own_unit(user)
    if not has_capability(user, "onsite.register"):
        unit = None
    return inspections_queries.active_items_of_unit(unit)


def registrable_inspectors_for_user(user) -> QuerySet[Inspector]:
    unit = own_unit(user)
    if not has_capability(user, "onsite.register"):
        unit = None
    return inspections_queries.active_inspectors_of_unit(unit)


def enterprise_checks_for_user(user) -> QuerySet[CheckRegistration]:
    """码上监督: every registered check of the user's own enterprise."""
    require_capability(user, "onsite.enterprise")
    uscc = user_uscc(user)
    if not uscc:
        return CheckRegistration.objects.none()
    return CheckRegistration.objects.filter(enterprise__uscc=uscc)


def enterprise_of_user(user) -> Enterprise | None:
    uscc = user_uscc(user)
    return Enterprise.objects.filter(uscc=uscc).first() if uscc else None


def code_for_token(token: str) -> EnterpriseCode:
    code = EnterpriseCode.objects.filter(token=token).select_related("enterprise").first()
    if code is None:
        raise NotFound("企业码无效或已更换。请让企业出示最新的企业码。")
    return code


def scanning_inspector(user) -> Inspector:
    """码上监督: the inspector the signed-in user is; anyone else may not scan."""
    require_capability(user, "onsite.scan")
    inspector = inspector_of_user(user)
    if inspector is None:
        raise PermissionDenied(
            "扫码入企须由执法检查人员本人用自己的账号扫码，您的账号没有关联在岗的执法检查人员。"
            "请由参加检查的人员本人扫码；需要开通账号的，请联系营商办在“执法检查人员”中关联。"
        )
    return inspector


def scannable_registrations(
    inspector: Inspector, enterprise: Enterprise, today: date
) -> QuerySet[CheckRegistration]:
    """Today's registrations of this enterprise by the inspector's unit or with the inspector
    on the team (only the team's members may confirm the entry: see ``scan_arrival``)."""
    return (
        CheckRegistration.objects.filter(enterprise=enterprise, planned_on=today)
        .filter(Q(unit_id=inspector.unit_id) | Q(inspectors=inspector))
        .distinct()
        .order_by("id")
    )


def visible_proposals_for_user(user) -> QuerySet[JointVisitProposal]:
    require_capability(user, "onsite.view")
    area = overseen_area(user)
    if area is not None:
        return JointVisitProposal.objects.filter(area__path__startswith=area.path)
    unit = own_unit(user)
    if unit is not None:
        return JointVisitProposal.objects.filter(members__unit=unit).distinct()
    return JointVisitProposal.objects.none()


def access_proposal_for_approval(user, proposal_id: int) -> JointVisitProposal:
    require_capability(user, "onsite.approve")
    rows = scoped_by_area(JointVisitProposal.objects.all(), user)
    return one_or_not_found(rows, proposal_id, "联合检查建议不存在，或不在您可查看的范围内。")


def visible_reports_for_user(user) -> QuerySet[UnregisteredVisitReport]:
    """Unregistered-visit reports: the office of the area (their appeals carry the rest)."""
    require_capability(user, "onsite.approve")
    area = scope_area(user)
    if area is None:
        return UnregisteredVisitReport.objects.none()
    return UnregisteredVisitReport.objects.filter(appeal__locality__path__startswith=area.path)


# ---------------------------------------------------------------- lists and cases


def visible_lists_for_user(user) -> QuerySet[LeniencyList]:
    require_capability(user, "onsite.view")
    return scoped_by_unit(LeniencyList.objects.all(), user)


def access_list_for_user(user, list_id: int) -> LeniencyList:
    return one_or_not_found(
        visible_lists_for_user(user).select_related("unit"),
        list_id,
        "免罚清单不存在，或不在您可查看的范围内。",
    )


def access_list_for_edit(user, list_id: int) -> LeniencyList:
    """Only the list's own unit edits it (``onsite.lists``)."""
    require_capability(user, "onsite.lists")
    rows = scoped_by_own_unit(LeniencyList.objects.select_related("unit"), user)
    return one_or_not_found(rows, list_id, "免罚清单不存在，或不在您可查看的范围内。")


def visible_cases_for_user(user) -> QuerySet[FlexibleCase]:
    require_capability(user, "onsite.view")
    return scoped_by_unit(FlexibleCase.objects.all(), user)


def usable_entries_for_user(user):
    """Entries of the unit's current published list versions (for a flexible case)."""

    unit = own_unit(user)
    if unit is None or not has_capability(user, "onsite.cases"):
        return LeniencyEntry.objects.none()
    return LeniencyEntry.objects.filter(
        version__leniency_list__unit=unit, version__state=VersionState.PUBLISHED
    ).select_related("version__leniency_list")


# ---------------------------------------------------------------- public


def public_versions() -> QuerySet[LeniencyListVersion]:
    """The version of each list now in force (published, not superseded)."""
    return (
        LeniencyListVersion.objects.filter(state=VersionState.PUBLISHED)
        .select_related("leniency_list__unit")
        .order_by("leniency_list__unit__path", "leniency_list__field")
    )


def public_matters() -> QuerySet[EnforcementMatter]:
    return (
        EnforcementMatter.objects.filter(active=True)
        .select_related("unit")
        .prefetch_related("standards", "inspection_items")
        .order_by("unit__path", "code")
    )


def public_penalty_notices(today: date) -> list[PenaltyNotice]:
    """Penalty notices still inside their publication period (per locality settings)."""
    out = []
    cache: dict[int, OnsiteSettings] = {}
    notices = PenaltyNotice.objects.filter(published_on__lte=today).select_related(
        "unit", "enterprise"
    )
    for notice in notices:
        area = notice.unit.area()
        config = cache.setdefault(area.pk, settings_for_area(area))
        ends = rules.publication_ends_on(
            notice.published_on,
            minor=notice.minor,
            minor_months=config.minor_publication_months,
            months=config.publication_months,
        )
        if today <= ends:
            setattr(notice, "public_until", ends)  # shown on the public page  # noqa: B010
            out.append(notice)
    return out


# ---------------------------------------------------------------- registries (执法事项 etc.)


def can_keep_registries(user) -> bool:
    return has_capability(user, "onsite.registries") and own_unit(user) is not None


def visible_matters_for_user(user) -> QuerySet[EnforcementMatter]:
    """执法事项 of the office's area, or of the unit's own; the public page shows active ones."""
    require_capability(user, "onsite.view")
    return scoped_by_unit(EnforcementMatter.objects.all(), user)


def access_matter_for_user(user, matter_id: int) -> EnforcementMatter:
    return one_or_not_found(
        visible_matters_for_user(user).select_related("unit"),
        matter_id,
        "执法事项不存在，或不在您可查看的范围内。",
    )


def access_matter_for_edit(user, matter_id: int) -> EnforcementMatter:
    """Only the matter's own unit edits it (``onsite.registries``)."""
    require_capability(user, "onsite.registries")
    rows = scoped_by_own_unit(EnforcementMatter.objects.select_related("unit"), user)
    return one_or_not_found(rows, matter_id, "执法事项不存在，或不在您可查看的范围内。")


def own_items_for_user(user) -> QuerySet[InspectionItem]:
    """The unit's own active inspection items (to link to a matter or a recognition)."""
    unit = own_unit(user)
    if not has_capability(user, "onsite.registries"):
        unit = None
    return inspections_queries.active_items_of_unit(unit)


def recognisable_items() -> QuerySet[InspectionItem]:
    """Any department's active item may be the one whose results another accepts."""
    return inspections_queries.active_items()


def visible_recognitions_for_user(user) -> QuerySet[RecognitionLink]:
    require_capability(user, "onsite.view")
    area = overseen_area(user)
    if area is not None:
        rows = RecognitionLink.objects.filter(counts_for__unit__path__startswith=area.path)
    else:
        unit = own_unit(user)
        if unit is None:
            return RecognitionLink.objects.none()
        rows = RecognitionLink.objects.filter(Q(counts_for__unit=unit) | Q(item__unit=unit))
    return rows.select_related("item__unit", "counts_for__unit").order_by("counts_for__code")


def access_recognition_for_edit(user, link_id: int) -> RecognitionLink:
    require_capability(user, "onsite.registries")
    unit = own_unit(user)
    found = (
        RecognitionLink.objects.filter(pk=link_id, counts_for__unit=unit)
        .select_related("item", "counts_for")
        .first()
        if unit is not None
        else None
    )
    if found is None:
        raise NotFound("执法结果互认记录不存在，或不是本单位登记的。")
    return found


def visible_penalty_notices_for_user(user) -> QuerySet[PenaltyNotice]:
    require_capability(user, "onsite.view")
    area = overseen_area(user)
    if area is not None:
        rows = PenaltyNotice.objects.filter(unit__path__startswith=area.path)
    else:
        unit = own_unit(user)
        if unit is None:
            return PenaltyNotice.objects.none()
        rows = PenaltyNotice.objects.filter(unit=unit)
    return rows.select_related("unit", "enterprise", "matter")


def visible_drawn_refusals_for_user(user) -> QuerySet[DrawnVisitRefusal]:
    """双随机 visits that could not be registered: the unit's own, or the office's area."""
    require_capability(user, "onsite.view")
    area = overseen_area(user)
    if area is not None:
        rows = DrawnVisitRefusal.objects.filter(unit__path__startswith=area.path)
    else:
        unit = own_unit(user)
        if unit is None:
            return DrawnVisitRefusal.objects.none()
        rows = DrawnVisitRefusal.objects.filter(unit=unit)
    return rows.select_related("unit", "visit__campaign")
