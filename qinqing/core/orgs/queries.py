"""Permission-checked reads of the directory."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from qinqing.core.accounts.access import (
    has_capability,
    profile_of,
    require_capability,
    visible_units,
)
from qinqing.core.accounts.models import Scope
from qinqing.core.actor import AnyUser
from qinqing.core.errors import NotFound
from qinqing.core.orgs.models import Unit, UnitGroup, UnitNameProposal
from qinqing.core.orgs.rules import normalize_name


def directory_root_for_user(user: AnyUser) -> Unit | None:
    """The area the user's directory view starts from."""
    profile = profile_of(user)
    if profile is None or profile.unit is None:
        if profile is not None and profile.role.scope == Scope.GLOBAL:
            return Unit.objects.filter(parent__isnull=True).order_by("path").first()
        return None
    return profile.unit.area()


def visible_directory_units(user: AnyUser) -> QuerySet[Unit]:
    """Units in the directory the user may browse: the whole area they belong to."""
    require_capability(user, "directory.view")
    root = directory_root_for_user(user)
    if root is None:
        return Unit.objects.none()
    profile = profile_of(user)
    if profile is not None and profile.role.scope == Scope.GLOBAL:
        return Unit.objects.all()
    # unit staff may look up any unit of their own area (to know whom to work with)
    return Unit.objects.filter(path__startswith=root.path)


def search_units(user: AnyUser, text: str) -> QuerySet[Unit]:
    qs = visible_directory_units(user)
    norm = normalize_name(text)
    if norm:
        qs = qs.filter(Q(name__contains=norm) | Q(aliases__normalized__contains=norm)).distinct()
    return qs


def access_unit_for_user(user: AnyUser, unit_id: int) -> Unit:
    unit = visible_directory_units(user).filter(pk=unit_id).select_related("parent").first()
    if unit is None:
        raise NotFound("单位不存在，或不在您可查看的范围内。")
    return unit


def access_unit_for_edit(user: AnyUser, unit_id: int) -> Unit:
    require_capability(user, "directory.edit")
    return access_unit_for_user(user, unit_id)


def visible_groups_for_user(user: AnyUser) -> QuerySet[UnitGroup]:
    units = visible_directory_units(user)
    return UnitGroup.objects.filter(
        area__in=units.filter(kind__in=["province", "city", "county", "township"])
    )


def access_group_for_user(user: AnyUser, group_id: int) -> UnitGroup:
    group = visible_groups_for_user(user).filter(pk=group_id).first()
    if group is None:
        raise NotFound("单位集合不存在，或不在您可查看的范围内。")
    return group


def visible_proposals_for_user(user: AnyUser) -> QuerySet[UnitNameProposal]:
    require_capability(user, "directory.edit")
    return UnitNameProposal.objects.filter(area__in=visible_directory_units(user)).select_related(
        "resolved_unit", "resolved_group", "area"
    )


def access_proposal_for_edit(user: AnyUser, proposal_id: int) -> UnitNameProposal:
    proposal = visible_proposals_for_user(user).filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound("待确认名称不存在，或不在您可处理的范围内。")
    return proposal


def can_edit_directory(user: AnyUser) -> bool:
    return has_capability(user, "directory.edit")


__all__ = ["visible_units"]
