"""The working-day calendar (工作日历): which days are working days, and arithmetic on them.

A :class:`WorkdayCalendar` is built from :class:`~qinqing.core.workdays.data.YearData` (one
per covered year) and precomputes, for every day of the covered range, whether it is a
working day and the running count of working days up to and including it (the *ordinal
table*). Every operation is then a couple of array look-ups, for one date or for a million:

* ``add_workdays(day, n)``: the n-th working day after ``day`` (``day`` itself is not
  counted); ``n = 0`` returns ``day``; a negative ``n`` counts back (the n-th working day
  before ``day``).
* ``workdays_between(d1, d2)``: working days after ``d1`` up to and including ``d2``
  (negative when ``d2`` is before ``d1``).
* ``next_workday(day)``: the first working day after ``day``.

The same three exist over numpy ``datetime64[D]`` arrays (``*_array``). Whenever a
computation needs a day of a year with no data, it raises :class:`MissingCalendarYear`
(an :class:`~qinqing.core.errors.InvalidInput`) naming the year; it never falls back to
"Monday to Friday".

Examples:
    >>> from qinqing.core.workdays.data import package_years
    >>> cal = WorkdayCalendar(package_years())
    >>> cal.add_workdays(dt.date(2025, 9, 30), 3)  # 2025-10-11 is a make-up Saturday
    datetime.date(2025, 10, 11)
    >>> cal.workdays_between(dt.date(2025, 9, 30), dt.date(2025, 10, 11))
    3
    >>> cal.next_workday(dt.date(2025, 10, 1))
    datetime.date(2025, 10, 9)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from qinqing.core.errors import InvalidInput
from qinqing.core.workdays.data import (
    KIND_LABELS,
    MAKEUP_WORKDAY,
    PUBLIC_HOLIDAY,
    YearData,
)

WORKDAY = "workday"  # an ordinary Monday–Friday
REST_DAY = "rest_day"  # an ordinary Saturday or Sunday
DAY_KIND_LABELS = {WORKDAY: "工作日", REST_DAY: "休息日", **KIND_LABELS}

_EPOCH = dt.date(1970, 1, 1)
_DAY = np.timedelta64(1, "D")


class MissingCalendarYear(InvalidInput):
    """A computation needs a year whose holiday arrangement has not been entered."""

    def __init__(self, year: int, context: str = "") -> None:
        where = f"（{context}）" if context else ""
        super().__init__(
            f"{year} 年不在工作日历的范围内，无法计算工作日{where}。"
            f"请核对日期是否填写正确；如确需该年份，请系统管理员在“节假日安排”页面导入"
            f" {year} 年的节假日安排。"
        )
        self.year = year


@dataclass(frozen=True)
class DayInfo:
    """What kind of day a date is, for display (e.g. “2025-10-11 调休上班日（国庆节）”)."""

    day: dt.date
    is_workday: bool
    kind: str  # WORKDAY | REST_DAY | PUBLIC_HOLIDAY | MAKEUP_WORKDAY
    name: str = ""  # holiday name for the last two kinds

    @property
    def label(self) -> str:
        label = DAY_KIND_LABELS[self.kind]
        return f"{label}（{self.name}）" if self.name else label


def _check_date(day: object) -> dt.date:
    # datetime is a subclass of date: refuse it rather than silently drop the time of day.
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError(f"expected a datetime.date, got {type(day).__name__}")
    return day


def _as_day_array(values: object) -> npt.NDArray[np.datetime64]:
    arr = np.asarray(values)
    if arr.dtype != np.dtype("datetime64[D]"):
        arr = arr.astype("datetime64[D]")
    if np.isnat(arr).any():
        first = int(np.flatnonzero(np.isnat(arr).ravel())[0])
        raise InvalidInput(f"第 {first + 1} 个日期为空，无法计算工作日。请补全日期后重试。")
    return arr


class WorkdayCalendar:
    """Working days over the years in ``years`` (later entries override earlier ones)."""

    def __init__(self, years: Iterable[YearData]) -> None:
        by_year: dict[int, YearData] = {}
        for data in years:
            by_year[data.year] = data
        self._years = dict(sorted(by_year.items()))
        if not self._years:
            self._first = self._last = 0
            self._origin = _EPOCH
            self._n_days = 0
        else:
            self._first, self._last = min(self._years), max(self._years)
            self._origin = dt.date(self._first, 1, 1)
            self._n_days = (dt.date(self._last + 1, 1, 1) - self._origin).days
        self._origin64 = np.datetime64(self._origin, "D")
        n = self._n_days

        day_numbers = np.arange(n, dtype=np.int64) + (self._origin - _EPOCH).days
        weekday = (day_numbers + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        is_work = weekday < 5
        covered = np.zeros(n, dtype=bool)
        self._holiday_names: dict[dt.date, str] = {}
        self._makeup_names: dict[dt.date, str] = {}
        for year in self._years:
            start = (dt.date(year, 1, 1) - self._origin).days
            end = (dt.date(year + 1, 1, 1) - self._origin).days
            covered[start:end] = True
        for data in self._years.values():  # in year order: a later notice wins
            for day, name in data.holidays.items():
                self._set_day(is_work, day, False)
                self._makeup_names.pop(day, None)
                self._holiday_names[day] = name
            for day, name in data.makeup_workdays.items():
                self._set_day(is_work, day, True)
                self._holiday_names.pop(day, None)
                self._makeup_names[day] = name
        is_work &= covered

        self._is_work = is_work
        self._covered = covered
        self._has_gaps = not bool(covered.all())
        # _cum[i]: working days in days[0..i]; _gaps[i]: uncovered days in days[0..i].
        self._cum = np.cumsum(is_work, dtype=np.int64)
        self._gaps = np.cumsum(~covered, dtype=np.int64)
        # Inverse of _cum: _pos[k] is the day index of the (k+1)-th working day. Looking a
        # target ordinal up here is what np.searchsorted(_cum, k + 1) would return, as a
        # plain gather.
        self._pos = np.flatnonzero(is_work).astype(np.int64)
        self._total = int(self._cum[-1]) if n else 0
        # Plain lists for the scalar path: list indexing beats numpy scalar indexing.
        self._cum_list: list[int] = self._cum.tolist()
        self._pos_list: list[int] = self._pos.tolist()
        self._work_list: list[bool] = is_work.tolist()
        self._covered_years = frozenset(self._years)
        self._provisional_years = frozenset(y for y, d in self._years.items() if d.provisional)

    def _set_day(self, is_work: npt.NDArray[np.bool_], day: dt.date, value: bool) -> None:
        i = (day - self._origin).days
        if 0 <= i < self._n_days:
            is_work[i] = value

    # ------------------------------------------------------------------ coverage

    @property
    def years(self) -> list[int]:
        """The covered years, ascending."""
        return list(self._years)

    def year_data(self, year: int) -> YearData:
        try:
            return self._years[year]
        except KeyError:
            raise MissingCalendarYear(year) from None

    def covers(self, year: int) -> bool:
        return year in self._covered_years

    @property
    def provisional_years(self) -> list[int]:
        """Covered years computed from the law alone, awaiting the State Council's notice."""
        return sorted(self._provisional_years)

    def is_provisional(self, day: dt.date) -> bool:
        """Whether ``day`` lies in a provisional year (a deadline on it is 暂定).

        A deadline is computed forwards from a day in the same or an earlier year, and
        provisional years always follow the official ones, so a deadline is provisional
        exactly when its own day is.

        Examples:
            >>> from qinqing.core.workdays.loader import package_calendar
            >>> cal = package_calendar()
            >>> cal.is_provisional(dt.date(2026, 12, 31)), cal.is_provisional(dt.date(2027, 1, 4))
            (False, True)
        """
        return day.year in self._provisional_years

    def provisional_between(self, start: dt.date, end: dt.date) -> bool:
        """Whether any day from ``start`` to ``end`` lies in a provisional year."""
        lo, hi = (start, end) if start <= end else (end, start)
        return any(lo.year <= y <= hi.year for y in self._provisional_years)

    def _next_missing_after(self, year: int) -> int:
        y = year + 1
        while y in self._covered_years:
            y += 1
        return y

    def _prev_missing_before(self, year: int) -> int:
        y = year - 1
        while y in self._covered_years:
            y -= 1
        return y

    def _index(self, day: dt.date, context: Callable[[], str] | None = None) -> int:
        _check_date(day)
        if day.year not in self._covered_years:
            raise MissingCalendarYear(day.year, context() if context else "")
        return (day - self._origin).days

    def _day(self, index: int) -> dt.date:
        return self._origin + dt.timedelta(days=index)

    def _gap_between(self, i: int, j: int) -> bool:
        lo, hi = (i, j) if i <= j else (j, i)
        return self._has_gaps and self._gaps[hi] != self._gaps[lo]

    # ------------------------------------------------------------------ scalar API

    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day (make-up Saturdays and Sundays are).

        Examples:
            >>> from qinqing.core.workdays.data import package_years
            >>> cal = WorkdayCalendar(package_years())
            >>> [cal.is_workday(dt.date(2025, 10, d)) for d in (8, 9, 11, 12)]
            [False, True, True, False]
        """
        return self._work_list[self._index(day, lambda: f"判断 {day} 是否为工作日")]

    def describe(self, day: dt.date) -> DayInfo:
        """The kind of ``day``: 工作日, 休息日, 法定节假日 or 调休上班日, with the holiday name.

        Examples:
            >>> from qinqing.core.workdays.data import package_years
            >>> WorkdayCalendar(package_years()).describe(dt.date(2025, 10, 11)).label
            '调休上班日（国庆节）'
        """
        is_work = self.is_workday(day)
        if day in self._holiday_names:
            return DayInfo(day, is_work, PUBLIC_HOLIDAY, self._holiday_names[day])
        if day in self._makeup_names:
            return DayInfo(day, is_work, MAKEUP_WORKDAY, self._makeup_names[day])
        return DayInfo(day, is_work, WORKDAY if is_work else REST_DAY)

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after ``day``; ``day`` itself is never counted.

        ``n = 0`` returns ``day`` unchanged, even on a rest day; a negative ``n`` gives the
        n-th working day before ``day``.

        Examples:
            >>> from qinqing.core.workdays.data import package_years
            >>> cal = WorkdayCalendar(package_years())
            >>> cal.add_workdays(dt.date(2026, 2, 13), 1)  # Spring Festival 2026-02-15..23
            datetime.date(2026, 2, 14)
            >>> cal.add_workdays(dt.date(2025, 10, 9), -1)
            datetime.date(2025, 9, 30)
            >>> cal.add_workdays(dt.date(2003, 12, 30), 5)
            Traceback (most recent call last):
            ...
            qinqing.core.workdays.calendar.MissingCalendarYear: 2003 年不在工作日历的范围内，无法计算工作日（计算 2003-12-30 之后第 5 个工作日）。请核对日期是否填写正确；如确需该年份，请系统管理员在“节假日安排”页面导入 2003 年的节假日安排。
        """
        n = int(n)

        def context() -> str:
            return self._add_context(day, n)

        i = self._index(day, context)
        if n == 0:
            return day
        c = self._cum_list[i]
        target = c + n if n > 0 else c - self._work_list[i] + n + 1
        if target > self._total:
            raise MissingCalendarYear(self._next_missing_after(day.year), context())
        if target < 1:
            raise MissingCalendarYear(self._prev_missing_before(day.year), context())
        j = self._pos_list[target - 1]
        if self._gap_between(i, j):
            year = (
                self._next_missing_after(day.year) if n > 0 else self._prev_missing_before(day.year)
            )
            raise MissingCalendarYear(year, context())
        return self._day(j)

    @staticmethod
    def _add_context(day: dt.date, n: int) -> str:
        if n >= 0:
            return f"计算 {day} 之后第 {n} 个工作日"
        return f"计算 {day} 之前第 {-n} 个工作日"

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if reversed).

        Examples:
            >>> from qinqing.core.workdays.data import package_years
            >>> cal = WorkdayCalendar(package_years())
            >>> cal.workdays_between(dt.date(2025, 12, 31), dt.date(2026, 1, 5))  # 元旦 1-3
            2
            >>> cal.workdays_between(dt.date(2025, 10, 11), dt.date(2025, 9, 30))
            -3
        """

        def context() -> str:
            return f"计算 {start} 至 {end} 之间的工作日数"

        i = self._index(start, context)
        j = self._index(end, context)
        if self._gap_between(i, j):
            year = (
                self._next_missing_after(start.year)
                if j >= i
                else self._prev_missing_before(start.year)
            )
            raise MissingCalendarYear(year, context())
        return self._cum_list[j] - self._cum_list[i]

    def next_workday(self, day: dt.date) -> dt.date:
        """The first working day after ``day`` (same as ``add_workdays(day, 1)``)."""
        return self.add_workdays(day, 1)

    def workday_on_or_after(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the next working day.

        Examples:
            >>> from qinqing.core.workdays.data import package_years
            >>> cal = WorkdayCalendar(package_years())
            >>> cal.workday_on_or_after(dt.date(2025, 10, 3)), cal.workday_on_or_after(dt.date(2025, 10, 9))
            (datetime.date(2025, 10, 9), datetime.date(2025, 10, 9))
        """
        return day if self.is_workday(day) else self.add_workdays(day, 1)

    # ------------------------------------------------------------------ vectorised API

    def _indices(self, days: npt.NDArray[np.datetime64], what: str) -> npt.NDArray[np.int64]:
        idx = (days - self._origin64).astype(np.int64)
        bad = (idx < 0) | (idx >= self._n_days)
        if self._has_gaps:
            bad |= ~self._covered[np.clip(idx, 0, max(self._n_days - 1, 0))]
        if self._n_days == 0 or bad.any():
            k = int(np.flatnonzero(bad.ravel())[0]) if self._n_days else 0
            day = days.ravel()[k].item()
            raise MissingCalendarYear(
                day.year, f"第 {k + 1} 项日期 {day}，共 {int(bad.sum())} 项超出已录入年份；{what}"
            )
        return idx

    def _raise_array(
        self,
        bad: npt.NDArray[np.bool_],
        days: npt.NDArray[np.datetime64],
        forward: npt.NDArray[np.bool_],
        describe: object,
    ) -> None:
        flat = bad.ravel()
        k = int(np.flatnonzero(flat)[0])
        day = days.ravel()[k].item() if days.ndim else days.item()
        assert isinstance(day, dt.date)
        fwd = bool(np.broadcast_to(forward, bad.shape).ravel()[k])
        year = self._next_missing_after(day.year) if fwd else self._prev_missing_before(day.year)
        detail = describe(k) if callable(describe) else str(describe)
        raise MissingCalendarYear(year, f"第 {k + 1} 项，{detail}；共 {int(flat.sum())} 项受影响")

    def is_workday_array(self, days: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Element-wise :meth:`is_workday` over dates (``datetime64`` or ``date`` objects)."""
        arr = _as_day_array(days)
        return self._is_work[self._indices(arr, "判断是否为工作日")]

    def add_workdays_array(
        self, days: npt.ArrayLike, n: npt.ArrayLike
    ) -> npt.NDArray[np.datetime64]:
        """Element-wise :meth:`add_workdays`; ``n`` is a scalar or an array broadcast to ``days``.

        Examples:
            >>> from qinqing.core.workdays.data import package_years
            >>> cal = WorkdayCalendar(package_years())
            >>> days = np.array(["2025-09-30", "2026-02-13", "2025-10-09"], dtype="datetime64[D]")
            >>> cal.add_workdays_array(days, [3, 1, -1])
            array(['2025-10-11', '2026-02-14', '2025-09-30'], dtype='datetime64[D]')
        """
        arr = _as_day_array(days)
        steps = np.asarray(n)
        if steps.dtype.kind not in "iu":
            raise TypeError("n must be an integer or an integer array")
        arr, steps = np.broadcast_arrays(arr, steps.astype(np.int64))
        idx = self._indices(arr, "加工作日")
        cum = self._cum[idx]
        forward = steps >= 0
        target = np.where(forward, cum + steps, cum - self._is_work[idx] + steps + 1)
        zero = steps == 0
        bad = ~zero & ((target > self._total) | (target < 1))
        j = self._pos[np.clip(target - 1, 0, max(self._total - 1, 0))] if self._total else idx
        j = np.where(zero, idx, j)
        if self._has_gaps:
            lo, hi = np.minimum(idx, j), np.maximum(idx, j)
            bad |= self._gaps[hi] != self._gaps[lo]
        if bad.any():

            def describe(k: int) -> str:
                return self._add_context(arr.ravel()[k].item(), int(steps.ravel()[k]))

            self._raise_array(bad, arr, forward, describe)
        return self._origin64 + j

    def workdays_between_array(
        self, start: npt.ArrayLike, end: npt.ArrayLike
    ) -> npt.NDArray[np.int64]:
        """Element-wise :meth:`workdays_between` (after ``start``, up to and including ``end``).

        Examples:
            >>> from qinqing.core.workdays.data import package_years
            >>> cal = WorkdayCalendar(package_years())
            >>> d1 = np.array(["2025-09-30", "2025-12-31"], dtype="datetime64[D]")
            >>> d2 = np.array(["2025-10-11", "2026-01-05"], dtype="datetime64[D]")
            >>> cal.workdays_between_array(d1, d2)
            array([3, 2])
        """
        a, b = np.broadcast_arrays(_as_day_array(start), _as_day_array(end))
        i = self._indices(a, "计算两个日期之间的工作日数")
        j = self._indices(b, "计算两个日期之间的工作日数")
        if self._has_gaps:
            lo, hi = np.minimum(i, j), np.maximum(i, j)
            bad = self._gaps[hi] != self._gaps[lo]
            if bad.any():

                def describe(k: int) -> str:
                    return f"计算 {a.ravel()[k].item()} 至 {b.ravel()[k].item()} 之间的工作日数"

                self._raise_array(bad, a, j >= i, describe)
        return self._cum[j] - self._cum[i]

    def next_workday_array(self, days: npt.ArrayLike) -> npt.NDArray[np.datetime64]:
        """Element-wise :meth:`next_workday`."""
        return self.add_workdays_array(days, 1)
