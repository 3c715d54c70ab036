"""Who may read which audit events."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from qinqing.core.accounts.access import profile_of, require_capability, visible_units
from qinqing.core.accounts.models import Scope
from qinqing.core.audit.models import AuditEvent, Visibility
from qinqing.core.orgs.models import Unit


def visible_events_for_user(user: User | AnonymousUser) -> QuerySet[AuditEvent]:
    """Global roles (site admins) see every event; leaders and the office see the events of
    the units in their area; the discipline role sees the restricted events of its area.

    Every event belongs to an area: an event without a unit is visible to global roles only,
    so a county office never reads the city's (or a system job's) events.
    """
    require_capability(user, "audit.view")
    profile = profile_of(user)
    if profile is None:  # not reached: require_capability refuses an account without one
        return AuditEvent.objects.none()
    scope = profile.role.scope
    if scope == Scope.GLOBAL:
        return AuditEvent.objects.all()
    if scope == Scope.REFERRED:
        if profile.unit is None:
            return AuditEvent.objects.none()
        area = profile.unit.area()
        unit_ids = Unit.objects.filter(path__startswith=area.path).values_list("pk", flat=True)
        return AuditEvent.objects.filter(unit_id__in=unit_ids, visibility=Visibility.RESTRICTED)
    unit_ids = visible_units(user).values_list("pk", flat=True)
    return AuditEvent.objects.filter(unit_id__in=unit_ids)


def public_events() -> QuerySet[AuditEvent]:
    """Events that may be published (一公开)."""
    return AuditEvent.objects.filter(visibility=Visibility.PUBLIC)
