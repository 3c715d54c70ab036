"""Read replica for report queries (issue 20, "more than one machine").

With ``QINQING_REPLICA_DATABASE_URL`` set, settings add a ``replica`` database and this
router. Only reads that are explicitly marked as reporting go to the replica:

* code wrapped in :func:`reporting` (a context manager and decorator), and
* GET/HEAD requests to the report pages named in ``QINQING_REPORT_VIEWS`` (dashboards,
  the cockpit, figures and exports), which :class:`ReportingMiddleware` wraps.

Everything else reads the primary, because a page shown after a save must show what was
saved, and the replica lags by up to a few seconds. Writes always go to the primary, and a
read inside a transaction on the primary stays there (it may depend on its own writes).
Logins, sessions and lock-outs never read the replica: a session created a moment ago on
the primary may not have reached it yet. Without a replica configured every query uses
``default``, exactly as before.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

REPLICA = "replica"
PRIMARY = "default"

# Tables a request needs before its report is read: always from the primary.
PRIMARY_ONLY_APPS = frozenset(
    {
        "sessions",
        "auth",
        "accounts",
        "axes",
        "otp_totp",
        "otp_static",
        "contenttypes",
        "django_cache",
    }
)

_reporting: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "qinqing_reporting", default=False
)


@contextmanager
def reporting() -> Iterator[None]:
    """Mark the reads inside as report reads: they may be served by the replica."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def in_reporting() -> bool:
    return _reporting.get()


def replica_configured() -> bool:
    return REPLICA in connections.settings


def read_database(app_label: str) -> str:
    """The alias a read of ``app_label``'s tables goes to now (the router's one decision)."""
    if not _reporting.get() or not replica_configured():
        return PRIMARY
    if app_label in PRIMARY_ONLY_APPS:
        return PRIMARY
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY
    return REPLICA


class ReportReplicaRouter:
    """Django database router: report reads to the replica, all else to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        return read_database(model._meta.app_label)  # type: ignore[attr-defined]

    def db_for_write(self, model: type, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary: same rows, same ids

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY  # the replica follows the primary's schema by replication


def is_report_request(request: HttpRequest) -> bool:
    """A GET or HEAD of one of the report pages named in ``QINQING_REPORT_VIEWS``."""
    if request.method not in ("GET", "HEAD"):
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in getattr(settings, "QINQING_REPORT_VIEWS", ())


class ReportingMiddleware:
    """Run the report pages (``QINQING_REPORT_VIEWS``) under :func:`reporting`.

    Sessions, users and lock-outs stay on the primary (``PRIMARY_ONLY_APPS``), so a session
    created a moment ago is honoured even if the replica has not received it yet.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured() or not is_report_request(request):
            return self.get_response(request)
        with reporting():
            return self.get_response(request)
