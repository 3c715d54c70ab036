"""Permission-checked reads of 双随机、一公开 and credit records.

* Office and leader (jurisdiction roles with ``inspections.view``) see everything of their
  area and the areas below it: items and inspectors of its departments, its campaigns and
  all their visits, its credit records. Only the office writes (``inspections.manage``).
* Unit staff see their own unit's items and inspectors, the campaigns that include one of
  their items, and the visits where their unit has an item or an inspector; they record
  results for their own items (``inspections.results``).
* Enterprises and everyone else see nothing internal; the public page shows what may be
  published.

"Missing" and "not yours" raise the same :class:`NotFound`.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from qinqing.core.accounts.access import (
    has_capability,
    one_or_not_found,
    own_unit,
    require_capability,
    scope_area,
    scoped_by_area,
    scoped_by_unit,
)
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import NotFound, PermissionDenied
from qinqing.core.orgs.models import AREA_KINDS, Unit
from qinqing.inspections.models import (
    Campaign,
    CampaignState,
    CreditListEntry,
    CreditRepairRequest,
    CreditTierChange,
    InspectionItem,
    Inspector,
    LocalQuietDays,
    QuietPeriod,
    Visit,
    VisitItem,
)
from qinqing.inspections.rules import region_prefix

# ---------------------------------------------------------------- scope


def can_manage(user) -> bool:
    return has_capability(user, "inspections.manage") and scope_area(user) is not None


def can_record_results(user) -> bool:
    return has_capability(user, "inspections.results") and own_unit(user) is not None


def is_overseer(user) -> bool:
    """Office or leader of an area: sees the whole campaign, may download its files."""
    return has_capability(user, "inspections.view") and scope_area(user) is not None


def department_units_for_user(user) -> QuerySet[Unit]:
    """Departments of the office's area that may own items and inspectors."""
    require_capability(user, "inspections.manage")
    area = scope_area(user)
    if area is None:
        return Unit.objects.none()
    return (
        Unit.objects.filter(path__startswith=area.path, active=True)
        .exclude(kind__in=AREA_KINDS)
        .order_by("path", "sort_order", "name")
    )


def campaign_areas_for_user(user) -> QuerySet[Unit]:
    """Areas the office may plan a campaign for: its own area and the areas below it."""
    require_capability(user, "inspections.manage")
    area = scope_area(user)
    if area is None:
        return Unit.objects.none()
    return Unit.objects.filter(path__startswith=area.path, kind__in=AREA_KINDS, active=True)


# ---------------------------------------------------------------- 一单两库


def visible_items_for_user(user) -> QuerySet[InspectionItem]:
    require_capability(user, "inspections.view")
    return scoped_by_unit(InspectionItem.objects.all(), user)


def access_item_for_user(user, item_id: int) -> InspectionItem:
    item = one_or_not_found(
        visible_items_for_user(user).select_related("unit"),
        item_id,
        "检查事项不存在，或不在您可查看的范围内。",
    )
    return item


def access_item_for_edit(user, item_id: int) -> InspectionItem:
    item = access_item_for_user(user, item_id)
    require_capability(user, "inspections.manage")
    return item


def visible_inspectors_for_user(user) -> QuerySet[Inspector]:
    require_capability(user, "inspections.view")
    return scoped_by_unit(Inspector.objects.all(), user)


def access_inspector_for_user(user, inspector_id: int) -> Inspector:
    inspector = (
        visible_inspectors_for_user(user).filter(pk=inspector_id).select_related("unit").first()
    )
    if inspector is None:
        raise NotFound("执法检查人员不存在，或不在您可查看的范围内。")
    return inspector


def access_inspector_for_edit(user, inspector_id: int) -> Inspector:
    inspector = access_inspector_for_user(user, inspector_id)
    require_capability(user, "inspections.manage")
    return inspector


def visible_quiet_periods_for_user(user) -> QuerySet[QuietPeriod]:
    """Enterprise quiet periods: the office and leaders of the area (unit staff: none)."""
    require_capability(user, "inspections.view")
    return scoped_by_area(QuietPeriod.objects.all(), user)


def access_quiet_period_for_edit(user, period_id: int) -> QuietPeriod:
    period = one_or_not_found(
        visible_quiet_periods_for_user(user),
        period_id,
        "宁静期记录不存在，或不在您可查看的范围内。",
    )
    require_capability(user, "inspections.manage")
    return period


def visible_local_quiet_days_for_user(user) -> QuerySet[LocalQuietDays]:
    require_capability(user, "inspections.view")
    return scoped_by_area(LocalQuietDays.objects.all(), user)


def access_local_quiet_days_for_edit(user, rule_id: int) -> LocalQuietDays:
    rule = one_or_not_found(
        visible_local_quiet_days_for_user(user),
        rule_id,
        "全域宁静日记录不存在，或不在您可查看的范围内。",
    )
    require_capability(user, "inspections.manage")
    return rule


def local_quiet_days_for_area(area: Unit) -> QuerySet[LocalQuietDays]:
    """Active 宁静日 rules of an area and of the areas above it (a city's rule binds its counties)."""
    ancestors = [int(pk) for pk in area.path.strip("/").split("/") if pk]
    return LocalQuietDays.objects.filter(area_id__in=ancestors, active=True)


def quiet_periods_between(
    start: date, end: date, *, enterprise_ids: list[int] | None = None
) -> dict[str, list[tuple[date, date]]]:
    """Enterprise quiet periods overlapping ``[start, end]``, by USCC (unchecked, internal).

    What the draw (``pools.campaign_inputs``) and the registration of on-site checks
    (``qinqing.onsite``) feed to the shared rule ``rules.quiet_window_conflict``.
    """
    rows = QuietPeriod.objects.filter(start_on__lte=end, end_on__gte=start)
    if enterprise_ids is not None:
        rows = rows.filter(enterprise_id__in=enterprise_ids)
    out: dict[str, list[tuple[date, date]]] = {}
    for uscc, a, b in rows.values_list("enterprise__uscc", "start_on", "end_on"):
        out.setdefault(uscc, []).append((a, b))
    return out


# ---------------------------------------------------------------- campaigns


def visible_campaigns_for_user(user) -> QuerySet[Campaign]:
    require_capability(user, "inspections.view")
    area = scope_area(user)
    if area is not None:
        return Campaign.objects.filter(area__path__startswith=area.path)
    unit = own_unit(user)
    if unit is not None:
        return Campaign.objects.filter(items__unit=unit).distinct()
    return Campaign.objects.none()


def access_campaign_for_user(user, campaign_id: int) -> Campaign:
    campaign = (
        visible_campaigns_for_user(user).filter(pk=campaign_id).select_related("area").first()
    )
    if campaign is None:
        raise NotFound("抽查计划不存在，或不在您可查看的范围内。")
    return campaign


def access_campaign_for_edit(user, campaign_id: int) -> Campaign:
    """For the office's writes: 404 when not visible, then 403 without ``inspections.manage``."""
    campaign = access_campaign_for_user(user, campaign_id)
    require_capability(user, "inspections.manage")
    return campaign


def access_campaign_files_for_user(user, campaign_id: int) -> Campaign:
    """The verification package (inputs + DRAW.json) is for the office and leaders.

    The inspector table carries the officers' declared conflicts (回避关系), which are
    never published; the public page shows the hashes of every file instead.
    """
    campaign = access_campaign_for_user(user, campaign_id)
    if not is_overseer(user):
        raise PermissionDenied(
            "核验文件包含执法检查人员的回避关系，只提供给营商办和领导。"
            "如需核验，请联系营商办；公开页面列有各文件的 SHA-256。"
        )
    return campaign


def visible_visits_for_user(user, campaign: Campaign | None = None) -> QuerySet[Visit]:
    require_capability(user, "inspections.view")
    visits = Visit.objects.all() if campaign is None else Visit.objects.filter(campaign=campaign)
    area = scope_area(user)
    if area is not None:
        return visits.filter(campaign__area__path__startswith=area.path)
    unit = own_unit(user)
    if unit is not None:
        return visits.filter(Q(visit_items__item__unit=unit) | Q(inspectors__unit=unit)).distinct()
    return visits.none()


def access_visit_for_user(user, visit_id: int) -> Visit:
    visit = (
        visible_visits_for_user(user)
        .filter(pk=visit_id)
        .select_related("campaign", "campaign__area")
        .first()
    )
    if visit is None:
        raise NotFound("检查对象不存在，或不在您可查看的范围内。")
    return visit


def result_items_for_user(user, visit: Visit) -> QuerySet[VisitItem]:
    """The items of a visit whose results this user may record (their own unit's)."""
    if not can_record_results(user):
        return VisitItem.objects.none()
    return visit.visit_items.filter(item__unit=own_unit(user))


# ---------------------------------------------------------------- credit


def _credit_scope(user, model):
    require_capability(user, "inspections.view")
    return scoped_by_area(model.objects.all(), user)


def can_view_credit(user) -> bool:
    return is_overseer(user)


def visible_tier_changes_for_user(user) -> QuerySet[CreditTierChange]:
    return _credit_scope(user, CreditTierChange)


def visible_list_entries_for_user(user) -> QuerySet[CreditListEntry]:
    return _credit_scope(user, CreditListEntry)


def visible_repairs_for_user(user) -> QuerySet[CreditRepairRequest]:
    return _credit_scope(user, CreditRepairRequest)


def credit_enterprises_for_user(user) -> QuerySet[Enterprise]:
    """Enterprises whose credit the office and leaders handle (registry is city-wide).

    An area with a 行政区划代码 (``Unit.code``) sees only the enterprises registered there.
    """
    require_capability(user, "inspections.view")
    if not is_overseer(user):
        return Enterprise.objects.none()
    area = scope_area(user)
    prefix = region_prefix(area.code) if area is not None else ""
    if prefix:
        return Enterprise.objects.filter(region_code__startswith=prefix)
    return Enterprise.objects.all()


def access_credit_enterprise_for_user(user, uscc: str) -> Enterprise:
    enterprise = credit_enterprises_for_user(user).filter(uscc=uscc).first()
    if enterprise is None:
        raise NotFound("企业不存在，或您没有查看其信用记录的权限。")
    return enterprise


def access_list_entry_for_edit(user, entry_id: int) -> CreditListEntry:
    entry = one_or_not_found(
        visible_list_entries_for_user(user), entry_id, "名单记录不存在，或不在您可查看的范围内。"
    )
    require_capability(user, "inspections.manage")
    return entry


def access_repair_for_user(user, repair_id: int) -> CreditRepairRequest:
    repair = (
        visible_repairs_for_user(user).filter(pk=repair_id).select_related("enterprise").first()
    )
    if repair is None:
        raise NotFound("信用修复申请不存在，或不在您可查看的范围内。")
    return repair


def access_repair_for_edit(user, repair_id: int) -> CreditRepairRequest:
    repair = access_repair_for_user(user, repair_id)
    require_capability(user, "inspections.manage")
    return repair


# ---------------------------------------------------------------- public (一公开)


PUBLIC_STATES = (CampaignState.COMMITTED, CampaignState.DRAWN, CampaignState.PUBLISHED)


def public_campaigns() -> QuerySet[Campaign]:
    """Campaigns with a published commitment (no login needed), cancelled ones included.

    A commitment once published stays public with the reason for a cancellation, so that
    committing, looking and re-committing with another seed would show.
    """
    return (
        Campaign.objects.filter(
            Q(state__in=PUBLIC_STATES)
            | Q(state=CampaignState.CANCELLED, committed_at__isnull=False)
        )
        .select_related("area")
        .order_by("-committed_at", "-id")
    )


def access_public_campaign(campaign_id: int) -> Campaign:
    campaign = public_campaigns().filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound("抽查计划不存在或尚未公布。")
    return campaign


def public_results(campaign: Campaign) -> QuerySet[VisitItem]:
    """Results that may be published: recorded and released, in a published campaign."""
    if campaign.state != CampaignState.PUBLISHED:
        return VisitItem.objects.none()
    return (
        VisitItem.objects.filter(visit__campaign=campaign, published_at__isnull=False)
        .exclude(result="")
        .select_related("visit", "item", "item__unit")
        .order_by("visit__number", "item__code")
    )


# ---------------------------------------------------------------- for apps built on inspections


def drawn_visits(campaign_id: int) -> QuerySet[Visit]:
    """A drawn campaign's visits with their items and team (unchecked: for jobs and receivers)."""
    return (
        Visit.objects.filter(
            campaign_id=campaign_id,
            campaign__state__in=[CampaignState.DRAWN, CampaignState.PUBLISHED],
        )
        .select_related("campaign__area", "enterprise")
        .prefetch_related("visit_items__item", "inspectors")
        .order_by("number")
    )


def campaigns_with_visits_from(day: date) -> list[int]:
    """Drawn campaigns that still have visits planned on or after ``day``."""
    return list(
        Campaign.objects.filter(
            state__in=[CampaignState.DRAWN, CampaignState.PUBLISHED], visits__planned_on__gte=day
        )
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )


def inspector_of_user(user) -> Inspector | None:
    """The active inspector whose login ``user`` is (码上监督 scans as the person)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Inspector.objects.filter(user=user, active=True).select_related("unit").first()


def region_names(prefixes: list[str]) -> dict[str, str]:
    """The directory's name of each region prefix (``4206`` → the unit coded 420600)."""
    wanted = set(prefixes)
    names: dict[str, str] = {}
    for code, name in Unit.objects.filter(active=True).exclude(code="").values_list("code", "name"):
        prefix = region_prefix(code)
        if prefix in wanted and prefix not in names:
            names[prefix] = name
    return names


# ---------------------------------------------------------------------------------------
# Reads for the on-site checks app: items and inspectors, never through the tables
# ---------------------------------------------------------------------------------------


def active_items_of_unit(unit: Unit | None) -> QuerySet[InspectionItem]:
    """A department's active inspection items, by code (none for no unit)."""
    if unit is None:
        return InspectionItem.objects.none()
    return InspectionItem.objects.filter(unit=unit, active=True).order_by("code")


def active_items() -> QuerySet[InspectionItem]:
    """Every department's active items, by code, with their unit."""
    return InspectionItem.objects.filter(active=True).select_related("unit").order_by("code")


def items_with_codes(codes: list[str]) -> QuerySet[InspectionItem]:
    return InspectionItem.objects.filter(code__in=codes)


def active_inspectors_of_unit(unit: Unit | None) -> QuerySet[Inspector]:
    """A department's active inspectors, by certificate number (none for no unit)."""
    if unit is None:
        return Inspector.objects.none()
    return Inspector.objects.filter(unit=unit, active=True).order_by("certificate_number")
