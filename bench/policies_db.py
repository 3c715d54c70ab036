"""Benchmark: matching from the stored registry on PostgreSQL (issue 20).

Loads N generated enterprises (``bench/policies.py``'s generator) into the ``Enterprise``
table of a throwaway database with COPY, then times, in the same run:

* reading the stored registry into columns: the row-built path (ORM rows → records →
  validation, the path before issue 20) on ``--old-n`` enterprises, scaled linearly to N
  when smaller, against the COPY → ``pyarrow.csv`` path on all N;
* evaluating ``--policies`` generated policies (plus near misses) on the columns read.

Storing results is not timed here (see docs/bench/policies_db.md for what remains).

Usage::

    .venv/bin/python bench/policies_db.py [--n 1000000] [--old-n 100000] [--policies 500]
                                          [--write-doc]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    ROOT,
    load_note,
    machine_line,
    setup_django,
    throwaway_database,
    write_doc,
)

OUT = ROOT / "bench" / "out"
DB = "qq_h9_bench_policies_db"


def load_enterprises(csv_path: Path) -> int:
    """COPY the generated registry into the Enterprise table (attributes as JSON)."""
    import pyarrow.csv as pacsv
    from django.db import connection

    from qinqing.core.enterprises.columns import CORE_FIELDS
    from qinqing.core.enterprises.models import Enterprise

    table = pacsv.read_csv(csv_path)
    frame = table.to_pandas()
    core = ["uscc", *CORE_FIELDS]
    extra = [c for c in frame.columns if c not in core]
    for c in extra:
        if frame[c].dtype == object:
            frame[c] = frame[c].map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
    attributes = frame[extra].to_json(orient="records", lines=True).splitlines()
    out = frame[core].copy()
    out["established_on"] = out["established_on"].map(lambda v: v.isoformat())
    out["serious_dishonesty"] = out["serious_dishonesty"].map(lambda v: "t" if v else "f")
    out["credit_tier"] = "B"
    out["attributes"] = attributes
    out["updated_at"] = "2026-12-07 00:00:00+00"
    cols = ", ".join(f'"{c}"' for c in out.columns)
    with connection.cursor() as cursor:
        copy_sql = f"COPY {Enterprise._meta.db_table} ({cols}) FROM STDIN (FORMAT csv)"
        with cursor.cursor.copy(copy_sql) as copy:
            for start in range(0, len(out), 200_000):
                buffer = io.StringIO()
                out.iloc[start : start + 200_000].to_csv(buffer, header=False, index=False)
                copy.write(buffer.getvalue())
        cursor.execute(f"ANALYZE {Enterprise._meta.db_table}")
    return len(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--old-n", type=int, default=100_000)
    parser.add_argument("--policies", type=int, default=500)
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args()
    from policies import generate_policies, generate_registry

    OUT.mkdir(parents=True, exist_ok=True)
    csv_path = OUT / f"enterprises_{args.n}.csv"
    if not csv_path.exists():
        generate_registry(args.n, csv_path)
    rules_dir = OUT / f"rules{args.policies}"
    if not rules_dir.exists():
        rules_dir.mkdir(parents=True)
        generate_policies(args.policies, rules_dir)
    load_before = load_note()
    figures: dict[str, float] = {}
    with throwaway_database(DB), tempfile.TemporaryDirectory() as var:
        setup_django(DB, Path(var))
        from qinqing.core.enterprises import columns
        from qinqing.core.enterprises.models import Enterprise
        from qinqing.policies.engine.evaluate import evaluate, find_near_misses
        from qinqing.policies.engine.spec import load_ruleset

        started = time.perf_counter()
        n = load_enterprises(csv_path)
        print(f"loaded {n:,} enterprises in {time.perf_counter() - started:.1f} s", flush=True)

        old_qs = Enterprise.objects.filter(
            pk__in=Enterprise.objects.order_by("pk").values("pk")[: args.old_n]
        )
        started = time.perf_counter()
        old = columns._registry_by_rows(old_qs)
        figures["old_read"] = time.perf_counter() - started
        print(f"row-built read of {len(old):,}: {figures['old_read']:.1f} s", flush=True)
        started = time.perf_counter()
        new_small = columns.registry_from_db(old_qs)
        figures["new_read_small"] = time.perf_counter() - started
        assert new_small.table.equals(old.table), "COPY columns differ from the row-built ones"
        del old, new_small

        started = time.perf_counter()
        registry = columns.registry_from_db()
        figures["new_read"] = time.perf_counter() - started
        print(f"COPY read of {len(registry):,}: {figures['new_read']:.1f} s", flush=True)

        rules = load_ruleset(rules_dir)
        started = time.perf_counter()
        evaluation = evaluate(rules, registry, 2025)
        near = find_near_misses(rules, registry, 2025, evaluation)
        figures["evaluate"] = time.perf_counter() - started
        figures["eligible"] = sum(len(r.rows) for r in evaluation.results)
        figures["near"] = sum(len(m.rows) for m in near)
        print(f"evaluate {args.policies} policies: {figures['evaluate']:.1f} s", flush=True)
    old_scaled = figures["old_read"] * args.n / min(args.old_n, args.n)
    lines = [
        "## Matching from the stored registry (PostgreSQL)",
        "",
        machine_line(),
        f"Before the run: {load_before}. The machine's 2 cores are shared with"
        " other engineers' work during the run: figures are noisy and on the slow side.",
        "",
        f"{args.n:,} generated enterprises stored in `Enterprise`, {args.policies} generated"
        " policies; one run of each step.",
        "",
        "| step | time |",
        "|---|---|",
        f"| read columns, row-built path (before), {min(args.old_n, args.n):,} enterprises |"
        f" {figures['old_read']:.1f} s |",
        f"| read columns, COPY path, same {min(args.old_n, args.n):,} enterprises |"
        f" {figures['new_read_small']:.1f} s |",
        f"| read columns, row-built path, scaled linearly to {args.n:,} |"
        f" ≈ {old_scaled:.0f} s (not run at full size) |",
        f"| read columns, COPY path, {args.n:,} enterprises | {figures['new_read']:.1f} s |",
        f"| evaluate {args.policies} policies + near misses on those columns |"
        f" {figures['evaluate']:.1f} s |",
        f"| read + evaluate, COPY path | {figures['new_read'] + figures['evaluate']:.1f} s |",
        "",
        f"Eligible pairs: {figures['eligible']:,}; near misses: {figures['near']:,}. The COPY"
        " columns were checked equal to the row-built ones on the smaller set in the same run.",
        "Not measured here: storing the results (already a COPY stream in"
        " `store_results`), and the incremental re-run after 1% changed (not built yet).",
    ]
    print("\n".join(lines))
    if args.write_doc:
        print(f"wrote {write_doc('policies_db', lines)}")


if __name__ == "__main__":
    main()
