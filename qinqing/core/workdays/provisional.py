"""Provisional years (暂定): the rest days the law fixes, for a year with no official notice.

《全国年节及纪念日放假办法》 (as revised by 国务院令第798号, in force from 2025-01-01) fixes
the statutory holidays of every year (第二条):

* 元旦 1 day (1 January);
* 春节 4 days (农历除夕 and 正月初一至初三);
* 清明节 1 day (the day of the 清明 solar term);
* 劳动节 2 days (1 and 2 May);
* 端午节 1 day (农历五月初五);
* 中秋节 1 day (农历八月十五);
* 国庆节 3 days (1 to 3 October).

第六条: a holiday that falls on a Saturday or Sunday is made up (补假) on a working day. We
give the make-up day on the first Monday–Friday after the holiday block that is not itself a
holiday, one per holiday day that fell on a weekend; when two holidays fall on the same day
(中秋 on a 国庆 day, as in 2020) the second one is made up the same way.

What the law does not fix is the 调休 arrangement (moving working days to make longer
blocks), which only the State Council's annual notice decides. None is guessed here: a
provisional year has no make-up working days, so every deadline computed on it is at worst
a few days earlier than the official one will be (the notice only adds rest days to a
block and moves working days onto weekends). Deadlines computed on provisional data are
marked 暂定 wherever they are shown and recomputed when the notice is imported.

Lunar dates and the 清明 solar term come from the ``lunar_python`` package (6tail's lunar
calendar), not from a hand-typed table.

Examples:
    >>> y = provisional_year(2027)
    >>> y.provisional, sorted((d.isoformat(), n) for d, n in y.holidays.items() if d.month == 2)
    (True, [('2027-02-05', '春节'), ('2027-02-06', '春节'), ('2027-02-07', '春节'), ('2027-02-08', '春节'), ('2027-02-09', '春节补假'), ('2027-02-10', '春节补假')])
    >>> y.makeup_workdays
    mappingproxy({})
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from qinqing.core.workdays.data import YearData

LAW = "《全国年节及纪念日放假办法》（2025年1月1日起施行）"
MAKEUP_SUFFIX = "补假"


def _lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> dt.date:
    from lunar_python import Solar

    table = Solar.fromYmd(year, 4, 10).getLunar().getJieQiTable()
    solar = table["清明"]
    day = dt.date(solar.getYear(), solar.getMonth(), solar.getDay())
    if day.year != year:  # pragma: no cover - the table is keyed by the lunar year
        raise ValueError(f"清明 of {year} not found")
    return day


def statutory_holidays(year: int) -> list[tuple[str, list[dt.date]]]:
    """The law's holidays of ``year`` as ``(name, days)`` blocks, in date order.

    Examples:
        >>> [(n, [d.isoformat() for d in ds]) for n, ds in statutory_holidays(2026)][1]
        ('春节', ['2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19'])
    """
    new_year = _lunar_to_solar(year, 1, 1)
    eve = new_year - dt.timedelta(days=1)  # 除夕: the last day of the twelfth lunar month
    blocks = [
        ("元旦", [dt.date(year, 1, 1)]),
        ("春节", [eve + dt.timedelta(days=i) for i in range(4)]),
        ("清明节", [_qingming(year)]),
        ("劳动节", [dt.date(year, 5, 1), dt.date(year, 5, 2)]),
        ("端午节", [_lunar_to_solar(year, 5, 5)]),
        ("中秋节", [_lunar_to_solar(year, 8, 15)]),
        ("国庆节", [dt.date(year, 10, d) for d in (1, 2, 3)]),
    ]
    return sorted(blocks, key=lambda block: block[1][0])


@cache
def provisional_year(year: int) -> YearData:
    """Rest days of ``year`` from the law alone (no 调休), as a provisional :class:`YearData`."""
    holidays: dict[dt.date, str] = {}
    owed: list[tuple[dt.date, str]] = []  # (block end, holiday name) per day to make up
    for name, days in statutory_holidays(year):
        for day in days:
            if day.weekday() >= 5 or day in holidays:
                owed.append((max(days), name))
            holidays.setdefault(day, name)
    for after, name in owed:
        day = after + dt.timedelta(days=1)
        while day.weekday() >= 5 or day in holidays:
            day += dt.timedelta(days=1)
        holidays[day] = f"{name}{MAKEUP_SUFFIX}"
    return YearData(
        year=year,
        holidays=holidays,
        makeup_workdays={},
        source=f"按{LAW}推算（国务院办公厅{year}年节假日安排通知发布前暂定）",
        version="暂定",
        origin="provisional",
        provisional=True,
    )
