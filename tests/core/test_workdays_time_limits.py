"""Deadlines of time limits in working days, natural days and hours (docs/dev/workdays.md)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from qinqing.core.errors import InvalidInput
from qinqing.core.workdays import (
    MissingCalendarYear,
    OfficeHours,
    TimeLimit,
    TimeUnit,
    deemed_received_on,
    due_at,
    due_on,
    parse_time_limit,
)
from qinqing.core.workdays.loader import package_calendar

CAL = package_calendar()
SH = ZoneInfo("Asia/Shanghai")
WD, ND, H = TimeUnit.WORKDAYS, TimeUnit.NATURAL_DAYS, TimeUnit.HOURS


def at(*args, tz=SH):
    return dt.datetime(*args, tzinfo=tz)


@pytest.mark.parametrize(
    ("received", "limit", "expected"),
    [
        # working days; the receipt day is not counted; deadline = closing time
        (at(2025, 9, 30, 10, 0), TimeLimit(3), at(2025, 10, 11, 17, 30)),
        (at(2025, 9, 30, 17, 29), TimeLimit(1), at(2025, 10, 9, 17, 30)),
        # after office hours: counts as received on the next working day (10-09)
        (at(2025, 9, 30, 18, 0), TimeLimit(3), at(2025, 10, 13, 17, 30)),
        (at(2025, 9, 30, 17, 30), TimeLimit(1), at(2025, 10, 10, 17, 30)),
        # received during the National Day holiday: as if received on 10-09
        (at(2025, 10, 3, 10, 0), TimeLimit(1), at(2025, 10, 10, 17, 30)),
        # received on a make-up Saturday: that is a working day
        (at(2025, 10, 11, 9, 0), TimeLimit(1), at(2025, 10, 13, 17, 30)),
        # received on an ordinary Sunday
        (at(2025, 10, 12, 9, 0), TimeLimit(1), at(2025, 10, 14, 17, 30)),
        # New Year's Eve after hours: next working day is the make-up Sunday 2026-01-04
        (at(2025, 12, 31, 17, 31), TimeLimit(1), at(2026, 1, 5, 17, 30)),
        # Spring Festival 2026
        (at(2026, 2, 13, 10, 0), TimeLimit(2), at(2026, 2, 24, 17, 30)),
        (at(2026, 2, 16, 10, 0), TimeLimit(1), at(2026, 2, 25, 17, 30)),
        # 当日办结: zero working days is the closing time of the (deemed) receipt day
        (at(2025, 9, 30, 10, 0), TimeLimit(0), at(2025, 9, 30, 17, 30)),
        (at(2025, 10, 3, 10, 0), TimeLimit(0), at(2025, 10, 9, 17, 30)),
        # an instant given in UTC: 10:00Z is 18:00 in Shanghai, after hours
        (at(2025, 9, 30, 10, 0, tz=dt.UTC), TimeLimit(3), at(2025, 10, 13, 17, 30)),
        # natural days: last day on a rest day moves to the next working day
        (at(2025, 9, 24, 10, 0), TimeLimit(15, ND), at(2025, 10, 9, 17, 30)),
        (at(2025, 9, 16, 10, 0), TimeLimit(15, ND), at(2025, 10, 9, 17, 30)),  # 10-01 holiday
        (
            at(2025, 9, 12, 10, 0),
            TimeLimit(15, ND),
            at(2025, 9, 28, 17, 30),
        ),  # 09-27 Sat → make-up Sun
        (at(2025, 9, 20, 10, 0), TimeLimit(15, ND), at(2025, 10, 9, 17, 30)),  # Sat: from Mon 09-22
        (at(2025, 11, 3, 10, 0), TimeLimit(25, ND), at(2025, 11, 28, 17, 30)),
        # hours: elapsed natural hours from the exact receipt, rest days included
        (at(2025, 9, 26, 20, 0), TimeLimit(24, H), at(2025, 9, 27, 20, 0)),
        (at(2025, 10, 1, 8, 0), TimeLimit(24, H), at(2025, 10, 2, 8, 0)),
        (at(2025, 9, 30, 16, 15), TimeLimit(2, H), at(2025, 9, 30, 18, 15)),
    ],
)
def test_due_at(received, limit, expected):
    got = due_at(received, limit, calendar=CAL)
    assert got == expected
    assert got.utcoffset() == dt.timedelta(hours=8)  # shown in the office's time zone


def test_office_hours_are_configurable():
    late = at(2025, 9, 30, 17, 45)
    assert due_at(late, TimeLimit(3), calendar=CAL) == at(2025, 10, 13, 17, 30)
    six_pm = OfficeHours(closes_at=dt.time(18, 0))
    assert due_at(late, TimeLimit(3), calendar=CAL, office_hours=six_pm) == at(2025, 10, 11, 18, 0)


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (at(2025, 10, 9, 0, 5), dt.date(2025, 10, 9)),  # early morning counts as that day
        (at(2025, 10, 10, 17, 29, 59), dt.date(2025, 10, 10)),
        (at(2025, 10, 10, 23, 0), dt.date(2025, 10, 11)),  # Fri night → make-up Saturday
        (at(2025, 10, 8, 12, 0), dt.date(2025, 10, 9)),
    ],
)
def test_deemed_received_on(received, expected):
    assert deemed_received_on(received, calendar=CAL) == expected


@pytest.mark.parametrize(
    ("received_on", "limit", "expected"),
    [
        (dt.date(2025, 9, 30), TimeLimit(3), dt.date(2025, 10, 11)),
        (dt.date(2025, 10, 4), TimeLimit(1), dt.date(2025, 10, 10)),
        (dt.date(2026, 9, 30), TimeLimit(3, WD), dt.date(2026, 10, 10)),
        (dt.date(2025, 9, 16), TimeLimit(15, ND), dt.date(2025, 10, 9)),
    ],
)
def test_due_on_dates(received_on, limit, expected):
    assert due_on(received_on, limit, calendar=CAL) == expected


def test_hours_need_a_time_of_receipt():
    with pytest.raises(InvalidInput) as exc:
        due_on(dt.date(2025, 9, 30), TimeLimit(24, H), calendar=CAL)
    assert "需要具体的接收时间" in exc.value.message


def test_natural_days_ending_outside_the_calendar_are_refused():
    with pytest.raises(MissingCalendarYear) as exc:
        due_at(at(2099, 12, 20, 10, 0), TimeLimit(15, ND), calendar=CAL)
    assert exc.value.year == 2100


def test_hours_need_no_calendar_data():
    assert due_at(at(2026, 12, 31, 20, 0), TimeLimit(24, H), calendar=CAL) == at(2027, 1, 1, 20, 0)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        due_at(dt.datetime(2025, 9, 30, 10, 0), TimeLimit(3), calendar=CAL)  # noqa: DTZ001


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3个工作日", TimeLimit(3, WD)),
        ("3 个工作日内", TimeLimit(3, WD)),
        ("十五个工作日", TimeLimit(15, WD)),
        ("15日内", TimeLimit(15, ND)),  # 002 「到达本级15日内」
        ("25日", TimeLimit(25, ND)),  # 001 「付款时间压缩至25日」
        ("30天", TimeLimit(30, ND)),
        ("7个自然日", TimeLimit(7, ND)),
        ("24小时内", TimeLimit(24, H)),  # 000 「24小时内」
        ("二十四小时", TimeLimit(24, H)),
    ],
)
def test_parse_time_limit(text, expected):
    assert parse_time_limit(text) == expected


@pytest.mark.parametrize("text", ["", "尽快", "3周", "-3个工作日", "三个月"])
def test_unreadable_time_limits_are_refused_in_chinese(text):
    with pytest.raises(InvalidInput) as exc:
        parse_time_limit(text)
    assert "无法识别" in exc.value.message


def test_time_limit_validation_and_labels():
    assert str(TimeLimit(3)) == "3 个工作日"
    assert TimeLimit(15, "natural_days").unit is ND
    with pytest.raises(InvalidInput):
        TimeLimit(3, "weeks")
    with pytest.raises(InvalidInput):
        TimeLimit(-1)
    with pytest.raises(InvalidInput):
        TimeLimit(1.5)  # type: ignore[arg-type]
