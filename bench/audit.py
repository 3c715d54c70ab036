"""Benchmark the sharded audit chain on PostgreSQL: intake API throughput with one chain head
(as before issue 20) against the sharded chain, and with the audit record switched off.

Creates its own database ``qqbench_audit`` (dropped afterwards), migrates it, adds a city and
an API client, then runs gunicorn with the real app (``--workers`` sync workers) and loads it
from a second process over ``--concurrency`` keep-alive connections (bench/appeals_load.py).
The configurations are measured in the same run, interleaved over ``--rounds`` rounds so that
the shared machine's load falls on each alike:

* ``1 shard``: ``QINQING_AUDIT_CHAIN_SHARDS=1``, every writing transaction queues on one head
  row, as the chain did before sharding;
* ``N shards``: the default sharded chain;
* ``audit off``: the record is a no-op (bench/audit_off_wsgi.py), the reference the issue's
  28 % came from. Never a configuration of the product.

Afterwards ``qinqing audit verify`` must pass on the database (every shard walked).

``--micro`` measures the head contention alone, without HTTP (see :func:`micro`).

Usage: .venv/bin/python bench/audit.py [--requests 3000] [--concurrency 8] [--workers 4]
       [--shards 8] [--rounds 2] [--no-write]
       .venv/bin/python bench/audit.py --micro [--seconds 8] [--hold-ms 5] [--rounds 2]
Writes docs/bench/audit.md (``--micro``: docs/bench/audit_micro.md).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from _common import (  # noqa: E402
    PG,
    gunicorn,
    load_note,
    machine_line,
    setup_django,
    throwaway_database,
    write_doc,
)

DB = "qqbench_audit"
VAR = Path("/tmp/qqbench_audit_var")
TOKEN = "bench-audit-token"


def prepare() -> None:
    from django.utils import timezone

    from qinqing.appeals.models import ApiClient
    from qinqing.appeals.service import token_digest
    from qinqing.core.accounts.roles import ensure_builtin_roles
    from qinqing.core.orgs.models import Unit, UnitKind

    ensure_builtin_roles()
    province = Unit.objects.create(name="基准省", kind=UnitKind.PROVINCE)
    city = Unit(name="基准市", kind=UnitKind.CITY, parent=province)
    city.save()
    Unit(name="基准市营商办", kind=UnitKind.PARTY_GOV, parent=city, coordinating=True).save()
    for i in range(10):
        Unit(name=f"基准局{i:03d}", kind=UnitKind.DEPARTMENT, parent=city, sort_order=i).save()
    ApiClient.objects.create(
        name="基准12345平台", code="bench", token_hash=token_digest(TOKEN), locality=city,
        created_at=timezone.now(),
    )  # fmt: skip


def run(config: str, args, shards: int) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{PG}/{DB}", QINQING_VAR_DIR=str(VAR), QINQING_CONN_MAX_AGE="600",
        DJANGO_SETTINGS_MODULE="qinqing.settings",
        QINQING_APPEALS_ROUTER_MODEL=str(VAR / "no-router.npz"),
        QINQING_AUDIT_CHAIN_SHARDS=str(shards),
    )  # fmt: skip
    app = ["audit_off_wsgi:application", "--pythonpath", str(ROOT / "bench")] if config == "off" else ["qinqing.wsgi:application"]  # fmt: skip
    with gunicorn(app, workers=args.workers, env=env) as url:
        load = [sys.executable, str(ROOT / "bench/appeals_load.py"), "--url", url,
                "--token", TOKEN, "--concurrency", str(args.concurrency)]  # fmt: skip
        stamp = f"{config}{shards}x{time.time_ns()}"
        subprocess.run([*load, "--requests", "200", "--prefix", "w" + stamp], check=True,
                       capture_output=True, env=env)  # fmt: skip
        out = subprocess.run([*load, "--requests", str(args.requests), "--prefix", "r" + stamp],
                             check=True, capture_output=True, text=True, env=env)  # fmt: skip
        return json.loads(out.stdout.strip().splitlines()[-1])


def micro(args) -> int:
    """The head contention alone: ``--concurrency`` threads, each on its own connection,
    run transactions that record one audit event and then hold the transaction open for
    ``--hold-ms`` (the rest of a real write: the appeal rows, its ticket, …) before
    committing. Commits per second over ``--seconds``, with 1 head, N shards, and no record."""
    import threading

    results: dict[str, float] = {}
    with throwaway_database(DB + "_micro"):
        setup_django(DB + "_micro", VAR)
        from django.conf import settings
        from django.db import connection, connections, transaction

        from qinqing.core.audit import service

        def one_config(name: str, shards: int, record: bool) -> float:
            settings.QINQING_AUDIT_CHAIN_SHARDS = shards
            stop = time.monotonic() + args.seconds
            counts = [0] * args.concurrency

            def worker(i: int) -> None:
                try:
                    while time.monotonic() < stop:
                        with transaction.atomic():
                            if record:
                                service.record("bench", "bench.write", ("bench", str(i), "基准"))
                            with connection.cursor() as cur:
                                cur.execute("SELECT pg_sleep(%s)", [args.hold_ms / 1000])
                        counts[i] += 1
                finally:
                    connections.close_all()

            threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.concurrency)]
            started = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            rate = sum(counts) / (time.monotonic() - started)
            print(f"{name:8s} {rate:.0f} commits/s", flush=True)
            return rate

        load_before = load_note()
        for _round in range(args.rounds):
            for name, shards, record in [
                ("one", 1, True),
                ("sharded", args.shards, True),
                ("off", 1, False),
            ]:
                results.setdefault(name, 0.0)
                results[name] = max(results[name], one_config(name, shards, record))
        load_after = load_note()
        verified = service.verify_chain(checkpoints=[])
    one, sharded, off = results["one"], results["sharded"], results["off"]
    lines = [
        "### Chain head contention alone (`bench/audit.py --micro`)",
        "",
        f"- {machine_line()}",
        f"- Load average before / after: {load_before} / {load_after}.",
        f"- {args.concurrency} threads, one PostgreSQL connection each; each transaction records one audit event, then "
        f"holds the transaction {args.hold_ms} ms (`pg_sleep`, standing for the rest of a real write) and commits; "
        f"best of {args.rounds} runs of {args.seconds} s per configuration.",
        "",
        "| configuration | commits/s |",
        "|---|---|",
        f"| one chain head (as before) | {one:.0f} |",
        f"| **{args.shards} shards** | **{sharded:.0f}** |",
        f"| no audit record (reference) | {off:.0f} |",
        "",
        f"- Sharded / one head = **{sharded / one:.1f}×**. `verify_chain` afterwards: "
        f"{'passed' if verified.ok else 'FAILED ' + verified.problem} ({verified.checked:,} events).",
    ]
    print("\n".join(lines))
    if not args.no_write:
        print(write_doc("audit_micro", lines))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--micro", action="store_true", help="only the head contention alone")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--hold-ms", type=float, default=5.0)
    args = parser.parse_args()
    if args.micro:
        return micro(args)
    configs = [("one", 1), ("sharded", args.shards), ("off", args.shards)]
    results: dict[str, list[dict]] = {name: [] for name, _ in configs}
    with throwaway_database(DB):
        setup_django(DB, VAR)
        prepare()
        from django.db import connections

        connections.close_all()
        load_before = load_note()
        for r in range(args.rounds):
            order = configs if r % 2 == 0 else configs[::-1]
            for name, shards in order:
                res = run(name, args, shards)
                results[name].append(res)
                print(f"round {r + 1} {name:8s} {res}", flush=True)
        load_after = load_note()
        from qinqing.core.audit.service import verify_chain

        verified = verify_chain(checkpoints=[])
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute(
                "SELECT coalesce(shard, 0), count(*) FROM audit_auditevent GROUP BY 1 ORDER BY 1"
            )
            spread = cur.fetchall()
    print("verify:", verified.ok, verified.checked, verified.problem, "spread:", spread)

    def rate(name: str) -> float:
        return statistics.median(x["per_second"] for x in results[name])

    def p99(name: str) -> float:
        return statistics.median(x["p99_ms"] for x in results[name])

    errors = sum(x["errors"] for v in results.values() for x in v)
    one, sharded, off = rate("one"), rate("sharded"), rate("off")
    lines = [
        "## Audit chain shards (`bench/audit.py`)",
        "",
        f"- {machine_line()}",
        f"- Load average before / after: {load_before} / {load_after} (2 cores shared with other engineers' jobs).",
        f"- Command: `.venv/bin/python bench/audit.py --requests {args.requests} --concurrency {args.concurrency} "
        f"--workers {args.workers} --shards {args.shards} --rounds {args.rounds}`",
        f"- Intake API (`POST /appeals/api/v1/appeals/`, gunicorn {args.workers} sync workers, {args.concurrency} keep-alive "
        f"connections from a second process, PostgreSQL), median of {args.rounds} interleaved rounds of {args.requests} creates:",
        "",
        "| configuration | creates/s | p99 (ms) |",
        "|---|---|---|",
        f"| one chain head (as before, `QINQING_AUDIT_CHAIN_SHARDS=1`) | {one:.0f} | {p99('one'):.0f} |",
        f"| **{args.shards} shards** (default) | **{sharded:.0f}** | {p99('sharded'):.0f} |",
        f"| audit record off (reference only) | {off:.0f} | {p99('off'):.0f} |",
        "",
        f"- Sharded / one head = **{sharded / one:.2f}×**; the audit trail costs {100 * (1 - one / off):.0f} % of "
        f"intake with one head and {100 * (1 - sharded / off):.0f} % with {args.shards} shards.",
        f"- Errors: {errors}. Events per shard afterwards: {', '.join(f'{s}: {n}' for s, n in spread)}. "
        f"`verify_chain` after the run: {'passed' if verified.ok else 'FAILED ' + verified.problem} "
        f"({verified.checked:,} events).",
    ]
    print("\n".join(lines))
    if not args.no_write:
        print(write_doc("audit", lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
