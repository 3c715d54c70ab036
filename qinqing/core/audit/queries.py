"""Who may read which audit events."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from qinqing.core.accounts.access import profile_of, require_capability, visible_units
from qinqing.core.accounts.models import Scope
from qinqing.core.audit.models import AuditEvent, Visibility


def visible_events_for_user(user) -> QuerySet[AuditEvent]:
    """Leaders, the office and site admins see the events of the units in their scope and
    the events not tied to a unit; nobody else reads the trail."""
    require_capability(user, "audit.view")
    profile = profile_of(user)
    if profile.role.scope == Scope.GLOBAL:
        return AuditEvent.objects.all()
    unit_ids = visible_units(user).values_list("pk", flat=True)
    return AuditEvent.objects.filter(Q(unit_id__in=unit_ids) | Q(unit_id__isnull=True))


def public_events() -> QuerySet[AuditEvent]:
    """Events that may be published (一公开)."""
    return AuditEvent.objects.filter(visibility=Visibility.PUBLIC)
