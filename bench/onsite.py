"""Benchmark of on-site check control on PostgreSQL: the window-and-cap check and the monthly merge.

    .venv/bin/python bench/onsite.py [--enterprises 1000000] [--registrations 200000] [--checks 2000]

Builds a scratch database (``qinqing_bench_onsite``), migrates it and bulk-loads with COPY,
with a fixed seed: one city with 20 departments and the 上、中旬“宁静日” rule (days 1–20),
``--enterprises`` enterprises (tiers A/B/C/D = 20/50/20/10 %), 2 % of them with an own quiet
period, and ``--registrations`` check registrations over 2026 (half of them on a busy fifth of
the enterprises, so that departments meet on the same enterprise in the same month).

Measures, and compares with a baseline in the same run:

* the window-and-cap check of one registration (``service.entry_check``: calendar, local
  windows, the enterprise's periods, the year's planned checks of every department), p50/p95
  over ``--checks`` random (enterprise, day) pairs; baseline: the same check with the
  registration indexes dropped (inside a rolled-back transaction), i.e. a sequential scan;
* the joint-visit proposals of one month (``service.propose_joint_visits``), first run and
  idempotent rerun; baseline: a per-enterprise ORM loop (one query per enterprise of the month,
  one insert per proposal), measured on a sample inside a rolled-back transaction and scaled.

Writes docs/bench/onsite.md (``--no-write`` to skip).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

_BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(_BENCH))
from _common import (  # noqa: E402
    copy_rows,
    load_note,
    machine_line,
    setup_django,
    throwaway_database,
    write_doc,
)

# the other scripts under bench/ (inspections.py, policies.py, …) must not shadow packages
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]

DB = "qinqing_bench_onsite"
TZ = ZoneInfo("Asia/Shanghai")
SEED = 20260622
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=TZ)
VAR = Path("/tmp/qinqing_bench_onsite_var")
MONTH = date(2026, 6, 1)


def _analyze(*models) -> None:
    """Fresh planner statistics after the bulk load, as the measured paths would have."""
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def build(args) -> dict:
    import numpy as np

    from qinqing.core.enterprises.models import Enterprise
    from qinqing.core.orgs.models import UnitKind
    from qinqing.core.orgs.service import create_unit
    from qinqing.inspections.models import LocalQuietDays, QuietPeriod
    from qinqing.onsite import rules
    from qinqing.onsite.models import CheckRegistration

    rng = np.random.default_rng(SEED)
    province = create_unit(actor="bench", name="示例省", kind=UnitKind.PROVINCE, parent=None)
    city = create_unit(actor="bench", name="示例市", kind=UnitKind.CITY, parent=province)
    create_unit(actor="bench", name="示例市营商办", kind=UnitKind.PARTY_GOV, parent=city,
                coordinating=True)  # fmt: skip
    units = [
        create_unit(actor="bench", name=f"市部门{k:02d}", kind=UnitKind.DEPARTMENT, parent=city)
        for k in range(20)
    ]
    LocalQuietDays.objects.create(area=city, name="上、中旬宁静日", first_day=1, last_day=20,
                                  created_at=NOW)  # fmt: skip

    n = args.enterprises
    t0 = time.perf_counter()
    tiers = np.array(list("ABCD"))[rng.choice(4, n, p=[0.2, 0.5, 0.2, 0.1])]
    now_text = NOW.isoformat()
    copy_rows(
        Enterprise,
        n,
        {
            "id": np.arange(1, n + 1),
            "uscc": [f"91420602MA{i:08d}" for i in range(n)],
            "name": [f"示例企业{i:07d}有限公司" for i in range(n)],
            "region_code": "420602",
            "industry_code": "C14",
            "size": "small",
            "serious_dishonesty": False,
            "credit_tier": tiers,
            "attributes": "{}",
            "updated_at": now_text,
        },
    )
    _analyze(Enterprise)
    load_enterprises = time.perf_counter() - t0

    quiet_ids = rng.choice(n, n // 50, replace=False) + 1
    starts = [
        date(2026, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 350, len(quiet_ids))
    ]
    copy_rows(
        QuietPeriod,
        len(quiet_ids),
        {
            "area_id": city.pk,
            "enterprise_id": quiet_ids.astype(int),
            "start_on": starts,
            "end_on": [s + timedelta(days=9) for s in starts],
            "reason": "安静生产期",
            "created_at": now_text,
        },
    )
    _analyze(QuietPeriod)

    m = args.registrations
    busy = n // 5
    half = m // 2
    enterprise = np.concatenate([rng.integers(1, busy + 1, half), rng.integers(1, n + 1, m - half)])
    # open days: working days 21–31 of each month (outside the 宁静日 window)
    from qinqing.core.workdays import get_calendar

    calendar = get_calendar()
    open_days = [
        d for d in (date(2026, 1, 1) + timedelta(days=k) for k in range(365))
        if d.day > 20 and calendar.is_workday(d)
    ]  # fmt: skip
    days = [open_days[i] for i in rng.integers(0, len(open_days), m)]
    unit_ids = [units[i].pk for i in rng.integers(0, len(units), m)]
    categories = np.array(["routine", "random", "special", "safety", "complaint"])[
        rng.choice(5, m, p=[0.5, 0.25, 0.1, 0.1, 0.05])
    ]
    t0 = time.perf_counter()
    copy_rows(
        CheckRegistration,
        m,
        {
            "unit_id": unit_ids,
            "area_id": city.pk,
            "enterprise_id": enterprise.astype(int),
            "category": categories,
            "reason": "日常检查",
            "legal_basis": "依据",
            "planned_on": days,
            "state": "registered",
            "after_the_fact": False,
            "exemption_reason": "",
            "late_reason": "",
            "quiet_conflict": "",
            "calendar_provisional": False,
            "decision_note": "",
            "result": "",
            "created_at": now_text,
        },
    )
    _analyze(CheckRegistration)
    load_registrations = time.perf_counter() - t0
    month_rows = sum(1 for d, c in zip(days, categories, strict=True)
                     if d.month == MONTH.month and c in rules.PLANNED_CATEGORIES)  # fmt: skip
    return {
        "city": city,
        "units": units,
        "load_enterprises": load_enterprises,
        "load_registrations": load_registrations,
        "month_rows": month_rows,
        "busy": busy,
        "rng": rng,
        "open_days": open_days,
    }


def _pairs(data, args):
    from qinqing.core.enterprises.models import Enterprise

    rng = data["rng"]
    ids = [int(i) for i in rng.integers(1, data["busy"] + 1, args.checks)]
    enterprises = Enterprise.objects.in_bulk(ids)
    # open working days only, so that every check runs the whole path (windows, then the cap)
    open_days = data["open_days"]
    days = [open_days[int(k)] for k in rng.integers(0, len(open_days), args.checks)]
    return [(enterprises[i], d) for i, d in zip(ids, days, strict=True)]


def _time_checks(pairs, city) -> tuple[list[float], int]:
    from qinqing.core.errors import InvalidInput
    from qinqing.onsite import service

    times, refused = [], 0
    for ent, day in pairs:
        started = time.perf_counter()
        try:
            service.entry_check(area=city, enterprise=ent, day=day, category="routine")
        except InvalidInput:
            refused += 1
        times.append(time.perf_counter() - started)
    return times, refused


def bench_check(data, args) -> dict:
    from django.db import connection, transaction

    city = data["city"]
    pairs = _pairs(data, args)
    _time_checks(pairs[:50], city)  # warm caches (calendar, connection)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        _time_checks(pairs[50:51], city)
    queries = [(q["time"], q["sql"][:150]) for q in captured.captured_queries]
    for q in queries:
        print("  ", q, flush=True)
    times, refused = _time_checks(pairs, city)
    # baseline: the same check with the registration indexes dropped (rolled back afterwards)
    sample = pairs[: max(50, args.checks // 10)]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'onsite_checkregistration' "
                "AND indexname NOT LIKE '%pkey'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
        base_times, _ = _time_checks(sample, city)
        transaction.set_rollback(True)
    ms = sorted(t * 1000 for t in times)
    base = sorted(t * 1000 for t in base_times)
    return {
        "p50": statistics.median(ms),
        "p95": ms[int(len(ms) * 0.95) - 1],
        "max": ms[-1],
        "refused": refused,
        "n": len(ms),
        "base_p50": statistics.median(base),
        "base_p95": base[int(len(base) * 0.95) - 1],
        "base_n": len(base),
        "queries": len(queries),
    }


def naive_merge(month: date, now, limit: int) -> tuple[float, int, int]:
    """Baseline: one query per enterprise of the month, one insert per proposal."""
    from django.db import transaction

    from qinqing.onsite import rules
    from qinqing.onsite.models import CheckRegistration, JointVisitProposal

    start, end = rules.month_bounds(month)
    started = time.perf_counter()
    with transaction.atomic():
        base = CheckRegistration.objects.filter(
            planned_on__gte=start, planned_on__lte=end, joint__isnull=True,
            category__in=rules.PLANNED_CATEGORIES,
        )  # fmt: skip
        enterprise_ids = list(base.values_list("enterprise_id", flat=True).order_by().distinct())
        total = len(enterprise_ids)
        made = 0
        for enterprise_id in enterprise_ids[:limit]:
            regs = list(base.filter(enterprise_id=enterprise_id))
            if len({r.unit_id for r in regs}) < 2:
                continue
            p = JointVisitProposal.objects.create(
                area_id=regs[0].area_id, enterprise_id=enterprise_id, month=start,
                proposed_on=min(r.planned_on for r in regs), created_at=now,
            )  # fmt: skip
            p.members.add(*regs)
            made += 1
        transaction.set_rollback(True)
    elapsed = time.perf_counter() - started
    return elapsed * total / max(1, min(limit, total)), made, total


def bench_merge(data) -> dict:
    from qinqing.onsite import service

    naive, naive_made, enterprises = naive_merge(MONTH, NOW, 3000)
    started = time.perf_counter()
    created = service.propose_joint_visits(month=MONTH, now=NOW)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = service.propose_joint_visits(month=MONTH, now=NOW)
    rerun = time.perf_counter() - started
    return {"first": first, "created": created, "rerun": rerun, "again": again,
            "naive": naive, "naive_sample": naive_made, "enterprises": enterprises}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--registrations", type=int, default=200_000)
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-write", action="store_true", help="do not write docs/bench/onsite.md")
    args = parser.parse_args()

    os.environ["QINQING_CONN_MAX_AGE"] = "600"
    with throwaway_database(DB, keep=args.keep):
        print(
            f"Building {args.enterprises:,} enterprises, {args.registrations:,} registrations …",
            flush=True,
        )
        setup_django(DB, VAR)
        data = build(args)
        load_before = load_note()
        print("window-and-cap check …", flush=True)
        check = bench_check(data, args)
        print(check, flush=True)
        print("monthly merge …", flush=True)
        merge = bench_merge(data)
        print(merge, flush=True)
        load_after = load_note()

    full = args.enterprises >= 1_000_000 and args.registrations >= 200_000
    scale = (
        ""
        if full
        else " (scaled-down run: the issue asks for 1,000,000 enterprises and 200,000 registrations)"
    )
    text = f"""## On-site checks (涉企检查): window-and-cap check, monthly joint-visit merge

{machine_line()} (before the runs: {load_before}, after: {load_after}; the machine is shared by ~8 engineers).

Command: `.venv/bin/python bench/onsite.py --enterprises {args.enterprises} --registrations {args.registrations} --checks {args.checks}`

Data{scale}: one city, 20 departments, the 上、中旬宁静日 rule (days 1–20); {args.enterprises:,} enterprises (COPY {data["load_enterprises"]:.1f} s), 2 % with a 10-day quiet period; {args.registrations:,} registrations over 2026 on working days 21–31 (COPY {data["load_registrations"]:.1f} s), half of them on a busy fifth of the enterprises.

- Window-and-cap check of one registration (`service.entry_check`: calendar, local windows, the enterprise's quiet periods, the year's planned checks of all departments with a joint visit counted once), {check["n"]:,} random (busy enterprise, open working day) pairs over 2026, so that every check runs the whole path ({check["refused"]:,} refused by the cap or an own quiet period): **p50 {check["p50"]:.2f} ms, p95 {check["p95"]:.2f} ms** (max {check["max"]:.1f} ms).
  - baseline: the same check without the registration indexes (sequential scan; dropped inside a rolled-back transaction), {check["base_n"]:,} pairs: p50 {check["base_p50"]:.1f} ms, p95 {check["base_p95"]:.1f} ms → ×{check["base_p50"] / check["p50"]:.0f} at the median.
- Joint-visit proposals for June 2026 ({data["month_rows"]:,} planned registrations, {merge["enterprises"]:,} enterprises): **first run {merge["first"]:.2f} s** ({merge["created"]:,} proposals with their members written); idempotent rerun {merge["rerun"]:.2f} s ({merge["again"]} new).
  - baseline: per-enterprise ORM loop (one query per enterprise, one insert per proposal) {merge["naive"]:.1f} s (3,000 enterprises, rolled back, scaled) → ×{merge["naive"] / merge["first"]:.0f}.

Targets (issue 19): one registration's window-and-cap check < 50 ms on PostgreSQL; a month's merge < 10 s.
"""
    print(text)
    if not args.no_write:
        write_doc("onsite", text.splitlines())
    return 0


if __name__ == "__main__":
    sys.exit(main())
