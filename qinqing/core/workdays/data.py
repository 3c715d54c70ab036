"""Versioned holiday data per year (节假日安排): the package's years and admin-entered years.

A year's data is the State Council's annual notice (《国务院办公厅关于××年部分节假日安排的通知》)
turned into two sets of dates: the rest days of each holiday block (``public_holiday``,
including the weekend days inside a block) and the make-up working days (``makeup_workday``,
调休上班日, usually a Saturday or Sunday). Every other Monday–Friday is a working day, every
other Saturday and Sunday a rest day. A year after the last official one is
covered provisionally (``provisional.py``): weekends and the statutory holidays the law
fixes, with no 调休, and every deadline computed on it is marked 暂定.

Years come from two places: the ``chinesecalendar`` package (the years its data includes;
version 1.11.0 covers 2004–2026) and years an administrator imports from the notice
(``qinqing calendar import-notice``), stored in the database. An imported year overrides the
package's data for the same year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

PUBLIC_HOLIDAY = "public_holiday"  # 法定节假日 (a rest day of a holiday block)
MAKEUP_WORKDAY = "makeup_workday"  # 调休上班日

KIND_LABELS = {PUBLIC_HOLIDAY: "法定节假日", MAKEUP_WORKDAY: "调休上班日"}

# chinesecalendar names its holidays in English; users read Chinese.
PACKAGE_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class YearData:
    """One year's official holiday arrangement and where it comes from.

    ``holidays`` and ``makeup_workdays`` map a date to the Chinese name of its holiday.
    Dates normally fall inside ``year``; a notice may also list a day of late December of
    the previous year (e.g. the 2012 notice made 2011-12-31 a working day), which then
    overrides that day wherever the previous year's data comes from.

    ``version`` identifies this version of the year's data (``chinesecalendar 1.11.0`` for
    package years, ``数据库第 N 版`` for imported years); ``effective_from`` is when it took
    effect in Qinqing (the import time; ``None`` for package data, which is in force as long
    as the package is installed).
    """

    year: int
    holidays: Mapping[dt.date, str]
    makeup_workdays: Mapping[dt.date, str]
    source: str
    document_number: str = ""
    version: str = ""
    effective_from: dt.datetime | None = None
    origin: str = "package"  # "package" | "database" | "provisional"
    provisional: bool = False  # computed from the law alone, no official notice yet (暂定)

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", MappingProxyType(dict(self.holidays)))
        object.__setattr__(self, "makeup_workdays", MappingProxyType(dict(self.makeup_workdays)))

    def days(self) -> Iterator[tuple[dt.date, str, str]]:
        """``(day, kind, name)`` for every listed day, sorted by date."""
        rows = [(d, PUBLIC_HOLIDAY, n) for d, n in self.holidays.items()]
        rows += [(d, MAKEUP_WORKDAY, n) for d, n in self.makeup_workdays.items()]
        return iter(sorted(rows))


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"chinesecalendar {version('chinesecalendar')}"
    except PackageNotFoundError:  # pragma: no cover - vendored copy without metadata
        return "chinesecalendar"


@cache
def package_years() -> tuple[YearData, ...]:
    """The years whose data the installed ``chinesecalendar`` package includes.

    The package itself accepts exactly the years between its first and last holiday
    (``chinese_calendar.utils._validate_date``) and raises ``NotImplementedError`` outside
    them; we take the same range, and group its dates by calendar year.

    Examples:
        >>> years = package_years()
        >>> years[0].year, years[-1].year >= 2026
        (2004, True)
        >>> y2025 = {y.year: y for y in years}[2025]
        >>> y2025.holidays[dt.date(2025, 10, 6)], y2025.makeup_workdays[dt.date(2025, 10, 11)]
        ('中秋节', '国庆节')
    """
    from chinese_calendar import constants

    first = min(constants.holidays).year
    last = max(constants.holidays).year
    version = package_version()
    holidays: dict[int, dict[dt.date, str]] = {y: {} for y in range(first, last + 1)}
    makeups: dict[int, dict[dt.date, str]] = {y: {} for y in range(first, last + 1)}
    for day, name in constants.holidays.items():
        holidays[day.year][day] = PACKAGE_HOLIDAY_NAMES.get(name, name)
    for day, name in constants.workdays.items():
        if first <= day.year <= last:
            makeups[day.year][day] = PACKAGE_HOLIDAY_NAMES.get(name, name)
    return tuple(
        YearData(
            year=y,
            holidays=holidays[y],
            makeup_workdays=makeups[y],
            source=f"《国务院办公厅关于{y}年部分节假日安排的通知》（经 chinesecalendar 软件包整理）",
            version=version,
            origin="package",
        )
        for y in range(first, last + 1)
    )
