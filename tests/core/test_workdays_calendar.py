"""Working-day arithmetic against the State Council's published arrangements.

Expected dates come from the notices themselves (国办发明电), not from our program:
2025 国庆中秋 10-01..10-08 off, 09-28 (Sun) and 10-11 (Sat) worked; 2026 元旦 01-01..01-03 off,
01-04 (Sun) worked; 2025 春节 01-28..02-04 off, 01-26 (Sun) and 02-08 (Sat) worked; 2026 春节
02-15..02-23 off, 02-14 (Sat) and 02-28 (Sat) worked; 2026 国庆 10-01..10-07 off, 09-20 (Sun)
and 10-10 (Sat) worked; 2015 抗战胜利70周年 09-03..09-05 off, 09-06 (Sun) worked.
"""

from __future__ import annotations

import datetime as dt
import doctest
import importlib

import chinese_calendar
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qinqing.core.errors import InvalidInput
from qinqing.core.workdays import (
    MissingCalendarYear,
    WorkdayCalendar,
    add_workdays,
    workdays_between,
)
from qinqing.core.workdays.data import YearData, package_years
from qinqing.core.workdays.loader import package_calendar

D = dt.date
CAL = package_calendar()


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # 国庆中秋 2025: the example of the issue, landing on a make-up Saturday
        (D(2025, 9, 30), 3, D(2025, 10, 11)),
        (D(2025, 9, 30), 1, D(2025, 10, 9)),
        (D(2025, 9, 26), 1, D(2025, 9, 28)),  # make-up Sunday before the holiday
        (D(2025, 9, 27), 1, D(2025, 9, 28)),  # from an ordinary Saturday
        (D(2025, 10, 3), 1, D(2025, 10, 9)),  # from inside the holiday
        (D(2025, 10, 11), 1, D(2025, 10, 13)),
        # 春节 2025 and 2026
        (D(2025, 1, 24), 1, D(2025, 1, 26)),
        (D(2025, 1, 27), 1, D(2025, 2, 5)),
        (D(2025, 2, 7), 1, D(2025, 2, 8)),
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        (D(2026, 2, 13), 2, D(2026, 2, 24)),
        (D(2026, 2, 27), 1, D(2026, 2, 28)),
        # year boundaries
        (D(2025, 12, 31), 1, D(2026, 1, 4)),  # 2026 元旦 make-up Sunday
        (D(2025, 12, 31), 2, D(2026, 1, 5)),
        (D(2024, 12, 31), 1, D(2025, 1, 2)),
        (D(2026, 12, 30), 1, D(2026, 12, 31)),  # last covered day
        # 国庆 2026 with 中秋 09-25..09-27
        (D(2026, 9, 19), 1, D(2026, 9, 20)),
        (D(2026, 9, 24), 1, D(2026, 9, 28)),
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        (D(2026, 9, 30), 3, D(2026, 10, 10)),
        # a one-off holiday
        (D(2015, 9, 2), 1, D(2015, 9, 6)),
        # zero and negative
        (D(2025, 10, 1), 0, D(2025, 10, 1)),
        (D(2025, 10, 9), -1, D(2025, 9, 30)),
        (D(2025, 10, 13), -1, D(2025, 10, 11)),
        (D(2026, 1, 5), -1, D(2026, 1, 4)),
        (D(2026, 1, 5), -2, D(2025, 12, 31)),
        # ordinary weeks
        (D(2025, 11, 14), 1, D(2025, 11, 17)),
        (D(2025, 11, 10), 10, D(2025, 11, 24)),
    ],
)
def test_add_workdays(start, n, expected):
    assert CAL.add_workdays(start, n) == expected
    assert add_workdays(start, n) == expected  # the package-level helper, same calendar


@pytest.mark.parametrize(
    ("d1", "d2", "expected"),
    [
        (D(2025, 9, 30), D(2025, 10, 11), 3),
        (D(2025, 9, 30), D(2025, 10, 8), 0),
        (D(2025, 9, 26), D(2025, 10, 12), 6),  # 09-28 09-29 09-30 10-09 10-10 10-11
        (D(2026, 2, 13), D(2026, 2, 28), 6),  # 02-14 02-24 02-25 02-26 02-27 02-28
        (D(2025, 12, 31), D(2026, 1, 5), 2),
        (D(2025, 12, 31), D(2025, 12, 31), 0),
        (D(2025, 10, 11), D(2025, 9, 30), -3),
        # 261 weekdays - 18 weekday holidays + 5 make-up days = 248 working days in 2025
        (D(2025, 1, 1), D(2025, 12, 31), 248),
    ],
)
def test_workdays_between(d1, d2, expected):
    assert CAL.workdays_between(d1, d2) == expected
    assert workdays_between(d1, d2) == expected


def test_make_up_weekend_days_are_working_days_and_holidays_are_not():
    assert CAL.is_workday(D(2025, 10, 11)) and CAL.is_workday(D(2025, 9, 28))
    assert not CAL.is_workday(D(2025, 10, 8)) and not CAL.is_workday(D(2025, 10, 12))
    assert CAL.describe(D(2025, 10, 11)).label == "调休上班日（国庆节）"
    assert CAL.describe(D(2025, 10, 6)).label == "法定节假日（中秋节）"
    assert CAL.describe(D(2025, 10, 12)).label == "休息日"


def test_official_years_are_the_package_years_and_later_ones_are_provisional():
    official = [y for y in CAL.years if not CAL.year_data(y).provisional]
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(official[-1] + 1, 1, 4))
    chinese_calendar.is_workday(D(official[-1], 12, 31))
    assert official == list(range(2004, official[-1] + 1))
    assert official[-1] >= 2026
    assert CAL.provisional_years == list(range(official[-1] + 1, 2100))


# ---------------------------------------------------------------- missing years


def test_a_year_without_a_notice_is_computed_provisionally_not_refused():
    # 2026-12-31 (Thu); 2027-01-01 元旦 (Fri) and the weekend off; then 01-04 … 01-07
    assert CAL.add_workdays(D(2026, 12, 30), 5) == D(2027, 1, 7)
    assert CAL.is_provisional(D(2027, 1, 7)) and not CAL.is_provisional(D(2026, 12, 30))
    assert CAL.provisional_between(D(2026, 12, 30), D(2027, 1, 7))
    assert CAL.describe(D(2027, 1, 1)).label == "法定节假日（元旦）"


def test_a_year_outside_the_calendar_is_refused_not_guessed_from_weekends():
    with pytest.raises(MissingCalendarYear) as exc:
        CAL.add_workdays(D(2099, 12, 30), 5)
    assert exc.value.year == 2100
    assert isinstance(exc.value, InvalidInput)
    assert "2100 年不在工作日历的范围内，无法计算工作日" in exc.value.message
    assert "2099-12-30" in exc.value.message
    assert "qinqing" not in exc.value.message  # no command line on a user's page


@pytest.mark.parametrize(
    ("call", "year"),
    [
        (lambda c: c.add_workdays(D(2099, 12, 31), 1), 2100),
        (lambda c: c.add_workdays(D(2100, 1, 4), 1), 2100),
        (lambda c: c.is_workday(D(2100, 1, 4)), 2100),
        (lambda c: c.workdays_between(D(2099, 6, 1), D(2100, 1, 5)), 2100),
        (lambda c: c.add_workdays(D(2004, 1, 5), -10), 2003),
        (lambda c: c.next_workday(D(2003, 12, 31)), 2003),
    ],
)
def test_missing_year_named_in_the_error(call, year):
    with pytest.raises(MissingCalendarYear) as exc:
        call(CAL)
    assert exc.value.year == year
    assert f"{year} 年不在工作日历的范围内" in exc.value.message


def _year(year: int, holidays=(), makeups=()) -> YearData:
    return YearData(
        year=year,
        holidays=dict.fromkeys(holidays, "测试节"),
        makeup_workdays=dict.fromkeys(makeups, "测试节"),
        source="测试数据",
    )


def test_a_gap_between_covered_years_is_refused():
    cal = WorkdayCalendar([*package_years(), _year(2027), _year(2029, [D(2029, 1, 1)])])
    assert cal.add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 1)  # 2027 has no holiday here
    with pytest.raises(MissingCalendarYear) as exc:
        cal.add_workdays(D(2027, 12, 30), 5)
    assert exc.value.year == 2028
    with pytest.raises(MissingCalendarYear) as exc:
        cal.add_workdays(D(2029, 1, 5), -10)
    assert exc.value.year == 2028
    with pytest.raises(MissingCalendarYear) as exc:
        cal.workdays_between(D(2027, 12, 1), D(2029, 1, 10))
    assert exc.value.year == 2028
    assert cal.workdays_between(D(2029, 1, 1), D(2029, 1, 10)) == 7
    days = np.array(["2027-06-01", "2027-12-30"], dtype="datetime64[D]")
    with pytest.raises(MissingCalendarYear) as exc:
        cal.add_workdays_array(days, 5)
    assert exc.value.year == 2028 and "第 2 项" in exc.value.message


def test_a_later_year_may_override_a_december_day_of_the_year_before():
    # The 2012 notice made 2011-12-31 (Saturday) a working day; a notice for year Y may list
    # such a day, and it must win over the previous year's weekend rule.
    cal = WorkdayCalendar([_year(2030), _year(2031, makeups=[D(2030, 12, 28)])])
    assert cal.is_workday(D(2030, 12, 28))
    assert cal.add_workdays(D(2030, 12, 27), 1) == D(2030, 12, 28)


def test_dates_must_be_dates_not_datetimes():
    with pytest.raises(TypeError):
        CAL.add_workdays(dt.datetime(2025, 9, 30, 10, 0), 1)


# ---------------------------------------------------------------- vectorised == scalar

dates_in_range = st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 12, 31))
steps = st.integers(min_value=-400, max_value=400)


def _scalar_or_missing(fn):
    try:
        return fn()
    except MissingCalendarYear:
        return None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(dates_in_range, steps), min_size=1, max_size=60))
def test_vectorised_add_equals_scalar(pairs):
    days = np.array([d for d, _ in pairs], dtype="datetime64[D]")
    ns = np.array([n for _, n in pairs])
    expected = [_scalar_or_missing(lambda d=d, n=n: CAL.add_workdays(d, n)) for d, n in pairs]
    if None in expected:
        with pytest.raises(MissingCalendarYear):
            CAL.add_workdays_array(days, ns)
    else:
        got = CAL.add_workdays_array(days, ns)
        assert got.dtype == np.dtype("datetime64[D]")
        assert [x.item() for x in got] == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(dates_in_range, dates_in_range), min_size=1, max_size=60))
def test_vectorised_between_equals_scalar(pairs):
    a = np.array([x for x, _ in pairs], dtype="datetime64[D]")
    b = np.array([y for _, y in pairs], dtype="datetime64[D]")
    got = CAL.workdays_between_array(a, b)
    assert got.tolist() == [CAL.workdays_between(x, y) for x, y in pairs]


@settings(max_examples=40, deadline=None)
@given(st.lists(dates_in_range, min_size=1, max_size=40), st.integers(0, 60))
def test_vectorised_scalar_n_and_next_workday(days, n):
    arr = np.array(days, dtype="datetime64[D]")
    expected = [_scalar_or_missing(lambda d=d: CAL.add_workdays(d, n)) for d in days]
    if None not in expected:
        assert [x.item() for x in CAL.add_workdays_array(arr, n)] == expected
    nxt = [_scalar_or_missing(lambda d=d: CAL.next_workday(d)) for d in days]
    if None not in nxt:
        assert [x.item() for x in CAL.next_workday_array(arr)] == nxt
    assert CAL.is_workday_array(arr).tolist() == [CAL.is_workday(d) for d in days]


@settings(max_examples=80, deadline=None)
@given(st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 10, 31)), st.integers(0, 40))
def test_add_workdays_agrees_with_stepping_through_chinese_calendar(day, n):
    # An independent oracle: step day by day with the package's own is_workday.
    current, left = day, n
    while left:
        current += dt.timedelta(days=1)
        left -= chinese_calendar.is_workday(current)
    assert CAL.add_workdays(day, n) == current
    assert CAL.workdays_between(day, current) == n


@settings(max_examples=60, deadline=None)
@given(dates_in_range, st.integers(1, 200))
def test_adding_then_subtracting_returns_to_a_working_day(day, n):
    start = _scalar_or_missing(lambda: CAL.workday_on_or_after(day))
    end = start and _scalar_or_missing(lambda: CAL.add_workdays(start, n))
    if end is not None:
        assert CAL.add_workdays(end, -n) == start


def test_vectorised_accepts_other_units_and_rejects_empty_dates():
    stamps = np.array(["2025-09-30T10:00"], dtype="datetime64[m]")
    assert CAL.add_workdays_array(stamps, 3)[0] == np.datetime64("2025-10-11")
    with pytest.raises(InvalidInput) as exc:
        CAL.add_workdays_array(np.array(["2025-09-30", "NaT"], dtype="datetime64[D]"), 1)
    assert "第 2 个日期为空" in exc.value.message


def test_vectorised_out_of_range_error_names_year_and_item():
    days = np.array(["2025-09-30", "2099-12-30", "2099-12-31"], dtype="datetime64[D]")
    with pytest.raises(MissingCalendarYear) as exc:
        CAL.add_workdays_array(days, [3, 5, 1])
    assert exc.value.year == 2100
    assert "第 2 项" in exc.value.message and "共 2 项" in exc.value.message
    with pytest.raises(MissingCalendarYear) as exc:
        CAL.workdays_between_array(days, np.array(["2100-01-04"] * 3, dtype="datetime64[D]"))
    assert exc.value.year == 2100


# ---------------------------------------------------------------- doctests


@pytest.mark.parametrize(
    "module",
    [
        "qinqing.core.workdays.data",
        "qinqing.core.workdays.calendar",
        "qinqing.core.workdays.rules",
        "qinqing.core.workdays.notice",
    ],
)
def test_doctest_examples(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0
