"""Indicator registry: the numbers domains feed to the assessment (Decidim's register_stat).

A domain declares its indicators in ``<domain>/indicators.py`` and imports that module in its
AppConfig.ready(); the assessment reads only what is registered here and reaches into no
domain's tables.

    from qinqing.assessment.registry import Period, indicator

    @indicator("appeals.response_rate", "响应率", source="appeals", unit_label="%")
    def response_rate(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
        ...  # one value per unit id; None where the unit had nothing to measure
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from qinqing.core.errors import InvalidInput


@dataclass(frozen=True)
class Period:
    """An assessment period, both ends inclusive."""

    start: date
    end: date
    label: str = ""


Compute = Callable[[Period, list[int]], dict[int, float | None]]


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


_REGISTRY: dict[str, Indicator] = {}


def register(ind: Indicator) -> Indicator:
    _REGISTRY[ind.code] = ind
    return ind


def indicator(
    code: str,
    label: str,
    *,
    source: str,
    unit_label: str = "%",
    higher_is_better: bool = True,
    description: str = "",
    tags: frozenset[str] | set[str] = frozenset(),
) -> Callable[[Compute], Compute]:
    def wrap(fn: Compute) -> Compute:
        register(
            Indicator(
                code=code,
                label=label,
                compute=fn,
                source=source,
                unit_label=unit_label,
                higher_is_better=higher_is_better,
                description=description or (fn.__doc__ or "").strip().splitlines()[0:1][0]
                if fn.__doc__
                else description,
                tags=frozenset(tags),
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


def all_indicators() -> list[Indicator]:
    return sorted(_REGISTRY.values(), key=lambda i: (i.source, i.code))
