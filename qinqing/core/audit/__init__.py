"""Audit trail: ``record(actor, verb, obj, before=…, after=…)`` inside the caller's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qinqing.core.audit.models import AuditEvent


def record(actor: Any, verb: str, obj: Any, **kwargs: Any) -> AuditEvent:
    """Append an audit event (see :func:`qinqing.core.audit.service.record`)."""
    from qinqing.core.audit.service import record as _record

    return _record(actor, verb, obj, **kwargs)
