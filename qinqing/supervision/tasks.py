"""Scheduled jobs: the status sweep (到期、逾期提醒) and the bulletin (通报).

Both take ``now``, run in one transaction each, and can be rerun any number of times: a
run killed halfway leaves nothing behind, and a rerun creates what the first would have —
never a second copy (unique keys on cycles, report slots and reminders).

Sending is separate from finding: :func:`sweep` stores the reminders owed; after it commits
:func:`dispatch_reminders` claims each unit's unsent reminders (``dispatched_at``) and hands
one message per unit to the core notification centre, so a reminder is never sent twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.jobs import report_problem, resolve_problem
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import get_calendar
from qinqing.plans import queries as plan_queries
from qinqing.supervision import notify, rules, service
from qinqing.supervision.models import (
    ProgressReport,
    Reminder,
    ReviewCadence,
    ReviewCycle,
    SweepRun,
)
from qinqing.supervision.queries import due_soon_workdays, load_facts, status_details
from qinqing.supervision.rules import ReminderKind, ReportState, TaskStatus

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    today: str
    cycles_created: int = 0
    slots_opened: int = 0
    reminders_created: int = 0
    counts: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    emails: int = 0
    sms: int = 0


def _checkpoint(stage: str) -> None:
    """A named point inside the sweep's transaction (tests raise here to kill a run)."""


@transaction.atomic
def find_reminders(now: datetime, *, window_workdays: int | None = None) -> SweepResult:
    """The transactional part of the sweep: cycles, report slots, statuses, reminders."""
    calendar = get_calendar()
    today = timezone.localdate(now)
    window = due_soon_workdays() if window_workdays is None else window_workdays
    result = SweepResult(today=today.isoformat())
    ledger = plan_queries.ledger_tasks()

    # 1. every area with ledger tasks has a default cadence; every cadence its cycles
    areas = set(ledger.order_by().values_list("area_id", flat=True).distinct())
    have_default = set(
        ReviewCadence.objects.filter(plan=None, active=True).values_list("area_id", flat=True)
    )
    for area in Unit.objects.filter(pk__in=areas - have_default):
        service.ensure_default_cadence(area, now=now)
    result.cycles_created = service.ensure_all_cycles(
        today, calendar=calendar, problems=result.problems
    )
    _checkpoint("cycles")

    # 2. the cycles collecting reports today get their missing slots
    result.slots_opened = service.open_collecting_cycles(today, now=now)
    _checkpoint("slots")

    # 3. statuses of the whole ledger, and the reminders owed
    facts = load_facts(ledger)
    details = status_details(ledger, today, calendar=calendar, window_workdays=window, facts=facts)
    result.counts = {
        str(s): sum(1 for d in details.values() if d.status == s) for s in rules.STATUS_ORDER
    }
    task_rows = [
        rules.TaskRow(pk, d.status, d.due_on, d.units)
        for pk, d in details.items()
        if d.status == TaskStatus.OVERDUE or d.due_soon
    ]
    # open report slots: cycles now collecting, and each cadence's latest cycle past due
    latest_past: dict[int, tuple] = {}
    for cadence_id, cycle_id, due in ReviewCycle.objects.filter(
        cadence__active=True, report_due_on__lt=today
    ).values_list("cadence_id", "pk", "report_due_on"):
        if cadence_id not in latest_past or due > latest_past[cadence_id][1]:
            latest_past[cadence_id] = (cycle_id, due)
    cycle_ids = set(service.collecting_cycles(today).values_list("pk", flat=True))
    cycle_ids |= {cycle_id for cycle_id, _ in latest_past.values()}
    open_reports = [
        rules.OpenReport(task_id, unit_id, cycle_id, due)
        for task_id, unit_id, cycle_id, due in ProgressReport.objects.filter(
            cycle_id__in=cycle_ids,
            state__in=[ReportState.PENDING, ReportState.RETURNED],
            task__in=ledger.values("pk"),
        )
        .order_by()
        .values_list("task_id", "unit_id", "cycle_id", "report_due_on")
    ]
    keys = rules.plan_reminders(
        task_rows, open_reports, today=today, window_workdays=window, calendar=calendar
    )
    _checkpoint("reminders")
    existing = set(
        Reminder.objects.filter(key__in={k.key for k in keys})
        .order_by()
        .values_list("task_id", "unit_id", "kind", "key")
    )
    new = [k for k in keys if (k.task_id, k.unit_id, k.kind, k.key) not in existing]
    result.reminders_created = insert_reminders(new, now)
    _checkpoint("stored")

    if result.cycles_created or result.slots_opened or result.reminders_created:
        SweepRun.objects.create(
            now=now,
            finished_at=now,
            cycles_created=result.cycles_created,
            slots_opened=result.slots_opened,
            reminders_created=result.reminders_created,
            counts=result.counts,
        )
        audit.record(
            service.SYSTEM_SWEEP,
            "supervision.swept",
            ("supervision.sweep", today.isoformat(), f"调度巡检 {today}"),
            after={
                "cycles_created": result.cycles_created,
                "slots_opened": result.slots_opened,
                "reminders_created": result.reminders_created,
            },
            now=now,
        )
    return result


_REMINDERS_SQL = (
    "INSERT INTO {table} (task_id, unit_id, kind, {key}, cycle_id, created_at, emails, sms, error)"
    " VALUES (%s, %s, %s, %s, %s, %s, 0, 0, '') ON CONFLICT (task_id, unit_id, kind, {key}) DO NOTHING"
)


def insert_reminders(keys: list[rules.ReminderKey], now: datetime) -> int:
    """Store reminders under their unique key (one prepared statement, many rows); a key
    stored already (by a concurrent run) is skipped by the database. Returns the rows
    offered."""
    if not keys:
        return 0
    ops = connection.ops
    created_at = ops.adapt_datetimefield_value(now)
    # identifiers come from model metadata, values are parameters
    sql = _REMINDERS_SQL.format(  # noqa: S608
        table=ops.quote_name(Reminder._meta.db_table), key=ops.quote_name("key")
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [(k.task_id, k.unit_id, k.kind, k.key, k.cycle_id, created_at) for k in keys]
        )
    return len(keys)


KIND_ORDER = [
    ReminderKind.TASK_OVERDUE,
    ReminderKind.REPORT_OVERDUE,
    ReminderKind.TASK_DUE_SOON,
    ReminderKind.REPORT_DUE_SOON,
]


def _reminder_text(unit_name: str, reminders: list[Reminder]) -> tuple[str, str, str]:
    by_kind: dict[str, list[Reminder]] = defaultdict(list)
    for r in reminders:
        by_kind[r.kind].append(r)
    lines = [f"{unit_name}：", "", "亲清平台调度巡检发现你单位有以下事项需要办理："]
    for kind in KIND_ORDER:
        items = by_kind.get(kind)
        if not items:
            continue
        lines.append("")
        lines.append(f"【{ReminderKind(kind).label}】{len(items)} 项")
        for r in items[:50]:
            due = r.task.due_on or ""
            if r.cycle is not None:
                lines.append(
                    f"  · {r.task}（{r.cycle.label}进度，报送截止 {r.cycle.report_due_on}）"
                )
            else:
                lines.append(f"  · {r.task}（完成时限 {due}）")
        if len(items) > 50:
            lines.append(f"  · 另有 {len(items) - 50} 项，请登录平台查看。")
    lines += ["", "请登录亲清平台“本单位调度任务”办理。"]
    counts = "，".join(
        f"{ReminderKind(k).label}{len(by_kind[k])}项" for k in KIND_ORDER if by_kind.get(k)
    )
    subject = f"【调度提醒】{unit_name}：{counts}"
    sms = f"【亲清】{unit_name}：{counts}，请登录平台办理。"
    return subject, "\n".join(lines), sms


def _chunks(ids: list[int], size: int = 2000):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def dispatch_reminders(now: datetime) -> notify.Delivery:
    """Send every stored, unsent reminder: one message per unit, each reminder once.

    All unsent reminders are claimed (``dispatched_at`` set, rows locked, others' claims
    skipped) and committed; then each unit's batch goes to the notification centre, which
    stores one message per member (keyed by the batch, so it is never stored twice) and
    sends it by the channels each member chose. A failing mail server does not release
    the claim: the centre records the failed delivery and its job retries it.
    """
    total = notify.Delivery()
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(dispatched_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for chunk in _chunks(ids):
            Reminder.objects.filter(pk__in=chunk).update(dispatched_at=now)
    if not ids:
        return total
    by_unit: dict[int, list[Reminder]] = defaultdict(list)
    for chunk in _chunks(ids):
        for r in (
            Reminder.objects.filter(pk__in=chunk)
            .select_related("task", "cycle")
            .order_by("unit_id", "kind", "task_id")
        ):
            by_unit[r.unit_id].append(r)
    names = dict(Unit.objects.filter(pk__in=list(by_unit)).values_list("pk", "name"))
    for unit_id, reminders in by_unit.items():
        subject, body, sms_text = _reminder_text(names.get(unit_id, ""), reminders)
        unit_ids = [r.pk for r in reminders]
        try:
            with transaction.atomic():
                queued = notify.unit_reminders(
                    unit_id, unit_ids, subject=subject, body=body, sms_text=sms_text, now=now
                )
                for chunk in _chunks(unit_ids):
                    Reminder.objects.filter(pk__in=chunk).update(
                        emails=queued.emails, sms=queued.sms, error=""
                    )
        except Exception as exc:  # the database refused: release the claim for the next run
            log.warning("storing reminders for unit %s failed: %s", unit_id, exc)
            for chunk in _chunks(unit_ids):
                Reminder.objects.filter(pk__in=chunk).update(
                    dispatched_at=None, error=f"{type(exc).__name__}: {exc}"[:500]
                )
            continue
        total.emails += queued.emails
        total.sms += queued.sms
    return total


def sweep(now: datetime, *, window_workdays: int | None = None, send: bool = True) -> SweepResult:
    """调度巡检: find what is due soon or overdue, store the reminders, then send them."""
    result = find_reminders(now, window_workdays=window_workdays)
    report_cycle_problems(result.problems, now)
    if send:
        delivered = dispatch_reminders(now)
        result.emails, result.sms = delivered.emails, delivered.sms
    return result


CYCLE_PROBLEM_KEY = "supervision.cycles_not_opened"


def report_cycle_problems(problems: list[str], now: datetime) -> None:
    """A review cycle that could not open stays on the office's pages until a sweep opens it."""

    if not problems:
        resolve_problem(CYCLE_PROBLEM_KEY, now=now)
        return
    shown = "；".join(problems[:3]) + (f"；等 {len(problems)} 项" if len(problems) > 3 else "")
    report_problem(
        CYCLE_PROBLEM_KEY,
        f"调度周期未能开放：{shown}。请检查调度机制设置或工作日历。",
        reverse("supervision:cadences"),
        now=now,
    )


def sweep_job(now: datetime) -> dict[str, int]:
    """调度巡检 as a job (declared in qinqing/supervision/manifest.py)."""
    result = sweep(now)
    return {
        "cycles_created": result.cycles_created,
        "slots_opened": result.slots_opened,
        "reminders_created": result.reminders_created,
        "emails": result.emails,
        "sms": result.sms,
        "cycles_not_opened": len(result.problems),
    }
