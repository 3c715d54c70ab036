"""The schedule grammar on the working-day calendar (2025: 国庆 1–8 Oct, 调休 Sat 11 Oct)."""

from __future__ import annotations

import datetime as dt

import pytest

from qinqing.core.errors import InvalidInput
from qinqing.core.jobs.runner import is_workday
from qinqing.core.jobs.schedule import TZ, parse


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@pytest.mark.parametrize(
    "schedule, after, until, expected",
    [
        # 调休: Sunday 28 Sep is a working day, the National Day week is not
        ("workdays 09:00", at(2025, 9, 26, 12), at(2025, 10, 12, 12), [
            at(2025, 9, 28, 9), at(2025, 9, 29, 9), at(2025, 9, 30, 9),
            at(2025, 10, 9, 9), at(2025, 10, 10, 9), at(2025, 10, 11, 9),
        ]),
        ("working days 09:00", at(2025, 10, 3), at(2025, 10, 9, 9), [at(2025, 10, 9, 9)]),
        ("nightly 01:00", at(2025, 10, 1), at(2025, 10, 3, 12), [
            at(2025, 10, 1, 1), at(2025, 10, 2, 1), at(2025, 10, 3, 1),
        ]),
        ("hourly 08:30-17:30 on workdays", at(2025, 10, 8, 20), at(2025, 10, 9, 11), [
            at(2025, 10, 9, 8, 30), at(2025, 10, 9, 9, 30), at(2025, 10, 9, 10, 30),
        ]),
        ("hourly 08:30–17:30 on working days", at(2025, 10, 11, 16), at(2025, 10, 11, 23), [
            at(2025, 10, 11, 16, 30), at(2025, 10, 11, 17, 30),
        ]),
        ("monthly 1 02:00", at(2025, 9, 15), at(2025, 11, 15), [
            at(2025, 10, 1, 2), at(2025, 11, 1, 2),
        ]),
        ("every 30 minutes", at(2025, 10, 1, 23, 10), at(2025, 10, 2, 0, 30), [
            at(2025, 10, 1, 23, 30), at(2025, 10, 2, 0, 0), at(2025, 10, 2, 0, 30),
        ]),
    ],
)  # fmt: skip
def test_slots(db, schedule, after, until, expected):
    assert list(parse(schedule).slots(after, until, is_workday)) == expected


def test_slots_are_in_beijing_time_whatever_the_input_zone(db):
    utc_after = dt.datetime(2025, 10, 9, 0, 0, tzinfo=dt.UTC)  # 08:00 in Beijing
    slots = list(
        parse("workdays 09:00").slots(utc_after, utc_after + dt.timedelta(hours=2), is_workday)
    )
    assert slots == [at(2025, 10, 9, 9)]


def test_next_after_skips_the_holiday(db):
    assert parse("workdays 09:00").next_after(at(2025, 9, 30, 10), is_workday) == at(2025, 10, 9, 9)


@pytest.mark.parametrize(
    "text, message",
    [
        ("weekly", "无法识别定时任务时间“weekly”"),
        ("workdays 25:00", "不是有效时刻"),
        ("monthly 31 02:00", "每月的日期请填 1 到 28"),
        ("every 7 minutes", "间隔分钟数应能整除一天"),
        ("hourly 17:30-08:30", "结束时刻早于开始时刻"),
    ],
)
def test_bad_schedules_are_explained(text, message):
    with pytest.raises(InvalidInput, match=message):
        parse(text)


@pytest.mark.parametrize(
    "text, label",
    [
        ("workdays 09:00", "每个工作日 09:00"),
        ("nightly 01:30", "每天 01:30"),
        ("hourly 08:30-17:30 on workdays", "每个工作日 08:30—17:30 每小时"),
        ("every 5 minutes", "每天每 5 分钟"),
    ],
)
def test_describe(text, label):
    assert parse(text).describe() == label
