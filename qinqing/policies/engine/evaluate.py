"""Vectorised evaluation (政策匹配): every policy over the whole registry at once.

Each condition becomes one NumPy expression over a registry column (no Python loop
over enterprises); a condition used by several policies (the 严重失信 exclusion, say)
is computed once per evaluation and released after its last use. Results are sparse:
per policy, the rows with an amount above zero and those amounts, so 500 policies
over 1,000,000 enterprises never hold a dense 500 × 1,000,000 matrix.

Examples:
    >>> from qinqing.core.enterprises.registry_io import read_registry_records
    >>> from qinqing.policies.engine.spec import load_ruleset
    >>> registry = read_registry_records([
    ...     {"uscc": "91110000600037341L", "name": "甲公司", "region_code": "110000",
    ...      "industry_code": "C39", "size": "small", "established_on": "2010-01-01",
    ...      "serious_dishonesty": False, "graduate_hires": 3,
    ...      "high_tech_on": "2025-03-01", "little_giant_on": "2025-06-01"},
    ... ]).registry
    >>> evaluation = evaluate(load_ruleset(), registry, 2025)
    >>> [(d.policy_id, d.version, d.amount) for d in evaluation.decisions()]
    [('district18-art3', 1, 600000), ('grad-hiring-subsidy', 1, 3000)]
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pyarrow as pa

from qinqing.core.enterprises.attributes import AttributeType
from qinqing.core.enterprises.registry_io import EPOCH, NULL_DAY, Registry
from qinqing.policies.engine.spec import Amount, Condition, Item, Policy, RuleSet

OUTPUT_HEADER = "uscc,policy_id,amount\n"


def _day(value: dt.date) -> int:
    return (value - EPOCH).days


@dataclass(frozen=True)
class Decision:
    """One (enterprise, policy) outcome with the rule version that produced it."""

    uscc: str
    policy_id: str
    version: int
    digest: str
    amount: int
    row: int


@dataclass
class PolicyResult:
    """Rows (registry order) with an amount above zero for one policy, and the amounts."""

    policy: Policy
    rows: np.ndarray
    amounts: np.ndarray
    in_force: bool = True

    @property
    def total(self) -> int:
        return int(self.amounts.sum())


@dataclass
class Evaluation:
    """The outcome of one evaluation: sparse results per policy, in rule-set order."""

    year: int
    registry: Registry
    results: list[PolicyResult]

    def __len__(self) -> int:
        return sum(len(r.rows) for r in self.results)

    def result(self, policy_id: str) -> PolicyResult:
        for r in self.results:
            if r.policy.id == policy_id:
                return r
        raise KeyError(policy_id)

    def decisions(self) -> Iterator[Decision]:
        """Every eligible pair (amount > 0) with its rule id and version."""
        uscc = self.registry.uscc
        for r in self.results:
            codes = uscc.take(pa.array(r.rows)).to_pylist()
            for code, row, amount in zip(codes, r.rows.tolist(), r.amounts.tolist(), strict=True):
                yield Decision(code, r.policy.id, r.policy.version, r.policy.digest, amount, row)

    def amounts_for_row(self, row: int) -> dict[str, int]:
        """Amount per policy id for one registry row (0 when not eligible)."""
        out = {}
        for r in self.results:
            hit = np.searchsorted(r.rows, row)
            eligible = hit < len(r.rows) and r.rows[hit] == row
            out[r.policy.id] = int(r.amounts[hit]) if eligible else 0
        return out

    def to_arrow(self, *, with_version: bool = False) -> pa.Table:
        """uscc, policy_id[, policy_version], amount — one row per eligible pair."""
        return self._table(self.results, with_version)

    def _table(self, results: Sequence[PolicyResult], with_version: bool) -> pa.Table:
        rows = np.concatenate([r.rows for r in results]) if results else np.empty(0, np.int64)
        amounts = np.concatenate([r.amounts for r in results]) if results else np.empty(0, np.int64)
        counts = [len(r.rows) for r in results]
        ids = pa.DictionaryArray.from_arrays(
            _arrow(np.repeat(np.arange(len(results), dtype=np.int32), counts)),
            pa.array([r.policy.id for r in results], pa.string()),
        )
        columns = {"uscc": self.registry.uscc.take(_arrow(rows)), "policy_id": ids}
        if with_version:
            versions = np.repeat(np.array([r.policy.version for r in results], np.int64), counts)
            columns["policy_version"] = _arrow(versions)
        columns["amount"] = _arrow(amounts)
        return pa.table(columns)

    def write_csv(
        self, path: str | Path, *, with_version: bool = False, batch_rows: int = 2_000_000
    ) -> int:
        """Write the contract file ``uscc,policy_id,amount`` (UTF-8, LF); returns rows written.

        Written in batches of whole policies, so 17,000,000 result rows never become one
        table in memory.
        """
        import pyarrow.csv as pacsv

        names = ["uscc", "policy_id", *(["policy_version"] if with_version else []), "amount"]
        options = pacsv.WriteOptions(include_header=False, quoting_style="none")
        written = 0
        with open(path, "wb") as handle:
            handle.write((",".join(names) + "\n").encode("utf-8"))
            batch: list[PolicyResult] = []
            pending = 0
            for result in [*self.results, None]:
                if result is not None:
                    batch.append(result)
                    pending += len(result.rows)
                    if pending < batch_rows:
                        continue
                if pending:
                    table = self._table(batch, with_version)
                    pacsv.write_csv(table, handle, write_options=options)
                    written += table.num_rows
                batch, pending = [], 0
        return written


def _arrow(values: np.ndarray) -> pa.Array:
    """A NumPy integer array as an Arrow array sharing its memory (``pa.array`` would also
    look for masked and pandas arrays, importing numpy.ma: 13 ms of a CLI run)."""
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(
        pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)]
    )


@dataclass
class _Context:
    """Column access and a shared-condition cache for one evaluation."""

    registry: Registry
    year: int
    uses: Counter[tuple[object, ...]] = field(default_factory=Counter)
    cache: dict[tuple[object, ...], np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.registry)

    def mask(self, condition: Condition, policy: Policy) -> np.ndarray:
        """Boolean array of the rows meeting ``condition`` (read-only: never modify it)."""
        key = self.key(condition, policy)
        cached = self.cache.get(key)
        if cached is not None:
            self.uses[key] -= 1
            if self.uses[key] <= 0:
                del self.cache[key]
            return cached
        result = self.compute(condition, policy)
        if self.uses[key] > 1:
            self.uses[key] -= 1
            self.cache[key] = result
        return result

    def key(self, condition: Condition, policy: Policy) -> tuple[object, ...]:
        if _uses_window(condition):
            return (condition.key, policy.year_window(self.year))
        return condition.key

    def compute(self, c: Condition, policy: Policy) -> np.ndarray:
        if c.op == "all_of":
            return _all([self.mask(x, policy) for x in c.children], self.n)
        if c.op == "any_of":
            out = np.zeros(self.n, dtype=bool)
            for x in c.children:
                out |= self.mask(x, policy)
            return out
        if c.op == "not":
            return ~self.mask(c.children[0], policy)
        if c.op == "count_of":
            count = np.zeros(self.n, dtype=np.int16)
            for x in c.children:
                count += self.mask(x, policy)
            return count >= c.at_least
        return self.leaf(c, policy)

    def leaf(self, c: Condition, policy: Policy) -> np.ndarray:
        registry = self.registry
        name = c.attribute
        assert name is not None
        kind = c.attribute_type
        if c.op == "present":
            present = registry.present(name)
            exists = np.ones(self.n, dtype=bool) if present is None else present
            return exists if c.value else ~exists
        values = registry.column(name)
        if kind is AttributeType.DATE:
            return self.date_test(c, values, policy)  # an empty date is NULL_DAY
        if kind in (AttributeType.ENUM, AttributeType.STR):
            # code -1 (empty) takes the table's last entry, False
            return np.asarray(_lookup(c, registry.categories(name))[values])
        present = registry.present(name)
        if kind is AttributeType.BOOL:
            if c.op in ("equals", "not_equals"):
                wanted = bool(c.value) if c.op == "equals" else not bool(c.value)
                out = values.copy() if wanted else ~values
            else:  # pragma: no cover - validation allows only equals/not_equals/present
                raise ValueError(c.op)
        else:
            out = _compare(c.op, values, c.value)
        if present is not None:
            out &= present
        return out

    def date_test(self, c: Condition, days: np.ndarray, policy: Policy) -> np.ndarray:
        def day(value: object) -> int:
            if value == "policy_year_start":
                return _day(dt.date(self.year, 1, 1))
            if value == "policy_year_end":
                return _day(dt.date(self.year, 12, 31))
            assert isinstance(value, dt.date)
            return _day(value)

        if c.op == "in_policy_year":
            start, end = policy.year_window(self.year)
            if end < start:  # the policy is not in force in this year at all
                inside = np.zeros(len(days), dtype=bool)
                return inside if c.value else days != NULL_DAY
            # start <= day <= end as one unsigned comparison: days before start (and
            # NULL_DAY) wrap around to large unsigned numbers.
            offset = (days - np.int32(_day(start))).view(np.uint32)
            inside = offset <= np.uint32(_day(end) - _day(start))
            return inside if c.value else ~inside & (days != NULL_DAY)
        if c.op == "between":
            low, high = cast("tuple[Any, Any]", c.value)
            return np.asarray((days >= day(low)) & (days <= day(high)))
        if c.op in ("equals", "not_equals", "on_or_after", "after"):
            out = _compare(c.op, days, day(c.value))
            return out & (days != NULL_DAY) if c.op == "not_equals" else out
        return np.asarray(_compare(c.op, days, day(c.value)) & (days != NULL_DAY))


def _uses_window(c: Condition) -> bool:
    return c.op == "in_policy_year" or any(_uses_window(x) for x in c.children)


def _all(masks: Sequence[np.ndarray], n: int) -> np.ndarray:
    if not masks:
        return np.ones(n, dtype=bool)
    out = masks[0].copy()
    for m in masks[1:]:
        out &= m
    return out


def _compare(op: str, values: np.ndarray, value: object) -> np.ndarray:
    if op == "equals":
        return np.asarray(values == value)
    if op == "not_equals":
        return np.asarray(values != value)
    if op in ("at_least", "on_or_after"):
        return values >= value
    if op in ("at_most", "on_or_before"):
        return values <= value
    if op in ("greater_than", "after"):
        return values > value
    if op in ("less_than", "before"):
        return values < value
    if op == "between":
        low, high = cast("tuple[Any, Any]", value)
        return np.asarray((values >= low) & (values <= high))
    if op == "in":
        return np.isin(values, np.asarray(value))
    if op == "not_in":
        return ~np.isin(values, np.asarray(value))
    raise ValueError(f"unsupported operator {op}")


def _lookup(c: Condition, categories: Sequence[str]) -> np.ndarray:
    """Per-category truth table; the extra last entry (code -1, empty) is False."""
    wanted = c.value if isinstance(c.value, tuple) else (c.value,)
    if c.op in ("equals", "in"):
        table = [cat in wanted for cat in categories]
    elif c.op in ("not_equals", "not_in"):
        table = [cat not in wanted for cat in categories]
    elif c.op == "starts_with":
        table = [cat.startswith(tuple(str(w) for w in wanted)) for cat in categories]
    else:
        raise ValueError(f"operator {c.op} does not apply to text")
    return np.array([*table, False], dtype=bool)


def amount_values(amount: Amount, rows: np.ndarray | None, registry: Registry) -> np.ndarray:
    """Integer yuan for the given rows (all rows when None), never below 0."""
    if amount.kind == "fixed":
        size = len(registry) if rows is None else len(rows)
        return np.full(size, amount.value, dtype=np.int64)
    assert amount.attribute is not None
    base = registry.column(amount.attribute)
    if rows is not None:
        base = base[rows]
    if amount.kind == "per":
        values = base * amount.value
    elif amount.kind == "percent":
        values = base * amount.value // 10000  # rounded down to the yuan
    else:
        thresholds = np.array([t[0] for t in amount.tiers], dtype=np.int64)
        fixed = np.array([t[1] for t in amount.tiers], dtype=np.int64)
        each = np.array([t[2] for t in amount.tiers], dtype=np.int64)
        tier = np.searchsorted(thresholds, base, side="right") - 1  # highest tier reached
        values = np.where(tier >= 0, fixed[tier] + each[tier] * base, 0)
    return np.asarray(np.maximum(values, 0))  # a negative attribute value never takes money away


def _paying_rows(amount: Amount, mask: np.ndarray | None, registry: Registry) -> np.ndarray | None:
    """Rows that can receive a non-zero amount (None: every row), found on bool arrays."""
    if amount.kind == "fixed" or amount.attribute is None:
        return None if mask is None else np.flatnonzero(mask)
    base = registry.column(amount.attribute)
    floor = amount.tiers[0][0] if amount.kind == "tiered" else 1
    reaches = base >= floor
    return np.flatnonzero(reaches if mask is None else reaches & mask)


def amount_array(amount: Amount, mask: np.ndarray, registry: Registry) -> np.ndarray:
    """Integer yuan per row for rows in ``mask`` (0 elsewhere)."""
    rows = np.flatnonzero(mask)
    out = np.zeros(len(mask), dtype=np.int64)
    out[rows] = amount_values(amount, rows, registry)
    return out


def item_amount(item: Item, mask: np.ndarray, registry: Registry) -> np.ndarray:
    out = amount_array(item.amount, mask, registry)
    if item.cap is not None:
        np.minimum(out, item.cap, out=out)
    return out


def _raw_total(policy: Policy, ctx: _Context) -> np.ndarray:
    """Items summed and groups' maxima added, before the policy's conditions and exclusions.

    Fixed amounts are added in place where the item's mask is true (one pass, no
    temporaries); other amounts are computed only for the rows that can receive money.
    """
    n = ctx.n
    registry = ctx.registry
    total = np.zeros(n, dtype=np.int64)

    def item_mask(item: Item) -> np.ndarray | None:
        masks = [ctx.mask(c, policy) for c in item.when]
        if not masks:
            return None  # no conditions of its own: every row
        return masks[0] if len(masks) == 1 else _all(masks, n)

    def add(target: np.ndarray, item: Item, additive: bool) -> None:
        mask = item_mask(item)
        if item.amount.kind == "fixed":
            value = item.amount.value if item.cap is None else min(item.amount.value, item.cap)
            combine = np.add if additive else np.maximum
            combine(target, value, out=target, where=True if mask is None else mask)
            return
        rows = _paying_rows(item.amount, mask, registry)
        values = amount_values(item.amount, rows, registry)
        if item.cap is not None:
            np.minimum(values, item.cap, out=values)
        if rows is None:
            (np.add if additive else np.maximum)(target, values, out=target)
        elif additive:
            target[rows] += values  # rows are distinct, so += is exact
        else:
            target[rows] = np.maximum(target[rows], values)

    for item in policy.items:
        add(total, item, additive=True)
    for group in policy.groups:
        best = np.zeros(n, dtype=np.int64)
        for item in group.items:
            add(best, item, additive=False)
        total += best
    if policy.cap is not None:
        np.minimum(total, policy.cap, out=total)
    return total


def policy_rows(policy: Policy, ctx: _Context) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows with an amount above zero and their amounts (None: not in force that year).

    Every amount is >= 0, so the policy's own conditions and exclusions can be applied
    after the items, and only to the rows that would be paid: a gather, not a pass.
    """
    if not policy.in_force(ctx.year):
        return None
    total = _raw_total(policy, ctx)
    rows = np.flatnonzero(total > 0)
    if policy.when or policy.exclusions:
        keep = np.ones(len(rows), dtype=bool)
        for condition in policy.when:
            keep &= ctx.mask(condition, policy)[rows]
        for exclusion in policy.exclusions:
            keep &= ~ctx.mask(exclusion, policy)[rows]
        rows = rows[keep]
    return rows, total[rows]


def policy_amounts(policy: Policy, ctx: _Context) -> np.ndarray | None:
    """Dense int64 amounts of one policy (None when it is not in force that year)."""
    result = policy_rows(policy, ctx)
    if result is None:
        return None
    out = np.zeros(ctx.n, dtype=np.int64)
    out[result[0]] = result[1]
    return out


def condition_uses(ruleset: RuleSet | Sequence[Policy], year: int) -> Counter[tuple[object, ...]]:
    """How often each condition is evaluated, so shared ones are cached until last use."""
    uses: Counter[tuple[object, ...]] = Counter()

    def walk(c: Condition, policy: Policy) -> None:
        key = (c.key, policy.year_window(year)) if _uses_window(c) else c.key
        uses[key] += 1
        for child in c.children:
            walk(child, policy)

    for policy in ruleset:
        if not policy.in_force(year):
            continue
        for c in (*policy.when, *policy.exclusions, *(c for i in policy.all_items for c in i.when)):
            walk(c, policy)
    return uses


def attributes_used(ruleset: RuleSet | Sequence[Policy]) -> set[str]:
    """Every registry attribute the rules read (conditions, exclusions and amounts), so a
    caller can load only those columns; near misses read the same ones."""
    names: set[str] = set()
    for policy in ruleset:
        items = policy.all_items
        for condition in (*policy.when, *policy.exclusions, *(c for i in items for c in i.when)):
            names |= _attributes(condition)
        names.update(i.amount.attribute for i in items if i.amount.attribute is not None)
    return names


def policy_result(policy: Policy, ctx: _Context) -> PolicyResult:
    """One policy's result over the context's registry (empty when not in force)."""
    found = policy_rows(policy, ctx)
    if found is None:
        empty = np.empty(0, dtype=np.int64)
        return PolicyResult(policy, empty, empty, in_force=False)
    return PolicyResult(policy, *found)


def evaluate(ruleset: RuleSet | Sequence[Policy], registry: Registry, year: int) -> Evaluation:
    """Evaluate every policy of the rule set over the registry for policy year ``year``."""
    ctx = _Context(registry, year, condition_uses(ruleset, year))
    return Evaluation(year, registry, [policy_result(policy, ctx) for policy in ruleset])


# ---------------------------------------------------------------------------
# Near misses


@dataclass
class NearMisses:
    """Enterprises that miss a policy by exactly one condition (vectorised).

    For each row in ``rows``: ``items[i]`` indexes ``policy.all_items`` (the first item
    missed by one), and ``failed[i]`` says what failed: the index of the condition in
    ``policy.when + item.when``, or ``EXCLUDED`` (all conditions met but an exclusion
    applies) or ``ZERO_AMOUNT`` (all met but the amount works out at 0).
    """

    policy: Policy
    rows: np.ndarray
    items: np.ndarray
    failed: np.ndarray

    EXCLUDED = -1
    ZERO_AMOUNT = -2

    def reason(self, i: int, year: int) -> str:
        """Chinese reason for the i-th near miss."""
        item = self.policy.all_items[int(self.items[i])]
        code = int(self.failed[i])
        if code == self.EXCLUDED:
            hits = "、".join(c.describe(year) for c in self.policy.exclusions)
            return f"“{item.title}”的条件都已满足，但{hits}"
        if code == self.ZERO_AMOUNT:
            return f"“{item.title}”的条件都已满足，但按规则计算的金额为 0"
        condition = (*self.policy.when, *item.when)[code]
        return f"“{item.title}”只差一个条件：{condition.describe(year)}"


def find_near_misses(
    ruleset: RuleSet | Sequence[Policy],
    registry: Registry,
    year: int,
    evaluation: Evaluation | None = None,
) -> list[NearMisses]:
    """Per policy, the enterprises not eligible that miss one item by one condition.

    "Conditions" are the policy's and the item's ``when`` conditions; an item needs at
    least two of them to be missed "by one" (a single unmet condition is not "close").
    An enterprise meeting every condition of an item but caught by an exclusion is a
    near miss too (reason: the exclusion), so the office can see whom 严重失信 cost.
    """
    evaluation = evaluation or evaluate(ruleset, registry, year)
    ctx = _Context(registry, year)
    n = len(registry)
    out = []
    for result in evaluation.results:
        policy = result.policy
        if not result.in_force:
            continue
        not_eligible = np.ones(n, dtype=bool)
        not_eligible[result.rows] = False
        excluded = np.zeros(n, dtype=bool)
        for exclusion in policy.exclusions:
            excluded |= ctx.mask(exclusion, policy)
        base_masks = [ctx.mask(c, policy) for c in policy.when]
        item_of = np.full(n, -1, dtype=np.int32)
        failed = np.zeros(n, dtype=np.int32)
        for index, item in enumerate(policy.all_items):
            masks = [*base_masks, *(ctx.mask(c, policy) for c in item.when)]
            fails = np.zeros(n, dtype=np.int16)
            for m in masks:
                fails += ~m
            which = np.full(n, -3, dtype=np.int32)
            for j, m in enumerate(masks):
                which[~m] = j
            all_met = fails == 0
            zero = all_met & ~excluded & (item_amount(item, all_met, registry) <= 0)
            near = (fails == 1) & ~excluded if len(masks) >= 2 else np.zeros(n, dtype=bool)
            near |= all_met & excluded
            near |= zero
            near &= not_eligible & (item_of < 0)
            item_of[near] = index
            failed[near] = np.where(
                excluded[near] & all_met[near],
                NearMisses.EXCLUDED,
                np.where(zero[near], NearMisses.ZERO_AMOUNT, which[near]),
            )
        rows = np.flatnonzero(item_of >= 0)
        out.append(NearMisses(policy, rows, item_of[rows], failed[rows]))
    return out


def _attributes(condition: Condition) -> set[str]:
    names = {condition.attribute} if condition.attribute else set()
    for child in condition.children:
        names |= _attributes(child)
    return names
