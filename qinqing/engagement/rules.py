"""Pure rules of 包联走访: cadence cycles, their working-day due dates, overlaps, the monthly cap.

No ORM, no clock: callers pass dates and the working-day calendar.

A pairing's cadence (每月, 每季度 …) splits its time into cycles counted from its start date:
cycle ``c`` runs up to ``starts_on + (c + 1) × cadence months − 1 day``; when that day is not
a working day the cycle ends on the next working day (a time limit that ends on a holiday
runs to the next working day, 《民法典》第二百零三条 by analogy). One visit in a cycle fulfils it;
a cycle that ends with no visit is *missed* and the pairing is overdue until the next visit.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from qinqing.core.errors import InvalidInput


class Calendar(Protocol):
    def workday_on_or_after(self, day: dt.date) -> dt.date: ...


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clipped to the month's end.

    Examples:
        >>> add_months(dt.date(2026, 1, 31), 1)
        datetime.date(2026, 2, 28)
        >>> add_months(dt.date(2026, 11, 15), 3)
        datetime.date(2027, 2, 15)
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def raw_cycle_end(starts_on: dt.date, cadence_months: int, cycle: int) -> dt.date:
    """Last calendar day of cycle ``cycle`` (before moving to a working day).

    Examples:
        >>> raw_cycle_end(dt.date(2026, 3, 25), 1, 0)
        datetime.date(2026, 4, 24)
        >>> raw_cycle_end(dt.date(2026, 1, 1), 3, 1)
        datetime.date(2026, 6, 30)
    """
    return add_months(starts_on, (cycle + 1) * cadence_months) - dt.timedelta(days=1)


def cycle_due_on(
    starts_on: dt.date, cadence_months: int, cycle: int, calendar: Calendar
) -> dt.date:
    """When cycle ``cycle`` ends: its last day, or the next working day after it."""
    return calendar.workday_on_or_after(raw_cycle_end(starts_on, cadence_months, cycle))


@dataclass(frozen=True)
class Cycle:
    index: int
    due_on: dt.date


def cycle_containing(
    starts_on: dt.date, cadence_months: int, day: dt.date, calendar: Calendar
) -> Cycle:
    """The cycle a visit on ``day`` falls in: the first whose due date is on or after ``day``."""
    if day < starts_on:
        raise ValueError("day before the pairing starts")
    months = (day.year - starts_on.year) * 12 + day.month - starts_on.month
    index = max(0, months // cadence_months - 1)
    while index > 0 and cycle_due_on(starts_on, cadence_months, index - 1, calendar) >= day:
        index -= 1
    while cycle_due_on(starts_on, cadence_months, index, calendar) < day:
        index += 1
    return Cycle(index, cycle_due_on(starts_on, cadence_months, index, calendar))


def next_cycle(
    starts_on: dt.date, cadence_months: int, due_on: dt.date, calendar: Calendar
) -> Cycle:
    """The cycle after the one that ends on ``due_on``."""
    current = cycle_containing(starts_on, cadence_months, due_on, calendar)
    index = current.index + 1
    return Cycle(index, cycle_due_on(starts_on, cadence_months, index, calendar))


def overlaps(
    a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None
) -> bool:
    """Whether two date ranges share a day (``None`` is open-ended).

    Examples:
        >>> overlaps(dt.date(2026, 1, 1), None, dt.date(2027, 1, 1), dt.date(2027, 6, 30))
        True
        >>> overlaps(dt.date(2026, 1, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 1), None)
        False
    """
    return (a_end is None or b_start <= a_end) and (b_end is None or a_start <= b_end)


def check_visit_date(visited_on: dt.date, *, today: dt.date, starts_on: dt.date,
                     ends_on: dt.date | None) -> None:  # fmt: skip
    """A visit is not in the future and falls inside the pairing."""
    if visited_on > today:
        raise InvalidInput(
            f"走访日期 {visited_on.isoformat()} 晚于今天（{today.isoformat()}），"
            "不能登记尚未发生的走访。请填写实际走访的日期。"
        )
    if visited_on < starts_on:
        raise InvalidInput(
            f"走访日期 {visited_on.isoformat()} 早于包联关系开始日期 {starts_on.isoformat()}，"
            "请检查日期。"
        )
    if ends_on is not None and visited_on > ends_on:
        raise InvalidInput(
            f"走访日期 {visited_on.isoformat()} 晚于包联关系结束日期 {ends_on.isoformat()}，"
            "该包联关系已结束，请检查日期。"
        )


def check_monthly_cap(onsite_this_month: int, cap: int, *, enterprise: str, month: dt.date) -> None:
    """「无事不扰」: an enterprise gets at most ``cap`` on-site visits in a calendar month.

    Examples:
        >>> check_monthly_cap(1, 2, enterprise="甲企业", month=dt.date(2026, 3, 1))
        >>> check_monthly_cap(2, 2, enterprise="甲企业", month=dt.date(2026, 3, 1))
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 甲企业 2026年3月已有 2 次实地走访，达到每月 2 次的上限（「无事不扰」）。如确需联系，请改用电话或线上方式，或下月再安排走访。
    """
    if onsite_this_month >= cap:
        raise InvalidInput(
            f"{enterprise} {month.year}年{month.month}月已有 {onsite_this_month} 次实地走访，"
            f"达到每月 {cap} 次的上限（「无事不扰」）。如确需联系，请改用电话或线上方式，"
            "或下月再安排走访。"
        )


def rate(part: int, whole: int) -> float | None:
    """A percentage rounded to 0.1, or ``None`` when there is nothing to measure.

    Examples:
        >>> rate(579, 867)
        66.8
        >>> rate(0, 0) is None
        True
    """
    return round(100 * part / whole, 1) if whole else None


def split_choices(values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """Keep the known choice values, in the order of ``allowed``, without repeats.

    Examples:
        >>> split_choices(["problems", "policy", "x", "policy"], ["policy", "needs", "problems"])
        ['policy', 'problems']
    """
    chosen = set(values)
    return [v for v in allowed if v in chosen]
