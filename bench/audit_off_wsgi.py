# ruff: noqa: I001  (qinqing.wsgi first: it sets Django up)
"""The WSGI application with the audit record switched off, for bench/audit.py's reference
run only (what intake would cost with no audit trail at all). Never deploy this."""

from qinqing.wsgi import application  # noqa: F401  (sets Django up)
from qinqing.core.audit import service
from qinqing.core.audit.models import AuditEvent


def _no_record(actor, verb, obj, **kwargs):
    return AuditEvent(verb=verb)


service.record = _no_record
