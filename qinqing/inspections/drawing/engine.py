"""抽取 (draw): the pure, verifiable draw of 双随机、一公开 — who is inspected, by whom.

No database, clock or I/O: the same inputs and seed give the same result on any machine,
Python version or database, because

* every table is in canonical order (USCC / item id / inspector id, code-point order) and
  nothing iterates a set or dict whose order could vary;
* all randomness comes from SHA-256 and SHAKE-256 of documented text (no ``random``,
  no ``hash()``), so anyone can recompute it with standard tools;
* counts use exact decimal arithmetic.

The algorithm (``qinqing-draw-v1``) is specified in docs/dev/verifiable-draw.md; the
comments below name the step of that specification they implement.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import NamedTuple

import numpy as np

from qinqing.core.errors import InvalidInput
from qinqing.inspections.drawing.constraints import DrawConstraints
from qinqing.inspections.drawing.industry import industry_matches
from qinqing.inspections.drawing.inputs import (
    NOT_DRAWN,
    TIERS,
    EntityPool,
    InspectionItem,
    Inspector,
    gc_paused,
    inspectors_sha256,
    items_sha256,
)
from qinqing.inspections.rules import quiet_window_conflict

ALGORITHM = "qinqing-draw-v1"
MAX_SEED_LENGTH = 256
RECOMMENDED_SEED_LENGTH = 16  # below this a published commitment can be brute-forced

EXCLUSION_REASONS = {
    "annual_cap": "本年度检查次数已达上限",
    "quiet_period": "企业宁静期覆盖整个检查时段",
}


# --- seed, snapshot and commitment (spec §1–§2) ------------------------------------


def check_seed(seed: str) -> None:
    """Refuse seeds that cannot be published unambiguously."""
    if not seed:
        raise InvalidInput(f"抽取种子（seed）为空。请提供一串随机字符。{NOT_DRAWN}")
    if len(seed) > MAX_SEED_LENGTH:
        raise InvalidInput(f"抽取种子（seed）超过 {MAX_SEED_LENGTH} 个字符。{NOT_DRAWN}")
    if any(ord(c) < 32 or ord(c) == 127 for c in seed):
        raise InvalidInput(f"抽取种子（seed）中不能有换行、制表符等控制字符。{NOT_DRAWN}")


def seed_sha256(seed: str) -> str:
    """SHA-256 of the seed's UTF-8 bytes (hex); the streams use it, never the raw seed.

    Examples:
        >>> seed_sha256("abc")
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    """
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DrawInputs:
    """Everything a draw depends on besides the seed; hashed into the commitment."""

    entities: EntityPool
    items: tuple[InspectionItem, ...]
    inspectors: tuple[Inspector, ...]
    constraints: DrawConstraints = field(default_factory=DrawConstraints)

    def __post_init__(self) -> None:
        items = tuple(sorted(self.items, key=lambda i: i.item_id))
        inspectors = tuple(sorted(self.inspectors, key=lambda p: p.inspector_id))
        if len({i.item_id for i in items}) != len(items):
            raise InvalidInput(f"检查事项清单中有重复的事项编号。{NOT_DRAWN}")
        if len({p.inspector_id for p in inspectors}) != len(inspectors):
            raise InvalidInput(f"执法检查人员名录中有重复的人员编号。{NOT_DRAWN}")
        if not items:
            raise InvalidInput(f"检查事项清单没有任何事项。{NOT_DRAWN}")
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "inspectors", inspectors)

    @cached_property
    def table_sha256(self) -> dict[str, str]:
        """SHA-256 of each table's canonical form, in snapshot order."""
        return {
            "entities": self.entities.sha256,
            "items": items_sha256(self.items),
            "inspectors": inspectors_sha256(self.inspectors),
            "constraints": self.constraints.sha256,
        }

    @cached_property
    def snapshot_sha256(self) -> str:
        """SHA-256 of ``qinqing-draw-v1\\n`` followed by ``<table> <sha256>\\n`` per table."""
        text = ALGORITHM + "\n" + "".join(f"{k} {v}\n" for k, v in self.table_sha256.items())
        return hashlib.sha256(text.encode("ascii")).hexdigest()


def draw_commitment(seed: str, inputs: DrawInputs) -> str:
    """承诺值: SHA-256 of ``<seed>\\n<snapshot_sha256>``, published before the draw."""
    check_seed(seed)
    return hashlib.sha256(f"{seed}\n{inputs.snapshot_sha256}".encode()).hexdigest()


# --- random keys (spec §4, §8) -------------------------------------------------------


def entity_rank_keys(seed_hex: str, item_id: str, n: int) -> np.ndarray:
    """Ranking key of every pool position for one item: 8-byte big-endian words of a stream.

    The stream is SHAKE-256 of ``qinqing-draw-v1;entity-rank;<seed_sha256>;<item_id>``;
    position ``i`` gets bytes ``8i .. 8i+7``.

    Examples:
        >>> keys = entity_rank_keys(seed_sha256("abc"), "I001", 3)
        >>> stream = hashlib.shake_256(
        ...     ("qinqing-draw-v1;entity-rank;" + seed_sha256("abc") + ";I001").encode()
        ... ).digest(24)
        >>> int(keys[2]) == int.from_bytes(stream[16:24], "big")
        True
    """
    message = f"{ALGORITHM};entity-rank;{seed_hex};{item_id}".encode()
    stream = hashlib.shake_256(message).digest(8 * n)
    return np.frombuffer(stream, dtype=">u8").astype(np.uint64)


def inspector_rank_keys(seed_hex: str, department: str, round_: int, size: int) -> list[int]:
    """Tie-break keys of a department's inspectors who have made ``round_`` visits so far.

    The stream is SHAKE-256 of
    ``qinqing-draw-v1;inspector-rank;<seed_sha256>;<department>;<round>``; the inspector at
    index ``j`` of the department's roster (all its inspectors, by ``inspector_id``) gets
    bytes ``8j .. 8j+7`` as a big-endian integer.

    Examples:
        >>> keys = inspector_rank_keys(seed_sha256("abc"), "市税务局", 0, 2)
        >>> stream = hashlib.shake_256(
        ...     ("qinqing-draw-v1;inspector-rank;" + seed_sha256("abc") + ";市税务局;0").encode()
        ... ).digest(16)
        >>> keys[1] == int.from_bytes(stream[8:16], "big")
        True
    """
    message = f"{ALGORITHM};inspector-rank;{seed_hex};{department};{round_}".encode()
    stream = hashlib.shake_256(message).digest(8 * size)
    ranks: list[int] = np.frombuffer(stream, dtype=">u8").astype(np.uint64).tolist()
    return ranks


def stratum_size(ratio: Decimal, eligible: int) -> int:
    """How many of ``eligible`` entities to draw: ratio x eligible, rounded half up.

    Examples:
        >>> [stratum_size(Decimal("0.05"), n) for n in (9, 10, 29, 30, 31)]
        [0, 1, 1, 2, 2]
        >>> stratum_size(Decimal("0.5"), 3), stratum_size(Decimal("1"), 7), stratum_size(Decimal("0"), 7)
        (2, 7, 0)
    """
    return int((ratio * eligible).to_integral_value(rounding=ROUND_HALF_UP))


def select_smallest(keys: np.ndarray, positions: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` positions with the smallest ``(keys[position], position)``, ascending.

    Examples:
        >>> keys = np.array([5, 1, 5, 0, 9], dtype=np.uint64)
        >>> select_smallest(keys, np.arange(5), 3).tolist()
        [0, 1, 3]
    """
    if k <= 0:
        return positions[:0]
    if k >= len(positions):
        return positions
    own = keys[positions]
    threshold = np.partition(own, k - 1)[k - 1]
    chosen = own < threshold
    ties = np.flatnonzero(own == threshold)[: k - int(chosen.sum())]
    chosen[ties] = True
    picked: np.ndarray = positions[chosen]
    return picked


# --- result --------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemOutcome:
    """Realised counts of one item, per credit tier (A, B, C, D)."""

    item_id: str
    department: str
    name: str
    ratios: tuple[Decimal, ...]
    eligible: tuple[int, ...]
    drawn: tuple[int, ...]


class Visit(NamedTuple):
    """One entity's (joint) visit: all items drawn for it, one team, one day."""

    uscc: str
    items: tuple[str, ...]
    departments: tuple[str, ...]
    inspectors: tuple[str, ...]
    visit_on: date | None


@dataclass(frozen=True)
class Exclusion:
    uscc: str
    reason: str  # key of EXCLUSION_REASONS


@dataclass(frozen=True)
class DrawResult:
    seed: str
    commitment: str
    inputs: DrawInputs
    items: tuple[ItemOutcome, ...]
    visits: tuple[Visit, ...]
    exclusions: tuple[Exclusion, ...]
    warnings: tuple[str, ...]


# --- the draw (spec §3–§8) -----------------------------------------------------------


def run_draw(inputs: DrawInputs, seed: str) -> DrawResult:
    """Draw entities per item and credit tier, merge them into visits, assign inspectors.

    Raises :class:`InvalidInput` (and returns nothing) when the campaign cannot be drawn
    as a whole: an item without eligible entities (unless ``allow_empty_items``), a
    visit without enough qualified inspectors, quiet days covering the whole window.
    """
    with gc_paused():
        return _run_draw(inputs, seed)


def _run_draw(inputs: DrawInputs, seed: str) -> DrawResult:
    check_seed(seed)
    if not len(inputs.entities):
        raise InvalidInput(f"检查对象名录没有任何检查对象（只有表头）。{NOT_DRAWN}")
    seed_hex = seed_sha256(seed)
    commitment = draw_commitment(seed, inputs)
    pool, constraints = inputs.entities, inputs.constraints

    available, own_dates, exclusions = _availability(pool, constraints)
    item_outcomes, drawn = _draw_items(inputs, seed_hex, available, exclusions)
    warnings: list[str] = [
        f"检查事项“{o.item_id} {o.name}”（{o.department}）没有可抽取的检查对象，本次不抽取该事项。"
        for o in item_outcomes
        if sum(o.eligible) == 0
    ]
    visit_positions, combos = _merge(drawn)
    combo_items, combo_departments = _combo_labels(inputs.items, combos)
    visit_days = _schedule(visit_positions, constraints, own_dates)
    teams = _assign_inspectors(
        inputs, seed_hex, visit_positions, combos, combo_departments, warnings
    )
    usccs = pool.uscc
    visits = tuple(
        Visit(usccs[position], combo_items[combo], combo_departments[combo], team, day)
        for position, combo, team, day in zip(
            visit_positions, combos, teams, visit_days, strict=True
        )
    )
    return DrawResult(
        seed=seed,
        commitment=commitment,
        inputs=inputs,
        items=item_outcomes,
        visits=visits,
        exclusions=tuple(
            Exclusion(pool.uscc[p], reason) for p, reason in sorted(exclusions.items())
        ),
        warnings=tuple(warnings),
    )


def _availability(
    pool: EntityPool, constraints: DrawConstraints
) -> tuple[np.ndarray, dict[int, tuple[date, ...]], dict[int, str]]:
    """Spec §3: who may be drawn at all (annual cap, own quiet period) and on which days."""
    n = len(pool)
    exclusions: dict[int, str] = {}
    if constraints.annual_cap:
        unlimited = np.iinfo(np.int64).max
        caps = np.array([constraints.annual_cap.get(t, unlimited) for t in TIERS], dtype=np.int64)
        done = np.zeros(n, dtype=np.int64)
        codes = sorted(constraints.checks_done)
        positions = pool.positions_of(codes)
        for code, position in zip(codes, positions.tolist(), strict=True):
            if position >= 0:
                done[position] = constraints.checks_done[code]
        for position in np.flatnonzero(done >= caps[pool.tier]).tolist():
            exclusions[position] = "annual_cap"
    own_dates: dict[int, tuple[date, ...]] = {}
    if constraints.window is not None:
        base = constraints.base_visit_dates()  # raises when quiet days cover every workday
        codes = sorted(constraints.quiet_periods)
        positions = pool.positions_of(codes)
        for code, position in zip(codes, positions.tolist(), strict=True):
            periods = constraints.quiet_periods[code]
            if position < 0 or position in exclusions or not periods:
                continue
            allowed = tuple(d for d in base if quiet_window_conflict(d, periods=periods) is None)
            if allowed:
                own_dates[position] = allowed
            else:
                exclusions[position] = "quiet_period"
    available = np.ones(n, dtype=bool)
    if exclusions:
        available[np.fromiter(exclusions, dtype=np.int64)] = False
    return available, own_dates, exclusions


def _draw_items(
    inputs: DrawInputs, seed_hex: str, available: np.ndarray, exclusions: dict[int, str]
) -> tuple[tuple[ItemOutcome, ...], list[tuple[int, np.ndarray]]]:
    """Spec §4–§5: per item and credit tier, rank the eligible entities and take the count."""
    pool = inputs.entities
    n = len(pool)
    # Per tier: the positions of the available entities and their industry index, so that
    # each item needs one small lookup per tier instead of masks over the whole pool.
    tier_positions = []
    tier_industries = []
    for t in range(len(TIERS)):
        positions = np.flatnonzero((pool.tier == t) & available)
        tier_positions.append(positions)
        tier_industries.append(pool.industry_index[positions])
    outcomes: list[ItemOutcome] = []
    drawn: list[tuple[int, np.ndarray]] = []
    empty: list[str] = []
    for item_index, item in enumerate(inputs.items):
        code_matches = np.array(
            [industry_matches(item.industries, code) for code in pool.industry_values], dtype=bool
        )
        keys: np.ndarray | None = None
        eligible: list[int] = []
        counts: list[int] = []
        for t, positions in enumerate(tier_positions):
            stratum = positions[code_matches[tier_industries[t]]]
            k = stratum_size(item.ratios[t], len(stratum))
            if k:
                if keys is None:
                    keys = entity_rank_keys(seed_hex, item.item_id, n)
                drawn.append((item_index, select_smallest(keys, stratum, k)))
            eligible.append(len(stratum))
            counts.append(k)
        outcomes.append(
            ItemOutcome(
                item.item_id,
                item.department,
                item.name,
                item.ratios,
                tuple(eligible),
                tuple(counts),
            )
        )
        if not sum(eligible):
            matched_count = int(code_matches[pool.industry_index].sum()) if n else 0
            industries = "、".join(item.industries)
            why = (
                f"名录中适用行业（{industries}）的 {matched_count} 户均因本年度检查次数已达上限"
                f"或宁静期覆盖整个检查时段而不参加本次抽取"
                if matched_count
                else f"名录中没有适用行业为 {industries} 的检查对象"
            )
            empty.append(f"“{item.item_id} {item.name}”（{item.department}）：{why}")
    if empty and not inputs.constraints.allow_empty_items:
        raise InvalidInput(
            "以下检查事项没有可抽取的检查对象：" + "；".join(empty) + "。"
            "请核对事项的适用行业代码和检查对象名录，或将这些事项移出本次抽取"
            "（确需保留并只作记录的，可在约束中设置 allow_empty_items）。" + NOT_DRAWN
        )
    return tuple(outcomes), drawn


def _merge(drawn: list[tuple[int, np.ndarray]]) -> tuple[list[int], list[tuple[int, ...]]]:
    """Spec §6: one visit per entity, with every item it was drawn for (进一次门、查多项事).

    Returns the pool positions of the visits (ascending, i.e. by USCC) and, per visit, the
    indices of its items (ascending, i.e. by item id).
    """
    if not drawn:
        return [], []
    positions = np.concatenate([p for _, p in drawn]).astype(np.int64)
    items = np.concatenate([np.full(len(p), i, dtype=np.int64) for i, p in drawn])
    order = np.lexsort((items, positions))
    positions, items = positions[order], items[order]
    starts = np.flatnonzero(np.r_[True, positions[1:] != positions[:-1]])
    sizes = np.diff(np.r_[starts, len(positions)])
    singles: dict[int, tuple[int, ...]] = {}
    combos = [singles.setdefault(i, (i,)) for i in items[starts].tolist()]
    multi = np.flatnonzero(sizes > 1)
    item_list = items.tolist()
    for v, start, size in zip(
        multi.tolist(), starts[multi].tolist(), sizes[multi].tolist(), strict=True
    ):
        combos[v] = tuple(item_list[start : start + size])
    return positions[starts].tolist(), combos


def _combo_labels(
    items: tuple[InspectionItem, ...], combos: list[tuple[int, ...]]
) -> tuple[dict[tuple[int, ...], tuple[str, ...]], dict[tuple[int, ...], tuple[str, ...]]]:
    """Item ids and departments (sorted) of every distinct combination of items."""
    ids: dict[tuple[int, ...], tuple[str, ...]] = {}
    departments: dict[tuple[int, ...], tuple[str, ...]] = {}
    for combo in combos:
        if combo not in ids:
            ids[combo] = tuple(items[i].item_id for i in combo)
            departments[combo] = tuple(sorted({items[i].department for i in combo}))
    return ids, departments


def _schedule(
    visit_positions: list[int],
    constraints: DrawConstraints,
    own_dates: dict[int, tuple[date, ...]],
) -> list[date | None]:
    """Spec §7: each visit on the allowed day with the fewest visits so far (earliest on ties)."""
    if constraints.window is None:
        return [None] * len(visit_positions)
    base = constraints.base_visit_dates()
    load = dict.fromkeys(base, 0)
    heap = [(0, d) for d in base]  # lazy: an entry is stale when its count != load[d]
    days: list[date | None] = []
    for position in visit_positions:
        allowed = own_dates.get(position)
        if allowed is None:
            while True:
                count, day = heap[0]
                if count == load[day]:
                    break
                heapq.heapreplace(heap, (load[day], day))
            heapq.heapreplace(heap, (count + 1, day))
        else:
            day = min(allowed, key=lambda d: (load[d], d))
        load[day] += 1
        days.append(day)
    return days


def _assign_inspectors(
    inputs: DrawInputs,
    seed_hex: str,
    visit_positions: list[int],
    combos: list[tuple[int, ...]],
    combo_departments: dict[tuple[int, ...], tuple[str, ...]],
    warnings: list[str],
) -> list[tuple[str, ...]]:
    """Spec §8: least-loaded qualified inspectors, one per department, at least two.

    Each department keeps a heap of its active inspectors ordered by (visits so far,
    round key, inspector id); the round key is redrawn each time an inspector's count
    goes up, so every "round" of a department is served in a fresh random order.
    """
    constraints = inputs.constraints
    cap = constraints.max_visits_per_inspector
    minimum = constraints.min_inspectors
    blocked: dict[str, set[str]] = {}
    for p in inputs.inspectors:
        if p.conflicts:
            blocked.setdefault(p.inspector_id, set()).update(p.conflicts)
    for inspector_id, code in constraints.previous_pairs:
        blocked.setdefault(inspector_id, set()).add(code)

    roster: dict[str, list[str]] = defaultdict(list)  # all inspectors, by id
    for p in inputs.inspectors:
        roster[p.department].append(p.inspector_id)
    slot: dict[str, tuple[str, int]] = {
        inspector_id: (department, j)
        for department, ids in roster.items()
        for j, inspector_id in enumerate(ids)
    }
    round_keys: dict[tuple[str, int], list[int]] = {}

    def key(inspector_id: str, round_: int) -> int:
        department, j = slot[inspector_id]
        keys = round_keys.get((department, round_))
        if keys is None:
            keys = inspector_rank_keys(seed_hex, department, round_, len(roster[department]))
            round_keys[(department, round_)] = keys
        return keys[j]

    heaps: dict[str, list[tuple[int, int, str]]] = {}
    for p in inputs.inspectors:
        if p.active:
            heaps.setdefault(p.department, []).append((0, key(p.inspector_id, 0), p.inspector_id))
    for heap in heaps.values():
        heapq.heapify(heap)

    def pick(
        departments: tuple[str, ...], uscc: str, team: list[str]
    ) -> tuple[int, int, str] | None:
        """Pop the best qualified entry among the departments' heaps (None if none)."""
        best: tuple[int, int, str] | None = None
        best_department = ""
        skipped: list[tuple[str, tuple[int, int, str]]] = []
        for department in departments:
            heap = heaps.get(department)
            while heap:
                head = heap[0][2]
                codes = blocked.get(head)
                if head in team or (codes is not None and uscc in codes):
                    skipped.append((department, heapq.heappop(heap)))
                    continue
                if best is None or heap[0] < best:
                    best, best_department = heap[0], department
                break
        if best is not None:
            heapq.heappop(heaps[best_department])
        for department, entry in skipped:
            heapq.heappush(heaps[department], entry)
        return best

    teams: list[tuple[str, ...]] = []
    usccs = inputs.entities.uscc
    for number, (position, combo) in enumerate(zip(visit_positions, combos, strict=True), 1):
        uscc = usccs[position]
        departments = combo_departments[combo]
        team: list[str] = []
        chosen: list[tuple[int, int, str]] = []
        uncovered: list[str] = []
        for department in departments:
            entry = pick((department,), uscc, team)
            if entry is None:
                uncovered.append(department)
            else:
                chosen.append(entry)
                team.append(entry[2])
        while len(chosen) < minimum:
            entry = pick(departments, uscc, team)
            if entry is None:
                break
            chosen.append(entry)
            team.append(entry[2])
        if len(chosen) < minimum:
            raise InvalidInput(
                _too_few_message(inputs, number, uscc, combo, departments, len(chosen))
            )
        if uncovered:
            warnings.append(
                f"第 {number} 个检查对象 {uscc}：{'、'.join(uncovered)}没有可派的执法检查人员"
                f"（均需回避、上次检查过该企业或已达检查次数上限），由其他部门人员组成检查组。"
            )
        for load, _, inspector_id in chosen:
            if cap is None or load + 1 < cap:
                heapq.heappush(
                    heaps[slot[inspector_id][0]],
                    (load + 1, key(inspector_id, load + 1), inspector_id),
                )
        team.sort()
        teams.append(tuple(team))
    return teams


def _too_few_message(
    inputs: DrawInputs,
    number: int,
    uscc: str,
    item_indices: tuple[int, ...],
    departments: tuple[str, ...],
    found: int,
) -> str:
    constraints = inputs.constraints
    details = []
    for department in departments:
        staff = [p for p in inputs.inspectors if p.department == department]
        active = [p for p in staff if p.active]
        conflict = sum(uscc in p.conflicts for p in active)
        previous = sum((p.inspector_id, uscc) in constraints.previous_pairs for p in active)
        text = f"{department}名录中 {len(staff)} 名，在岗 {len(active)} 名，其中与该企业有回避关系 {conflict} 名"
        if constraints.previous_pairs:
            text += f"、上次抽查检查过该企业 {previous} 名"
        details.append(text)
    if constraints.max_visits_per_inspector is not None:
        details.append(
            f"每人本次最多检查 {constraints.max_visits_per_inspector} 户，可能已有人员达到上限"
        )
    item_ids = "、".join(inputs.items[i].item_id for i in item_indices)
    return (
        f"执法检查人员不足：第 {number} 个检查对象 {uscc}（事项 {item_ids}）至少需要 "
        f"{constraints.min_inspectors} 名在岗、无回避关系的本部门执法检查人员，只能找到 {found} 名。"
        f"{'；'.join(details)}。请补充执法检查人员名录、核对回避关系或调低抽查比例。{NOT_DRAWN}"
    )
