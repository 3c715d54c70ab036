"""Working-day calendar (工作日历): holidays, make-up working days and time limits.

Public API (see docs/dev/workdays.md):

* :func:`get_calendar` → :class:`WorkdayCalendar`, the calendar in force (package years plus
  years an administrator imported), with ``add_workdays``, ``workdays_between``,
  ``next_workday``, ``is_workday`` and their ``*_array`` forms over numpy ``datetime64``;
* :func:`add_workdays`, :func:`workdays_between`, :func:`next_workday`, :func:`is_workday`:
  the same on :func:`get_calendar` (or on ``calendar=`` when given);
* :class:`TimeLimit`, :class:`TimeUnit`, :class:`OfficeHours`, :func:`due_at`,
  :func:`due_on`, :func:`deemed_received_on`, :func:`parse_time_limit`: time limits;
* :class:`MissingCalendarYear`: the ``InvalidInput`` raised when a year has no data.

Database models (``CalendarYear``, ``CalendarDay``) and ``service.import_notice`` are not
imported here, so that this package stays usable without Django.
"""

from __future__ import annotations

import datetime as dt

from qinqing.core.workdays.calendar import DayInfo, MissingCalendarYear, WorkdayCalendar
from qinqing.core.workdays.loader import get_calendar, invalidate_calendar_cache
from qinqing.core.workdays.rules import (
    DEFAULT_OFFICE_HOURS,
    OfficeHours,
    TimeLimit,
    TimeUnit,
    deemed_received_on,
    due_at,
    due_on,
    parse_time_limit,
)

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "DayInfo",
    "MissingCalendarYear",
    "OfficeHours",
    "TimeLimit",
    "TimeUnit",
    "WorkdayCalendar",
    "add_workdays",
    "deemed_received_on",
    "due_at",
    "due_on",
    "get_calendar",
    "invalidate_calendar_cache",
    "is_workday",
    "next_workday",
    "parse_time_limit",
    "workdays_between",
]


def add_workdays(day: dt.date, n: int, *, calendar: WorkdayCalendar | None = None) -> dt.date:
    """The n-th working day after ``day`` (``day`` not counted); see :class:`WorkdayCalendar`."""
    return (calendar or get_calendar()).add_workdays(day, n)


def workdays_between(
    start: dt.date, end: dt.date, *, calendar: WorkdayCalendar | None = None
) -> int:
    """Working days after ``start`` up to and including ``end``."""
    return (calendar or get_calendar()).workdays_between(start, end)


def next_workday(day: dt.date, *, calendar: WorkdayCalendar | None = None) -> dt.date:
    """The first working day after ``day``."""
    return (calendar or get_calendar()).next_workday(day)


def is_workday(day: dt.date, *, calendar: WorkdayCalendar | None = None) -> bool:
    return (calendar or get_calendar()).is_workday(day)
