"""Indicator registry: the numbers domains feed to the assessment (Decidim's register_stat).

A domain declares its indicators in ``<domain>/indicators.py`` and imports that module in its
AppConfig.ready(); the assessment reads only what is registered here and reaches into no
domain's tables.

    from qinqing.assessment.registry import Period, indicator

    @indicator("appeals.response_rate", "响应率", source="appeals", unit_label="%")
    def response_rate(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
        ...  # one value per unit id; None where the unit had nothing to measure

Optional hooks:

* ``higher_is_better=False`` for indicators where less is better (退回率, 逾期数 …); the
  scheme's scoring follows the direction declared here.
* ``drilldown=fn`` with ``fn(unit_id, period) -> str | None``: the URL of the domain page
  that lists what is behind a unit's value (the dashboard links to it).
* ``tags={"fines"}`` for anything built on 罚没 amounts: no scheme may use it
  (004 (二十五) 「严禁下达或变相下达罚没收入指标」).
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from qinqing.core.errors import InvalidInput

log = logging.getLogger(__name__)

FINES_TAG = "fines"


def _default_label(start: date, end: date) -> str:
    """Chinese name of a period: a month, a quarter, a half year, a year, or the two dates.

    Examples:
        >>> _default_label(date(2025, 3, 1), date(2025, 3, 31))
        '2025年3月'
        >>> _default_label(date(2025, 4, 1), date(2025, 6, 30))
        '2025年第2季度'
        >>> _default_label(date(2025, 1, 1), date(2025, 6, 30))
        '2025年上半年'
        >>> _default_label(date(2025, 1, 1), date(2025, 12, 31))
        '2025年度'
        >>> _default_label(date(2025, 3, 5), date(2025, 4, 20))
        '2025-03-05至2025-04-20'
    """
    month_end = calendar.monthrange(end.year, end.month)[1]
    if start.year == end.year and start.day == 1 and end.day == month_end:
        months = (start.month, end.month)
        if months == (1, 12):
            return f"{start.year}年度"
        if months == (1, 6):
            return f"{start.year}年上半年"
        if months == (7, 12):
            return f"{start.year}年下半年"
        if start.month == end.month:
            return f"{start.year}年{start.month}月"
        if start.month % 3 == 1 and end.month == start.month + 2:
            return f"{start.year}年第{(start.month + 2) // 3}季度"
    return f"{start.isoformat()}至{end.isoformat()}"


@dataclass(frozen=True)
class Period:
    """An assessment period, both ends inclusive. ``label`` defaults to its Chinese name.

    Examples:
        >>> Period(date(2025, 1, 1), date(2025, 3, 31)).label
        '2025年第1季度'
        >>> Period.quarter(2025, 2) == Period(date(2025, 4, 1), date(2025, 6, 30))
        True
        >>> Period.month(2024, 2).end
        datetime.date(2024, 2, 29)
    """

    start: date
    end: date
    label: str = ""

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise InvalidInput(
                f"考评期间的开始日期 {self.start.isoformat()} 晚于结束日期 "
                f"{self.end.isoformat()}，请检查后重新填写。"
            )
        if not self.label:
            object.__setattr__(self, "label", _default_label(self.start, self.end))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = 3 * (quarter - 1) + 1
        last = first + 2
        return cls(date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1]))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))


Compute = Callable[[Period, list[int]], dict[int, float | None]]
Drilldown = Callable[[int, Period], str | None]


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    compute: Compute
    source: str
    unit_label: str = "%"
    higher_is_better: bool = True
    description: str = ""
    # tags such as "fines" (罚没) let the scheme refuse indicators it must never reward
    tags: frozenset[str] = field(default_factory=frozenset)
    # drilldown(unit_id, period) -> URL of the domain page behind a unit's value, or None
    drilldown: Drilldown | None = None

    def drilldown_url(self, unit_id: int, period: Period) -> str | None:
        """The domain page that explains ``unit_id``'s value, or ``None``.

        A failing hook must not break the dashboard: it is logged and no link is shown.
        """
        if self.drilldown is None:
            return None
        try:
            return self.drilldown(unit_id, period) or None
        except Exception:
            log.exception("drilldown hook of indicator %s failed", self.code)
            return None

    @property
    def direction_label(self) -> str:
        return "越高越好" if self.higher_is_better else "越低越好"


_REGISTRY: dict[str, Indicator] = {}


def register(ind: Indicator) -> Indicator:
    """Add (or replace) an indicator; the same code registered again replaces the old one."""
    _REGISTRY[ind.code] = ind
    return ind


def unregister(code: str) -> None:
    """Remove an indicator (tests register their own and remove them afterwards)."""
    _REGISTRY.pop(code, None)


@contextmanager
def registered(indicators: Iterable[Indicator]) -> Iterator[list[Indicator]]:
    """Register ``indicators`` for the duration of a ``with`` block (tests, benchmarks).

    Indicators with the same code that were registered before are restored afterwards.
    """
    items = list(indicators)
    saved = {i.code: _REGISTRY[i.code] for i in items if i.code in _REGISTRY}
    for item in items:
        register(item)
    try:
        yield items
    finally:
        for item in items:
            _REGISTRY.pop(item.code, None)
        _REGISTRY.update(saved)


def indicator(
    code: str,
    label: str,
    *,
    source: str,
    unit_label: str = "%",
    higher_is_better: bool = True,
    description: str = "",
    tags: frozenset[str] | set[str] = frozenset(),
    drilldown: Drilldown | None = None,
) -> Callable[[Compute], Compute]:
    """Decorator form of :func:`register`; the function's docstring is the default description."""

    def wrap(fn: Compute) -> Compute:
        doc_lines = (fn.__doc__ or "").strip().splitlines()
        register(
            Indicator(
                code=code,
                label=label,
                compute=fn,
                source=source,
                unit_label=unit_label,
                higher_is_better=higher_is_better,
                description=description or (doc_lines[0].strip() if doc_lines else ""),
                tags=frozenset(tags),
                drilldown=drilldown,
            )
        )
        return fn

    return wrap


def get_indicator(code: str) -> Indicator:
    try:
        return _REGISTRY[code]
    except KeyError:
        known = "、".join(sorted(_REGISTRY)) or "无"
        raise InvalidInput(f"考评指标“{code}”不存在。已登记的指标：{known}。") from None


def find_indicator(code: str) -> Indicator | None:
    return _REGISTRY.get(code)


def all_indicators() -> list[Indicator]:
    return sorted(_REGISTRY.values(), key=lambda i: (i.source, i.code))
