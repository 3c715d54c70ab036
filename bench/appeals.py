"""Benchmark 接诉即办 on PostgreSQL: SLA sweep, a year of 三率, the intake API under load.

Creates its own database ``qinqing_bench_appeals`` on 127.0.0.1:5432 (user postgres),
migrates it and bulk-loads (COPY), with a fixed seed: one city with ``--units`` departments
and three counties; ``--appeals`` appeals (default 1,000,000) over the year before
2026-06-16 — ``--open`` of them (default 200,000) received in the last 15 working days and
still open (待派单, 待签收, 办理中, 延期待审批, 挂起, 待回访), the rest closed with a
ticket and a callback each (5 % with a co-handling ticket). Then measures:

* the SLA sweep over every open ticket (vectorised with the calendar's array API): the
  first run on 2026-06-16 10:00 (which sends many reminders and 督办), a rerun at the same
  moment (must change nothing), and the next working day's run (the daily steady state);
  baseline: the per-ticket scalar clock (``rules.due_after`` + ``rules.used_share``) on a
  sample, scaled to all open tickets;
* a year of 三率 per unit per month (two grouped queries) and the unit ranking;
  baseline: per-unit-per-month ORM counts on a sample of units, scaled;
* the intake API: gunicorn with the real app against this database, loaded from a second
  process on loopback (bench/appeals_load.py, keep-alive connections); baseline: a plain
  single-row INSERT loop (autocommit) into the same table, in the same run.

Usage: .venv/bin/python bench/appeals.py [--appeals 1000000] [--open 200000] [--units 60]
       [--requests 4000] [--concurrency 8] [--workers 4] [--keep] [--no-write] [--db NAME] [--template B]
Writes docs/bench/appeals.md.

To repeat the sweep on never-swept data without rebuilding (the cold run changes the data):
``--db B --build-only`` once, then per run ``--template B --db R --only sweep`` (copies B
into R, measures, drops R). ``QINQING_BENCH_PG`` picks the server (e.g. the
production-configured cluster of bench/pg_production.sh on port 5433).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from _common import (  # noqa: E402  (bench/ on sys.path)
    PG,
    admin_sql,
    bench_city,
    best,
    copy_rows,
    gunicorn,
    load_note,
)

DB = "qinqing_bench_appeals"
TZ = ZoneInfo("Asia/Shanghai")
SEED = 20260616
NOW = datetime(2026, 6, 16, 10, 0, tzinfo=TZ)  # a Tuesday
NEXT_DAY = datetime(2026, 6, 17, 9, 0, tzinfo=TZ)
PREV_DAY = datetime(2026, 6, 15, 10, 0, tzinfo=TZ)  # the sweep ran yesterday too
VAR = Path("/tmp/qinqing_bench_appeals_var")
TYPES = ["consultation", "help", "complaint", "suggestion", "praise"]
TYPE_P = [0.30, 0.20, 0.25, 0.15, 0.10]
REPLY_LIMIT = {"consultation": 3, "help": 10, "complaint": 10, "suggestion": 5, "praise": 3}


def _env() -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{PG}/{DB}",
        QINQING_VAR_DIR=str(VAR),
        QINQING_CONN_MAX_AGE="600",
        DJANGO_SETTINGS_MODULE="qinqing.settings",
        QINQING_APPEALS_ROUTER_MODEL=str(VAR / "no-router.npz"),
    )
    return env


def _setup_django() -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    os.environ.update(_env())
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# ---------------------------------------------------------------------------------------------
# Bulk loading


def _stamp(local):
    """Local datetime64[m] array → ISO strings with the Shanghai offset; NaT → None."""
    import numpy as np

    text = np.datetime_as_string(local, unit="s").astype(object)
    out = np.where(np.isnat(local), None, text + "+08:00")
    return out


def build(args) -> dict:
    import numpy as np
    from django.db import connection

    from qinqing.appeals import rules
    from qinqing.appeals.models import ApiClient, Appeal, Callback, Ticket
    from qinqing.appeals.service import token_digest
    from qinqing.core.accounts.roles import ensure_builtin_roles
    from qinqing.core.workdays import get_calendar

    rng = np.random.default_rng(SEED)
    cal = get_calendar()
    ensure_builtin_roles()
    t0 = time.perf_counter()
    city, units = bench_city(args.units)
    unit_ids = np.array([u.pk for u in units])

    n, n_open = args.appeals, args.open
    n_closed = n - n_open
    # receipt times: closed ones over the year, open ones over the last 15 working days
    year_start = np.datetime64((NOW - timedelta(days=365)).replace(tzinfo=None), "m")
    recent_start = np.datetime64(
        datetime.combine(cal.add_workdays(NOW.date(), -15), datetime.min.time()), "m"
    )
    now64 = np.datetime64(NOW.replace(tzinfo=None), "m")
    closed_at_span = int((recent_start - year_start).astype(int))
    received = np.concatenate(
        [
            year_start + rng.integers(0, closed_at_span, n_closed).astype("timedelta64[m]"),
            recent_start
            + rng.integers(0, int((now64 - recent_start).astype(int)) - 60, n_open).astype(
                "timedelta64[m]"
            ),
        ]
    )
    is_open = np.zeros(n, dtype=bool)
    is_open[n_closed:] = True
    types = rng.choice(np.array(TYPES), n, p=TYPE_P)
    limits = np.vectorize(REPLY_LIMIT.get)(types).astype(np.int64)
    unit_of = rng.choice(unit_ids, n)
    ids = np.arange(1, n + 1)

    # open appeals: state mix
    draw = rng.random(n)
    state = np.where(is_open, "dispatched", "closed").astype(object)
    received_state = is_open & (draw < 0.05)
    replied_state = is_open & (draw >= 0.95)
    state[received_state] = "received"
    state[replied_state] = "replied"
    has_ticket = ~received_state

    dispatched = received + rng.integers(5, 240, n).astype("timedelta64[m]")
    start_on = rules.deemed_start_days_array(dispatched, calendar=cal)
    close = np.timedelta64(17 * 60 + 30, "m")
    sign_due = cal.add_workdays_array(start_on, 1).astype("datetime64[m]") + close
    ticket_state = np.where(is_open, "acknowledged", "closed").astype(object)
    t_draw = rng.random(n)
    ticket_state[is_open & (t_draw < 0.10)] = "dispatched"
    ticket_state[is_open & (t_draw >= 0.10) & (t_draw < 0.13)] = "extension_requested"
    suspended = is_open & (t_draw >= 0.13) & (t_draw < 0.15)
    ticket_state[suspended] = "suspended"
    ticket_state[replied_state] = "replied"
    extension = np.where(ticket_state == "extension_requested", 0, 0)
    reply_due = cal.add_workdays_array(start_on, limits + extension).astype("datetime64[m]") + close
    acknowledged = dispatched + rng.integers(10, 600, n).astype("timedelta64[m]")
    ack_null = ticket_state == "dispatched"
    signed_on_time = np.where(ack_null, False, acknowledged <= sign_due)
    reply_days = rng.integers(1, 13, n)
    replied = cal.add_workdays_array(start_on, reply_days).astype("datetime64[m]") + np.timedelta64(
        15 * 60, "m"
    )
    replied_null = is_open & ~replied_state
    replied_on_time = np.where(replied_null, False, replied <= reply_due)
    closed = replied + np.timedelta64(2 * 24 * 60, "m")
    nat = np.datetime64("NaT", "m")
    print(f"  generated columns in {time.perf_counter() - t0:.1f}s", flush=True)

    titles = np.array([f"基准诉求{t}" for t in range(50)], dtype=object)
    uscc_pool = np.array([f"91110000{k:09d}X" for k in range(50_000)], dtype=object)
    t1 = time.perf_counter()
    copy_rows(
        Appeal,
        n,
        {
            "id": ids,
            "locality_id": city.pk,
            "enterprise_uscc": uscc_pool[rng.integers(0, len(uscc_pool), n)],
            "enterprise_name": "基准企业",
            "contact_name": "联系人",
            "contact_phone": "13800000000",
            "appeal_type": types,
            "title": titles[ids % 50],
            "content": titles[ids % 50],
            "channel": np.where(ids % 4 == 0, "api", "hotline"),
            "state": state,
            "received_at": _stamp(received),
            "dispatched_at": _stamp(np.where(has_ticket, dispatched, nat)),
            "replied_at": _stamp(np.where(is_open & ~replied_state, nat, replied)),
            "closed_at": _stamp(np.where(is_open, nat, closed)),
        },
    )
    print(f"  COPY appeals: {time.perf_counter() - t1:.1f}s", flush=True)

    # tickets: one primary per dispatched appeal, plus a co-handling one for 5 %
    t1 = time.perf_counter()
    sel = np.flatnonzero(has_ticket)
    extra = sel[rng.random(len(sel)) < 0.05]
    rows = np.concatenate([sel, extra])
    m = len(rows)
    role = np.array(["primary"] * len(sel) + ["assisting"] * len(extra), dtype=object)
    t_units = unit_of[rows].copy()
    t_units[len(sel) :] = rng.choice(unit_ids, len(extra))
    r_state = ticket_state[rows]
    copy_rows(
        Ticket,
        m,
        {
            "id": np.arange(1, m + 1),
            "appeal_id": ids[rows],
            "unit_id": t_units,
            "role": role,
            "state": r_state,
            "dispatched_at": _stamp(dispatched[rows]),
            "acknowledged_at": _stamp(np.where(ack_null[rows], nat, acknowledged[rows])),
            "replied_at": _stamp(np.where(replied_null[rows], nat, replied[rows])),
            "closed_at": _stamp(np.where(is_open[rows], nat, closed[rows])),
            "start_on": np.datetime_as_string(start_on[rows]).astype(object),
            "sign_limit": 1,
            "sign_unit": "workdays",
            "reply_limit": limits[rows],
            "reply_unit": "workdays",
            "paused_since": _stamp(np.where(suspended[rows], acknowledged[rows], nat)),
            "sign_due_at": _stamp(sign_due[rows]),
            "reply_due_at": _stamp(np.where(suspended[rows], nat, reply_due[rows])),
            "reply_workdays": np.where(replied_null[rows], None, reply_days[rows]).astype(object),
            "signed_on_time": np.where(ack_null[rows], None, signed_on_time[rows]).astype(object),
            "replied_on_time": np.where(replied_null[rows], None, replied_on_time[rows]).astype(
                object
            ),
        },
    )
    print(f"  COPY tickets ({m}): {time.perf_counter() - t1:.1f}s", flush=True)

    t1 = time.perf_counter()
    closed_rows = np.flatnonzero(~is_open)
    k = len(closed_rows)
    sat = rng.choice(np.array(["satisfied", "partly", "unsatisfied"]), k, p=[0.80, 0.12, 0.08])
    copy_rows(
        Callback,
        k,
        {
            "id": np.arange(1, k + 1),
            "appeal_id": ids[closed_rows],
            "ticket_id": np.arange(1, len(sel) + 1)[np.searchsorted(sel, closed_rows)],
            "unit_id": unit_of[closed_rows],
            "called_at": _stamp(closed[closed_rows] - np.timedelta64(24 * 60, "m")),
            "resolved": rng.random(k) < 0.88,
            "satisfaction": sat,
            "round": 1,
        },
    )
    print(f"  COPY callbacks ({k}): {time.perf_counter() - t1:.1f}s", flush=True)
    with connection.cursor() as cursor:
        for table in ("appeals_appeal", "appeals_ticket", "appeals_callback"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    token = "bench-token-" + str(SEED)
    ApiClient.objects.create(
        name="基准12345平台", code="bench", token_hash=token_digest(token), locality=city,
        created_at=NOW,
    )  # fmt: skip
    open_tickets = int(
        np.isin(r_state, ["dispatched", "acknowledged", "extension_requested"]).sum()
    )
    print(f"  built in {time.perf_counter() - t0:.1f}s", flush=True)
    return {"city": city, "unit_ids": unit_ids, "token": token, "tickets": m,
            "open_tickets": open_tickets, "callbacks": k}  # fmt: skip


def reuse() -> dict:
    import numpy as np

    from qinqing.appeals.models import Callback, Ticket
    from qinqing.core.orgs.models import Unit

    city = Unit.objects.get(name="基准市")
    units = Unit.objects.filter(path__startswith=city.path, kind="department")
    return {
        "city": city,
        "unit_ids": np.array(list(units.values_list("pk", flat=True))),
        "token": "bench-token-" + str(SEED),
        "tickets": Ticket.objects.count(),
        "callbacks": Callback.objects.count(),
    }


def roll_up() -> float:
    """The nightly job that stores final months' counts (run once before measuring)."""
    from qinqing.appeals.tasks import roll_up_figures

    started = time.perf_counter()
    roll_up_figures(NOW - timedelta(hours=8))
    return time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# Measurements


def bench_sweep(data) -> dict:

    from qinqing.appeals import rules
    from qinqing.appeals.models import Ticket
    from qinqing.appeals.tasks import RUNNING_STATES, sweep_tickets
    from qinqing.core.workdays import TimeUnit, get_calendar

    cal = get_calendar()
    out = {}
    # the freshly loaded data has never been swept: yesterday's run catches up (cold run)
    started = time.perf_counter()
    cold = sweep_tickets(PREV_DAY, calendar=cal)
    out["cold"] = (time.perf_counter() - started, cold)
    started = time.perf_counter()
    first = sweep_tickets(NOW, calendar=cal)
    out["first"] = (time.perf_counter() - started, first)
    started = time.perf_counter()
    again = sweep_tickets(NOW, calendar=cal)
    out["rerun"] = (time.perf_counter() - started, again)
    started = time.perf_counter()
    daily = sweep_tickets(NEXT_DAY, calendar=cal)
    out["daily"] = (time.perf_counter() - started, daily)
    # baseline: a straightforward per-ticket ORM sweep (load each ticket, compute its clock,
    # save it and log an event when a threshold is crossed) on a sample, rolled back, scaled
    from django.db import transaction

    from qinqing.appeals.models import AppealEvent

    sample_size = 3000
    started = time.perf_counter()
    with transaction.atomic():
        tickets = Ticket.objects.filter(state__in=RUNNING_STATES, paused_since__isnull=True)
        for t in tickets.order_by("pk")[:sample_size]:
            total = t.reply_limit + t.extension_amount
            due = rules.due_after(
                t.dispatched_at, total, TimeUnit.WORKDAYS, t.paused_amount, calendar=cal
            )
            share = rules.used_share(
                t.dispatched_at, total, TimeUnit.WORKDAYS, t.paused_amount, NEXT_DAY, calendar=cal
            )
            level = 2 if due < NEXT_DAY else rules.reminder_level(share)
            if level > t.reminder_level or (due < NEXT_DAY and not t.supervised):
                t.reminder_level, t.supervised = level, due < NEXT_DAY
                t.save(update_fields=["reminder_level", "supervised"])
                AppealEvent.objects.create(
                    appeal_id=t.appeal_id, ticket=t, kind="reminded", at=NEXT_DAY
                )
        transaction.set_rollback(True)
    out["baseline"] = (time.perf_counter() - started) / sample_size * first.checked
    out["checked"] = first.checked
    assert again.reminded == again.supervised == 0, "rerun changed something"
    return out


def bench_figures(data) -> dict:
    from django.db.models import Count, Q

    from qinqing.appeals import figures
    from qinqing.appeals.models import Ticket

    city = data["city"]
    start, end = date(2025, 7, 1), date(2026, 6, 30)
    t_month, counts = best(
        lambda: figures.unit_counts(start, end, area_path=city.path, by_month=True, as_of=NOW)
    )
    t_rank, rows = best(lambda: figures.ranking(start, end, area=city, as_of=NOW))
    t_live, _ = best(
        lambda: figures.unit_counts(
            start, end, area_path=city.path, by_month=True, as_of=NOW, use_rollup=False
        ),
        repeat=2,
    )
    # baseline: per unit and month, one ORM count per figure, on 5 units, scaled
    unit_ids = list(data["unit_ids"][:5])
    months = [(date(2025 + (7 + i - 1) // 12, (7 + i - 1) % 12 + 1, 1)) for i in range(12)]
    started = time.perf_counter()
    for unit_id in unit_ids:
        for first_day in months:
            nxt = date(first_day.year + first_day.month // 12, first_day.month % 12 + 1, 1)
            lo, hi = figures.period_bounds(first_day, nxt - timedelta(days=1))
            qs = Ticket.objects.filter(unit_id=unit_id, dispatched_at__gte=lo, dispatched_at__lt=hi)
            qs.count()
            qs.filter(signed_on_time=True).count()
            qs.filter(replied_at__isnull=False).count()
            qs.filter(replied_on_time=True).count()
            qs.aggregate(n=Count("id", filter=Q(reply_workdays__isnull=False)))
    scaled = (time.perf_counter() - started) / len(unit_ids) * len(data["unit_ids"])
    return {"monthly": t_month, "cells": len(counts), "ranking": t_rank, "units": len(rows),
            "baseline": scaled, "live": t_live}  # fmt: skip


def bench_intake(data, args) -> dict:
    import psycopg

    env = _env()
    with gunicorn(["qinqing.wsgi:application"], workers=args.workers, env=env, wait_s=20) as url:
        load = [sys.executable, str(ROOT / "bench/appeals_load.py"), "--url", url,
                "--token", data["token"], "--concurrency", str(args.concurrency)]  # fmt: skip
        subprocess.run(
            [*load, "--requests", "300", "--prefix", f"warmup{int(time.time())}"],
            check=True,
            capture_output=True,
            env=env,
        )
        result = subprocess.run(
            [*load, "--requests", str(args.requests), "--prefix", f"run{int(time.time())}"],
            check=True, capture_output=True, text=True, env=env,
        )  # fmt: skip
        api = json.loads(result.stdout.strip().splitlines()[-1])
    # baseline: a plain INSERT loop, one row per statement, autocommit, one connection
    rows, run = 3000, int(time.time())
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        city_id = data["city"].pk
        started = time.perf_counter()
        for i in range(rows):
            conn.execute(
                "INSERT INTO appeals_appeal (locality_id, enterprise_uscc, enterprise_name, "
                "contact_name, contact_phone, appeal_type, title, content, place, channel, source, "
                "external_id, category, conduct, state, received_at, reopen_count, escalated, "
                "answer, suggestions, auto_dispatched, identity_confirmed) VALUES (%s, %s, %s, %s, %s, "
                "%s, %s, %s, '', 'api', 'plain', %s, '', false, 'received', now(), 0, false, '', "
                "'[]', false, true)",
                (city_id, "91110000000000000X", "基准企业", "张经理", "13800000000", "complaint",
                 "道路破损", "园区道路破损严重，请尽快维修。", f"plain-{run}-{i}"),
            )  # fmt: skip
        plain = rows / (time.perf_counter() - started)
    return {"api": api, "plain": plain}


def _sweep_lines(sweep, data, args) -> list[str]:
    cold_t, cold = sweep["cold"]
    first_t, first = sweep["first"]
    rerun_t, _ = sweep["rerun"]
    daily_t, daily = sweep["daily"]
    return [
        f"- SLA sweep over {sweep['checked']:,} open tickets (of {data['tickets']:,}; {args.appeals:,} appeals):",
        f"  - **daily run on 2026-06-16 {first_t:.2f} s** ({first.reminded:,} 催办, {first.supervised:,} 督办 written); "
        f"rerun at the same moment {rerun_t:.2f} s (nothing to write); next working day {daily_t:.2f} s "
        f"({daily.reminded:,} 催办, {daily.supervised:,} 督办).",
        f"  - **cold run** (freshly loaded data never swept, as of 2026-06-15): **{cold_t:.2f} s** "
        f"({cold.reminded:,} 催办, {cold.supervised:,} 督办 written at once).",
        f"  - baseline: a per-ticket ORM sweep (load, compute the clock, save, log) {sweep['baseline']:.1f} s "
        f"(3,000 tickets, rolled back, scaled) → the set-based daily run is ×{sweep['baseline'] / first_t:.0f} faster.",
    ]


# ---------------------------------------------------------------------------------------------


def main() -> int:
    global DB, VAR
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=200_000)
    parser.add_argument("--units", type=int, default=60)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="measure a database kept by an earlier --keep run"
    )
    parser.add_argument("--only", choices=["sweep", "figures", "intake"], help="one measurement")
    parser.add_argument("--db", default=DB, help=f"database name (default {DB})")
    parser.add_argument(
        "--build-only", action="store_true", help="build the database, keep it and stop"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="do not write docs/bench/appeals.md"
    )
    parser.add_argument(
        "--template",
        help="measure a fresh copy of this database (built by --build-only), dropped afterwards",
    )
    args = parser.parse_args()
    if args.db != DB:
        DB, VAR = args.db, Path(f"/tmp/{args.db}_var")
    if args.build_only:
        args.keep = True

    if args.template:
        # never-swept data for every run: the cold sweep changes the data it measures
        admin_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        admin_sql(f"CREATE DATABASE {DB} TEMPLATE {args.template}")
        args.reuse = True
    if not args.reuse:
        admin_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        admin_sql(f"CREATE DATABASE {DB}")
    try:
        if args.reuse:
            _setup_django()
            data = reuse()
        else:
            print(f"Building {args.appeals:,} appeals ({args.open:,} open) in {DB} …", flush=True)
            _setup_django()
            data = build(args)
        if args.build_only:
            return 0
        print("nightly roll-up of final months …", flush=True)
        data["rollup"] = roll_up()
        load_before = load_note()
        if args.only == "sweep":
            print("\n".join(_sweep_lines(bench_sweep(data), data, args)))
            print(f"({load_before} before; {load_note()} after)")
            return 0
        if args.only:
            result = {"figures": bench_figures}.get(args.only)
            print(result(data) if result else bench_intake(data, args))
            return 0
        print("SLA sweep …", flush=True)
        sweep = bench_sweep(data)
        print("三率 …", flush=True)
        figs = bench_figures(data)
        print("intake API under load …", flush=True)
        intake = bench_intake(data, args)
        load_after = load_note()
    finally:
        from django.db import connections

        connections.close_all()
        if args.template or not (args.keep or args.reuse):
            admin_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")

    api = intake["api"]
    lines = [
        *_sweep_lines(sweep, data, args),
        f"- A year of 三率 per unit per month ({figs['cells']:,} unit-months, {data['callbacks']:,} callbacks): "
        f"**{figs['monthly']:.2f} s** (final months from the nightly roll-up, which took {data['rollup']:.1f} s; "
        f"the latest months live); unit ranking for the year {figs['ranking']:.2f} s; "
        f"all twelve months live, without the roll-up: {figs['live']:.2f} s.",
        f"  - baseline: per-unit-per-month ORM counts {figs['baseline']:.1f} s (5 units, scaled) → ×{figs['baseline'] / figs['monthly']:.0f}.",
        f"- Intake API (gunicorn, {args.workers} sync workers, {args.concurrency} keep-alive connections from a second process): "
        f"{api['requests']:,} creates in {api['seconds']:.1f} s = **{api['per_second']:.0f} creates/s**, "
        f"p50 {api['p50_ms']:.0f} ms, p95 {api['p95_ms']:.0f} ms, **p99 {api['p99_ms']:.0f} ms**, max {api['max_ms']:.0f} ms, "
        f"{api['errors']} errors.",
        f"  - baseline: plain single-row INSERT loop (autocommit, one connection) {intake['plain']:.0f} rows/s → "
        f"API/plain = {api['per_second'] / intake['plain']:.2f}.",
    ]
    print("\n".join(lines))
    if not args.no_write:
        mem = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()
        pg_version = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True
        ).stdout.strip()
        doc = [
            "## Appeals (接诉即办): SLA sweep, 三率, intake API",
            "",
            f"Date: {date.today().isoformat()} · machine: `nproc` = {os.cpu_count()}, "
            f"{mem[1].split()[1] if len(mem) > 1 else '?'} RAM · Python {platform.python_version()} · {pg_version} · "
            f"{load_note()} (before the runs: {load_before}; after: {load_after}; the machine is shared by ~6 engineers).",
            "",
            f"Command: `.venv/bin/python bench/appeals.py --appeals {args.appeals} --open {args.open} "
            f"--units {args.units} --requests {args.requests} --concurrency {args.concurrency} --workers {args.workers}`",
            "",
            "Data: one city, "
            f"{len(data['unit_ids'])} handling units (three counties), {args.appeals:,} appeals over the year before "
            f"2026-06-16 bulk-loaded with COPY; {args.open:,} received in the last 15 working days and still open, "
            "the rest closed with one callback each; 5 % of appeals have a co-handling ticket.",
            "",
            *lines,
            "",
            "Targets (issue 6): sweep < 3 s; a year of 三率 per unit per month < 1 s; intake ≥ 200 creates/s with p99 < 250 ms.",
            "",
        ]
        (ROOT / "docs/bench").mkdir(exist_ok=True)
        (ROOT / "docs/bench/appeals.md").write_text("\n".join(doc), encoding="utf-8")
        print("wrote docs/bench/appeals.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
