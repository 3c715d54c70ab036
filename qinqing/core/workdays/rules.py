"""Time limits (时限) and their deadlines: pure rules, no database, no clock.

Every time limit carries its unit, because the seed documents use all three:
working days (the default, 「3个工作日」), natural days (002 「到达本级15日内」,
001 「付款时间压缩至25日」) and hours (000 「24小时内」).

The rules, in the order they apply (see docs/dev/workdays.md):

1. **Deemed receipt day (视为受理日).** An item received on a working day before the office
   closes (``OfficeHours.closes_at``, 17:30 Asia/Shanghai by default) is received that day.
   An item received after closing time, or on a rest day (weekend, public holiday), is
   treated as received on the next working day. Make-up Saturdays/Sundays are working days.
2. **The start day is not counted** (《民法典》第二百零一条: 开始的当日不计入，自下一日开始计算).
   ``N`` working days run from the first working day after the deemed receipt day.
3. **Natural days** are calendar days after the deemed receipt day; if the last one is a rest
   day, the deadline moves to the next working day (《民法典》第二百零三条: 期间的最后一日是
   法定休假日的，以法定休假日结束的次日为期间的最后一日).
4. **The deadline is the office's closing time on the due day** (《民法典》第二百零三条: 有业务
   时间的，停止业务活动的时间为截止时间).
5. **Hours are natural, elapsed hours** from the exact moment of receipt, through nights,
   weekends and holidays: 「24小时内」 received Friday 20:00 is due Saturday 20:00. They need
   no calendar data.

Examples:
    >>> from qinqing.core.workdays.calendar import WorkdayCalendar
    >>> from qinqing.core.workdays.data import package_years
    >>> cal = WorkdayCalendar(package_years())
    >>> due_on(dt.date(2025, 9, 30), TimeLimit(3), calendar=cal)
    datetime.date(2025, 10, 11)
    >>> received = dt.datetime(2025, 9, 30, 18, 0, tzinfo=SHANGHAI)  # after 17:30
    >>> due_at(received, TimeLimit(3), calendar=cal).isoformat()
    '2025-10-13T17:30:00+08:00'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from qinqing.core.errors import InvalidInput

if TYPE_CHECKING:
    from qinqing.core.workdays.calendar import WorkdayCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


class TimeUnit(StrEnum):
    """The unit of a time limit (stable English values; Chinese labels via ``.label``)."""

    WORKDAYS = "workdays"
    NATURAL_DAYS = "natural_days"
    HOURS = "hours"

    @property
    def label(self) -> str:
        return {"workdays": "工作日", "natural_days": "自然日", "hours": "小时"}[self.value]


@dataclass(frozen=True)
class TimeLimit:
    """A time limit: an amount and its unit (working days unless said otherwise).

    Examples:
        >>> str(TimeLimit(3)), str(TimeLimit(15, TimeUnit.NATURAL_DAYS)), str(TimeLimit(24, "hours"))
        ('3 个工作日', '15 个自然日', '24 小时')
        >>> TimeLimit(-1)
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 时限不能为负数（收到 -1 个工作日）。请填写 0 或正整数。
    """

    amount: int
    unit: TimeUnit = TimeUnit.WORKDAYS

    def __post_init__(self) -> None:
        try:
            unit = TimeUnit(self.unit)
        except ValueError:
            raise InvalidInput(
                f"时限单位“{self.unit}”无法识别。可用的单位：工作日（workdays）、"
                f"自然日（natural_days）、小时（hours）。"
            ) from None
        object.__setattr__(self, "unit", unit)
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise InvalidInput(f"时限必须是整数（收到“{self.amount}”）。")
        if self.amount < 0:
            raise InvalidInput(
                f"时限不能为负数（收到 {self.amount} 个{unit.label}）。请填写 0 或正整数。"
            )

    def __str__(self) -> str:
        if self.unit is TimeUnit.HOURS:
            return f"{self.amount} 小时"
        return f"{self.amount} 个{self.unit.label}"


@dataclass(frozen=True)
class OfficeHours:
    """When the office stops accepting items for the day (configurable per locality)."""

    closes_at: dt.time = dt.time(17, 30)
    tz: ZoneInfo = SHANGHAI


DEFAULT_OFFICE_HOURS = OfficeHours()

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_LIMIT_RE = re.compile(
    r"^\s*(?P<amount>\d+|[零一二两三四五六七八九十]+)\s*(?:个)?\s*"
    r"(?P<unit>工作日|个?自然日|日|天|小时|钟头)\s*(?:内|以内)?\s*$"
)


def _chinese_number(text: str) -> int:
    # Enough for time limits: 一 … 九十九.
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[text]


def parse_time_limit(text: str) -> TimeLimit:
    """Read a time limit written the way documents write it.

    「日」 and 「天」 without 「工作」 are natural days, as in 002 「到达本级15日内」.

    Examples:
        >>> parse_time_limit("3个工作日"), parse_time_limit("15日内"), parse_time_limit("24小时内")
        (TimeLimit(amount=3, unit=<TimeUnit.WORKDAYS: 'workdays'>), TimeLimit(amount=15, unit=<TimeUnit.NATURAL_DAYS: 'natural_days'>), TimeLimit(amount=24, unit=<TimeUnit.HOURS: 'hours'>))
        >>> parse_time_limit("十五个工作日").amount
        15
        >>> parse_time_limit("尽快")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 时限“尽快”无法识别。请写成“3个工作日”“15日”（自然日）或“24小时”的形式。
    """
    match = _LIMIT_RE.match(text or "")
    if not match:
        raise InvalidInput(
            f"时限“{text}”无法识别。请写成“3个工作日”“15日”（自然日）或“24小时”的形式。"
        )
    amount = _chinese_number(match["amount"])
    word = match["unit"]
    if word == "工作日":
        unit = TimeUnit.WORKDAYS
    elif word in ("小时", "钟头"):
        unit = TimeUnit.HOURS
    else:
        unit = TimeUnit.NATURAL_DAYS
    return TimeLimit(amount, unit)


def _check_aware(moment: dt.datetime) -> None:
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"expected an aware datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware datetime (USE_TZ = True)")


def deemed_received_on(
    received_at: dt.datetime,
    *,
    calendar: WorkdayCalendar,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> dt.date:
    """The working day an item counts as received (rule 1).

    Examples:
        >>> from qinqing.core.workdays.calendar import WorkdayCalendar
        >>> from qinqing.core.workdays.data import package_years
        >>> cal = WorkdayCalendar(package_years())
        >>> at = lambda *a: dt.datetime(*a, tzinfo=SHANGHAI)
        >>> deemed_received_on(at(2025, 10, 9, 17, 29), calendar=cal)  # before closing
        datetime.date(2025, 10, 9)
        >>> deemed_received_on(at(2025, 10, 9, 17, 30), calendar=cal)  # at closing: next day
        datetime.date(2025, 10, 10)
        >>> deemed_received_on(at(2025, 10, 3, 10, 0), calendar=cal)  # 国庆节
        datetime.date(2025, 10, 9)
        >>> deemed_received_on(at(2025, 10, 11, 10, 0), calendar=cal)  # make-up Saturday
        datetime.date(2025, 10, 11)
    """
    _check_aware(received_at)
    local = received_at.astimezone(office_hours.tz)
    day = local.date()
    if calendar.is_workday(day) and local.time() < office_hours.closes_at:
        return day
    return calendar.next_workday(day)


def due_on(received_on: dt.date, limit: TimeLimit, *, calendar: WorkdayCalendar) -> dt.date:
    """The due date of an item received on ``received_on`` during office hours.

    A rest day ``received_on`` counts as the next working day (rule 1). Hours need the time
    of receipt: use :func:`due_at`.

    Examples:
        >>> from qinqing.core.workdays.calendar import WorkdayCalendar
        >>> from qinqing.core.workdays.data import package_years
        >>> cal = WorkdayCalendar(package_years())
        >>> due_on(dt.date(2025, 9, 30), TimeLimit(3), calendar=cal)
        datetime.date(2025, 10, 11)
        >>> due_on(dt.date(2025, 10, 4), TimeLimit(1), calendar=cal)  # received in the holiday
        datetime.date(2025, 10, 10)
        >>> due_on(dt.date(2025, 9, 24), TimeLimit(15, TimeUnit.NATURAL_DAYS), calendar=cal)
        datetime.date(2025, 10, 9)
        >>> due_on(dt.date(2025, 9, 16), TimeLimit(15, TimeUnit.NATURAL_DAYS), calendar=cal)  # 10-01 is 国庆节
        datetime.date(2025, 10, 9)
        >>> due_on(dt.date(2025, 9, 24), TimeLimit(24, TimeUnit.HOURS), calendar=cal)
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 时限“24 小时”按小时计算，需要具体的接收时间（日期和时刻），不能只按日期计算。
    """
    limit = _check_limit(limit)
    if limit.unit is TimeUnit.HOURS:
        raise InvalidInput(
            f"时限“{limit}”按小时计算，需要具体的接收时间（日期和时刻），不能只按日期计算。"
        )
    start = calendar.workday_on_or_after(received_on)
    if limit.unit is TimeUnit.WORKDAYS:
        return calendar.add_workdays(start, limit.amount)
    return calendar.workday_on_or_after(start + dt.timedelta(days=limit.amount))


def due_at(
    received_at: dt.datetime,
    limit: TimeLimit,
    *,
    calendar: WorkdayCalendar,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> dt.datetime:
    """The deadline (aware, in the office's time zone) of an item received at ``received_at``.

    Examples:
        >>> from qinqing.core.workdays.calendar import WorkdayCalendar
        >>> from qinqing.core.workdays.data import package_years
        >>> cal = WorkdayCalendar(package_years())
        >>> at = lambda *a: dt.datetime(*a, tzinfo=SHANGHAI)
        >>> due_at(at(2025, 9, 30, 10, 0), TimeLimit(3), calendar=cal).isoformat()
        '2025-10-11T17:30:00+08:00'
        >>> due_at(at(2025, 9, 26, 20, 0), TimeLimit(24, TimeUnit.HOURS), calendar=cal).isoformat()
        '2025-09-27T20:00:00+08:00'
        >>> due_at(at(2025, 9, 30, 10, 0), TimeLimit(0), calendar=cal).isoformat()  # 当日办结
        '2025-09-30T17:30:00+08:00'
    """
    _check_aware(received_at)
    limit = _check_limit(limit)
    if limit.unit is TimeUnit.HOURS:
        return (received_at + dt.timedelta(hours=limit.amount)).astimezone(office_hours.tz)
    received_on = deemed_received_on(received_at, calendar=calendar, office_hours=office_hours)
    day = due_on(received_on, limit, calendar=calendar)
    return dt.datetime.combine(day, office_hours.closes_at, tzinfo=office_hours.tz)


def _check_limit(limit: TimeLimit) -> TimeLimit:
    if not isinstance(limit, TimeLimit):
        raise TypeError(f"expected a TimeLimit, got {type(limit).__name__}")
    return limit
