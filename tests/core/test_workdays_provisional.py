"""Provisional years: the law's holidays, lunar dates from the library, 补假 on weekends."""

from __future__ import annotations

import datetime as dt

import pytest
from lunar_python import Lunar

from qinqing.core.workdays.data import package_years
from qinqing.core.workdays.provisional import provisional_year, statutory_holidays

D = dt.date
OFFICIAL = {y.year: y for y in package_years()}


def rest_days(year: int) -> set[dt.date]:
    return set(provisional_year(year).holidays)


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_provisional_rest_day_is_an_official_rest_day(year):
    official = OFFICIAL[year]
    official_rest = set(official.holidays)
    for day in rest_days(year):
        assert day in official_rest or (day.weekday() >= 5 and day not in official.makeup_workdays)


@pytest.mark.parametrize("year", [2025, 2026])
def test_provisional_years_never_guess_a_makeup_working_day(year):
    assert dict(provisional_year(year).makeup_workdays) == {}


def test_2027_follows_the_law():
    days = provisional_year(2027).holidays
    # 元旦 is a Friday: one day, no 补假
    assert days[D(2027, 1, 1)] == "元旦" and D(2027, 1, 4) not in days
    # 除夕 2027-02-05 (Fri) to 初三 02-08 (Mon): Saturday and Sunday made up on 09 and 10
    assert [days.get(D(2027, 2, d)) for d in range(4, 12)] == [
        None, "春节", "春节", "春节", "春节", "春节补假", "春节补假", None,
    ]  # fmt: skip
    # 清明 2027-04-05 is a Monday
    assert days[D(2027, 4, 5)] == "清明节"
    # 劳动节 5-1 Sat and 5-2 Sun: made up on Monday and Tuesday
    assert days[D(2027, 5, 3)] == days[D(2027, 5, 4)] == "劳动节补假"
    # 国庆 10-1 Fri, 10-2 Sat, 10-3 Sun: made up on 10-4 and 10-5
    assert days[D(2027, 10, 4)] == days[D(2027, 10, 5)] == "国庆节补假"
    assert D(2027, 10, 6) not in days


@pytest.mark.parametrize("year", range(2027, 2041))
def test_lunar_holidays_come_from_the_library(year):
    blocks = dict(statutory_holidays(year))
    new_year = Lunar.fromYmd(year, 1, 1).getSolar()
    first = D(new_year.getYear(), new_year.getMonth(), new_year.getDay())
    assert blocks["春节"] == [first + dt.timedelta(days=i) for i in range(-1, 3)]
    duanwu = Lunar.fromYmd(year, 5, 5).getSolar()
    assert blocks["端午节"] == [D(duanwu.getYear(), duanwu.getMonth(), duanwu.getDay())]
    mid = Lunar.fromYmd(year, 8, 15).getSolar()
    assert blocks["中秋节"] == [D(mid.getYear(), mid.getMonth(), mid.getDay())]
    assert blocks["清明节"][0].month == 4 and 4 <= blocks["清明节"][0].day <= 6


@pytest.mark.parametrize("year", range(2027, 2041))
def test_each_weekend_holiday_gives_one_makeup_day_on_a_working_day(year):
    statutory = [d for _, ds in statutory_holidays(year) for d in ds]
    assert len(statutory) == 13  # 元旦 1, 春节 4, 清明 1, 劳动 2, 端午 1, 中秋 1, 国庆 3
    # a holiday on a weekend, or on a day another holiday already takes, is owed a day
    owed = len(statutory) - len({d for d in statutory if d.weekday() < 5})
    holidays = provisional_year(year).holidays
    makeups = [d for d, name in holidays.items() if name.endswith("补假")]
    assert len(makeups) == owed
    # so every statutory day costs exactly one Monday–Friday
    assert len([d for d in holidays if d.weekday() < 5]) == 13


def test_a_holiday_on_another_holiday_is_made_up():
    # 2028: 中秋 (八月十五) falls on 10-03, the third day of 国庆
    blocks = dict(statutory_holidays(2028))
    assert blocks["中秋节"] == [D(2028, 10, 3)]
    days = provisional_year(2028).holidays
    # 10-1 Sun is made up, and so is 中秋 on 10-3: two extra days after the block (Wed, Thu)
    assert days[D(2028, 10, 4)].endswith("补假") and days[D(2028, 10, 5)].endswith("补假")
    assert D(2028, 10, 6) not in days
