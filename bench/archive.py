"""Benchmark ``qinqing partitions archive`` / ``restore``: one year of appeals (with their
tickets, events and callbacks) and of progress reports (with their versions) out of five.

Builds its own database ``qqb_archive_partitions`` on the bench server with the data of
``bench/partitions.py`` (same generator, fixed seed: ``--per-year`` appeals a year, about
16,700 a month at the default 200,000, and ``--tasks`` × 3 report slots a month), loaded in
plain tables and converted to monthly partitions as the migrations do. Then, for the
oldest year (the twelve months before ``--before``, default: the oldest month + 12):

* baseline, rolled back: the manual procedure docs/dev/partitions.md described before the
  command existed, for the tables an operator would list by hand: ``COPY (SELECT … WHERE
  appeal_id < cutoff) TO STDOUT`` of callbacks, events, tickets and appeals into gzip
  files, ``DELETE`` of them dependents first, then ``detach`` of the emptied months, in
  one transaction. It does what the command does minus the catalogue walk, the refusal
  checks, the manifest, the drop of the partitions and the audit event, so the difference
  is the price of those;
* ``archive`` of ``appeals_appeal`` and of ``supervision_progressreport`` (committed);
* an appeal's detail of a month that stays, after the archive (it must still work);
* ``restore`` of both archives (committed), and a full comparison: an md5 over every row
  of every table the archives touched, before and after the round trip.

Usage: flock /tmp/qq-bench.lock .venv/bin/python bench/archive.py [--per-year 200000]
       [--tasks 2000] [--keep] [--no-write]
Writes docs/bench/archive.md.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import partitions as pb  # noqa: E402  (bench/partitions.py: the data generator)
from _common import (  # noqa: E402
    load_note,
    machine_line,
    setup_django,
    throwaway_database,
    write_doc,
)

DB = os.environ.get("QQBENCH_DB", "qqb_archive_partitions")
VAR = Path("/tmp/qqb_archive_var")
HEADING = "## Archive and restore of a year out of five (`bench/archive.py`)"


def _digest(tables: list[str]) -> dict[str, str]:
    from django.db import connection

    from qinqing.core.db import archive as a

    out = {}
    with connection.cursor() as cursor:
        for table in tables:
            key = a._key_column(connection, table)
            cursor.execute(
                f"SELECT count(*), md5(string_agg(t::text, E'\\n' ORDER BY t.\"{key}\"))"
                f' FROM "{table}" t'
            )
            count, digest = cursor.fetchone()
            out[table] = f"{count}:{digest}"
    return out


def manual_baseline(cutoff: int, before: str, directory: Path) -> float:
    """The hand-written procedure (rolled back): COPY out per table, DELETE, detach."""
    from django.db import connection, transaction

    from qinqing.core.db import partitions as p

    plan = [
        ("appeals_callback", "appeal_id"),
        ("appeals_appealevent", "appeal_id"),
        ("appeals_ticket", "appeal_id"),
        ("appeals_appeal", "id"),
    ]
    t0 = time.perf_counter()
    with transaction.atomic():
        raw = connection.connection.cursor()
        for table, column in plan:
            with (
                gzip.open(directory / f"{table}.csv.gz", "wb", compresslevel=6) as out,
                raw.copy(
                    f"COPY (SELECT * FROM {table} WHERE {column} < {cutoff})"
                    " TO STDOUT WITH (FORMAT csv, HEADER)"
                ) as copy,
            ):
                for data in copy:
                    out.write(data)
        with connection.cursor() as cursor:
            for table, column in plan:
                cursor.execute(f"DELETE FROM {table} WHERE {column} < %s", [cutoff])
        p._settle_deferred(connection)
        p.detach_before(
            connection,
            p.Month.parse(before),
            ["appeals_appeal", "appeals_appealevent"],
            now=pb.NOW,
        )
        seconds = time.perf_counter() - t0
        transaction.set_rollback(True)
    return seconds


def detail(appeal_id: int) -> float:
    from qinqing.appeals.models import Appeal

    t0 = time.perf_counter()
    appeal = Appeal.objects.get(pk=appeal_id)
    list(appeal.events.all())
    list(appeal.tickets.all())
    list(appeal.callbacks.all())
    return time.perf_counter() - t0


def _ms(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 10 else f"{s:.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-year", type=int, default=200_000)
    parser.add_argument("--tasks", type=int, default=2_000)
    parser.add_argument("--before", help="archive the months before this one (YYYY-MM)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-write", action="store_true", help="print, do not write the doc")
    args = parser.parse_args()
    load_before = load_note()
    started = datetime.utcnow().strftime("%Y-%m-%d %H:%M")
    r: dict = {}
    with throwaway_database(DB, keep=args.keep):
        setup_django(DB, VAR)
        import numpy as np
        from django.db import connection

        from qinqing.core.db import archive as a
        from qinqing.core.db import partitions as p

        pb.to_plain()
        t0 = time.perf_counter()
        w = pb.world(args)
        g = pb.generate(args, w)
        now64 = np.datetime64(pb.NOW.replace(tzinfo=None), "m")
        year = np.timedelta64(365 * 24 * 60, "m")
        counters = {"ticket": 0, "event": 0, "callback": 0, "version": 0}
        r["counts"] = pb.load(w, g, now64 - 5 * year, now64, counters)
        pb.standing_reports()
        r["convert_s"] = pb.to_partitioned()
        pb.analyze()
        r["setup_s"] = time.perf_counter() - t0
        print(f"loaded {r['counts']} and converted in {r['setup_s']:.0f}s", flush=True)
        oldest = (now64 - 5 * year).astype("datetime64[D]").astype(object)
        before = (
            p.Month.parse(args.before)
            if args.before
            else p.Month(oldest.year, oldest.month).plus(12)
        )
        r["before"] = str(before)
        cutoff = max(
            int(x.upper or 0) for x in p.old_partitions(connection, before, ["appeals_appeal"])
        )
        appeals_tables, _ = a._discover(connection, "appeals_appeal")
        reports_tables, _ = a._discover(connection, "supervision_progressreport")
        touched = list(dict.fromkeys([*appeals_tables, *reports_tables]))
        t1 = time.perf_counter()
        r["digest_before"] = _digest(touched)
        r["digest_s"] = time.perf_counter() - t1
        with connection.cursor() as cursor:
            cursor.execute("SELECT max(id) FROM appeals_appeal WHERE id < %s", [
                p.month_base(before.plus(1))
            ])  # fmt: skip
            staying_id = cursor.fetchone()[0]
        r["detail_before"] = min(detail(staying_id) for _ in range(5))

        with tempfile.TemporaryDirectory(prefix="qqb_archive_") as tmp:
            base = Path(tmp)
            (base / "manual").mkdir()
            r["manual_s"] = manual_baseline(cutoff, str(before), base / "manual")
            print(f"manual baseline {r['manual_s']:.1f}s", flush=True)
            archived = {}
            for table in ("appeals_appeal", "supervision_progressreport"):
                t2 = time.perf_counter()
                result = a.archive(connection, table, before, base / table, now=pb.NOW)
                archived[table] = (time.perf_counter() - t2, result)
                print(f"archive {table} {archived[table][0]:.1f}s", flush=True)
            r["archive"] = {
                t: (s, {x.table: x.rows for x in res.plan.tables if x.rows}, res.plan.months)
                for t, (s, res) in archived.items()
            }
            r["size"] = {t: sum(f.stat().st_size for f in (base / t).iterdir()) for t in archived}
            r["detail_after"] = min(detail(staying_id) for _ in range(5))
            r["restore"] = {}
            for table in ("supervision_progressreport", "appeals_appeal"):
                t3 = time.perf_counter()
                a.restore(connection, base / table)
                r["restore"][table] = time.perf_counter() - t3
                print(f"restore {table} {r['restore'][table]:.1f}s", flush=True)
        r["digest_after"] = _digest(touched)
        r["identical"] = r["digest_before"] == r["digest_after"]
        r["load_after"] = load_note()
    lines = report(args, r, load_before, started)
    if args.no_write:
        print("\n".join(lines))
    else:
        write_section(lines)
    return 0 if r["identical"] else 1


def report(args, r: dict, load_before: str, started: str) -> list[str]:
    c = r["counts"]
    apl_s, apl_rows, months = r["archive"]["appeals_appeal"]
    rep_s, rep_rows, _ = r["archive"]["supervision_progressreport"]

    def rows(d: dict) -> str:
        return ", ".join(f"{t} {n:,}" for t, n in d.items())

    return [
        HEADING,
        "",
        f"{machine_line()} (before the run: {load_before}; the machine is shared by several"
        f" engineers working in parallel). Run started {started} UTC.",
        "",
        f"Command: `flock /tmp/qq-bench.lock .venv/bin/python bench/archive.py --per-year"
        f" {args.per_year} --tasks {args.tasks}`. Data: the generator of `bench/partitions.py`"
        f" (fixed seed), five years loaded at once: {c['appeals']:,} appeals, {c['tickets']:,}"
        f" tickets, {c['events']:,} events, {c['callbacks']:,} callbacks, {c['reports']:,}"
        f" progress reports, {c['versions']:,} versions; load and `convert`"
        f" {r['setup_s']:.0f} s. Archived: the months before {r['before']}"
        f" ({months[0]} … {months[-1]}, {len(months)} months).",
        "",
        "| step | time |",
        "|---|---:|",
        "| baseline: the manual procedure (COPY out of callbacks, events, tickets, appeals to"
        " gzip; DELETE dependents first; `detach`; one transaction, rolled back) |"
        f" {_ms(r['manual_s'])} |",
        f"| `qinqing partitions archive --table appeals_appeal` ({rows(apl_rows)}) |"
        f" {_ms(apl_s)} |",
        f"| `qinqing partitions archive --table supervision_progressreport` ({rows(rep_rows)})"
        f" | {_ms(rep_s)} |",
        f"| `qinqing partitions restore` of the appeals' archive | "
        f"{_ms(r['restore']['appeals_appeal'])} |",
        f"| `qinqing partitions restore` of the progress reports' archive | "
        f"{_ms(r['restore']['supervision_progressreport'])} |",
        f"| appeal detail of the first month that stays, before / after the archive (best of 5)"
        f" | {_ms(r['detail_before'])} / {_ms(r['detail_after'])} |",
        "",
        f"Archive files: appeals {r['size']['appeals_appeal'] / 1e6:.1f} MB, progress reports"
        f" {r['size']['supervision_progressreport'] / 1e6:.1f} MB (gzip CSV). Round trip: md5"
        f" over every row of the {len(r['digest_before'])} tables the archives touch (taken in"
        f" {r['digest_s']:.0f} s) before the archive and after the restore:"
        f" {'identical' if r['identical'] else 'DIFFERENT'}. {r['load_after']} after the run.",
        "",
    ]


def write_section(lines: list[str]) -> None:
    """Write docs/bench/archive.md (assembled by bench/collect.py)."""
    print(write_doc("archive", lines))


if __name__ == "__main__":
    raise SystemExit(main())
