"""Pure rules of the notification centre: quiet hours for SMS to enterprises."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def parse_hhmm(text: str) -> dt.time:
    """Examples:
    >>> parse_hhmm("21:00"), parse_hhmm("8:30")
    (datetime.time(21, 0), datetime.time(8, 30))
    """
    hours, minutes = text.strip().split(":")
    return dt.time(int(hours), int(minutes))


def in_quiet_hours(clock: dt.time, start: dt.time, end: dt.time) -> bool:
    """Whether a wall-clock time falls in quiet hours ``[start, end)``, which may span midnight.

    Examples:
        >>> night, morning = dt.time(21), dt.time(8)
        >>> [in_quiet_hours(dt.time(h), night, morning) for h in (7, 8, 12, 20, 21, 23)]
        [True, False, False, False, True, True]
        >>> in_quiet_hours(dt.time(13), dt.time(12), dt.time(14))
        True
        >>> in_quiet_hours(dt.time(13), dt.time(0), dt.time(0))  # no quiet hours
        False
    """
    if start == end:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def quiet_hours_end(
    now: dt.datetime, start: dt.time, end: dt.time, tz: dt.tzinfo = SHANGHAI
) -> dt.datetime | None:
    """When the quiet hours containing ``now`` end (an aware datetime), or ``None`` if ``now``
    is outside them.

    Examples:
        >>> night, morning = dt.time(21), dt.time(8)
        >>> quiet_hours_end(dt.datetime(2025, 7, 1, 22, 30, tzinfo=SHANGHAI), night, morning)
        datetime.datetime(2025, 7, 2, 8, 0, tzinfo=zoneinfo.ZoneInfo(key='Asia/Shanghai'))
        >>> quiet_hours_end(dt.datetime(2025, 7, 2, 6, 0, tzinfo=SHANGHAI), night, morning)
        datetime.datetime(2025, 7, 2, 8, 0, tzinfo=zoneinfo.ZoneInfo(key='Asia/Shanghai'))
        >>> quiet_hours_end(dt.datetime(2025, 7, 2, 9, 0, tzinfo=SHANGHAI), night, morning) is None
        True
    """
    local = now.astimezone(tz)
    if not in_quiet_hours(local.time(), start, end):
        return None
    day = local.date()
    if local.time() >= end:  # evening part of an overnight span: ends tomorrow morning
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=tz)
