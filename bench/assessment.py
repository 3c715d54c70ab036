"""Benchmark the assessment on PostgreSQL: computing runs and reading the dashboard.

Creates its own database ``qinqing_bench_assessment`` on 127.0.0.1:5432 (user postgres),
migrates it, builds a city with ``--units`` departments and ``--items`` synthetic indicators,
and measures:

* a run (计算): indicators → scores → ranks → rows, per period, over ``--periods`` months;
* the baseline, in the same run: inserting the same score rows one ``INSERT`` at a time;
* the dashboard (ranking table, chart data, trend over all periods) and a unit drill-down;
* the pure scoring of ``--units`` × 10 units (no database).

Usage: .venv/bin/python bench/assessment.py [--units 200] [--items 10] [--periods 12]
Writes docs/bench/assessment.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402  (bench/ on sys.path)
    load_note,
    machine_line,
    setup_django,
    throwaway_database,
    write_doc,
)

DB = "qinqing_bench_assessment"


def _values(seed: int, unit_ids: list[int], code_index: int) -> dict[int, float | None]:
    import numpy as np

    rng = np.random.default_rng(seed * 1000 + code_index)
    vals = rng.uniform(40, 100, len(unit_ids)).round(1)
    missing = rng.random(len(unit_ids)) < 0.05  # some units have nothing to measure
    return {u: (None if m else float(v)) for u, v, m in zip(unit_ids, vals, missing, strict=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--periods", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    load_before = load_note()
    var = Path(os.environ.get("QINQING_VAR_DIR", "/tmp/qinqing_bench_assessment_var"))
    with throwaway_database(DB, keep=args.keep):
        setup_django(DB, var)
        figures = run_bench(args)
    figures["load_before"] = load_before
    write_report(args, figures)


def run_bench(args) -> dict:
    from django.db import transaction

    from qinqing.assessment import dashboard, queries, registry, rules, service
    from qinqing.assessment.models import ItemScore, UnitScore
    from qinqing.assessment.registry import Indicator, Period
    from qinqing.core.accounts.roles import ensure_builtin_roles
    from qinqing.core.orgs.models import Unit, UnitKind

    ensure_builtin_roles()
    now = datetime(2026, 7, 1, tzinfo=UTC)
    province = Unit.objects.create(name="测试省", kind=UnitKind.PROVINCE)
    city = Unit(name="测试市", kind=UnitKind.CITY, parent=province)
    city.save()
    units = []
    for i in range(args.units):
        unit = Unit(name=f"测试局{i:04d}", kind=UnitKind.DEPARTMENT, parent=city, sort_order=i)
        unit.save()
        units.append(unit)

    seeds = {}  # period start → seed, so every period has its own values

    def make(index: int):
        def compute(period: Period, unit_ids: list[int]):
            return _values(seeds.setdefault(period.start, len(seeds)), unit_ids, index)

        return compute

    indicators = [
        Indicator(
            f"bench.i{i}",
            f"指标{i}",
            make(i),
            source="bench",
            higher_is_better=(i % 3 != 0),
        )
        for i in range(args.items)
    ]
    methods = [
        {"method": "linear", "floor": Decimal(60), "ceiling": Decimal(100)},
        {"method": "rank"},
        {"method": "threshold", "thresholds": [(95, 100), (85, 80), (70, 50)]},
    ]
    figures: dict = {}
    with registry.registered(indicators):
        scheme = service.create_scheme(
            actor="bench", area=city, name="基准方案", target_kind="departments",
            effective_from=date(2020, 1, 1), bottom_n=5, now=now,
        )  # fmt: skip
        for i, (ind, weight) in enumerate(
            zip(indicators, rules.even_weights(args.items), strict=True)
        ):
            service.add_scheme_item(
                scheme, actor="bench", indicator_code=ind.code, weight=weight, now=now,
                **methods[i % 3],
            )  # fmt: skip
        service.activate_scheme(scheme, actor="bench", now=now)

        periods = []
        year, month = 2025, 1
        for _ in range(args.periods):
            periods.append(Period.month(year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

        run_times = []
        runs = []
        for period in periods:
            t = time.perf_counter()
            run = service.run_assessment(scheme, period, actor="bench", now=now)
            run_times.append(time.perf_counter() - t)
            service.publish_run(run, actor="bench", now=now)
            runs.append(run)
        figures["run_median"] = statistics.median(run_times)
        figures["run_max"] = max(run_times)

        # recompute the last unpublished-like run: a fresh period, computed twice
        extra = Period.month(year, month)
        service.run_assessment(scheme, extra, actor="bench", now=now)
        t = time.perf_counter()
        service.run_assessment(scheme, extra, actor="bench", now=now)
        figures["recompute"] = time.perf_counter() - t

        # baseline: the same rows, one INSERT at a time, in one transaction
        last = runs[-1]
        rows = [
            (s.unit_id, s.total, s.rank, s.flagged, list(s.items.values_list(
                "indicator_code", "raw_value", "points")))
            for s in last.scores.all()
        ]  # fmt: skip
        baseline_run = service.run_assessment(scheme, Period.month(2030, 1), actor="bench", now=now)
        baseline_run.scores.all().delete()
        t = time.perf_counter()
        with transaction.atomic():
            for position, (unit_id, total, rank, flagged, items) in enumerate(rows):
                score = UnitScore.objects.create(
                    run=baseline_run, unit_id=unit_id, total=total, rank=rank,
                    flagged=flagged, position=position,
                )  # fmt: skip
                for code, raw, points in items:
                    ItemScore.objects.create(
                        unit_score=score, indicator_code=code, raw_value=raw, points=points
                    )
        figures["baseline_insert"] = time.perf_counter() - t

        access = queries.Access(full=True, manage=False)
        for _ in range(2):  # warm
            dashboard.run_context(last, access)
        t = time.perf_counter()
        context = dashboard.run_context(last, access)
        figures["dashboard"] = time.perf_counter() - t
        figures["trend_points"] = len(context["trend"]["periods"])
        score = last.scores.select_related("unit").first()
        t = time.perf_counter()
        dashboard.unit_context(last, access, score)
        figures["drilldown"] = time.perf_counter() - t
        t = time.perf_counter()
        dashboard.export_rows(last)
        figures["export_rows"] = time.perf_counter() - t

        # pure scoring, ten times the units, no database
        big = list(range(args.units * 10))
        item_rules = [
            rules.ItemRule(
                ind.code, ind.label, Decimal(10), methods[i % 3]["method"], ind.higher_is_better,
                60.0, 100.0, ((95.0, 100.0), (85.0, 80.0), (70.0, 50.0)),
            )
            for i, ind in enumerate(indicators)
        ]  # fmt: skip
        values = {ind.code: _values(99, big, i) for i, ind in enumerate(indicators)}
        t = time.perf_counter()
        rules.score_units(item_rules, values, big, 5)
        figures["pure_scoring"] = time.perf_counter() - t
        figures["pure_units"] = len(big)
    return figures


def write_report(args, f: dict) -> None:
    ratio = f["run_median"] / f["baseline_insert"]
    mem = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip()
    rows_per_run = args.units * (args.items + 1)
    lines = [
        "## Assessment (考评)",
        "",
        machine_line() + ", PostgreSQL on 127.0.0.1.",
        "",
        "```text",
        mem,
        "```",
        "",
        f"Command: `.venv/bin/python bench/assessment.py --units {args.units} --items "
        f"{args.items} --periods {args.periods}`",
        "",
        f"Load before: {f['load_before']}; after: {load_note()} "
        "(other engineers' work was running; wall-clock figures are pessimistic).",
        "",
        "| Measure | Figure |",
        "|---|---|",
        f"| Run (compute, score, rank, store {rows_per_run:,} rows), median of {args.periods} "
        f"periods | {f['run_median'] * 1000:.0f} ms (max {f['run_max'] * 1000:.0f} ms) |",
        f"| Recompute of an unpublished run | {f['recompute'] * 1000:.0f} ms |",
        f"| Baseline: the same {rows_per_run:,} rows inserted one at a time | "
        f"{f['baseline_insert'] * 1000:.0f} ms |",
        f"| Ratio run / baseline | {ratio:.2f} (a whole run costs {ratio:.2f}× the plain inserts) |",
        f"| Dashboard read model ({args.units} units, trend over {f['trend_points']} periods) | "
        f"{f['dashboard'] * 1000:.0f} ms |",
        f"| Unit drill-down with history | {f['drilldown'] * 1000:.0f} ms |",
        f"| xlsx export rows | {f['export_rows'] * 1000:.0f} ms |",
        f"| Pure scoring, {f['pure_units']:,} units × {args.items} indicators | "
        f"{f['pure_scoring'] * 1000:.0f} ms |",
        "",
    ]
    print("\n".join(lines))
    write_doc("assessment", lines)


if __name__ == "__main__":
    main()
