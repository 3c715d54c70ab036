"""Server-side access checks shared by every domain (STYLE.md §6).

``has_capability`` answers "may this role do X"; ``visible_units`` answers "whose data may
this user see". Domains build their ``visible_*_for_user`` querysets on these two.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from qinqing.core.accounts.models import Profile, Role, Scope
from qinqing.core.actor import AnyUser
from qinqing.core.errors import NotFound, PermissionDenied
from qinqing.core.orgs.models import Unit

OFFICE_ADMIN = "office_admin"
UNIT_STAFF = "unit_staff"
LEADER = "leader"
ENTERPRISE = "enterprise"
SITE_ADMIN = "site_admin"
DISCIPLINE = "discipline"

M = TypeVar("M", bound=Model)


def profile_of(user: AnyUser | None) -> Profile | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.pk is None:
        return None
    cache = user.__dict__  # one profile query per request's user object
    if "_qinqing_profile" in cache:
        cached: Profile | None = cache["_qinqing_profile"]
        return cached
    profile = (
        Profile.objects.select_related("role", "unit", "unit__parent")
        .filter(user_id=int(user.pk))
        .first()
    )
    cache["_qinqing_profile"] = profile
    return profile


def role_of(user: AnyUser) -> Role | None:
    profile = profile_of(user)
    return profile.role if profile else None


def has_role(user: AnyUser, code: str) -> bool:
    role = role_of(user)
    return role is not None and role.code == code


def has_capability(user: AnyUser, capability: str) -> bool:
    role = role_of(user)
    return role is not None and capability in (role.capabilities or [])


def require_capability(user: AnyUser, capability: str) -> None:
    if not has_capability(user, capability):
        from qinqing.core.accounts.capabilities import CAPABILITY_LABELS

        label = CAPABILITY_LABELS.get(capability, capability)
        raise PermissionDenied(
            f"您的账号没有“{label}”的权限。如需办理，请联系本单位管理员或营商办。"
        )


def user_unit(user: AnyUser) -> Unit | None:
    profile = profile_of(user)
    return profile.unit if profile else None


def user_uscc(user: AnyUser) -> str:
    profile = profile_of(user)
    if profile is None or profile.role.scope != Scope.ENTERPRISE:
        return ""
    return profile.uscc


def scope_area(user: AnyUser) -> Unit | None:
    """The area whose data the user may see (jurisdiction roles), or ``None``."""
    profile = profile_of(user)
    if profile is None or profile.unit is None or profile.role.scope != Scope.JURISDICTION:
        return None
    return profile.unit.area()


def own_unit(user: AnyUser) -> Unit | None:
    """The unit of a unit-scoped role (department staff), or ``None`` for any other role."""
    profile = profile_of(user)
    if profile is None or profile.role.scope != Scope.UNIT:
        return None
    return profile.unit


def scoped_by_unit(
    queryset: QuerySet[M], user: AnyUser, *, field: str = "unit", area_field: str = ""
) -> QuerySet[M]:
    """The usual ``visible_*_for_user`` rule for rows that belong to a unit: a jurisdiction
    role (office, leader) sees the rows whose unit (``area_field`` where the row names its
    area apart) lies in its area or below, unit staff see their own unit's rows, every other
    role sees none. Capabilities are the caller's to check first."""
    area = scope_area(user)
    if area is not None:
        return queryset.filter(**{f"{area_field or field}__path__startswith": area.path})
    unit = own_unit(user)
    if unit is not None:
        return queryset.filter(**{field: unit})
    return queryset.none()


def scoped_by_own_unit(queryset: QuerySet[M], user: AnyUser, *, field: str = "unit") -> QuerySet[M]:
    """Rows of the user's own unit, for unit staff only (what they may edit); others none."""
    unit = own_unit(user)
    if unit is None:
        return queryset.none()
    return queryset.filter(**{field: unit})


def scoped_by_area(queryset: QuerySet[M], user: AnyUser, *, field: str = "area") -> QuerySet[M]:
    """Rows that belong to an area: jurisdiction roles see their area and below; others none."""
    area = scope_area(user)
    if area is None:
        return queryset.none()
    return queryset.filter(**{f"{field}__path__startswith": area.path})


def one_or_not_found(queryset: QuerySet[M], pk: int, message: str) -> M:
    """The row ``pk`` of an already scoped queryset, or :class:`NotFound` with ``message``:
    "missing" and "not yours" read the same, so ids cannot be probed."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise NotFound(message)
    return found


def visible_units(user: AnyUser) -> QuerySet[Unit]:
    """Units whose assigned work the user may see."""
    profile = profile_of(user)
    if profile is None:
        return Unit.objects.none()
    scope = profile.role.scope
    if scope == Scope.GLOBAL:
        return Unit.objects.all()
    if scope == Scope.JURISDICTION and profile.unit is not None:
        return Unit.objects.filter(path__startswith=profile.unit.area().path)
    if scope == Scope.UNIT and profile.unit is not None:
        return Unit.objects.filter(pk=profile.unit.pk)
    return Unit.objects.none()


def can_see_unit(user: AnyUser, unit: Unit | None) -> bool:
    if unit is None:
        return False
    return visible_units(user).filter(pk=unit.pk).exists()


def is_read_only(user: AnyUser) -> bool:
    role = role_of(user)
    return role is None or role.read_only
