"""Benchmark: matching from the stored registry on PostgreSQL (issue 20).

Loads N generated enterprises (``bench/policies.py``'s generator) into the ``Enterprise``
table of a throwaway database with COPY and ``--policies`` generated policies as stored
rule versions of one area, then times, in the same run:

* reading the stored registry into columns: the row-built path (before) on ``--old-n``
  enterprises, against the COPY → ``pyarrow.csv`` path;
* the matching run as it was before (every near miss stored, one Python tuple per row
  into COPY, ``UPDATE current = false`` on the previous rows) on ``--old-n`` enterprises,
  rolled back, scaled linearly to N (stated as such);
* the matching run now (``matching.match_area``) end to end on all N: a first full run,
  a second full run replacing the first one's rows, then an incremental run after
  ``--changed`` of the enterprises changed (only those re-evaluated);
* a check: after the incremental run the stored current results equal, per policy, the
  eligible count and total amount of a fresh in-memory evaluation of the whole registry.

Usage::

    .venv/bin/python bench/policies_db.py [--n 1000000] [--old-n 50000] [--policies 500]
                                          [--changed 0.01] [--keep | --reuse] [--write-doc]
                                          [--db qqbench_match]

``--keep`` keeps the database; ``--reuse`` then runs on it again without loading the
registry (the COPY of 1,000,000 enterprises takes minutes), clearing runs and results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    ROOT,
    admin_sql,
    load_note,
    machine_line,
    setup_django,
    throwaway_database,
    write_doc,
)

OUT = ROOT / "bench" / "out"
DB = "qqbench_match"
YEAR = 2025


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


def store_policies(rules_dir: Path):
    """One city with every generated file as a policy and its active rule version."""
    from qinqing.core.orgs.models import Unit, UnitKind
    from qinqing.policies.engine.spec import load_ruleset
    from qinqing.policies.models import Delivery, Policy, PolicyRule

    now = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    city = Unit.objects.create(name="基准市", kind=UnitKind.CITY)
    parsed = {p.id: p for p in load_ruleset(rules_dir)}
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(rules_dir.glob("*.yaml"))}
    policies = Policy.objects.bulk_create(
        Policy(code=code, title=parsed[code].title, owner_unit=city,
               delivery=Delivery.APPLICATION, created_at=now, updated_at=now)
        for code in sorted(parsed)
    )  # fmt: skip
    PolicyRule.objects.bulk_create(
        PolicyRule(policy=p, version=parsed[p.code].version, yaml_text=texts[p.code],
                   digest=parsed[p.code].digest, active=True, created_at=now)
        for p in policies
    )  # fmt: skip
    return city, now


def old_path_run(year: int, area, now, registry) -> dict[str, float]:
    """The matching run as it was before this change, on ``registry`` (rolled back by the
    caller): every near miss, a Python tuple per row into COPY, and the mass UPDATE."""
    import pyarrow as pa
    from django.db import connection

    from qinqing.policies import matching
    from qinqing.policies.engine.evaluate import evaluate, find_near_misses
    from qinqing.policies.models import MatchResult, MatchRun

    figures: dict[str, float] = {}
    started = time.perf_counter()
    rules = matching.active_rules(matching.area_policies(area))
    ruleset = matching.ruleset_for(rules)
    evaluation = evaluate(ruleset, registry, year)
    near_misses = find_near_misses(ruleset, registry, year, evaluation)
    figures["old_evaluate"] = time.perf_counter() - started
    started = time.perf_counter()
    by_code = {r.policy.code: r for r in rules}
    run = MatchRun.objects.create(year=year, area=area, created_at=now, enterprise_count=0)
    MatchResult.objects.filter(
        policy_id__in=[r.policy_id for r in rules], year=year, current=True
    ).update(current=False)
    figures["old_update"] = time.perf_counter() - started
    # results refer to the enterprise by id since policies.0011 (the old path copied the
    # credit code and name: it writes the id per row instead, one Python tuple each)
    ids = pa.array(matching.enterprise_ids(registry))
    rows_written = 0

    def result_rows():
        nonlocal rows_written
        for result in evaluation.results:
            if not len(result.rows):
                continue
            rule = by_code[result.policy.id]
            index = pa.array(result.rows)
            codes = ids.take(index).to_pylist()
            for code, amount in zip(codes, result.amounts.tolist(), strict=True):
                yield rule.policy_id, rule.pk, code, True, False, amount, ""
        for near in near_misses:
            if not len(near.rows):
                continue
            rule = by_code[near.policy.id]
            index = pa.array(near.rows)
            codes = ids.take(index).to_pylist()
            keys = list(zip(near.items.tolist(), near.failed.tolist(), strict=True))
            reasons: dict[tuple[int, int], str] = {}
            for i, key in enumerate(keys):
                if key not in reasons:
                    reasons[key] = near.reason(i, year)[:500]
            for code, key in zip(codes, keys, strict=True):
                yield rule.policy_id, rule.pk, code, False, True, 0, reasons[key]

    started = time.perf_counter()
    table = connection.ops.quote_name(MatchResult._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in matching.RESULT_COLUMNS)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for policy_id, rule_id, code, eligible, near, amount, reason in result_rows():
            row = (run.pk, year, policy_id, rule_id, code, eligible, near, amount)
            copy.write_row((*row, reason, True))
            rows_written += 1
    figures["old_store"] = time.perf_counter() - started
    figures["old_rows"] = rows_written
    return figures


def check_against_fresh_evaluation(area, year: int) -> tuple[int, int]:
    """(policies checked, policies differing): stored current eligible rows per policy
    (count and total) against an in-memory evaluation of the whole stored registry."""
    from django.db.models import Count, Q, Sum

    from qinqing.core.enterprises.columns import registry_from_db
    from qinqing.policies import matching
    from qinqing.policies.engine.evaluate import evaluate
    from qinqing.policies.models import MatchResult

    rules = matching.active_rules(matching.area_policies(area))
    evaluation = evaluate(matching.ruleset_for(rules), registry_from_db(), year)
    expected = {r.policy.id: (len(r.rows), r.total) for r in evaluation.results}
    stored = {
        row["policy__code"]: (row["n"], int(row["total"] or 0))
        for row in MatchResult.objects.filter(current=True, year=year, eligible=True)
        .values("policy__code")
        .annotate(n=Count("id"), total=Sum("amount", filter=Q(eligible=True)))
    }
    differing = sum(1 for code, value in expected.items() if stored.get(code, (0, 0)) != value)
    return len(expected), differing


def change_enterprises(fraction: float) -> int:
    """Change ``fraction`` of the enterprises as an import would (one more graduate hire,
    updated_at moved): every 1/fraction-th row by id."""
    from django.db import connection

    from qinqing.core.enterprises.models import Enterprise

    step = max(1, round(1 / fraction))
    table = Enterprise._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET attributes = jsonb_set(attributes::jsonb, '{{graduate_hires}}',"  # noqa: S608
            " to_jsonb(coalesce((attributes->>'graduate_hires')::int, 0) + 1))::json,"
            " updated_at = now() WHERE id %% %s = 0",
            [step],
        )
        return cursor.rowcount


@contextmanager
def reused_database(db: str = DB):
    """The database a ``--keep`` run left (created empty if there is none); kept."""
    import psycopg
    from _common import PG

    try:
        psycopg.connect(f"{PG}/{db}").close()
    except psycopg.OperationalError:
        admin_sql(f"CREATE DATABASE {db}")
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()


def clear_results():
    """Drop a reused database's matching runs and results (the registry and the rules
    stay); returns (area, now) of the stored policies."""
    from django.db import connection

    from qinqing.core.orgs.models import Unit
    from qinqing.policies import result_store
    from qinqing.policies.models import MatchRun

    result_store.drop_all_results(connection)
    MatchRun.objects.all().delete()
    return Unit.objects.get(name="基准市"), dt.datetime(2026, 12, 7, tzinfo=dt.UTC)


def main() -> None:  # noqa: C901 - one linear script
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--old-n", type=int, default=50_000)
    parser.add_argument("--policies", type=int, default=500)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database a --keep run left (registry loaded once; results cleared)",
    )
    parser.add_argument("--write-doc", action="store_true")
    parser.add_argument("--db", default=DB, help=f"throwaway database name (default {DB})")
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
    f: dict[str, float] = {}
    runs = {}
    database = (
        reused_database(args.db) if args.reuse else throwaway_database(args.db, keep=args.keep)
    )
    with database, tempfile.TemporaryDirectory() as var:
        setup_django(args.db, Path(var))
        from django.db import connection, transaction

        from qinqing.core.enterprises import columns
        from qinqing.core.enterprises.models import Enterprise
        from qinqing.policies import matching

        started = time.perf_counter()
        reused = args.reuse and Enterprise.objects.count() == args.n
        if reused:
            area, now = clear_results()
            n = args.n
        else:
            n = load_enterprises(csv_path)
            area, now = store_policies(rules_dir)
        print(
            f"{'reused' if reused else 'loaded'} {n:,} enterprises"
            f" in {time.perf_counter() - started:.1f} s",
            flush=True,
        )

        # -- before: the row-built read and the old run, on the first old_n enterprises
        old_n = min(args.old_n, n)
        old_qs = Enterprise.objects.filter(
            pk__in=Enterprise.objects.order_by("pk").values("pk")[:old_n]
        )
        started = time.perf_counter()
        old = columns._registry_by_rows(old_qs)
        f["old_read"] = time.perf_counter() - started
        started = time.perf_counter()
        small = columns.registry_from_db(old_qs)
        f["new_read_small"] = time.perf_counter() - started
        assert small.table.equals(old.table), "COPY columns differ from the row-built ones"
        del old
        with transaction.atomic():
            f.update(old_path_run(YEAR, area, now, small))
            transaction.set_rollback(True)
        # the old path's rows went into the DEFAULT partition and were rolled back: without
        # a vacuum a replacing run's delete walks ~2 million dead rows no production table
        # has (4-7 s on the default cluster, whose autovacuum had not come by)
        from qinqing.policies import result_store

        if result_store.partitioned(connection):
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM {result_store.DEFAULT}")
        print(f"old path on {old_n:,}: {f}", flush=True)
        del small

        # -- now: full, full again (replacing), incremental after a change
        def timed_run(label: str, full: bool):
            load = load_note()
            started = time.perf_counter()
            run = matching.match_area(actor=None, year=YEAR, area=area, now=now, full=full)
            f[label] = time.perf_counter() - started
            runs[label] = (run, load)
            print(f"{label}: {f[label]:.1f} s {run.mode} {run.timings}", flush=True)
            return run

        timed_run("full_first", True)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {matching.MatchResult._meta.db_table}")
        timed_run("full_again", True)
        f["changed"] = change_enterprises(args.changed)
        timed_run("incremental", False)
        f["checked"], f["differing"] = check_against_fresh_evaluation(area, YEAR)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {matching.MatchResult._meta.db_table} WHERE current"
            )
            f["stored"] = cursor.fetchone()[0]
    load_after = load_note()
    scale = n / old_n
    full, again, inc = runs["full_first"][0], runs["full_again"][0], runs["incremental"][0]
    old_total = f["old_evaluate"] + f["old_update"] + f["old_store"]

    stage_names = {
        "load": "read",
        "evaluate": "evaluate",
        "table": "build rows",
        "copy": "binary COPY into the run's table",
        "index": "index it",
        "retire": "replace old rows",
        "swap": "attach, drop replaced run",
        "store": "store",
    }

    def t(run):
        return " · ".join(
            f"{label} {run.timings[key]:.1f} s"
            for key, label in stage_names.items()
            if key in run.timings and not (key == "store" and "copy" in run.timings)
        )

    lines = [
        "## Matching from the stored registry (PostgreSQL)",
        "",
        machine_line(),
        f"Load before the run: {load_before}; after: {load_after}. The machine's 2 cores are"
        " shared with other engineers' work during the run: figures are noisy and on the"
        " slow side.",
        "",
        f"Command: `.venv/bin/python bench/policies_db.py --n {args.n} --old-n {args.old_n}"
        f" --policies {args.policies} --changed {args.changed} --write-doc`.",
        f"{n:,} generated enterprises stored in `Enterprise`, {args.policies} generated"
        " policies stored as active rule versions of one city; one run of each step.",
        "",
        "| step | time |",
        "|---|---|",
        f"| read columns, row-built path (before), {old_n:,} enterprises | {f['old_read']:.1f} s |",
        f"| read columns, COPY path, same {old_n:,} enterprises | {f['new_read_small']:.1f} s |",
        f"| **before**: run on {old_n:,} (every near miss, a tuple per row into COPY;"
        f" rolled back): evaluate + near misses {f['old_evaluate']:.1f} s, store"
        f" {int(f['old_rows']):,} rows {f['old_store']:.1f} s | {old_total:.1f} s |",
        f"| before, scaled linearly to {n:,} (not run at full size; read not included) |"
        f" ≈ {old_total * scale:.0f} s |",
        f"| **now: full run**, {n:,} × {args.policies}, empty table"
        f" ({t(full)}) | **{f['full_first']:.1f} s** |",
        f"| now: full run again, replacing the first run's rows ({t(again)}) |"
        f" {f['full_again']:.1f} s |",
        f"| **now: incremental run** after {int(f['changed']):,} enterprises"
        f" ({args.changed:.0%}) changed: {inc.reevaluated_count:,} re-evaluated"
        f" ({t(inc)}) | **{f['incremental']:.1f} s** |",
        "",
        f"Stored per run: {full.eligible_count:,} eligible pairs and the first"
        f" {matching.NEAR_MISS_CAP:,} near misses per policy (of {full.near_miss_count:,}"
        f" counted, reachable only); {int(f['stored']):,} current rows after the incremental"
        " run. The old path stored every near miss, unreachable ones included"
        f" ({int(f['old_rows']):,} rows for {old_n:,} enterprises).",
        f"Check after the incremental run: for {int(f['checked'])} policies the stored"
        " eligible count and total amount equal a fresh in-memory evaluation of the whole"
        f" registry — {int(f['differing'])} differ. The COPY columns were checked equal to"
        " the row-built ones on the smaller set.",
    ]
    print("\n".join(lines))
    if args.write_doc:
        print(f"wrote {write_doc('policies_db', lines)}")


if __name__ == "__main__":
    main()
