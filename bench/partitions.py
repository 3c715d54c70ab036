"""Benchmark monthly partitions (issue 20): the daily queries at one and at five years of data.

Creates its own database ``qqbench_partitions`` on 127.0.0.1:5432, migrates it, turns the
partitioned tables back into plain ones (the reverse migrations' ``revert``) and bulk-loads
(COPY), with a fixed seed, one city with 72 handling units and:

* ``--per-year`` appeals a year (default 200,000), received evenly over the years before
  2026-12-07 10:00, month-aligned ids as the daily job gives them; each with one ticket
  (5 % a second, co-handling one), three events (受理登记, 派单, 办结 or 签收) and, once
  closed, a callback; those of the last 20 days still open (the SLA sweep's work);
* progress reports: one monthly cadence over ``--tasks`` tasks (default 2,000) with one lead
  and two responsible units each: 6,000 slots a month, 90 % of those past their due date
  filed (one version each).

First the most recent year is loaded, then the four years before it. At each size it times
the same queries on the plain tables (the baseline, same data, same run) and, after
``convert`` (the migrations' work, timed), on the partitioned ones:

* 诉求总览 first page as the 营商办 sees it (``ORDER BY received_at DESC`` + count);
* a unit's open tickets (本单位工单) and an appeal's detail (appeal, events, tickets,
  callbacks) of this month and of the oldest month;
* the SLA sweep (``sweep_tickets``), rolled back after each run;
* the month's 三率 per unit (``figures.unit_counts`` of November, computed live);
* a task's progress reports (任务详情) and a unit's 我的任务 (to do + last 100 filed);
* opening a month's slots (``insert_slots``, the month turn), rolled back;
* archive of the oldest year: ``qinqing partitions detach`` (rolled back) against the
  plain-table way, ``DELETE`` of that year.

Usage: flock /tmp/qq-bench.lock .venv/bin/python bench/partitions.py [--per-year 200000]
       [--tasks 2000] [--keep] [--no-write]
Writes docs/bench/partitions.md (``bench/collect.py`` assembles docs/benchmarks.md).
``QQBENCH_DB=<name>`` builds a differently named database (to explore one with ``--keep``
beside a recorded run).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402  (bench/ on sys.path)
    bench_city,
    best,
    copy_rows,
    load_note,
    machine_line,
    setup_django,
    throwaway_database,
    write_doc,
)

DB = os.environ.get("QQBENCH_DB", "qqbench_partitions")
VAR = Path("/tmp/qqbench_partitions_var")
TZ = ZoneInfo("Asia/Shanghai")
SEED = 20261207
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=TZ)  # a Monday
TYPES = ["consultation", "help", "complaint", "suggestion", "praise"]
TYPE_P = [0.30, 0.20, 0.25, 0.15, 0.10]
REPLY_LIMIT = {"consultation": 3, "help": 10, "complaint": 10, "suggestion": 5, "praise": 3}
APPEALS = "appeals_appeal"
EVENTS = "appeals_appealevent"
REPORTS = "supervision_progressreport"
UNIQUE_BY_TRIGGER = {
    APPEALS: ["appeal_unique_external_id"],
    REPORTS: ["report_unique_slot", "report_one_current"],
}


def _stamp(local):
    """Local datetime64[m] array → ISO strings with the Shanghai offset; NaT → None."""
    import numpy as np

    text = np.datetime_as_string(local, unit="s").astype(object)
    return np.where(np.isnat(local), None, text + "+08:00")


def _month_ids(months_index):
    """Month-aligned ids for rows sorted by time: month base + rank within the month."""
    import numpy as np

    from qinqing.core.db.partitions import ROWS_PER_MONTH

    n = len(months_index)
    starts = np.r_[0, np.flatnonzero(np.diff(months_index)) + 1]
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    return months_index.astype(np.int64) * ROWS_PER_MONTH + rank + 1


def _yyyymm(local):

    months = local.astype("datetime64[M]")
    years = months.astype("datetime64[Y]").astype(int) + 1970
    return years * 100 + (months.astype(int) % 12) + 1


# ---------------------------------------------------------------------------------------------
# Data


def world(args) -> dict:
    import numpy as np

    from qinqing.core.accounts.roles import ensure_builtin_roles
    from qinqing.plans.models import Plan, PlanKind, PlanStatus, Task
    from qinqing.supervision.models import ReviewCadence, ReviewCycle

    ensure_builtin_roles()
    city, units = bench_city(60)
    unit_ids = np.array([u.pk for u in units])
    created = datetime(2021, 11, 20, 10, tzinfo=TZ)
    plan = Plan.objects.create(
        title="基准市优化营商环境五年行动方案", kind=PlanKind.PLAN, area=city, year=2022,
        status=PlanStatus.CONFIRMED, source_filename="plan.txt", source_sha256="0" * 64,
        created_at=created, confirmed_at=created,
    )  # fmt: skip
    tasks = Task.objects.bulk_create(
        [
            Task(
                plan=plan,
                area=city,
                label=str(t + 1),
                title=f"基准任务{t + 1}",
                ongoing=True,
                order=t,
                created_at=created,
            )  # fmt: skip
            for t in range(args.tasks)
        ],
        batch_size=2000,
    )
    rng = np.random.default_rng(SEED)
    lead, responsible, pairs = [], [], []
    for task in tasks:
        chosen = [int(u) for u in rng.choice(unit_ids, size=3, replace=False)]
        lead.append(Task.lead_units.through(task_id=task.pk, unit_id=chosen[0]))
        responsible += [
            Task.responsible_units.through(task_id=task.pk, unit_id=u) for u in chosen[1:]
        ]
        pairs += [(task.pk, u) for u in chosen]
    Task.lead_units.through.objects.bulk_create(lead, batch_size=5000)
    Task.responsible_units.through.objects.bulk_create(responsible, batch_size=5000)
    cadence = ReviewCadence.objects.create(
        area=city, plan=plan, label="月调度", months=1, starts_on=date(2021, 12, 1),
        created_at=created,
    )  # fmt: skip
    cycles = []
    month = date(2021, 12, 1)
    while month <= date(2027, 1, 1):
        nxt = (month + timedelta(days=32)).replace(day=1)
        end = nxt - timedelta(days=1)
        cycles.append(
            ReviewCycle(
                cadence=cadence,
                period_start=month,
                period_end=end,
                report_due_on=end + timedelta(days=7),
                opened_at=created,
            )  # fmt: skip
        )
        month = nxt
    cycles = ReviewCycle.objects.bulk_create(cycles)
    return {
        "city": city,
        "unit_ids": unit_ids,
        "tasks": [t.pk for t in tasks],
        "pairs": np.array(pairs),
        "cycles": {c.period_start: c for c in cycles},
    }


def generate(args, w) -> dict:
    """Every row of the five years, as column arrays; the loads pick a time range of them."""
    import numpy as np

    from qinqing.appeals import rules
    from qinqing.core.workdays import get_calendar

    rng = np.random.default_rng(SEED)
    cal = get_calendar()
    n = args.per_year * 5
    now64 = np.datetime64(NOW.replace(tzinfo=None), "m")
    span = 5 * 365 * 24 * 60
    received = np.sort(now64 - rng.integers(60, span, n).astype("timedelta64[m]"))
    ids = _month_ids(_yyyymm(received))
    is_open = received >= now64 - np.timedelta64(20 * 24 * 60, "m")
    types = rng.choice(np.array(TYPES), n, p=TYPE_P)
    limits = np.vectorize(REPLY_LIMIT.get)(types).astype(np.int64)
    unit_of = rng.choice(w["unit_ids"], n)
    dispatched = received + rng.integers(5, 240, n).astype("timedelta64[m]")
    # the working-day calendar holds 2022 onwards: older rows take 2022's first days' clock
    floor = np.datetime64("2022-01-04T09:00", "m")
    start_on = rules.deemed_start_days_array(np.maximum(dispatched, floor), calendar=cal)
    close = np.timedelta64(17 * 60 + 30, "m")
    sign_due = cal.add_workdays_array(start_on, 1).astype("datetime64[m]") + close
    reply_due = cal.add_workdays_array(start_on, limits).astype("datetime64[m]") + close
    t_draw = rng.random(n)
    ticket_state = np.where(is_open, "acknowledged", "closed").astype(object)
    ticket_state[is_open & (t_draw < 0.10)] = "dispatched"
    acknowledged = dispatched + rng.integers(10, 600, n).astype("timedelta64[m]")
    ack_null = ticket_state == "dispatched"
    replied = dispatched + rng.integers(1, 12 * 24 * 60, n).astype("timedelta64[m]")
    closed = replied + np.timedelta64(2 * 24 * 60, "m")
    nat = np.datetime64("NaT", "m")
    extra = rng.random(n) < 0.05
    return {
        "received": received, "ids": ids, "is_open": is_open, "types": types, "limits": limits,
        "unit_of": unit_of, "dispatched": dispatched, "start_on": start_on,
        "sign_due": sign_due, "reply_due": reply_due, "ticket_state": ticket_state,
        "acknowledged": acknowledged, "ack_null": ack_null, "replied": replied,
        "closed": closed, "nat": nat, "extra": extra,
    }  # fmt: skip


def load(w, g, lo, hi, counters) -> dict:
    """COPY the rows received in [lo, hi) (datetime64[m]) and the report slots of the months
    in that range; returns row counts."""
    import numpy as np

    from qinqing.appeals.models import Appeal, AppealEvent, Callback, Ticket
    from qinqing.supervision.models import ProgressReport, ReportVersion

    sel = np.flatnonzero((g["received"] >= lo) & (g["received"] < hi))
    n = len(sel)
    ids = g["ids"][sel]
    is_open = g["is_open"][sel]
    nat = g["nat"]
    titles = np.array([f"基准诉求{t}" for t in range(50)], dtype=object)
    state = np.where(is_open, "dispatched", "closed").astype(object)
    copy_rows(
        Appeal,
        n,
        {
            "id": ids,
            "locality_id": w["city"].pk,
            "enterprise_uscc": np.char.add("91110000", (ids % 50_000).astype(str)).astype(object),
            "enterprise_name": "基准企业",
            "contact_name": "联系人",
            "contact_phone": "13800000000",
            "appeal_type": g["types"][sel],
            "title": titles[ids % 50],
            "content": titles[ids % 50],
            "channel": np.where(ids % 4 == 0, "api", "hotline"),
            "state": state,
            "received_at": _stamp(g["received"][sel]),
            "dispatched_at": _stamp(g["dispatched"][sel]),
            "replied_at": _stamp(np.where(is_open, nat, g["replied"][sel])),
            "closed_at": _stamp(np.where(is_open, nat, g["closed"][sel])),
        },
    )
    rows = np.concatenate([sel, sel[g["extra"][sel]]])
    m = len(rows)
    primary = len(sel)
    t_ids = counters["ticket"] + np.arange(1, m + 1)
    counters["ticket"] += m
    t_open = g["is_open"][rows]
    t_state = g["ticket_state"][rows]
    ack_null = g["ack_null"][rows]
    t_units = g["unit_of"][rows].copy()
    t_units[primary:] = np.roll(t_units[primary:], 1)
    replied_null = t_open
    copy_rows(
        Ticket,
        m,
        {
            "id": t_ids,
            "appeal_id": g["ids"][rows],
            "unit_id": t_units,
            "role": np.array(["primary"] * primary + ["assisting"] * (m - primary), dtype=object),
            "state": t_state,
            "dispatched_at": _stamp(g["dispatched"][rows]),
            "acknowledged_at": _stamp(np.where(ack_null, nat, g["acknowledged"][rows])),
            "replied_at": _stamp(np.where(replied_null, nat, g["replied"][rows])),
            "closed_at": _stamp(np.where(t_open, nat, g["closed"][rows])),
            "start_on": np.datetime_as_string(g["start_on"][rows]).astype(object),
            "sign_limit": 1,
            "sign_unit": "workdays",
            "reply_limit": g["limits"][rows],
            "reply_unit": "workdays",
            "sign_due_at": _stamp(g["sign_due"][rows]),
            "reply_due_at": _stamp(g["reply_due"][rows]),
            "signed_on_time": np.where(ack_null, None, True).astype(object),
            "replied_on_time": np.where(replied_null, None, True).astype(object),
        },
    )
    # three events per appeal: received, dispatched (with its primary ticket), closed/signed
    p_ticket = t_ids[:primary]
    e_n = 3 * n
    e_ids = counters["event"] + np.arange(1, e_n + 1)
    counters["event"] += e_n
    last_kind = np.where(is_open, "acknowledged", "closed")
    last_at = np.where(is_open, g["acknowledged"][sel], g["closed"][sel])
    copy_rows(
        AppealEvent,
        e_n,
        {
            "id": e_ids,
            "appeal_id": np.repeat(ids, 3),
            "ticket_id": np.stack([np.full(n, None, dtype=object), p_ticket, p_ticket], 1).ravel(),
            "kind": np.stack(
                [
                    np.full(n, "received", dtype=object),
                    np.full(n, "dispatched", dtype=object),
                    last_kind.astype(object),
                ],
                1,
            ).ravel(),  # fmt: skip
            "at": _stamp(np.stack([g["received"][sel], g["dispatched"][sel], last_at], 1).ravel()),
            "actor_label": "基准",
            "data": "{}",
        },
    )
    closed = np.flatnonzero(~is_open)
    k = len(closed)
    copy_rows(
        Callback,
        k,
        {
            "id": counters["callback"] + np.arange(1, k + 1),
            "appeal_id": ids[closed],
            "ticket_id": p_ticket[closed],
            "unit_id": g["unit_of"][sel][closed],
            "called_at": _stamp(g["closed"][sel][closed] - np.timedelta64(24 * 60, "m")),
            "resolved": (ids[closed] % 9) != 0,
            "satisfaction": np.where(ids[closed] % 10 == 0, "partly", "satisfied"),
            "round": 1,
        },
    )
    counters["callback"] += k

    # report slots of the months whose period starts in [lo, hi)
    from qinqing.core.db.partitions import Month, month_base

    pairs = w["pairs"]
    lo_day = lo.astype("datetime64[D]").astype(object)
    hi_day = hi.astype("datetime64[D]").astype(object)
    r_rows, v_rows = 0, 0
    today = NOW.date()
    r_cols = {k: [] for k in ("id", "task_id", "unit_id", "cycle_id", "period_end",
                              "report_due_on", "state", "stage", "narrative", "version",
                              "submitted_at", "first_submitted_at", "first_submitted_on")}  # fmt: skip
    for start, cycle in sorted(w["cycles"].items()):
        if not (lo_day <= start < hi_day) or start > today:
            continue
        p = len(pairs)
        filed = np.zeros(p, dtype=bool) if cycle.report_due_on >= today else (
            (np.arange(p) * 7 + start.month) % 10 != 0
        )  # fmt: skip
        at = datetime.combine(cycle.report_due_on - timedelta(days=2), datetime.min.time())
        stamp = at.replace(hour=10).isoformat() + "+08:00"
        r_cols["id"].append(month_base(Month(start.year, start.month)) + np.arange(1, p + 1))
        r_cols["task_id"].append(pairs[:, 0])
        r_cols["unit_id"].append(pairs[:, 1])
        r_cols["cycle_id"].append(np.full(p, cycle.pk))
        r_cols["period_end"].append(np.full(p, cycle.period_end.isoformat(), dtype=object))
        r_cols["report_due_on"].append(np.full(p, cycle.report_due_on.isoformat(), dtype=object))
        r_cols["state"].append(np.where(filed, "accepted", "pending").astype(object))
        r_cols["stage"].append(np.where(filed, "in_progress", "").astype(object))
        r_cols["narrative"].append(np.where(filed, "本期按计划推进", "").astype(object))
        r_cols["version"].append(filed.astype(int))
        for col in ("submitted_at", "first_submitted_at"):
            r_cols[col].append(np.where(filed, stamp, None).astype(object))
        r_cols["first_submitted_on"].append(
            np.where(filed, at.date().isoformat(), None).astype(object)
        )
    if r_cols["id"]:
        cols = {c: np.concatenate(v) for c, v in r_cols.items()}
        r_rows = len(cols["id"])
        copy_rows(ProgressReport, r_rows, cols)
        filed = cols["version"] == 1
        v_rows = int(filed.sum())
        copy_rows(
            ReportVersion,
            v_rows,
            {
                "id": counters["version"] + np.arange(1, v_rows + 1),
                "report_id": cols["id"][filed],
                "number": 1,
                "stage": "in_progress",
                "narrative": "本期按计划推进",
                "submitted_at": cols["submitted_at"][filed],
                "decision": "accepted",
            },
        )
        counters["version"] += v_rows
    return {"appeals": n, "tickets": m, "events": e_n, "callbacks": k, "reports": r_rows,
            "versions": v_rows}  # fmt: skip


def standing_reports() -> None:
    """The latest filed slot of each task and unit is the standing one (is_current)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {REPORTS} SET is_current = false WHERE is_current")
        cursor.execute(
            f"""UPDATE {REPORTS} r SET is_current = true FROM (
                   SELECT DISTINCT ON (task_id, unit_id) id FROM {REPORTS}
                    WHERE state = 'accepted' ORDER BY task_id, unit_id, period_end DESC) b
                 WHERE r.id = b.id"""
        )


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# ---------------------------------------------------------------------------------------------
# Layouts


def to_plain() -> float:
    from django.db import connection, transaction

    from qinqing.core.db import partitions as p

    t0 = time.perf_counter()
    with transaction.atomic():
        p.revert(connection, REPORTS, unique_by_trigger=UNIQUE_BY_TRIGGER[REPORTS])
        with connection.cursor() as cursor:
            cursor.execute(
                f"ALTER TABLE {REPORTS} ADD CONSTRAINT report_unique_slot"
                " UNIQUE USING INDEX report_unique_slot"
            )
        p.revert(connection, EVENTS)
        p.revert(connection, APPEALS, unique_by_trigger=UNIQUE_BY_TRIGGER[APPEALS])
    return time.perf_counter() - t0


def to_partitioned() -> float:
    from django.db import connection, transaction

    from qinqing.core.db import partitions as p

    t0 = time.perf_counter()
    with transaction.atomic():
        p.convert(connection, APPEALS, time_column="received_at", now=NOW,
                  unique_by_trigger=UNIQUE_BY_TRIGGER[APPEALS])  # fmt: skip
        p.convert(connection, EVENTS, column="appeal_id", bounds_from=APPEALS, now=NOW)
        p.convert(connection, REPORTS, time_column="period_end", now=NOW,
                  unique_by_trigger=UNIQUE_BY_TRIGGER[REPORTS])  # fmt: skip
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------
# Measurements


def rolled_back(fn, repeat: int = 2) -> tuple[float, object]:
    from django.db import transaction

    def once():
        with transaction.atomic():
            result = fn()
            transaction.set_rollback(True)
        return result

    return best(once, repeat)


def measure(w, oldest: date) -> dict:
    from qinqing.appeals import figures
    from qinqing.appeals.choices import OPEN_TICKET_STATES
    from qinqing.appeals.models import Appeal, Ticket
    from qinqing.appeals.tasks import sweep_tickets
    from qinqing.core.workdays import get_calendar
    from qinqing.supervision.models import ProgressReport
    from qinqing.supervision.rules import ReportState
    from qinqing.supervision.service import insert_slots

    city = w["city"]
    unit = int(w["unit_ids"][7])
    cal = get_calendar()
    out: dict[str, float] = {}

    def appeal_list():
        qs = Appeal.objects.filter(locality__path__startswith=city.path)
        page = list(qs.select_related("locality").order_by("-received_at", "-pk")[:30])
        return qs.count(), page

    out["list"], (count, _page) = best(appeal_list, 5)

    def tickets():
        rows = Ticket.objects.filter(unit_id=unit, state__in=OPEN_TICKET_STATES)
        return list(rows.select_related("appeal").order_by("dispatched_at")[:300])

    out["tickets"], _ = best(tickets, 5)

    def tickets_by_id():
        rows = Ticket.objects.filter(unit_id=unit, state__in=OPEN_TICKET_STATES)
        return list(rows.prefetch_related("appeal").order_by("dispatched_at")[:300])

    out["tickets_by_id"], _ = best(tickets_by_id, 5)

    recent = Appeal.objects.order_by("-pk").values_list("pk", flat=True)[500]
    old = Appeal.objects.filter(received_at__date__gte=oldest).order_by("pk")
    old_pk = old.values_list("pk", flat=True)[500]

    def detail(pk):
        def run():
            appeal = Appeal.objects.select_related("locality").get(pk=pk)
            events = list(appeal.events.select_related("ticket__unit").order_by("at", "pk"))
            tix = list(appeal.tickets.select_related("unit").order_by("dispatched_at", "pk"))
            calls = list(appeal.callbacks.all())
            files = list(appeal.attachments.all())
            return len(events) + len(tix) + len(calls) + len(files)

        return run

    out["detail_recent"], _ = best(detail(recent), 5)
    out["detail_old"], _ = best(detail(old_pk), 5)
    out["sweep"], _ = rolled_back(lambda: sweep_tickets(NOW, calendar=cal))
    out["figures"], _ = best(
        lambda: figures.unit_counts(
            date(2026, 11, 1), date(2026, 11, 30), area_path=city.path, as_of=NOW,
            use_rollup=False,
        ),
        3,
    )  # fmt: skip
    task = w["tasks"][11]
    out["task_reports"], _ = best(
        lambda: list(
            ProgressReport.objects.filter(task_id=task)
            .select_related("task", "unit", "cycle", "cycle__cadence")
            .order_by("-period_end", "unit__name")[:200]
        ),
        5,
    )

    def my_tasks():
        reports = (
            ProgressReport.objects.filter(unit_id=unit, cycle__period_start__lte=NOW.date())
            .select_related("task", "cycle", "cycle__cadence")
            .order_by("-period_end", "report_due_on", "task__order", "task_id")
        )
        open_states = (ReportState.PENDING, ReportState.RETURNED)
        return list(reports.filter(state__in=open_states)), list(
            reports.exclude(state__in=open_states)[:100]
        )

    out["my_tasks"], _ = best(my_tasks, 5)
    january = w["cycles"][date(2027, 1, 1)]
    out["slots"], made = rolled_back(lambda: insert_slots(january, w["tasks"]))
    out["slots_made"] = float(made)  # type: ignore[arg-type]
    out["count"] = float(count)
    return out


def archive_plain(before_id: int) -> float:
    """The plain tables' way to take the oldest year out: DELETE (rolled back)."""
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {EVENTS} WHERE appeal_id < %s", [before_id])

    return rolled_back(run, 1)[0]


def archive_partitioned(before: str) -> dict:
    """``qinqing partitions detach`` of the oldest year, every time rolled back."""
    import contextlib
    import io

    from qinqing.cli.main import main

    out: dict = {}
    for key, extra in (
        ("detach_all", []),
        ("detach_events", ["--table", EVENTS]),
        ("detach_reports", ["--table", REPORTS]),
    ):
        err = io.StringIO()

        def run(extra=extra, err=err):
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
                return main(["partitions", "detach", "--before", before, *extra, "--yes"])

        seconds, code = rolled_back(run, 1)
        message = err.getvalue().strip().splitlines()
        out[key] = (seconds, code, message[-1] if message else "")
    return out


# ---------------------------------------------------------------------------------------------
# Report

LABELS = [
    ("list", "诉求总览 first page + count (营商办, 30 rows, `ORDER BY received_at DESC`)"),
    ("tickets", "本单位工单: a unit's open tickets (first 300, with their appeals)"),
    (
        "tickets_by_id",
        "本单位工单, the appeals fetched by id (`prefetch_related`, not today's view code)",
    ),
    ("detail_recent", "appeal detail (appeal, events, tickets, callbacks), this month's"),
    ("detail_old", "appeal detail, one of the oldest month"),
    ("sweep", "SLA sweep `sweep_tickets` (open tickets of the last 20 days; rolled back)"),
    ("figures", "三率 of November per unit, live (`figures.unit_counts`)"),
    ("task_reports", "任务详情: a task's progress reports (up to 200)"),
    ("my_tasks", "我的任务: a unit's open slots + last 100 filed"),
    ("slots", "month turn: open January's slots (`insert_slots`, rolled back)"),
]


def _ms(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 10 else f"{s:.1f} s"


def report(args, runs: list[dict], load_before: str, started: str) -> list[str]:
    lines = [
        "## Monthly partitions at one and five years (`bench/partitions.py`)",
        "",
        f"{machine_line()} (before the run: {load_before}; the machine is shared by several"
        " engineers working in parallel, so wall-clock figures are pessimistic). Run started"
        f" {started} UTC.",
        "",
        f"Command: `flock /tmp/qq-bench.lock .venv/bin/python bench/partitions.py --per-year"
        f" {args.per_year} --tasks {args.tasks}`. Data (fixed seed, COPY): one city, 72 handling"
        f" units; {args.per_year:,} appeals a year with month-aligned ids, each with one ticket"
        " (5 % a second one), three events and, once closed, a callback; the last 20 days' are"
        f" open. Progress reports: one monthly cadence over {args.tasks:,} tasks × 3 reporting"
        f" units = {args.tasks * 3:,} slots a month, 90 % of those past their due date filed"
        " (one version each). Audit events are not generated (their partitions are covered by `bench/audit.py` and"
        " their archive is `qinqing audit archive`). The baseline is the same data in plain"
        " tables, measured in the same run before `convert`. Best of 5 runs (sweep and month"
        " turn: best of 2, each rolled back; figures: best of 3).",
        "",
    ]
    for r in runs:
        c = r["counts"]
        lines += [
            f"### {r['years']} year{'s' if r['years'] > 1 else ''}: {c['appeals']:,} appeals,"
            f" {c['tickets']:,} tickets, {c['events']:,} events, {c['callbacks']:,} callbacks,"
            f" {c['reports']:,} progress reports, {c['versions']:,} versions",
            "",
            f"Load (COPY) {r['load_s']:.0f} s · `convert` of the three tables (the migrations'"
            f" work on a populated database) {r['convert_s']:.1f} s"
            + (
                f" · `revert` before loading more {r['revert_s']:.1f} s"
                if r.get("revert_s")
                else ""
            )
            + f" · partitions per table: {r['partitions']} · {r['load_after']}",
            "",
            "| query | plain tables (baseline) | partitioned | ratio |",
            "|---|---:|---:|---:|",
        ]
        for key, label in LABELS:
            a, b = r["plain"][key], r["part"][key]
            lines.append(f"| {label} | {_ms(a)} | {_ms(b)} | ×{b / a:.2f} |")
        lines.append("")
        if "archive" in r:
            arc = r["archive"]
            lines += [
                f"Archive of the oldest year (before {r['before']}), each rolled back:",
                "",
                f"- baseline, plain tables: `DELETE` of that year's appeal events"
                f" {_ms(r['delete_s'])} (and a VACUUM afterwards, not timed);",
            ]
            for key, what in (
                ("detach_events", "the appeal events' partitions"),
                ("detach_reports", "the progress reports' partitions"),
                ("detach_all", "every table (appeals, events, progress reports)"),
            ):
                seconds, code, message = arc[key]
                outcome = "detached" if code == 0 else f"refused: {message}"
                lines.append(f"- `qinqing partitions detach --before {r['before']}` of {what}:"
                             f" {_ms(seconds)}, {outcome}")  # fmt: skip
            lines.append("")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-year", type=int, default=200_000)
    parser.add_argument("--tasks", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-write", action="store_true", help="print, do not write the doc")
    args = parser.parse_args()
    load_before = load_note()
    started = datetime.utcnow().strftime("%Y-%m-%d %H:%M")
    runs = []
    with throwaway_database(DB, keep=args.keep):
        setup_django(DB, VAR)
        import numpy as np

        from qinqing.core.db import partitions as p

        to_plain()
        t0 = time.perf_counter()
        w = world(args)
        g = generate(args, w)
        print(f"world and columns in {time.perf_counter() - t0:.1f}s", flush=True)
        now64 = np.datetime64(NOW.replace(tzinfo=None), "m")
        year = np.timedelta64(365 * 24 * 60, "m")
        counters = {"ticket": 0, "event": 0, "callback": 0, "version": 0}
        totals: dict[str, int] = {}
        for years, lo, hi in ((1, now64 - year, now64), (5, now64 - 5 * year, now64 - year)):
            from django.db import connection

            run: dict = {"years": years}
            if years > 1:
                run["revert_s"] = to_plain()
                print(f"revert {run['revert_s']:.1f}s", flush=True)
            t1 = time.perf_counter()
            counts = load(w, g, lo, hi, counters)
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
            run["counts"] = dict(totals)
            standing_reports()
            analyze()
            run["load_s"] = time.perf_counter() - t1
            print(f"{years}y loaded {totals} in {run['load_s']:.0f}s", flush=True)
            oldest = (now64 - years * year).astype("datetime64[D]").astype(object)
            oldest_month = p.Month(oldest.year, oldest.month)
            before = oldest_month.plus(12)
            run["plain"] = measure(w, oldest)
            print("plain", run["plain"], flush=True)
            if years > 1:
                run["delete_s"] = archive_plain(p.month_base(before))
            run["convert_s"] = to_partitioned()
            analyze()
            run["partitions"] = len(p.partitions(connection, APPEALS))
            print(f"convert {run['convert_s']:.1f}s", flush=True)
            run["part"] = measure(w, oldest)
            print("partitioned", run["part"], flush=True)
            if years > 1:
                run["before"] = str(before)
                run["archive"] = archive_partitioned(str(before))
                print("archive", run["archive"], flush=True)
            run["load_after"] = load_note()
            runs.append(run)
    lines = report(args, runs, load_before, started)
    if args.no_write:
        print("\n".join(lines))
    else:
        print(write_doc("partitions", lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
