"""A matching run's engine pass and its rows: evaluation and reachable near misses in one
pass give what ``evaluate`` and ``find_reachable_near_misses`` give separately, and the
result table holds the rows a straightforward row-by-row build gives, in the same order."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from qinqing.core.enterprises.registry_io import load_registry
from qinqing.policies.engine import one_pass
from qinqing.policies.engine.evaluate import (
    NearMisses,
    _attributes,
    _Context,
    amount_values,
    condition_uses,
    evaluate,
)
from qinqing.policies.engine.one_pass import evaluate_with_near_misses, find_reachable_near_misses
from qinqing.policies.engine.reach import can_change
from qinqing.policies.engine.spec import load_ruleset, parse_policy
from qinqing.policies.matching import NEAR_MISS_CAP, result_table

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "enterprises"
SAMPLE = SAMPLE / "sample_10k.csv"

HEADER = """
version: 1
title: 测试政策{k}
document: 测试文件
article: 第一条
source_text: 测试条款原文。
"""

# fixed conditions (size, region, industry, age) with reachable ones, a composite shared
# by two policies, exclusions, amounts that work out at 0, a group, one policy out of force
EXTRA = [
    """
when:
  - {attribute: size, in: [small, micro]}
  - any_of:
      - {attribute: high_tech_on, in_policy_year: true}
      - {attribute: graduate_hires, at_least: 3}
exclusions:
  - {attribute: serious_dishonesty, equals: true}
items:
  - {id: a, title: 奖励甲, when: [{attribute: industry_code, starts_with: [C]}], amount: 1万元}
  - id: b
    title: 分档乙
    amount:
      tiers_by: graduate_hires
      tiers: [{at_least: 5, amount: 2万元}, {at_least: 20, amount: 5万元}]
""",
    """
when:
  - any_of:
      - {attribute: high_tech_on, in_policy_year: true}
      - {attribute: graduate_hires, at_least: 3}
  - {attribute: established_on, on_or_before: 2018-12-31}
exclusions:
  - {attribute: serious_dishonesty, equals: true}
items:
  - id: per
    title: 每人奖励
    when: [{attribute: graduate_hires, at_least: 1}, {attribute: region_code, in: ["420602", "420606"]}]
    amount: {each: 1000, per: graduate_hires}
groups:
  - id: g
    title: 不重复奖
    items:
      - {id: g1, title: 认定甲, when: [{attribute: little_giant_on, in_policy_year: true}], amount: 5万元}
      - {id: g2, title: 认定乙, when: [{attribute: high_tech_on, present: true}], amount: 2万元}
""",
    """
valid_until: 2020-12-31
items:
  - {id: old, title: 已失效, when: [{attribute: graduate_hires, at_least: 1}], amount: 1000}
""",
]


@pytest.fixture(scope="module")
def registry():
    assert SAMPLE.is_file(), f"shared sample registry missing: {SAMPLE}"
    return load_registry(SAMPLE)


@pytest.fixture(scope="module")
def rules():
    extra = [
        parse_policy(f"id: extra-{k}\n" + HEADER.format(k=k) + body, f"extra-{k}.yaml")
        for k, body in enumerate(EXTRA)
    ]
    return [*load_ruleset(), *extra]


def _reference_near_misses(ruleset, registry, year, evaluation):
    """The search as first written: one gather per item, no shared cache (the oracle)."""
    evaluation = evaluation or evaluate(ruleset, registry, year)
    ctx = _Context(registry, year, condition_uses(ruleset, year))
    n = len(registry)
    fixed_cache = {}

    def fixed(c):
        key = c.key
        if key not in fixed_cache:
            fixed_cache[key] = not can_change(_attributes(c))
        return fixed_cache[key]

    out = []
    for result in evaluation.results:
        policy = result.policy
        if not result.in_force:
            continue
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
            rows = np.flatnonzero(candidate)
            if not len(rows):
                continue
            fails = np.zeros(len(rows), dtype=np.int16)
            which = np.full(len(rows), -3, dtype=np.int32)
            for j, (c, m) in enumerate(conditions):
                if fixed(c):
                    continue
                miss = ~m[rows]
                fails += miss
                which[miss] = j
            all_met = fails == 0
            out_excluded = excluded[rows]
            zero = np.zeros(len(rows), dtype=bool)
            paid = all_met & ~out_excluded
            if paid.any():
                values = amount_values(item.amount, rows[paid], registry)
                if item.cap is not None:
                    np.minimum(values, item.cap, out=values)
                zero[np.flatnonzero(paid)[values <= 0]] = True
            near = (fails == 1) & ~out_excluded if len(conditions) >= 2 else np.zeros_like(zero)
            near |= all_met & out_excluded
            near |= zero
            if not near.any():
                continue
            hit = rows[near]
            open_rows[hit] = False
            found_rows.append(hit)
            found_items.append(np.full(len(hit), index, dtype=np.int32))
            found_failed.append(
                np.where(
                    out_excluded[near] & all_met[near],
                    NearMisses.EXCLUDED,
                    np.where(zero[near], NearMisses.ZERO_AMOUNT, which[near]),
                ).astype(np.int32)
            )
        if found_rows:
            rows = np.concatenate(found_rows)
            order = np.argsort(rows, kind="stable")
            out.append(
                NearMisses(
                    policy,
                    rows[order],
                    np.concatenate(found_items)[order],
                    np.concatenate(found_failed)[order],
                )
            )
        else:
            empty = np.empty(0, dtype=np.int64)
            out.append(NearMisses(policy, empty, empty.astype(np.int32), empty.astype(np.int32)))
    return out


@pytest.mark.parametrize("dense", [0.125, 0.0, 2.0], ids=["chosen", "whole-columns", "gathers"])
def test_one_pass_gives_the_evaluation_and_the_reachable_near_misses(
    rules, registry, dense, monkeypatch
):
    # each item's search takes the whole-column or the gathering path by its candidates'
    # share: both must find the same near misses
    monkeypatch.setattr(one_pass, "DENSE", dense)
    for year in (2024, 2025):
        evaluation, near = evaluate_with_near_misses(rules, registry, year)
        expected = evaluate(rules, registry, year)
        assert [r.policy.id for r in evaluation.results] == [r.policy.id for r in expected.results]
        for got, want in zip(evaluation.results, expected.results, strict=True):
            assert got.in_force == want.in_force
            np.testing.assert_array_equal(got.rows, want.rows)
            np.testing.assert_array_equal(got.amounts, want.amounts)
        want_near = _reference_near_misses(rules, registry, year, expected)
        alone = find_reachable_near_misses(rules, registry, year, expected)
        for found in (near, alone):
            assert [n.policy.id for n in found] == [n.policy.id for n in want_near]
            for got_n, want_n in zip(found, want_near, strict=True):
                for field in ("rows", "items", "failed"):
                    np.testing.assert_array_equal(getattr(got_n, field), getattr(want_n, field))
        # the sample gives eligible pairs and near misses of every kind to compare
        assert sum(len(r.rows) for r in evaluation.results) > 1000
        kinds = set(np.concatenate([n.failed for n in near]).tolist())
        assert {-1, 0} <= kinds, kinds
    assert not evaluate_with_near_misses(rules, registry, 2025)[0].result("extra-2").in_force


def _rows_one_by_one(year, registry, ids, results, near_misses, by_code):
    """The run's rows built one Python tuple at a time (what the table must hold)."""
    rows = []
    for result in results:
        rule = by_code[result.policy.id]
        for row, amount in zip(result.rows.tolist(), result.amounts.tolist(), strict=True):
            rows.append((row, rule.policy_id, rule.pk, True, amount, ""))
    for near in near_misses:
        rule = by_code[near.policy.id]
        for i, row in enumerate(near.rows[:NEAR_MISS_CAP].tolist()):
            rows.append((row, rule.policy_id, rule.pk, False, 0, near.reason(i, year)[:500]))
    rows.sort(key=lambda r: ids[r[0]])  # stable: a row's policies in rule-set order
    return [
        {
            "run_id": 7, "year": year, "policy_id": policy_id, "rule_id": rule_id,
            "enterprise_id": int(ids[row]), "eligible": eligible, "near_miss": not eligible,
            "amount": amount, "reason": reason, "current": True,
        }
        for row, policy_id, rule_id, eligible, amount, reason in rows
    ]  # fmt: skip


def test_the_result_table_holds_the_rows_built_one_by_one(rules, registry):
    evaluation, near = evaluate_with_near_misses(rules, registry, 2025)
    by_code = {p.id: SimpleNamespace(policy_id=100 + i, pk=500 + i) for i, p in enumerate(rules)}
    # enterprise ids in another order than the registry's credit codes: rows follow the ids
    ids = np.random.default_rng(3).permutation(len(registry)) * 7 + 11
    table = result_table(
        SimpleNamespace(pk=7), 2025, registry, ids, evaluation.results, near, by_code
    )
    assert table.to_pylist() == _rows_one_by_one(
        2025, registry, ids, evaluation.results, near, by_code
    )
    assert table.num_rows > 1000
