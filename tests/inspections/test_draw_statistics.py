"""Statistical behaviour of the draw: exact stratum sizes, uniform and independent selection,
random and balanced inspector assignment. Seeds are fixed, so every run is identical."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from fractions import Fraction
from math import comb

from scipy.stats import chi2, chisquare

from qinqing.inspections.drawing import (
    DrawInputs,
    EntityPool,
    EntityRecord,
    InspectionItem,
    Inspector,
    run_draw,
)
from tests.inspections.fixtures.draw_world import make_uscc

ALPHA = 0.001  # a correct implementation fails a given check about once in a thousand seed sets


def round_half_up(ratio: str, n: int) -> int:
    """Independent oracle: nearest whole number to ratio x n, halves rounded up."""
    exact = Fraction(ratio) * n
    return int(exact + Fraction(1, 2)) if exact >= 0 else 0


def pool_of(spec: list[tuple[str, str]]) -> EntityPool:
    """Entities ``i`` with (industry, tier) = spec[i]."""
    return EntityPool.from_records(
        EntityRecord(make_uscc(i), f"企业{i}", industry, "420602", tier)
        for i, (industry, tier) in enumerate(spec)
    )


def team(departments: list[str], per_department: int = 6) -> tuple[Inspector, ...]:
    return tuple(
        Inspector(f"{d}-{j}", f"{d}{j}", d, True, ())
        for d in departments
        for j in range(per_department)
    )


def item(
    item_id: str, department: str, industries: tuple[str, ...], *ratios: str
) -> InspectionItem:
    return InspectionItem(
        item_id, department, item_id, industries, tuple(Decimal(r) for r in ratios)
    )


def test_realised_counts_per_stratum_follow_the_rounding_rule_exactly():
    # Stratum sizes chosen so that ratio x eligible hits exact halves (x.5) and near misses.
    sizes = {"A": 10, "B": 30, "C": 5, "D": 3}
    industries = ["C13", "C14", "F51", "H62"]
    spec = [
        (industries[(k + k // 4) % 4], tier)
        for tier, size in sizes.items()
        for k in range(size * 4)
    ]
    pool = pool_of(spec)
    ratio_sets = [
        ("0.05", "0.05", "0.3", "0.5"),  # 0.5 of A per industry-quarter etc.
        ("0.25", "0.15", "0.1", "0.1"),
        ("1", "0.0166", "0.7", "0"),
        ("0.35", "0.45", "0.9", "0.17"),
    ]
    item_industries = [("C",), ("C13", "F51"), ("*",), ("H62",)]
    items = tuple(
        item(f"I{k}", "甲局", industries_k, *ratios)
        for k, (industries_k, ratios) in enumerate(zip(item_industries, ratio_sets, strict=True))
    )
    result = run_draw(DrawInputs(pool, items, team(["甲局"])), "rounding-check-seed")

    tier_of = {make_uscc(i): tier for i, (_, tier) in enumerate(spec)}
    industry_of = {make_uscc(i): ind for i, (ind, _) in enumerate(spec)}
    realised = Counter((i, tier_of[v.uscc]) for v in result.visits for i in v.items)
    halves_seen = 0
    for it, outcome in zip(items, result.items, strict=True):
        for t, tier in enumerate("ABCD"):
            eligible = sum(
                1
                for u, ind in industry_of.items()
                if tier_of[u] == tier and any(c == "*" or ind.startswith(c) for c in it.industries)
            )
            ratio = str(it.ratios[t])
            expected = round_half_up(ratio, eligible)
            halves_seen += (Fraction(ratio) * eligible).denominator == 2
            assert outcome.eligible[t] == eligible
            assert outcome.drawn[t] == expected
            assert realised[(it.item_id, tier)] == expected, (it.item_id, tier)
    assert halves_seen >= 3  # the table really exercises the half case


def _selection_counts(n: int, ratio: str, seeds: list[str]) -> tuple[Counter, list[int]]:
    pool = pool_of([("C13", "B")] * n)
    items = (
        item("X", "甲局", ("*",), "0", ratio, "0", "0"),
        item("Y", "乙局", ("C",), "0", ratio, "0", "0"),
    )
    inspectors = team(["甲局", "乙局"])
    counts: Counter = Counter()
    overlaps = []
    for seed in seeds:
        result = run_draw(DrawInputs(pool, items, inspectors), seed)
        chosen_x = {v.uscc for v in result.visits if "X" in v.items}
        chosen_y = {v.uscc for v in result.visits if "Y" in v.items}
        counts.update(chosen_x)
        overlaps.append(len(chosen_x & chosen_y))
    return counts, overlaps


SEEDS = [f"uniformity-{i:04d}" for i in range(400)]


def test_selection_inside_a_stratum_is_uniform_and_independent_between_items():
    n, k = 20, 5
    counts, overlaps = _selection_counts(n, "0.25", SEEDS)
    observed = [counts[make_uscc(i)] for i in range(n)]
    assert sum(observed) == k * len(SEEDS)
    # Every entity, whatever its position in the pool, is drawn k/n of the time.
    assert chisquare(observed).pvalue > ALPHA, observed

    # Items are drawn independently: the overlap of two items' samples is hypergeometric.
    pmf = [comb(k, j) * comb(n - k, k - j) / comb(n, k) for j in range(k + 1)]
    bins = [0, 1, 2]  # 3+ merged (expected counts must not be tiny)
    expected = [pmf[j] * len(SEEDS) for j in bins] + [sum(pmf[3:]) * len(SEEDS)]
    seen = Counter(min(o, 3) for o in overlaps)
    observed_overlaps = [seen[j] for j in [*bins, 3]]
    statistic = sum((o - e) ** 2 / e for o, e in zip(observed_overlaps, expected, strict=True))
    assert chi2.sf(statistic, df=len(expected) - 1) > ALPHA, (observed_overlaps, expected)


def test_a_biased_selection_would_be_caught():
    # Guard against a toothless chi-square: always preferring low positions must fail.
    n, k, draws = 20, 5, 400
    biased = [draws if i < k else 0 for i in range(n)]
    assert sum(biased) == k * draws
    assert chisquare(biased).pvalue < ALPHA


def test_inspectors_are_drawn_at_random_among_qualified_colleagues():
    pool = pool_of([("C13", "D")] * 3)
    items = (item("X", "甲局", ("*",), "0", "0", "0", "1"),)
    inspectors = team(["甲局"], per_department=5)
    first_team = Counter()
    for seed in SEEDS:
        result = run_draw(DrawInputs(pool, items, inspectors), seed)
        first_team.update(result.visits[0].inspectors)
    observed = [first_team[p.inspector_id] for p in inspectors]
    assert sum(observed) == 2 * len(SEEDS)
    assert chisquare(observed).pvalue > ALPHA, observed


def test_inspector_load_is_balanced_within_each_department():
    spec = [(("C13", "F51", "H62")[i % 3], "ABCD"[i % 4]) for i in range(600)]
    items = (
        item("SJ-1", "市场监管", ("C",), "0.2", "0.3", "0.4", "0.6"),
        item("SJ-2", "市场监管", ("*",), "0.1", "0.1", "0.2", "0.3"),
        item("SW-1", "税务", ("F", "H"), "0.2", "0.2", "0.3", "0.5"),
        item("YJ-1", "应急", ("C13",), "0.3", "0.3", "0.3", "0.3"),
    )
    inspectors = team(["市场监管", "税务", "应急"], per_department=7)
    result = run_draw(DrawInputs(pool_of(spec), items, inspectors), "balance-seed-2025")
    assert sum(len(v.departments) > 1 for v in result.visits) > 20  # joint visits happen
    load = Counter(p for v in result.visits for p in v.inspectors)
    for department in ("市场监管", "税务", "应急"):
        loads = [load[p.inspector_id] for p in inspectors if p.department == department]
        assert max(loads) - min(loads) <= 1, (department, loads)
