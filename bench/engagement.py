"""Benchmark 包联服务 on PostgreSQL: the overdue-visit job and the dashboard queries.

Creates its own database ``qinqing_bench_engagement`` on 127.0.0.1:5432 (user postgres),
migrates it and bulk-loads (COPY), with a fixed seed: one city with ten counties,
``--cadres`` cadres (default 5,000) in 250 units, ``--enterprises`` enterprises (default
50,000) each paired monthly with one cadre since mid-2023, and three years of monthly visits
(97 % of cycles visited: about 1.8 million visits), the missed cycles the job recorded up to
yesterday, 3 % of visits with a problem turned into an appeal (with its ticket) and 30 % rated.
Then measures, as of Tuesday 2026-06-16 10:00:

* the overdue-visit job (``tasks.flag_overdue_visits``): today's run, a rerun at the same
  moment (must find nothing), and a run after ten days of downtime (catch-up);
  baseline: a per-pairing scan (last visit of each pairing, its cycle, compare with today)
  on a sample, scaled to every pairing in force;
* the dashboard (``figures.grouped_counts``) for the year to date: the city by county, one
  county by unit, one unit by cadre, and the distinct enterprise count;
  baseline: the same counts in a per-row Python loop over the rows, in the same run.

Usage: .venv/bin/python bench/engagement.py [--cadres 5000] [--enterprises 50000] [--keep]
       [--no-write]
Writes docs/bench/engagement.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from _common import (  # noqa: E402  (bench/ is on sys.path when a script runs)
    best,
    copy_rows,
    load_note,
    machine_line,
    setup_django,
    throwaway_database,
    write_doc,
)

DB = "qinqing_bench_engagement"
TZ = ZoneInfo("Asia/Shanghai")
SEED = 20260616
NOW = datetime(2026, 6, 16, 10, 0, tzinfo=TZ)  # a Tuesday
TODAY = NOW.date()
PREV_DAY = date(2026, 6, 15)  # the job last ran yesterday
LATER = datetime(2026, 6, 26, 10, 0, tzinfo=TZ)  # after ten days without a run
FIRST_START = date(2023, 6, 16)
VAR = Path("/tmp/qinqing_bench_engagement_var")


def _ids(model, n: int) -> list[int]:
    return list(model.objects.order_by("-pk").values_list("pk", flat=True)[:n])[::-1]


def build(args) -> dict:
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.db import connection

    from qinqing.appeals.models import Appeal, Ticket
    from qinqing.core.enterprises.models import Enterprise
    from qinqing.core.orgs.models import Unit, UnitKind
    from qinqing.core.workdays import get_calendar
    from qinqing.engagement import rules
    from qinqing.engagement.models import Cadre, MissedCycle, Pairing, RaisedIssue, Visit

    rng = np.random.default_rng(SEED)
    cal = get_calendar()
    t0 = time.perf_counter()
    province = Unit.objects.create(name="基准省", kind=UnitKind.PROVINCE)
    city = Unit(name="基准市", kind=UnitKind.CITY, parent=province)
    city.save()
    units, areas = [], []
    for i in range(40):
        u = Unit(name=f"基准市局{i:02d}", kind=UnitKind.DEPARTMENT, parent=city)
        u.save()
        units.append(u), areas.append(city.pk)
    counties = []
    for c in range(10):
        county = Unit(name=f"基准县{c}", kind=UnitKind.COUNTY, parent=city)
        county.save()
        counties.append(county)
        for d in range(21):
            kind = UnitKind.TOWNSHIP if d < 12 else UnitKind.DEPARTMENT
            u = Unit(name=f"基准县{c}单位{d:02d}", kind=kind, parent=county)
            u.save()
            units.append(u), areas.append(county.pk)
    unit_ids, area_ids = np.array([u.pk for u in units]), np.array(areas)

    nc, ne = args.cadres, args.enterprises
    cadre_unit = rng.integers(0, len(units), nc)
    copy_rows(get_user_model(), nc, {
        "username": [f"cadre{i:05d}" for i in range(nc)], "password": "!", "first_name": "",
        "last_name": "", "email": "", "is_staff": False, "is_active": True,
        "is_superuser": False, "date_joined": NOW.isoformat(),
    })  # fmt: skip
    user_ids = np.array(_ids(get_user_model(), nc))
    copy_rows(Cadre, nc, {
        "user_id": user_ids, "name": [f"干部{i:05d}" for i in range(nc)],
        "unit_id": unit_ids[cadre_unit], "area_id": area_ids[cadre_unit], "level": "department",
        "title": "", "phone": "", "active": True,
    })  # fmt: skip
    cadre_ids = np.array(_ids(Cadre, nc))
    copy_rows(Enterprise, ne, {
        "uscc": [f"91BENCH{i:011d}" for i in range(ne)], "name": [f"基准企业{i:05d}" for i in range(ne)],
        "region_code": "110000", "industry_code": "C34", "size": "small",
        "serious_dishonesty": False, "credit_tier": "B", "attributes": "{}",
        "updated_at": NOW.isoformat(),
    })  # fmt: skip
    enterprise_ids = np.array(_ids(Enterprise, ne))
    print(
        f"  units, {nc:,} cadres, {ne:,} enterprises: {time.perf_counter() - t0:.1f}s", flush=True
    )

    # pairings: enterprise i with cadre i % nc, monthly since a day in the four weeks after
    # FIRST_START; the cycle due dates depend only on the start day (28 distinct values)
    pc = np.arange(ne) % nc
    start_offset = rng.integers(0, 28, ne)
    n_cycles = 40
    due = np.empty((28, n_cycles), dtype="datetime64[D]")
    for k in range(28):
        s = FIRST_START + timedelta(days=k)
        for c in range(n_cycles):
            due[k, c] = np.datetime64(rules.cycle_due_on(s, 1, c, cal))
    start = np.datetime64(FIRST_START) + start_offset.astype("timedelta64[D]")
    p_due = due[start_offset]  # (ne, n_cycles)
    today64, prev64 = np.datetime64(TODAY), np.datetime64(PREV_DAY)
    # cycles with a visit: 97 % of past cycles; half of the current cycles (already visited)
    past = p_due < prev64
    current = (p_due >= prev64) & (np.roll(p_due, 1, axis=1) < prev64)
    current[:, 0] = p_due[:, 0] >= prev64
    visited = (past & (rng.random(p_due.shape) < 0.97)) | (
        current & (rng.random(p_due.shape) < 0.5)
    )
    missed = past & ~visited
    # the job's state after yesterday's run: next due = first unvisited cycle due on or after
    # yesterday; overdue while a missed cycle comes after the last visit
    future_unvisited = (p_due >= prev64) & ~visited
    first_idx = future_unvisited.argmax(axis=1)
    next_due = p_due[np.arange(ne), first_idx]
    cols = np.arange(n_cycles)
    last_visited = np.where(visited, cols, -1).max(axis=1)
    last_missed = np.where(missed, cols, -1).max(axis=1)
    overdue = last_missed > last_visited
    copy_rows(Pairing, ne, {
        "cadre_id": cadre_ids[pc], "unit_id": unit_ids[cadre_unit[pc]],
        "area_id": area_ids[cadre_unit[pc]], "enterprise_id": enterprise_ids,
        "project_id": None, "grid_level": "territorial", "cadence_months": 1,
        "starts_on": start.astype(str), "ends_on": None, "note": "",
        "last_visit_on": None, "next_due_on": next_due.astype(str),
        "overdue_since": np.where(overdue, "2026-06-01", None), "created_at": NOW.isoformat(),
    })  # fmt: skip
    pairing_ids = np.array(_ids(Pairing, ne))

    # visits: one per visited cycle, on a day up to 25 days before the cycle's due date
    rows, cyc = np.nonzero(visited)
    nv = len(rows)
    day = p_due[rows, cyc] - rng.integers(0, 25, nv).astype("timedelta64[D]")
    lower = np.where(cyc > 0, p_due[rows, np.maximum(cyc - 1, 0)] + 1, start[rows])
    day = np.maximum(day, lower)
    day = np.minimum(day, today64 - 1)
    rated = rng.random(nv) < 0.3
    rating = np.where(rated, np.where(rng.random(nv) < 0.85, "satisfied", "partly"), "")
    t1 = time.perf_counter()
    copy_rows(Visit, nv, {
        "pairing_id": pairing_ids[rows], "cadre_id": cadre_ids[pc[rows]],
        "unit_id": unit_ids[cadre_unit[pc[rows]]], "area_id": area_ids[cadre_unit[pc[rows]]],
        "enterprise_id": enterprise_ids[rows], "visited_on": day.astype(str), "mode": "onsite",
        "people_met": "", "topics": "[]", "need_types": "[]", "summary": "走访",
        "cycle_due_on": p_due[rows, cyc].astype(str), "fulfils_cycle": True,
        "recorded_at": NOW.isoformat(), "recorded_by_id": None, "rating": rating,
        "rating_comment": "", "rated_at": np.where(rated, NOW.isoformat(), None),
    })  # fmt: skip
    print(f"  COPY {nv:,} visits: {time.perf_counter() - t1:.1f}s", flush=True)
    with connection.cursor() as cursor:  # last visit per pairing, as record_visit keeps it
        cursor.execute(
            "UPDATE engagement_pairing p SET last_visit_on = v.last FROM (SELECT pairing_id, "
            "max(visited_on) AS last FROM engagement_visit GROUP BY pairing_id) v "
            "WHERE v.pairing_id = p.id"
        )
    mrows, mcyc = np.nonzero(missed)
    copy_rows(MissedCycle, len(mrows), {
        "pairing_id": pairing_ids[mrows], "cadre_id": cadre_ids[pc[mrows]],
        "unit_id": unit_ids[cadre_unit[pc[mrows]]], "area_id": area_ids[cadre_unit[pc[mrows]]],
        "due_on": p_due[mrows, mcyc].astype(str), "flagged_on": p_due[mrows, mcyc].astype(str),
    })  # fmt: skip

    # 3 % of visits raised a problem: an appeal (closed 80 %) with one primary ticket
    pick = np.nonzero(rng.random(nv) < 0.03)[0]
    ni = len(pick)
    closed = rng.random(ni) < 0.8
    received = day[pick].astype(str)
    copy_rows(Appeal, ni, {
        "locality_id": area_ids[cadre_unit[pc[rows[pick]]]],
        "enterprise_uscc": [f"91BENCH{i:011d}" for i in rows[pick]], "enterprise_name": "基准企业",
        "contact_name": "联系人", "contact_phone": "13800000000", "appeal_type": "help",
        "title": "走访发现的问题", "content": "用工需求", "place": "", "channel": "visit",
        "source": "engagement", "external_id": [f"bench-{i}" for i in range(ni)], "category": "",
        "conduct": False, "state": np.where(closed, "closed", "dispatched"),
        "received_at": np.char.add(received, "T10:00:00+08:00"),
        "closed_at": np.where(closed, np.char.add(received, "T18:00:00+08:00"), None),
        "reopen_count": 0, "escalated": False, "answer": "", "suggestions": "[]",
        "auto_dispatched": False,
    })  # fmt: skip
    appeal_ids = np.array(_ids(Appeal, ni))
    copy_rows(Ticket, ni, {
        "appeal_id": appeal_ids, "unit_id": unit_ids[cadre_unit[pc[rows[pick]]]],
        "role": "primary", "state": np.where(closed, "closed", "acknowledged"),
        "dispatched_at": np.char.add(received, "T11:00:00+08:00"), "start_on": received,
        "sign_limit": 1, "sign_unit": "workdays", "reply_limit": 10, "reply_unit": "workdays",
        "extension_amount": 0, "paused_amount": 0, "reminder_level": 0, "supervised": False,
        "reply": "", "replied_on_time": np.where(closed, np.where(rng.random(ni) < 0.9, "t", "f"), None),
        "return_reason": "", "request_amount": 0, "request_reason": "",
    })  # fmt: skip
    visit_ids = np.array(_ids(Visit, nv))
    copy_rows(RaisedIssue, ni, {
        "visit_id": visit_ids[pick], "meeting_id": None, "appeal_id": appeal_ids,
        "need_type": "labor", "cadre_id": cadre_ids[pc[rows[pick]]],
        "unit_id": unit_ids[cadre_unit[pc[rows[pick]]]], "area_id": area_ids[cadre_unit[pc[rows[pick]]]],
        "enterprise_id": enterprise_ids[rows[pick]], "raised_on": received,
    })  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would: index-only scans
    print(f"  built in {time.perf_counter() - t0:.1f}s", flush=True)
    return {"city": city, "county": counties[0], "unit": units[45], "visits": nv,
            "missed": len(mrows), "issues": ni, "pairings": ne}  # fmt: skip


def bench_job(data: dict) -> dict:
    from django.db import transaction
    from django.db.models import Max, Q

    from qinqing.core.workdays import get_calendar
    from qinqing.engagement import rules
    from qinqing.engagement.models import Pairing, Visit
    from qinqing.engagement.tasks import flag_overdue_visits

    get_calendar()  # loaded once per process, as in the job runner
    t = time.perf_counter()
    first = flag_overdue_visits(NOW)
    first_t = time.perf_counter() - t
    t = time.perf_counter()
    rerun = flag_overdue_visits(NOW)
    rerun_t = time.perf_counter() - t
    t = time.perf_counter()
    later = flag_overdue_visits(LATER)
    later_t = time.perf_counter() - t
    # baseline: for each pairing in force, read its last visit and work out its cycle
    cal = get_calendar()
    in_force = Pairing.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=TODAY))
    total = in_force.count()
    sample = list(in_force.order_by("pk")[:2000])
    t = time.perf_counter()
    with transaction.atomic():
        found = 0
        for p in sample:
            last = Visit.objects.filter(pairing=p).aggregate(m=Max("visited_on"))["m"]
            base = last or p.starts_on
            cycle = rules.cycle_containing(p.starts_on, p.cadence_months, base, cal)
            due = rules.cycle_due_on(
                p.starts_on, p.cadence_months, cycle.index + (1 if last else 0), cal
            )
            found += due < TODAY
        transaction.set_rollback(True)
    baseline = (time.perf_counter() - t) * total / len(sample)
    return {"first": (first_t, first), "rerun": (rerun_t, rerun), "later": (later_t, later),
            "baseline": baseline, "in_force": total}  # fmt: skip


def bench_dashboard(data: dict) -> dict:
    from django.db.models import Q

    from qinqing.engagement import figures
    from qinqing.engagement.models import MissedCycle, Pairing, RaisedIssue, Visit

    start, end = date(2026, 1, 1), TODAY
    city, county, unit = data["city"], data["county"], data["unit"]
    scope = Q(area__path__startswith=city.path)
    out = {}
    out["city"] = best(lambda: figures.grouped_counts(scope, "area", start, end, TODAY))
    out["county"] = best(lambda: figures.grouped_counts(scope & Q(area_id=county.pk), "unit",
                                                        start, end, TODAY))  # fmt: skip
    out["unit"] = best(lambda: figures.grouped_counts(scope & Q(unit_id=unit.pk), "cadre", start,
                                                      end, TODAY))  # fmt: skip
    out["distinct"] = best(lambda: Pairing.objects.filter(scope).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=TODAY)).values("enterprise_id").distinct().count())  # fmt: skip

    def per_row():
        counts: dict = {}

        def c(key):
            return counts.setdefault(key, [0] * 8)

        for area, overdue, ends_on in Pairing.objects.values_list("area_id", "overdue_since",
                                                                  "ends_on").iterator(5000):  # fmt: skip
            if ends_on is None or ends_on >= TODAY:
                c(area)[0] += 1
                c(area)[1] += overdue is not None
        for area, vis, cyc, ful, rating in (
            Visit.objects.filter(Q(visited_on__gte=start) | Q(cycle_due_on__gte=start))
            .values_list("area_id", "visited_on", "cycle_due_on", "fulfils_cycle", "rating")
            .iterator(5000)
        ):
            if start <= vis <= end:
                c(area)[2] += 1
                c(area)[3] += rating != ""
            if ful and start <= cyc <= end:
                c(area)[4] += 1
        for (area,) in (
            MissedCycle.objects.filter(due_on__gte=start, due_on__lte=end)
            .values_list("area_id")
            .iterator(5000)
        ):
            c(area)[5] += 1
        for area, state in (
            RaisedIssue.objects.filter(raised_on__gte=start)
            .values_list("area_id", "appeal__state")
            .iterator(5000)
        ):
            c(area)[6] += 1
            c(area)[7] += state in ("closed", "answered")
        return counts

    out["baseline"] = best(per_row, repeat=1)
    grouped = out["city"][1]
    check = out["baseline"][1]
    assert all(grouped[k].visits == check[k][2] and grouped[k].cycles_missed == check[k][5]
               for k in check), "grouped and per-row counts differ"  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cadres", type=int, default=5000)
    parser.add_argument("--enterprises", type=int, default=50_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-write", action="store_true", help="do not write the doc")
    args = parser.parse_args()
    with throwaway_database(DB, keep=args.keep):
        print(
            f"Building {args.cadres:,} cadres, {args.enterprises:,} enterprises in {DB} …",
            flush=True,
        )
        setup_django(DB, VAR)
        data = build(args)
        load_before = load_note()
        print("overdue-visit job …", flush=True)
        job = bench_job(data)
        print("dashboard …", flush=True)
        dash = bench_dashboard(data)
        load_after = load_note()

    first_t, first = job["first"]
    rerun_t, rerun = job["rerun"]
    later_t, later = job["later"]
    slowest = max(dash["city"][0], dash["county"][0], dash["unit"][0], dash["distinct"][0])
    lines = [
        f"- Overdue-visit job over {job['in_force']:,} pairings in force ({data['visits']:,} visits, "
        f"{data['missed']:,} missed cycles on record):",
        f"  - **daily run on 2026-06-16 {first_t:.2f} s** ({first['missed_cycles']:,} cycles recorded as missed, "
        f"{first['newly_overdue']:,} pairings newly overdue, {first['due_soon_reminded']:,} due-soon reminders); "
        f"rerun at the same moment {rerun_t:.2f} s ({rerun['missed_cycles']} missed, {rerun['newly_overdue']} new); "
        f"after ten days without a run (2026-06-26) {later_t:.2f} s ({later['missed_cycles']:,} missed, "
        f"{later['newly_overdue']:,} newly overdue).",
        f"  - baseline: per-pairing scan (last visit, cycle, compare) {job['baseline']:.1f} s "
        f"(2,000 pairings, scaled to {job['in_force']:,}) → the indexed run is ×{job['baseline'] / first_t:.0f} faster.",
        f"- Dashboard, year to date (2026-01-01 – 2026-06-16), {data['issues']:,} appeals from visits on record:",
        f"  - city by county **{dash['city'][0]:.3f} s**; one county by unit {dash['county'][0]:.3f} s; "
        f"one unit by cadre {dash['unit'][0]:.3f} s; distinct enterprises paired {dash['distinct'][0]:.3f} s "
        f"(slowest {slowest:.3f} s).",
        f"  - baseline: the city's counts in a per-row Python loop {dash['baseline'][0]:.2f} s "
        f"(same numbers checked) → ×{dash['baseline'][0] / dash['city'][0]:.0f}.",
    ]
    print("\n".join(lines))
    if not args.no_write:
        scaled = args.cadres != 5000 or args.enterprises != 50_000
        doc = [
            "## Engagement (包联服务): overdue-visit job, dashboard",
            "",
            f"{machine_line()} (before the runs: {load_before}; after: {load_after}; the machine is shared by ~8 engineers).",
            "",
            f"Command: `.venv/bin/python bench/engagement.py --cadres {args.cadres} --enterprises {args.enterprises}`"
            + (
                " (a scaled run, not the full size of the issue)"
                if scaled
                else " (full size of issue 17)"
            ),
            "",
            f"Data: one city with ten counties, 250 units, {args.cadres:,} cadres, {args.enterprises:,} enterprises "
            "each paired monthly since June 2023, three years of visits (97 % of cycles visited), bulk-loaded with COPY; "
            "3 % of visits turned into appeals (80 % closed), 30 % rated.",
            "",
            *lines,
            "",
            "Targets (issue 17): overdue-visit job < 3 s; dashboard queries < 0.5 s.",
            "",
        ]
        print(f"wrote {write_doc('engagement', doc)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
