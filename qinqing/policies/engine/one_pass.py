"""Reachable near misses, alone or in one pass with the evaluation (matching runs).

``evaluate`` then ``find_reachable_near_misses`` each build their own condition cache, so a
matching run computed every condition mask twice (at 1,000,000 × 500 policies, most of
the near-miss time). Here each policy is evaluated and searched for near misses right
after, over one cache whose use counts cover both, so a mask is computed once and
released after its last use. The results are those of the two functions (same
definitions, same order); ``tests/policies/test_engine_one_pass.py`` compares them.

Pure and free of Django, like the rest of the engine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeAlias

import numpy as np

from qinqing.core.enterprises.registry_io import Registry
from qinqing.policies.engine.evaluate import (
    Evaluation,
    NearMisses,
    PolicyResult,
    _attributes,
    _Context,
    _uses_window,
    amount_values,
    condition_uses,
    evaluate,
    policy_result,
)
from qinqing.policies.engine.reach import can_change
from qinqing.policies.engine.spec import Condition, Item, Policy, RuleSet


def _near_miss_uses(ruleset: RuleSet | Sequence[Policy], year: int) -> Counter[tuple[object, ...]]:
    """The top-level condition uses of the near-miss search (exclusions, the policy's and
    each item's conditions, once per policy), added to the evaluation's. Children are
    not counted again: a composite condition computed once is cached for both uses."""
    uses: Counter[tuple[object, ...]] = Counter()
    for policy in ruleset:
        if not policy.in_force(year):
            continue
        for c in (*policy.when, *policy.exclusions, *(c for i in policy.all_items for c in i.when)):
            uses[(c.key, policy.year_window(year)) if _uses_window(c) else c.key] += 1
    return uses


def evaluate_with_near_misses(
    ruleset: RuleSet | Sequence[Policy], registry: Registry, year: int
) -> tuple[Evaluation, list[NearMisses]]:
    """``evaluate(ruleset, registry, year)`` and ``find_reachable_near_misses`` on it, with
    every condition mask computed once."""
    uses = condition_uses(ruleset, year)
    uses.update(_near_miss_uses(ruleset, year))
    ctx = _Context(registry, year, uses)
    fixed = _fixed_test()
    results: list[PolicyResult] = []
    near_misses: list[NearMisses] = []
    for policy in ruleset:
        result = policy_result(policy, ctx)
        results.append(result)
        if result.in_force:
            near_misses.append(_reachable(result, ctx, fixed))
    return Evaluation(year, registry, results), near_misses


def find_reachable_near_misses(
    ruleset: RuleSet | Sequence[Policy],
    registry: Registry,
    year: int,
    evaluation: Evaluation | None = None,
) -> list[NearMisses]:
    """Per policy, the enterprises not eligible that miss one item by one condition they
    could come to meet (what the enterprise is shown and pushed; defect 12).

    Same definition as :func:`find_near_misses`, except that a near miss on a condition
    over fixed attributes only (size class, registration place, industry…) is not one, so
    for each row the first item missed by one *reachable* condition is kept. That lets the
    work go to the few rows meeting every fixed condition of an item (a gather) instead of
    a pass over every row per item: at 300,000 × 500 policies the full search produced
    53.6 million near misses, most of them another district's enterprises.
    """
    evaluation = evaluation or evaluate(ruleset, registry, year)
    ctx = _Context(registry, year, condition_uses(ruleset, year))
    fixed = _fixed_test()
    return [_reachable(r, ctx, fixed) for r in evaluation.results if r.in_force]


def _fixed_test() -> Callable[[Condition], bool]:
    """Whether a condition is over fixed attributes only (no near miss on it), cached."""
    cache: dict[tuple[object, ...], bool] = {}

    def fixed(c: Condition) -> bool:
        key = c.key
        if key not in cache:
            cache[key] = not can_change(_attributes(c))
        return cache[key]

    return fixed


def _reachable(
    result: PolicyResult, ctx: _Context, fixed: Callable[[Condition], bool]
) -> NearMisses:
    """One policy's reachable near misses (``result``: its evaluation)."""
    policy = result.policy
    registry = ctx.registry
    n = ctx.n
    open_rows = np.ones(n, dtype=bool)  # not eligible, not yet a near miss of an item
    open_rows[result.rows] = False
    excluded = np.zeros(n, dtype=bool)
    for exclusion in policy.exclusions:
        excluded |= ctx.mask(exclusion, policy)
    base = [(c, ctx.mask(c, policy)) for c in policy.when]
    found_rows, found_items, found_failed = [], [], []
    for index, item in enumerate(policy.all_items):
        conditions = [*base, *((c, ctx.mask(c, policy)) for c in item.when)]
        candidate = open_rows.copy()
        for c, m in conditions:
            if fixed(c):
                candidate &= m
        reachable = [(j, m) for j, (c, m) in enumerate(conditions) if not fixed(c)]
        count = int(np.count_nonzero(candidate))
        if not count:
            continue
        if count > DENSE * n:
            found = _dense(item, candidate, reachable, len(conditions), excluded, registry)
        else:
            found = _sparse(item, candidate, reachable, len(conditions), excluded, registry)
        if found is None:
            continue
        hit, excluded_met, zero = found
        open_rows[hit] = False
        # the one reachable condition a row fails (fails == 1), found on its rows only
        which = np.full(len(hit), -3, dtype=np.int32)
        for j, m in reachable:
            which[~m[hit]] = j
        found_rows.append(hit)
        found_items.append(np.full(len(hit), index, dtype=np.int32))
        found_failed.append(
            np.where(
                excluded_met,
                NearMisses.EXCLUDED,
                np.where(zero, NearMisses.ZERO_AMOUNT, which),
            ).astype(np.int32)
        )
    if found_rows:
        rows = np.concatenate(found_rows)
        order = np.argsort(rows, kind="stable")
        return NearMisses(
            policy,
            rows[order],
            np.concatenate(found_items)[order],
            np.concatenate(found_failed)[order],
        )
    empty = np.empty(0, dtype=np.int64)
    return NearMisses(policy, empty, empty.astype(np.int32), empty.astype(np.int32))


# share of the rows above which an item's candidates are searched on whole columns
# (vectorised passes) rather than gathered (the gathers cost several times more per row)
DENSE = 0.125

_Found: TypeAlias = tuple[np.ndarray, np.ndarray, np.ndarray] | None


def _zero_amount(item: Item, rows: np.ndarray, registry: Registry) -> np.ndarray:
    """Of ``rows`` (all conditions met, not excluded), those whose amount works out at 0."""
    values = amount_values(item.amount, rows, registry)
    if item.cap is not None:
        np.minimum(values, item.cap, out=values)
    return values <= 0


def _sparse(
    item: Item,
    candidate: np.ndarray,
    reachable: list[tuple[int, np.ndarray]],
    size: int,
    excluded: np.ndarray,
    registry: Registry,
) -> _Found:
    """Near misses of one item among few candidates: gathers on their rows.

    Returns (rows, all met but excluded, amount 0) or None."""
    rows = np.flatnonzero(candidate)
    fails = np.zeros(len(rows), dtype=np.int16)
    for _, m in reachable:
        fails += ~m[rows]
    all_met = fails == 0
    out_excluded = excluded[rows]
    zero = np.zeros(len(rows), dtype=bool)
    paid = all_met & ~out_excluded
    if paid.any():
        zero[np.flatnonzero(paid)[_zero_amount(item, rows[paid], registry)]] = True
    near = (fails == 1) & ~out_excluded if size >= 2 else np.zeros_like(zero)
    near |= all_met & out_excluded
    near |= zero
    if not near.any():
        return None
    return rows[near], (out_excluded & all_met)[near], zero[near]


def _dense(
    item: Item,
    candidate: np.ndarray,
    reachable: list[tuple[int, np.ndarray]],
    size: int,
    excluded: np.ndarray,
    registry: Registry,
) -> _Found:
    """The same as :func:`_sparse` on whole columns, for items most rows are candidates
    of (no fixed condition narrowing them)."""
    met = np.zeros(len(candidate), dtype=np.int16)
    for _, m in reachable:
        met += m
    all_met = candidate & (met == len(reachable))
    paid = all_met & ~excluded
    zero = np.zeros(len(candidate), dtype=bool)
    if paid.any():
        rows = np.flatnonzero(paid)
        zero[rows[_zero_amount(item, rows, registry)]] = True
    if size >= 2:
        near = candidate & (met == len(reachable) - 1) & ~excluded
    else:
        near = np.zeros(len(candidate), dtype=bool)
    near |= all_met & excluded
    near |= zero
    hit = np.flatnonzero(near)
    if not len(hit):
        return None
    return hit, (excluded & all_met)[hit], zero[hit]
