"""Scheduled jobs: the status sweep (到期、逾期提醒) and the bulletin (通报).

Both take ``now``, run in one transaction each, and can be rerun any number of times: a
run killed halfway leaves nothing behind, and a rerun creates what the first would have —
never a second copy (unique keys on cycles, report slots and reminders).

Sending is separate from finding: :func:`sweep` stores the reminders owed; after it commits
:func:`dispatch_reminders` claims each unit's unsent reminders (``dispatched_at``) before
sending one e-mail (and SMS) per unit, so a reminder is never sent twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from qinqing.core import audit
from qinqing.supervision import notify, rules, service
from qinqing.supervision.models import (
    ProgressReport,
    Reminder,
    ReviewCadence,
    ReviewCycle,
    SweepRun,
)
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
    from qinqing.core.workdays import get_calendar
    from qinqing.plans.models import Task
    from qinqing.supervision.queries import due_soon_workdays, status_details

    calendar = get_calendar()
    today = timezone.localdate(now)
    window = due_soon_workdays() if window_workdays is None else window_workdays
    result = SweepResult(today=today.isoformat())

    # 1. every area with ledger tasks has a default cadence; every cadence its cycles
    areas = set(Task.objects.in_ledger().order_by().values_list("area_id", flat=True).distinct())
    have_default = set(
        ReviewCadence.objects.filter(plan=None, active=True).values_list("area_id", flat=True)
    )
    from qinqing.core.orgs.models import Unit

    for area in Unit.objects.filter(pk__in=areas - have_default):
        service.ensure_default_cadence(area, now=now)
    for cadence in ReviewCadence.objects.filter(active=True):
        result.cycles_created += len(
            service.ensure_cycles(cadence, today, calendar=calendar, problems=result.problems)
        )
    _checkpoint("cycles")

    # 2. open the cycles collecting reports today (new tasks get their slots)
    for cycle in service.collecting_cycles(today):
        result.slots_opened += service.open_cycle(cycle, now=now)
    _checkpoint("slots")

    # 3. statuses of the whole ledger, and the reminders owed
    ledger = Task.objects.in_ledger()
    details = status_details(ledger, today, calendar=calendar, window_workdays=window)
    result.counts = {
        str(s): sum(1 for d in details.values() if d.status == s) for s in rules.STATUS_ORDER
    }
    task_rows = [
        rules.TaskRow(pk, d.status, d.due_on, d.units)
        for pk, d in details.items()
        if d.status == TaskStatus.OVERDUE or d.due_soon
    ]
    # open report slots: cycles now collecting, and each cadence's latest cycle past due
    last_due = (
        ReviewCycle.objects.filter(cadence__active=True, report_due_on__lt=today)
        .values("cadence_id")
        .annotate(m=Max("report_due_on"))
    )
    cycle_ids = set(service.collecting_cycles(today).values_list("pk", flat=True))
    for row in last_due:
        cycle_ids |= set(
            ReviewCycle.objects.filter(
                cadence_id=row["cadence_id"], report_due_on=row["m"]
            ).values_list("pk", flat=True)
        )
    open_reports = [
        rules.OpenReport(task_id, unit_id, cycle_id, due)
        for task_id, unit_id, cycle_id, due in ProgressReport.objects.filter(
            cycle_id__in=cycle_ids,
            state__in=[ReportState.PENDING, ReportState.RETURNED],
            task__in=ledger.values("pk"),
        ).values_list("task_id", "unit_id", "cycle_id", "report_due_on")
    ]
    keys = rules.plan_reminders(
        task_rows, open_reports, today=today, window_workdays=window, calendar=calendar
    )
    _checkpoint("reminders")
    existing = set(
        Reminder.objects.filter(task_id__in={k.task_id for k in keys}).values_list(
            "task_id", "unit_id", "kind", "key"
        )
    )
    new = [
        Reminder(
            task_id=k.task_id,
            unit_id=k.unit_id,
            kind=k.kind,
            key=k.key,
            cycle_id=k.cycle_id,
            created_at=now,
        )
        for k in keys
        if (k.task_id, k.unit_id, k.kind, k.key) not in existing
    ]
    Reminder.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    result.reminders_created = len(new)
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
            if r.cycle_id:
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


def dispatch_reminders(now: datetime) -> notify.Delivery:
    """Send every stored, unsent reminder: one e-mail and SMS per unit, each reminder once.

    A unit's reminders are claimed (``dispatched_at`` set) in one statement before sending;
    if sending fails they are released with the error, to be retried by the next run.
    """
    total = notify.Delivery()
    unit_ids = list(
        Reminder.objects.filter(dispatched_at__isnull=True)
        .order_by("unit_id")
        .values_list("unit_id", flat=True)
        .distinct()
    )
    if not unit_ids:
        return total
    recipients = notify.unit_recipients(unit_ids)
    from qinqing.core.orgs.models import Unit

    names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    connection = notify.open_connection()
    sms = notify.get_sms_sender()
    for unit_id in unit_ids:
        with transaction.atomic():
            ids = list(
                Reminder.objects.select_for_update(of=("self",))
                .filter(unit_id=unit_id, dispatched_at__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            claimed = Reminder.objects.filter(pk__in=ids, dispatched_at__isnull=True).update(
                dispatched_at=now
            )
        if not claimed:
            continue
        reminders = list(
            Reminder.objects.filter(pk__in=ids)
            .select_related("task", "cycle")
            .order_by("kind", "task_id")
        )
        subject, body, sms_text = _reminder_text(names.get(unit_id, ""), reminders)
        try:
            delivered = notify.deliver(
                recipients.get(unit_id, []),
                subject=subject,
                body=body,
                sms_text=sms_text,
                purpose="调度提醒",
                connection=connection,
                sms=sms,
            )
        except Exception as exc:  # SMTP down: release the claim, keep the error, retry later
            log.warning("reminder delivery to unit %s failed: %s", unit_id, exc)
            Reminder.objects.filter(pk__in=ids).update(
                dispatched_at=None, error=f"{type(exc).__name__}: {exc}"[:500]
            )
            continue
        Reminder.objects.filter(pk__in=ids).update(
            emails=delivered.emails, sms=delivered.sms, error=""
        )
        total.emails += delivered.emails
        total.sms += delivered.sms
    return total


def sweep(now: datetime, *, window_workdays: int | None = None, send: bool = True) -> SweepResult:
    """调度巡检: find what is due soon or overdue, store the reminders, then send them."""
    result = find_reminders(now, window_workdays=window_workdays)
    if send:
        delivered = dispatch_reminders(now)
        result.emails, result.sms = delivered.emails, delivered.sms
    return result
