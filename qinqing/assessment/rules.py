"""Scoring rules of the assessment (考评): pure functions, no ORM, no clock, no I/O.

A scheme item turns one indicator's values into points out of the item's weight with one of
three methods:

* ``linear`` (线性插值): 0 points at the worst end of [floor, ceiling], full weight at the
  best end, in proportion between; outside the range the value is clamped. The indicator's
  direction decides which end is best.
* ``rank`` (按名次): among the units with a value, the best gets the full weight, the worst
  none, the others in proportion to their rank; tied units share the better rank.
* ``threshold`` (分档): a table of (limit, percent) rows; a value that reaches a limit earns
  that percent of the weight (the best row reached counts; none reached: 0).

A unit whose indicator has no value (None: nothing to measure) is not scored on that item;
its total is scaled to the weights of the items it has (总分 = 得分之和 ÷ 有效权重 × 100).
Totals are rounded to two decimals and units are ranked on the rounded totals, so two units
showing the same total share a rank.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

LINEAR = "linear"
RANK = "rank"
THRESHOLD = "threshold"
METHODS = {LINEAR: "线性插值", RANK: "按名次", THRESHOLD: "分档"}

FULL_WEIGHT = Decimal(100)
FINES_BASIS = "004 (二十五)「严禁下达或变相下达罚没收入指标」"
EXTERNAL_BASIS = "004 (四)「在全省营商环境评价中排名列后10名」"

_CENT = Decimal("0.01")


def round2(value: float | Decimal) -> Decimal:
    """Round half up to two decimals, as officials do by hand.

    Examples:
        >>> round2(2.675)  # float 2.675 is 2.67499…; the decimal text is what people see
        Decimal('2.68')
        >>> round2(Decimal("85.005"))
        Decimal('85.01')
    """
    if isinstance(value, Decimal):
        return value.quantize(_CENT, rounding=ROUND_HALF_UP)
    return Decimal(repr(float(value))).quantize(_CENT, rounding=ROUND_HALF_UP)


def _finite(value: float | Decimal | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


# --- the three methods ---------------------------------------------------------------------


def linear_fraction(value: float, floor: float, ceiling: float, higher_is_better: bool) -> float:
    """Share of the weight earned between ``floor`` and ``ceiling`` (clamped to 0…1).

    Examples:
        >>> linear_fraction(90, 80, 100, True)
        0.5
        >>> linear_fraction(120, 80, 100, True), linear_fraction(60, 80, 100, True)
        (1.0, 0.0)
        >>> linear_fraction(2, 0, 10, False)  # 退回率 2%: lower is better
        0.8
    """
    if not floor < ceiling:
        raise ValueError("floor must be below ceiling")
    share = (value - floor) / (ceiling - floor)
    if not higher_is_better:
        share = 1 - share
    return min(1.0, max(0.0, share))


def threshold_fraction(
    value: float, table: Sequence[tuple[float, float]], higher_is_better: bool
) -> float:
    """Share of the weight from a table of (limit, percent) rows; the best row reached counts.

    Higher is better: a value reaches a row when it is at least the limit; lower is better:
    when it is at most the limit.

    Examples:
        >>> table = [(95, 100), (90, 80), (80, 60)]
        >>> threshold_fraction(96, table, True), threshold_fraction(90, table, True)
        (1.0, 0.8)
        >>> threshold_fraction(79.9, table, True)
        0.0
        >>> threshold_fraction(3, [(1, 100), (3, 80), (5, 50)], False)  # 逾期 3 件
        0.8
    """
    reached = [
        percent
        for limit, percent in table
        if (value >= limit if higher_is_better else value <= limit)
    ]
    return max(reached) / 100 if reached else 0.0


def competition_ranks(
    values: Mapping[K, float | Decimal | None], higher_is_better: bool = True
) -> dict[K, int | None]:
    """Rank with ties sharing the better rank ("1224"); units without a value get None.

    Examples:
        >>> competition_ranks({"甲": 90, "乙": 95, "丙": 90, "丁": 80, "戊": None})
        {'甲': 2, '乙': 1, '丙': 2, '丁': 4, '戊': None}
        >>> competition_ranks({"甲": 1.0, "乙": 3.0}, higher_is_better=False)
        {'甲': 1, '乙': 2}
    """
    finite = {k: _finite(v) for k, v in values.items()}
    ordered = sorted((v for v in finite.values() if v is not None), reverse=higher_is_better)
    first_position: dict[float, int] = {}
    for position, v in enumerate(ordered, start=1):  # best first
        first_position.setdefault(v, position)
    return {k: (first_position[v] if v is not None else None) for k, v in finite.items()}


def rank_fractions(
    values: Mapping[K, float | None], higher_is_better: bool = True
) -> dict[K, float | None]:
    """Share of the weight by rank: best 1, worst 0, linear between; ties share the better rank.

    Examples:
        >>> rank_fractions({"甲": 90, "乙": 80, "丙": 70})
        {'甲': 1.0, '乙': 0.5, '丙': 0.0}
        >>> rank_fractions({"甲": 90, "乙": 90, "丙": 70})
        {'甲': 1.0, '乙': 1.0, '丙': 0.0}
        >>> rank_fractions({"甲": 5.0, "乙": None})  # alone with a value: full weight
        {'甲': 1.0, '乙': None}
    """
    ranks = competition_ranks(values, higher_is_better)
    counted = sum(1 for r in ranks.values() if r is not None)
    out: dict[K, float | None] = {}
    for key, rank in ranks.items():
        if rank is None:
            out[key] = None
        elif counted == 1:
            out[key] = 1.0
        else:
            out[key] = (counted - rank) / (counted - 1)
    return out


# --- one item, one run ---------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRule:
    """One scheme item as the scoring sees it (a snapshot: the run keeps it as it was)."""

    code: str
    label: str
    weight: Decimal
    method: str
    higher_is_better: bool = True
    floor: float | None = None
    ceiling: float | None = None
    thresholds: tuple[tuple[float, float], ...] = ()


def item_points(rule: ItemRule, values: Mapping[K, float | None]) -> dict[K, Decimal | None]:
    """Points (out of ``rule.weight``, rounded to cents) per unit; None where no value.

    Examples:
        >>> rule = ItemRule("x", "按时完成率", Decimal(40), LINEAR, True, 60, 100)
        >>> item_points(rule, {1: 100.0, 2: 80.0, 3: None})
        {1: Decimal('40.00'), 2: Decimal('20.00'), 3: None}
    """
    clean = {k: _finite(v) for k, v in values.items()}
    weight = float(rule.weight)
    if rule.method == RANK:
        shares = rank_fractions(clean, rule.higher_is_better)
    elif rule.method == LINEAR:
        assert rule.floor is not None and rule.ceiling is not None
        shares = {
            k: None
            if v is None
            else linear_fraction(v, float(rule.floor), float(rule.ceiling), rule.higher_is_better)
            for k, v in clean.items()
        }
    elif rule.method == THRESHOLD:
        shares = {
            k: None if v is None else threshold_fraction(v, rule.thresholds, rule.higher_is_better)
            for k, v in clean.items()
        }
    else:
        raise ValueError(f"unknown scoring method {rule.method!r}")
    return {k: (None if s is None else round2(weight * s)) for k, s in shares.items()}


def scaled_total(points: Iterable[tuple[Decimal | None, Decimal]]) -> Decimal | None:
    """Total out of 100 from (points, weight) pairs; items without points drop out.

    Examples:
        >>> scaled_total([(Decimal("30"), Decimal("40")), (Decimal("50"), Decimal("60"))])
        Decimal('80.00')
        >>> scaled_total([(Decimal("30"), Decimal("40")), (None, Decimal("60"))])  # 30/40
        Decimal('75.00')
        >>> scaled_total([(None, Decimal("100"))]) is None
        True
    """
    earned = Decimal(0)
    applicable = Decimal(0)
    for pts, weight in points:
        if pts is None:
            continue
        earned += pts
        applicable += weight
    if applicable == 0:
        return None
    if applicable == FULL_WEIGHT:
        return round2(earned)
    return round2(earned * FULL_WEIGHT / applicable)


def bottom_flags(ranks: Mapping[K, int | None], n: int) -> dict[K, bool]:
    """末位: a unit is flagged when its rank falls in the last ``n`` places of the ranked units.

    Tied units share their (better) rank, so ties at the boundary are not flagged and nobody
    is flagged when all are equal; units without a total are never flagged.

    Examples:
        >>> bottom_flags({"甲": 1, "乙": 2, "丙": 3, "丁": 4, "戊": None}, 2)
        {'甲': False, '乙': False, '丙': True, '丁': True, '戊': False}
        >>> bottom_flags({"甲": 1, "乙": 2, "丙": 2, "丁": 2}, 2)  # ties at the boundary
        {'甲': False, '乙': False, '丙': False, '丁': False}
        >>> bottom_flags({"甲": 1, "乙": 1}, 1)
        {'甲': False, '乙': False}
    """
    counted = sum(1 for r in ranks.values() if r is not None)
    cutoff = counted - n
    return {k: (r is not None and n > 0 and r > cutoff) for k, r in ranks.items()}


@dataclass
class UnitResult:
    unit_id: int
    raw: dict[str, float | None] = field(default_factory=dict)
    points: dict[str, Decimal | None] = field(default_factory=dict)
    total: Decimal | None = None
    rank: int | None = None
    flagged: bool = False


def score_units(
    rules: Sequence[ItemRule],
    values_by_code: Mapping[str, Mapping[int, float | None]],
    unit_ids: Sequence[int],
    bottom_n: int,
) -> list[UnitResult]:
    """Score, total, rank and flag every unit; returned best first, units without data last.

    Examples:
        >>> rules = [
        ...     ItemRule("a", "按时完成率", Decimal(60), LINEAR, True, 50, 100),
        ...     ItemRule("b", "退回率", Decimal(40), RANK, False),
        ... ]
        >>> values = {"a": {1: 100, 2: 75, 3: 50}, "b": {1: 5, 2: 0, 3: None}}
        >>> [(r.unit_id, str(r.total), r.rank, r.flagged) for r in score_units(rules, values, [1, 2, 3], 1)]
        [(2, '70.00', 1, False), (1, '60.00', 2, False), (3, '0.00', 3, True)]
    """
    results = {uid: UnitResult(uid) for uid in unit_ids}
    for rule in rules:
        values = values_by_code.get(rule.code, {})
        raw = {uid: _finite(values.get(uid)) for uid in unit_ids}
        pts = item_points(rule, raw)
        for uid in unit_ids:
            results[uid].raw[rule.code] = raw[uid]
            results[uid].points[rule.code] = pts[uid]
    for res in results.values():
        res.total = scaled_total((res.points[r.code], r.weight) for r in rules)
    ranks = competition_ranks({uid: r.total for uid, r in results.items()})
    flags = bottom_flags(ranks, bottom_n)
    for uid, res in results.items():
        res.rank = ranks[uid]
        res.flagged = flags[uid]
    order = {uid: i for i, uid in enumerate(unit_ids)}
    return sorted(
        results.values(),
        key=lambda r: (r.rank is None, r.rank or 0, order[r.unit_id]),
    )


# --- validation ----------------------------------------------------------------------------

_FINES_WORDS = ("罚没", "罚款", "没收", "罚金")
_FINES_CODE_TOKENS = frozenset(
    {"fine", "fines", "penalty", "penalties", "confiscation", "confiscated", "forfeiture"}
)


def concerns_fines(code: str, label: str, tags: Iterable[str] = ()) -> bool:
    """True for an indicator built on 罚没 amounts (by tag, code or label).

    Examples:
        >>> concerns_fines("market.fine_income", "罚没收入完成率")
        True
        >>> concerns_fines("x.amount", "罚款金额")
        True
        >>> concerns_fines("x.y", "案件金额", tags={"fines"})
        True
        >>> concerns_fines("plans.on_time_rate", "任务按时完成率")
        False
        >>> concerns_fines("core.defined_ratio", "已定义比例")  # "define" is no fine
        False
    """
    if "fines" in set(tags):
        return True
    if any(word in (label or "") for word in _FINES_WORDS):
        return True
    tokens = set(re.split(r"[^a-z0-9]+", (code or "").lower()))
    return bool(tokens & _FINES_CODE_TOKENS)


def fines_refusal(code: str, label: str) -> str:
    return (
        f"指标“{label}”（{code}）涉及罚没收入或罚款，不能列入考评方案。依据 {FINES_BASIS}："
        "罚款、没收的违法所得或者没收非法财物拍卖的款项，不得同行政执法部门及其工作人员的"
        "考核、考评直接或者变相挂钩。请删除该指标。"
    )


@dataclass(frozen=True)
class IndicatorInfo:
    """What validation needs to know about a registered indicator."""

    code: str
    label: str
    higher_is_better: bool = True
    tags: frozenset[str] = frozenset()


def _num(value: float | Decimal) -> str:
    """Numbers in messages without trailing zeros: 40, 12.5.

    Examples:
        >>> _num(Decimal("40.00")), _num(12.50), _num(Decimal("0"))
        ('40', '12.5', '0')
    """
    text = format(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def item_errors(
    *,
    code: str,
    weight: Decimal | None,
    method: str,
    floor: float | Decimal | None,
    ceiling: float | Decimal | None,
    thresholds: Sequence[tuple[float, float]],
    known: Mapping[str, IndicatorInfo],
) -> list[str]:
    """Problems with one item, each a Chinese sentence saying what to change.

    Examples:
        >>> known = {"a": IndicatorInfo("a", "按时完成率")}
        >>> item_errors(code="zz", weight=Decimal(10), method="rank", floor=None, ceiling=None,
        ...             thresholds=[], known=known)
        ['指标代码“zz”不存在（没有模块登记这个指标）。可选的指标：按时完成率（a）。']
        >>> item_errors(code="a", weight=Decimal(10), method="linear", floor=90, ceiling=60,
        ...             thresholds=[], known=known)
        ['指标“按时完成率”按线性插值计分，下限（90）应小于上限（60）。请改为例如下限 60、上限 90。']
    """
    info = known.get(code)
    if info is None:
        names = "、".join(f"{i.label}（{c}）" for c, i in sorted(known.items())) or "暂无"
        return [f"指标代码“{code}”不存在（没有模块登记这个指标）。可选的指标：{names}。"]
    label = info.label
    if concerns_fines(code, info.label, info.tags):
        return [fines_refusal(code, info.label)]
    errors = []
    if weight is None or weight <= 0:
        errors.append(f"指标“{label}”的权重应大于 0（现为 {_num(weight or 0)}）。")
    elif weight > FULL_WEIGHT:
        errors.append(f"指标“{label}”的权重为 {_num(weight)}，不能超过 100。")
    if method not in METHODS:
        errors.append(f"指标“{label}”的计分方法“{method}”无效，应为线性插值、按名次或分档。")
    elif method == LINEAR:
        if floor is None or ceiling is None:
            errors.append(f"指标“{label}”按线性插值计分，请填写下限和上限。")
        elif not floor < ceiling:
            errors.append(
                f"指标“{label}”按线性插值计分，下限（{_num(floor)}）应小于上限（{_num(ceiling)}）。"
                f"请改为例如下限 {_num(min(floor, ceiling))}、上限 {_num(max(floor, ceiling))}。"
            )
    elif method == THRESHOLD:
        if not thresholds:
            errors.append(
                f"指标“{label}”按分档计分，请至少填写一档（例如“95:100”表示达到 95 得满分）。"
            )
        limits = [limit for limit, _ in thresholds]
        if len(set(limits)) != len(limits):
            errors.append(f"指标“{label}”的分档中有重复的门槛值，每个门槛只能出现一次。")
        for limit, percent in thresholds:
            if not 0 <= percent <= 100:
                errors.append(
                    f"指标“{label}”分档“{_num(limit)}:{_num(percent)}”的得分比例应在 0 到 100 之间。"
                )
    return errors


def weight_errors(weights: Sequence[tuple[str, Decimal]]) -> list[str]:
    """Weights of a scheme must add up to exactly 100.

    Examples:
        >>> weight_errors([("按时完成率", Decimal(60)), ("退回率", Decimal(30))])
        ['各项指标权重合计为 90，应为 100（还差 10）。请调整：按时完成率 60、退回率 30。']
        >>> weight_errors([("按时完成率", Decimal(60)), ("退回率", Decimal(40))])
        []
        >>> weight_errors([])
        ['方案还没有指标。请至少添加一项指标，并使权重合计为 100。']
    """
    if not weights:
        return ["方案还没有指标。请至少添加一项指标，并使权重合计为 100。"]
    total = sum((w for _, w in weights), Decimal(0))
    if total == FULL_WEIGHT:
        return []
    gap = FULL_WEIGHT - total
    hint = f"还差 {_num(gap)}" if gap > 0 else f"多出 {_num(-gap)}"
    parts = "、".join(f"{label} {_num(w)}" for label, w in weights)
    return [f"各项指标权重合计为 {_num(total)}，应为 100（{hint}）。请调整：{parts}。"]


def parse_thresholds(text: str) -> list[tuple[float, float]]:
    """Read a threshold table typed as "95:100, 90:80, 80:60" (门槛:得分比例).

    Full-width colons and commas, semicolons and line breaks are accepted.

    Examples:
        >>> parse_thresholds("95:100，90：80; 80:60")
        [(95.0, 100.0), (90.0, 80.0), (80.0, 60.0)]
        >>> parse_thresholds("")
        []
        >>> parse_thresholds("95-100")
        Traceback (most recent call last):
        ...
        ValueError: 分档“95-100”格式不对，应为“门槛:得分比例”，例如“95:100”。
    """
    rows = []
    for part in re.split(r"[,，;；、\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        pieces = re.split(r"[:：]", part)
        try:
            if len(pieces) != 2:
                raise ValueError
            limit, percent = float(pieces[0]), float(pieces[1])
            if not (math.isfinite(limit) and math.isfinite(percent)):
                raise ValueError
        except ValueError:
            raise ValueError(f"分档“{part}”格式不对，应为“门槛:得分比例”，例如“95:100”。") from None
        rows.append((limit, percent))
    return rows


def format_thresholds(rows: Iterable[Sequence[float]]) -> str:
    """The inverse of :func:`parse_thresholds`.

    Examples:
        >>> format_thresholds([(95.0, 100.0), (90.5, 80.0)])
        '95:100, 90.5:80'
    """
    return ", ".join(f"{_num(float(limit))}:{_num(float(percent))}" for limit, percent in rows)


def even_weights(count: int) -> list[Decimal]:
    """Integer weights adding up to 100, the first ones one point heavier.

    Examples:
        >>> even_weights(3)
        [Decimal('34'), Decimal('33'), Decimal('33')]
        >>> sum(even_weights(7))
        Decimal('100')
    """
    if count <= 0:
        return []
    base, extra = divmod(100, count)
    return [Decimal(base + (1 if i < extra else 0)) for i in range(count)]


# --- external results ----------------------------------------------------------------------


def in_province_bottom(rank: int, total_ranked: int, bottom_n: int) -> bool:
    """True when ``rank`` is among the last ``bottom_n`` of ``total_ranked`` (004 (四)).

    Examples:
        >>> in_province_bottom(91, 100, 10), in_province_bottom(90, 100, 10)
        (True, False)
        >>> in_province_bottom(3, 8, 10)  # fewer ranked than N: everybody is in the last N
        True
    """
    return rank > total_ranked - bottom_n
