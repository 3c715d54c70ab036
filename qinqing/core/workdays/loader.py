"""The calendar in force: package years merged with administrator-entered years.

:func:`get_calendar` is what application code calls. Without Django (a DB-free CLI call, a
pure test) it is the package calendar. With Django set up, years imported into the database
are merged in (they override the package for the same year). The merged calendar is cached
per process; the importing process drops its cache at once, and every process re-checks a
cheap stamp of the ``CalendarYear`` table at most every ``WORKDAYS_CACHE_SECONDS`` (setting,
default 30), so other web workers see an import within that time.

An import inside a transaction that is later rolled back must not leave its year in the cache:
from the moment :func:`note_pending_change` is called until its transaction commits, every
call re-checks the stamp (one small query), so a rollback is noticed at the next call.

Years after the last official one are provisional (computed from the law, see
``provisional.py``) until their notice is imported.

If the database cannot be read (not migrated, unreachable, or blocked as in a pure test), the package calendar is used and a
warning logged; a computation that then needs a missing year raises the usual clear error.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import cache

from qinqing.core.workdays.calendar import WorkdayCalendar
from qinqing.core.workdays.data import YearData, package_years
from qinqing.core.workdays.provisional import provisional_year

logger = logging.getLogger(__name__)

DEFAULT_CACHE_SECONDS = 30.0

_lock = threading.Lock()
_cached: WorkdayCalendar | None = None
_cached_stamp: object = None
_checked_at = 0.0
_pending = False  # an import whose transaction has not committed yet
_warned = False


# Provisional years are computed up to this one (the lunar library covers it comfortably).
PROVISIONAL_HORIZON = 2099


def with_provisional_years(years: list[YearData]) -> list[YearData]:
    """``years`` plus a provisional year for every later year up to the horizon.

    Official years (package or imported) always win; a year after the first official one
    that has no notice, up to :data:`PROVISIONAL_HORIZON`, is computed from the law.
    """
    official = {y.year for y in years}
    if not official:
        return list(years)
    first = min(official)
    return [
        *years,
        *(provisional_year(y) for y in range(first, PROVISIONAL_HORIZON + 1) if y not in official),
    ]


@cache
def package_calendar() -> WorkdayCalendar:
    """The package's years (no database) plus provisional years after them."""
    return WorkdayCalendar(with_provisional_years(list(package_years())))


def _django_ready() -> bool:
    try:
        from django.apps import apps
        from django.conf import settings
    except ImportError:  # pragma: no cover - Django is a dependency
        return False
    return bool(settings.configured and apps.ready)


def _cache_seconds() -> float:
    from django.conf import settings

    return float(getattr(settings, "WORKDAYS_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))


def _db_stamp() -> object:
    from django.db.models import Count, Max, Sum

    from qinqing.core.workdays.models import CalendarYear

    agg = CalendarYear.objects.aggregate(n=Count("id"), last=Max("imported_at"), v=Sum("version"))
    return (agg["n"], agg["last"], agg["v"])


def db_years() -> list[YearData]:
    """The years stored in the database, as :class:`YearData`."""
    from qinqing.core.workdays.models import CalendarYear

    years = CalendarYear.objects.prefetch_related("days").order_by("year")
    return [year.to_year_data() for year in years]


def get_calendar() -> WorkdayCalendar:
    """The calendar in force: package years plus database years (see module docstring)."""
    global _cached, _cached_stamp, _checked_at
    if not _django_ready():
        return package_calendar()
    from django.db import DatabaseError

    with _lock:
        now = time.monotonic()
        if _cached is not None and not _pending and now - _checked_at < _cache_seconds():
            return _cached
        try:
            stamp = _db_stamp()
            if _cached is not None and stamp == _cached_stamp:
                _checked_at = now
                return _cached
            years = db_years()
        except (DatabaseError, RuntimeError) as exc:
            # RuntimeError: no database access here (pytest-django's blocker, async context).
            _warn_once(exc)
            return package_calendar()
        calendar = (
            WorkdayCalendar(with_provisional_years([*package_years(), *years]))
            if years
            else package_calendar()
        )
        _cached, _cached_stamp, _checked_at = calendar, stamp, now
        return calendar


def _warn_once(exc: Exception) -> None:
    global _warned
    level = logging.DEBUG if _warned else logging.WARNING
    _warned = True
    logger.log(level, "workdays: database years unavailable, using package data: %s", exc)


def invalidate_calendar_cache() -> None:
    """Forget the merged calendar; the next :func:`get_calendar` rebuilds it."""
    global _cached, _cached_stamp, _checked_at
    with _lock:
        _cached, _cached_stamp, _checked_at = None, None, 0.0


def note_pending_change() -> None:
    """Called by an import before it writes: distrust the cache until the commit."""
    global _pending
    from django.db import transaction

    invalidate_calendar_cache()
    _pending = True
    transaction.on_commit(_committed)


def _committed() -> None:
    global _pending
    _pending = False
    invalidate_calendar_cache()
