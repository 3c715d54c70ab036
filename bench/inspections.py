"""Benchmark of the 双随机、一公开 draw: 1,000,000 entities, 50 items, 2,000 inspectors.

    .venv/bin/python bench/inspections.py [--n 1000000] [--baseline-n 50000] [--csv]

Times the full draw (stratified ranking of every item, merging into joint visits,
inspector assignment) and writing DRAW.json, reports peak RSS, and compares with two
baselines measured in the same run on a smaller pool and scaled linearly to ``--n``:

* ``naive``: the textbook verifiable draw, one SHA-256(seed, item, uscc) per eligible
  (item, entity) pair in a Python loop, then a sort per stratum;
* ``random.sample``: Python's sampler per stratum (not verifiable: shown as a floor).

``--csv`` also writes the pool to a temporary CSV and times reading and validating it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

# bench/ holds other scripts (e.g. calendar.py) that must not shadow the standard library.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from qinqing.core.enterprises.uscc import ALPHABET as USCC_ALPHABET  # noqa: E402
from qinqing.core.enterprises.uscc import WEIGHTS as USCC_WEIGHTS  # noqa: E402
from qinqing.inspections.drawing import (  # noqa: E402
    DrawInputs,
    InspectionItem,
    Inspector,
    read_entities_csv,
    render_draw,
    run_draw,
    stratum_size,
    verify_draw,
)
from qinqing.inspections.drawing.industry import SECTION_DIVISIONS, industry_matches  # noqa: E402
from qinqing.inspections.drawing.inputs import TIERS, build_entity_pool  # noqa: E402

SEED = "bench-2025-q3-7f3a9c1e5b2d4f6a8c0e"
DEPARTMENTS = [f"部门{d:02d}" for d in range(10)]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_usccs(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct valid USCCs: 91 + region + a base-31 counter, then the check digit."""
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    regions = np.array([b"420602", b"420606", b"420607", b"420683", b"420684"])
    body = np.zeros((n, 17), dtype=np.uint8)
    body[:, 0:2] = np.frombuffer(b"91", dtype=np.uint8)
    body[:, 2:8] = np.frombuffer(b"".join(regions[rng.integers(0, 5, n)]), np.uint8).reshape(n, 6)
    counter = rng.permutation(n).astype(np.int64) + 31**5
    values = np.zeros((n, 17), dtype=np.int64)
    for col in range(16, 7, -1):
        values[:, col] = counter % 31
        counter //= 31
    body[:, 8:17] = alphabet[values[:, 8:17]]
    lut = np.full(256, 0, dtype=np.int64)
    for i, c in enumerate(USCC_ALPHABET):
        lut[ord(c)] = i
    check = (31 - (lut[body] @ np.array(USCC_WEIGHTS)) % 31) % 31
    full = np.concatenate([body, alphabet[check][:, None]], axis=1)
    return _split(full)


def _split(full: np.ndarray) -> list[str]:
    text = full.tobytes().decode("ascii")
    return [text[i : i + 18] for i in range(0, len(text), 18)]


def make_world(n: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    codes = [
        f"{section}{division:02d}"
        for section, (low, high) in SECTION_DIVISIONS.items()
        for division in range(low, high + 1)
    ]
    weights = np.array([6.0 if c[0] in "CFGHI" else 1.0 for c in codes])
    industry = np.array(codes)[rng.choice(len(codes), n, p=weights / weights.sum())].tolist()
    tier = np.array(list(TIERS))[rng.choice(4, n, p=[0.2, 0.5, 0.2, 0.1])].tolist()
    uscc = make_usccs(n, rng)
    region = [u[2:8] for u in uscc]
    name = [f"示例企业{i:07d}有限公司" for i in range(n)]

    items = []
    sections = list(SECTION_DIVISIONS)
    for k in range(50):
        department = DEPARTMENTS[k % 10]
        if k < 10:
            industries: tuple[str, ...] = ("*",)
        elif k < 30:
            industries = (sections[k % len(sections)],)
        else:
            picks = rng.choice(len(codes), 3, replace=False)
            industries = tuple(sorted(codes[p] for p in picks))
        ratios = (Decimal("0.01"), Decimal("0.03"), Decimal("0.05"), Decimal("0.1"))
        items.append(
            InspectionItem(f"I{k:03d}", department, f"检查事项{k:03d}", industries, ratios)
        )
    inspectors = []
    for j in range(2000):
        conflicts = (
            tuple(sorted(uscc[c] for c in rng.choice(n, 3, replace=False))) if j % 50 == 0 else ()
        )
        inspectors.append(
            Inspector(f"P{j:05d}", f"检查员{j:05d}", DEPARTMENTS[j % 10], j % 20 != 7, conflicts)
        )
    return (uscc, name, industry, region, tier), tuple(items), tuple(inspectors)


def naive_draw_seconds(columns, items, n_small: int) -> None:
    """Per-pair SHA-256 ranking in pure Python on the first ``n_small`` entities."""
    uscc, _, industry, _, tier = (c[:n_small] for c in columns)
    for item in items:
        strata: dict[str, list[tuple[bytes, str]]] = {t: [] for t in TIERS}
        for code, ind, t in zip(uscc, industry, tier, strict=True):
            if industry_matches(item.industries, ind):
                key = hashlib.sha256(f"{SEED};{item.item_id};{code}".encode()).digest()[:8]
                strata[t].append((key, code))
        for t, ratio in zip(TIERS, item.ratios, strict=True):
            members = sorted(strata[t])
            _ = members[: stratum_size(ratio, len(members))]


def sample_draw_seconds(columns, items, n_small: int) -> None:
    uscc, _, industry, _, tier = (c[:n_small] for c in columns)
    rnd = random.Random(1)
    for item in items:
        strata: dict[str, list[str]] = {t: [] for t in TIERS}
        for code, ind, t in zip(uscc, industry, tier, strict=True):
            if industry_matches(item.industries, ind):
                strata[t].append(code)
        for t, ratio in zip(TIERS, item.ratios, strict=True):
            rnd.sample(strata[t], stratum_size(ratio, len(strata[t])))


class Phase:
    """Wall and CPU seconds of one phase (CPU time is steadier on a shared machine)."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __enter__(self) -> Phase:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--baseline-n", type=int, default=50_000)
    parser.add_argument("--csv", action="store_true", help="also time reading the pool from CSV")
    parser.add_argument("--verify", action="store_true", help="also time verify_draw")
    args = parser.parse_args()

    load = os.getloadavg()[0]
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {load:.2f}"
    )
    t0 = time.perf_counter()
    columns, items, inspectors = make_world(args.n)
    print(
        f"synthetic world: {args.n:,} entities, {len(items)} items / {len(DEPARTMENTS)} departments, "
        f"{len(inspectors):,} inspectors ({time.perf_counter() - t0:.1f} s to generate, not timed)"
    )
    rss_world = peak_rss_mb()

    phases = []
    with Phase("validate + sort pool") as phase:
        pool = build_entity_pool(*(list(c) for c in columns), locate=lambda i: f"row {i}")
    phases.append(phase)
    inputs = DrawInputs(pool, items, inspectors)
    with Phase("snapshot + commitment") as phase:
        _ = inputs.snapshot_sha256
    phases.append(phase)
    with Phase("draw + merge + assign") as phase:
        result = run_draw(inputs, SEED)
    phases.append(phase)
    draw_phase = phase
    with Phase("DRAW.json text") as phase:
        text = render_draw(result)
    phases.append(phase)
    rss_peak = peak_rss_mb()

    assert all(len(v.inspectors) >= 2 for v in result.visits)
    joint = sum(len(v.departments) > 1 for v in result.visits)
    print(
        f"{len(result.visits):,} visits ({joint:,} joint), "
        f"{sum(len(v.items) for v in result.visits):,} item draws, DRAW.json {len(text) / 1e6:.1f} MB"
    )
    print(f"{'phase':26s} {'wall s':>8s} {'cpu s':>8s}")
    for phase in phases:
        print(f"{phase.label:26s} {phase.wall:8.2f} {phase.cpu:8.2f}")
    total_wall = sum(p.wall for p in phases)
    total_cpu = sum(p.cpu for p in phases)
    print(f"{'total (target < 10 s)':26s} {total_wall:8.2f} {total_cpu:8.2f}")
    print(
        f"peak RSS {rss_peak:.0f} MB (synthetic world alone {rss_world:.0f} MB; target < 4096 MB)"
    )

    if args.verify:
        with Phase("verify_draw") as phase:
            outcome = verify_draw(json.loads(text), inputs)
        assert outcome.ok, outcome.message
        print(f"{'verify_draw':26s} {phase.wall:8.2f} {phase.cpu:8.2f}")
    if args.csv:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "entities.csv"
            with path.open("w", encoding="utf-8") as handle:
                handle.write("uscc,name,industry_code,region_code,credit_tier\n")
                handle.writelines(
                    f"{u},{n},{i},{r},{t}\n" for u, n, i, r, t in zip(*columns, strict=True)
                )
            with Phase("read + validate CSV") as phase:
                read_entities_csv(path)
            print(
                f"{'read + validate E.csv':26s} {phase.wall:8.2f} {phase.cpu:8.2f}   "
                f"({path.stat().st_size / 1e6:.0f} MB file)"
            )
        print(f"peak RSS with CSV {peak_rss_mb():.0f} MB")

    small = min(args.baseline_n, args.n)
    scale = args.n / small
    with Phase("naive") as naive:
        naive_draw_seconds(columns, items, small)
    with Phase("sample") as sample:
        sample_draw_seconds(columns, items, small)
    print(
        f"baseline naive per-pair SHA-256 ranking (entity draw only): {naive.cpu * scale:7.1f} cpu s "
        f"(measured on {small:,}, x{scale:g}); ours, full draw: {draw_phase.cpu:.2f} cpu s "
        f"-> {naive.cpu * scale / draw_phase.cpu:.0f}x"
    )
    print(
        f"baseline random.sample (not verifiable):                   {sample.cpu * scale:7.1f} cpu s "
        f"-> {sample.cpu * scale / draw_phase.cpu:.0f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
