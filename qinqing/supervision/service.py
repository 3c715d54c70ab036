"""State changes of the supervision loop: one atomic, audited function per change.

Every function takes ``now`` (views and jobs read the clock) and raises a ``QinqingError``
with a Chinese message when it refuses; the transaction then rolls back, so nothing is
half-written (files stored before the failure are removed as well).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.accounts.access import require_capability, scope_area, user_unit
from qinqing.core.errors import InvalidInput, NotFound, PermissionDenied
from qinqing.core.orgs.models import Unit
from qinqing.supervision import notify, rules
from qinqing.supervision.models import (
    Assignment,
    ProgressReport,
    ReportAttachment,
    ReportVersion,
    ReviewCadence,
    ReviewCycle,
    SupervisionNotice,
    TargetValue,
    TaskCompletion,
)
from qinqing.supervision.rules import NoticeLevel, NoticeState, ReportState, Stage, TaskStatus

SYSTEM_SWEEP = "系统：调度巡检"


def local_date(moment: datetime) -> date:
    return timezone.localdate(moment)


# ---------------------------------------------------------------------------------------------
# Cadences and cycles


def cadence_tasks(cadence: ReviewCadence):
    """The ledger tasks a cadence reviews: its plan's, or (area default) the area's tasks
    whose plan has no active cadence of its own, and the area's items outside any plan."""
    from qinqing.plans.models import Task
    from qinqing.plans.queries import current_version

    ledger = Task.objects.in_ledger()
    if cadence.plan_id:
        # the plan as now confirmed: a new version takes over its predecessor's cadences
        return ledger.filter(plan_id=current_version(cadence.plan).pk)
    with_own = [
        current_version(c.plan).pk
        for c in ReviewCadence.objects.filter(active=True, plan__isnull=False).select_related(
            "plan"
        )
    ]
    return ledger.filter(area_id=cadence.area_id).filter(
        Q(plan__isnull=True) | ~Q(plan_id__in=with_own)
    )


def ensure_cycles(
    cadence: ReviewCadence, today: date, *, calendar, problems: list[str] | None = None
) -> list[ReviewCycle]:
    """Create the cadence's missing cycles up to the one containing ``today`` (idempotent).

    A cycle whose due day falls in a year without calendar data is not created: with
    ``problems`` given, the message is appended there (the sweep reports it and goes on
    with the other cadences); otherwise the error is raised.
    """
    from qinqing.core.workdays import MissingCalendarYear

    existing = set(cadence.cycles.values_list("period_start", flat=True))
    new = []
    for start, end in rules.cycle_periods(cadence.starts_on, cadence.months, today):
        if start in existing:
            continue
        try:
            due = rules.report_due_on(end, cadence.report_lag_workdays, calendar)
        except MissingCalendarYear as exc:
            if problems is None:
                raise
            problems.append(f"“{cadence.label}”{rules.period_label(start, end)}：{exc.message}")
            break
        new.append(
            ReviewCycle(cadence=cadence, period_start=start, period_end=end, report_due_on=due)
        )
    ReviewCycle.objects.bulk_create(new, ignore_conflicts=True)
    return new


_SLOTS_SQL = (
    "INSERT INTO {table} (task_id, unit_id, cycle_id, period_end, report_due_on, state, stage,"
    " narrative, version, return_reason, return_count, is_current)"
    " SELECT p.task_id, p.unit_id, %s, %s, %s, %s, '', '', 0, '', 0, %s"
    " FROM (SELECT task_id, unit_id FROM {lead} UNION SELECT task_id, unit_id FROM {responsible}) p"
    " WHERE p.task_id IN ({marks})"
    " ON CONFLICT (task_id, unit_id, cycle_id) DO NOTHING"
)


def insert_slots(cycle: ReviewCycle, task_ids: list[int]) -> int:
    """Insert the missing 待报送 slots of ``cycle`` for the given tasks' lead and responsible
    units; returns how many were created.

    One ``INSERT … SELECT … ON CONFLICT DO NOTHING`` per cycle (PostgreSQL and SQLite):
    the database pairs tasks with their units and its unique index on (task, unit, cycle)
    skips slots that exist, so a month turn opening thousands of slots stays a set
    operation instead of thousands of model instances.
    """
    from django.db import connection

    from qinqing.plans.models import Task

    if not task_ids:
        return 0
    table = connection.ops.quote_name(ProgressReport._meta.db_table)
    lead = connection.ops.quote_name(Task.lead_units.through._meta.db_table)
    responsible = connection.ops.quote_name(Task.responsible_units.through._meta.db_table)
    created = 0
    for i in range(0, len(task_ids), 500):
        chunk = task_ids[i : i + 500]
        marks = ", ".join(["%s"] * len(chunk))
        # identifiers come from model metadata, values are parameters
        sql = _SLOTS_SQL.format(table=table, lead=lead, responsible=responsible, marks=marks)  # noqa: S608
        params = [
            cycle.pk,
            connection.ops.adapt_datefield_value(cycle.period_end),
            connection.ops.adapt_datefield_value(cycle.report_due_on),
            ReportState.PENDING.value,
            False,
            *chunk,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            created += max(cursor.rowcount, 0)
    return created


def open_cycle(cycle: ReviewCycle, *, now: datetime) -> int:
    """Create the empty report slots of a cycle: one per task and reporting unit (牵头单位
    and 责任单位). Tasks verified complete before the period and tasks created after it get
    none. Idempotent; returns the number of slots created."""
    start_at = timezone.make_aware(datetime.combine(cycle.period_start, datetime.min.time()))
    end_at = timezone.make_aware(datetime.combine(cycle.period_end, datetime.max.time()))
    task_ids = list(
        cadence_tasks(cycle.cadence)
        .filter(created_at__lte=end_at)
        .exclude(completion__verified_at__lt=start_at)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    created = insert_slots(cycle, task_ids)
    if cycle.opened_at is None:
        ReviewCycle.objects.filter(pk=cycle.pk, opened_at__isnull=True).update(opened_at=now)
    return created


def ensure_all_cycles(today: date, *, calendar, problems: list[str]) -> int:
    """Every active cadence's missing cycles up to today, in two queries (the sweep)."""
    from collections import defaultdict

    existing: dict[int, set[date]] = defaultdict(set)
    for cadence_id, start in ReviewCycle.objects.filter(cadence__active=True).values_list(
        "cadence_id", "period_start"
    ):
        existing[cadence_id].add(start)
    from qinqing.core.workdays import MissingCalendarYear

    new = []
    for cadence in ReviewCadence.objects.filter(active=True):
        for start, end in rules.cycle_periods(cadence.starts_on, cadence.months, today):
            if start in existing[cadence.pk]:
                continue
            try:
                due = rules.report_due_on(end, cadence.report_lag_workdays, calendar)
            except MissingCalendarYear as exc:
                problems.append(f"“{cadence.label}”{rules.period_label(start, end)}：{exc.message}")
                break
            new.append(
                ReviewCycle(cadence=cadence, period_start=start, period_end=end, report_due_on=due)
            )
    ReviewCycle.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def open_collecting_cycles(today: date, *, now: datetime) -> int:
    """Create the missing report slots of every cycle collecting reports today, at once.

    Same rules as :func:`open_cycle` (one query decides which tasks each cycle covers);
    idempotent; returns the number of slots created.
    """
    from collections import defaultdict

    from qinqing.plans.models import Task

    cycles = list(collecting_cycles(today))
    if not cycles:
        return 0
    own = set(
        ReviewCadence.objects.filter(active=True, plan__isnull=False).values_list(
            "plan_id", flat=True
        )
    )
    by_plan: dict[int, list] = defaultdict(list)
    by_area: dict[int, list] = defaultdict(list)
    for pk, plan_id, area_id, created_at, verified_at in (
        Task.objects.in_ledger()
        .order_by("pk")
        .values_list("pk", "plan_id", "area_id", "created_at", "completion__verified_at")
    ):
        info = (pk, created_at, verified_at)
        if plan_id is not None:
            by_plan[plan_id].append(info)
        if plan_id is None or plan_id not in own:
            by_area[area_id].append(info)
    created = 0
    for cycle in cycles:
        cadence = cycle.cadence
        start_at = timezone.make_aware(datetime.combine(cycle.period_start, datetime.min.time()))
        end_at = timezone.make_aware(datetime.combine(cycle.period_end, datetime.max.time()))
        infos = by_plan[cadence.plan_id] if cadence.plan_id else by_area[cadence.area_id]
        task_ids = [
            pk
            for pk, created_at, verified_at in infos
            if created_at <= end_at and (verified_at is None or verified_at >= start_at)
        ]
        created += insert_slots(cycle, task_ids)
    unopened = [c.pk for c in cycles if c.opened_at is None]
    if unopened:
        ReviewCycle.objects.filter(pk__in=unopened).update(opened_at=now)
    return created


def collecting_cycles(today: date):
    """Cycles whose reports are being collected on ``today``: begun, not yet past due."""
    return ReviewCycle.objects.filter(
        cadence__active=True, period_start__lte=today, report_due_on__gte=today
    ).select_related("cadence")


@transaction.atomic
def configure_cadence(
    *,
    actor,
    area: Unit,
    label: str,
    months: int,
    report_lag_workdays: int = rules.DEFAULT_REPORT_LAG_WORKDAYS,
    starts_on: date,
    plan=None,
    now: datetime,
) -> ReviewCadence:
    """设置调度机制: add a cadence to a plan (or the area default) and open its current cycle."""
    from qinqing.core.workdays import get_calendar

    if actor is not None and not isinstance(actor, str):
        require_capability(actor, "plans.manage")
        own = scope_area(actor)
        if own is None or not area.path.startswith(own.path):
            raise PermissionDenied("只能为本地区设置调度机制。")
    label = (label or "").strip()
    if not label:
        raise InvalidInput("请填写调度名称，如“月调度”“主要领导调度”。")
    rules.check_cadence(months, report_lag_workdays)
    if plan is not None and plan.area_id != area.pk:
        raise InvalidInput(f"方案“{plan.title}”不属于{area.name}，不能在这里设置它的调度。")
    clash = ReviewCadence.objects.filter(label=label, active=True)
    clash = clash.filter(plan=plan) if plan is not None else clash.filter(area=area, plan=None)
    if clash.exists():
        where = f"方案“{plan.title}”" if plan is not None else f"{area.name}默认调度"
        raise InvalidInput(f"{where}已有名为“{label}”的调度机制，请换一个名称或先停用原有的。")
    cadence = ReviewCadence.objects.create(
        area=area,
        plan=plan,
        label=label,
        months=months,
        report_lag_workdays=report_lag_workdays,
        starts_on=starts_on.replace(day=1),
        created_by=actor if not isinstance(actor, str) else None,
        created_at=now,
    )
    calendar = get_calendar()
    today = local_date(now)
    # a cycle due in a year without calendar data is created by the sweep once it is imported
    ensure_cycles(cadence, today, calendar=calendar, problems=[])
    for cycle in cadence.cycles.filter(period_start__lte=today, report_due_on__gte=today):
        open_cycle(cycle, now=now)
    audit.record(
        actor,
        "review_cadence.configured",
        cadence,
        unit=area,
        after={
            "plan": plan.title if plan else None,
            "label": label,
            "months": months,
            "report_lag_workdays": report_lag_workdays,
            "starts_on": cadence.starts_on,
        },
        now=now,
    )
    return cadence


@transaction.atomic
def deactivate_cadence(cadence: ReviewCadence, *, actor, now: datetime) -> ReviewCadence:
    require_capability(actor, "plans.manage")
    if not cadence.active:
        raise InvalidInput(f"调度机制“{cadence.label}”已停用。")
    cadence.active = False
    cadence.save(update_fields=["active"])
    audit.record(actor, "review_cadence.deactivated", cadence, unit=cadence.area, now=now)
    return cadence


def ensure_default_cadence(area: Unit, *, now: datetime) -> ReviewCadence | None:
    """The area's default 月调度, created on first need (monthly is the default cadence)."""
    found = ReviewCadence.objects.filter(area=area, plan=None, active=True).first()
    if found is not None:
        return None
    return configure_cadence(
        actor=SYSTEM_SWEEP,
        area=area,
        label="月调度",
        months=1,
        starts_on=local_date(now).replace(day=1),
        now=now,
    )


# ---------------------------------------------------------------------------------------------
# Progress reports


def _refresh_standing(task_id: int, unit_id: int) -> None:
    """Mark the unit's standing report on the task: its latest submitted or accepted one."""
    best = (
        ProgressReport.objects.filter(
            task_id=task_id,
            unit_id=unit_id,
            state__in=[ReportState.SUBMITTED, ReportState.ACCEPTED],
        )
        .order_by("-period_end", "-submitted_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    stale = ProgressReport.objects.filter(task_id=task_id, unit_id=unit_id, is_current=True)
    if best is not None:
        stale = stale.exclude(pk=best)
    stale.update(is_current=False)
    if best is not None:
        ProgressReport.objects.filter(pk=best, is_current=False).update(is_current=True)


def _refresh_completion(task, *, actor, now: datetime) -> None:
    """Keep the task's completion record in step with its derived status."""
    from qinqing.supervision.queries import task_facts

    facts, _ = task_facts([task.pk])[task.pk]
    status = rules.derive_task_status(facts, local_date(now))
    existing = TaskCompletion.objects.filter(task=task).first()
    if status == TaskStatus.COMPLETED:
        claimed = rules.completion_claimed_on(facts)
        if existing is None:
            TaskCompletion.objects.create(
                task=task,
                claimed_on=claimed,
                verified_at=now,
                verified_by=actor if not isinstance(actor, str) else None,
            )
            audit.record(
                actor, "task.completion_verified", task, after={"claimed_on": claimed}, now=now
            )
        elif existing.claimed_on != claimed:
            existing.claimed_on = claimed
            existing.save(update_fields=["claimed_on"])
    elif existing is not None:
        existing.delete()
        audit.record(
            actor,
            "task.completion_withdrawn",
            task,
            before={"claimed_on": existing.claimed_on},
            now=now,
        )


def _store_attachments(report: ProgressReport, files, *, actor, version: int, stored: list[str]):
    for upload in files:
        head = upload.read(16)
        upload.seek(0)
        ext = rules.check_attachment(upload.name, upload.size, head)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        attachment = ReportAttachment(
            report=report,
            version_number=version,
            original_name=rules.safe_filename(upload.name),
            extension=ext,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
        )
        attachment.file.save(upload.name, upload, save=False)
        stored.append(attachment.file.name)
        attachment.save()


def _check_files(files) -> None:
    """Check every attachment before anything is written."""
    for upload in files:
        head = upload.read(16)
        upload.seek(0)
        rules.check_attachment(upload.name, upload.size, head)


def submit_report(
    report: ProgressReport,
    *,
    actor,
    stage: str,
    narrative: str,
    target_values: Mapping[int, Decimal] | None = None,
    attachments: Iterable = (),
    now: datetime,
) -> ProgressReport:
    """报送 (or, after a return, 修改后重新报送) a unit's progress on a task for a cycle."""
    files = list(attachments)
    stored: list[str] = []
    try:
        return _submit_report(
            report,
            actor=actor,
            stage=stage,
            narrative=narrative,
            target_values=target_values or {},
            files=files,
            stored=stored,
            now=now,
        )
    except BaseException:
        for name in stored:  # the rows rolled back; the files must go too
            default_storage.delete(name)
        raise


@transaction.atomic
def _submit_report(report, *, actor, stage, narrative, target_values, files, stored, now):
    require_capability(actor, "plans.report")
    if user_unit(actor) is None or user_unit(actor).pk != report.unit_id:
        raise NotFound("进度报送不存在，或不在您可查看的范围内。")
    report = (
        ProgressReport.objects.select_for_update().select_related("task", "cycle").get(pk=report.pk)
    )
    rules.check_report_transition(report.state, ReportState.SUBMITTED)
    today = local_date(now)
    if report.cycle.period_start > today:
        raise InvalidInput(
            f"调度周期{report.cycle.label}尚未开始（{report.cycle.period_start} 起），暂不能报送。"
        )
    if stage not in Stage.values:
        raise InvalidInput("请选择推进阶段：未启动、推进中或已完成。")
    if report.task.ongoing and stage == Stage.COMPLETED:
        raise InvalidInput(
            "该任务为“长期坚持”事项，没有“已完成”阶段。请选择“推进中”，并在工作进展中说明本期完成情况。"
        )
    narrative = (narrative or "").strip()
    if not narrative:
        raise InvalidInput("请填写工作进展：本期做了什么、取得什么成效、存在什么问题。")
    targets = {t.pk: t for t in report.task.targets.all()}
    for target_id in target_values:
        if target_id not in targets:
            raise InvalidInput("所填量化指标不属于该任务，请刷新页面后重新填写。")
    _check_files(files)
    before = {"state": report.state, "version": report.version}
    resubmission = report.state == ReportState.RETURNED
    report.version += 1
    version = ReportVersion.objects.create(
        report=report,
        number=report.version,
        stage=stage,
        narrative=narrative,
        submitted_at=now,
        submitted_by=actor,
    )
    TargetValue.objects.bulk_create(
        TargetValue(version=version, target_id=target_id, value=value)
        for target_id, value in target_values.items()
        if value is not None
    )
    report.state = ReportState.SUBMITTED
    report.stage = stage
    report.narrative = narrative
    report.submitted_at = now
    report.submitted_by = actor
    if report.first_submitted_at is None:
        report.first_submitted_at = now
        report.first_submitted_on = today
    report.save()
    _store_attachments(report, files, actor=actor, version=report.version, stored=stored)
    _refresh_standing(report.task_id, report.unit_id)
    _refresh_completion(report.task, actor=actor, now=now)
    audit.record(
        actor,
        "progress_report.resubmitted" if resubmission else "progress_report.submitted",
        report,
        before=before,
        after={
            "state": report.state,
            "version": report.version,
            "stage": stage,
            "on_time": rules.is_on_time(report.first_submitted_on, report.report_due_on),
            "attachments": len(files),
        },
        now=now,
    )
    return report


def _check_reviewer(actor, report: ProgressReport) -> None:
    require_capability(actor, "plans.review")
    area = scope_area(actor)
    if area is None or not report.task.area.path.startswith(area.path):
        raise NotFound("进度报送不存在，或不在您可查看的范围内。")


@transaction.atomic
def accept_report(report: ProgressReport, *, actor, now: datetime) -> ProgressReport:
    """采纳: the office accepts a submitted report."""
    report = (
        ProgressReport.objects.select_for_update().select_related("task__area").get(pk=report.pk)
    )
    _check_reviewer(actor, report)
    rules.check_report_transition(report.state, ReportState.ACCEPTED)
    report.state = ReportState.ACCEPTED
    report.reviewed_at, report.reviewed_by = now, actor
    report.return_reason = ""
    report.save(update_fields=["state", "reviewed_at", "reviewed_by", "return_reason"])
    report.versions.filter(number=report.version).update(
        decision=ReportVersion.Decision.ACCEPTED, decided_at=now, decided_by=actor
    )
    _refresh_standing(report.task_id, report.unit_id)
    _refresh_completion(report.task, actor=actor, now=now)
    audit.record(
        actor,
        "progress_report.accepted",
        report,
        before={"state": ReportState.SUBMITTED},
        after={"state": report.state, "version": report.version},
        now=now,
    )
    return report


@transaction.atomic
def return_report(report: ProgressReport, *, actor, reason: str, now: datetime) -> ProgressReport:
    """退回: the office returns a report with the reason; the unit revises and resubmits."""
    report = (
        ProgressReport.objects.select_for_update()
        .select_related("task__area", "unit")
        .get(pk=report.pk)
    )
    _check_reviewer(actor, report)
    rules.check_report_transition(report.state, ReportState.RETURNED)
    reason = rules.check_return_reason(reason)
    report.state = ReportState.RETURNED
    report.reviewed_at, report.reviewed_by = now, actor
    report.return_reason = reason
    report.return_count += 1
    report.save(
        update_fields=["state", "reviewed_at", "reviewed_by", "return_reason", "return_count"]
    )
    report.versions.filter(number=report.version).update(
        decision=ReportVersion.Decision.RETURNED, decided_at=now, decided_by=actor, reason=reason
    )
    _refresh_standing(report.task_id, report.unit_id)
    _refresh_completion(report.task, actor=actor, now=now)
    audit.record(
        actor,
        "progress_report.returned",
        report,
        before={"state": ReportState.SUBMITTED},
        after={"state": report.state, "reason": reason, "version": report.version},
        now=now,
    )
    notify.report_returned(report, now=now)
    return report


# ---------------------------------------------------------------------------------------------
# Items assigned outside a plan (交办)


@transaction.atomic
def assign_item(
    *,
    actor,
    origin: str,
    title: str,
    basis: str,
    lead_units: Iterable[Unit],
    responsible_units: Iterable[Unit] = (),
    supporting_units: Iterable[Unit] = (),
    due_on: date | None = None,
    ongoing: bool = False,
    body: str = "",
    targets: Iterable[str] = (),
    now: datetime,
):
    """交办: put a 调度会议定事项 or 领导批示 on the ledger, with units, deadline and targets.

    The item is a ``plans.Task`` without a plan (the ledger is one table); where it came
    from is kept beside it in ``Assignment``. Its report slots open at once in the area's
    collecting cycles.
    """
    from qinqing.plans.models import Target, Task, TaskOrigin

    require_capability(actor, "plans.manage")
    area = scope_area(actor)
    office = user_unit(actor)
    if area is None or office is None:
        raise PermissionDenied("只有营商办等统筹单位可以交办事项。")
    if origin not in (TaskOrigin.MEETING, TaskOrigin.INSTRUCTION):
        raise InvalidInput("请选择交办来源：调度会议定事项或领导批示。")
    title = (title or "").strip()
    basis = (basis or "").strip()
    if not title:
        raise InvalidInput("请填写交办事项的内容（重点任务）。")
    if not basis:
        raise InvalidInput("请填写交办依据，如会议纪要名称或批示编号。")
    leads, responsible, supporting = (
        list(lead_units),
        list(responsible_units),
        list(supporting_units),
    )
    if not leads:
        raise InvalidInput("请至少选择一个牵头单位。")
    for unit in [*leads, *responsible, *supporting]:
        if not unit.path.startswith(area.path):
            raise InvalidInput(f"“{unit.name}”不属于{area.name}，不能向其交办。")
    if ongoing and due_on is not None:
        raise InvalidInput("“长期坚持”的事项不设完成时限：请清空完成时限，或取消“长期坚持”。")
    if not ongoing and due_on is None:
        raise InvalidInput("请填写完成时限，或勾选“长期坚持”。")
    if due_on is not None and due_on < local_date(now):
        raise InvalidInput(f"完成时限 {due_on} 早于今天，请填写今天或以后的日期。")
    order = (Task.objects.filter(plan=None, area=area).aggregate(m=Max("order"))["m"] or 0) + 1
    task = Task.objects.create(
        plan=None,
        area=area,
        origin=origin,
        label=f"交办{order}",
        title=title,
        body=(body or "").strip(),
        due_on=due_on,
        ongoing=ongoing,
        deadline_raw=str(due_on) if due_on else "长期坚持",
        order=order,
        created_by=actor,
        created_at=now,
    )
    task.lead_units.set(leads)
    task.responsible_units.set(responsible)
    task.supporting_units.set(supporting)
    Target.objects.bulk_create(
        Target(task=task, text=text.strip(), order=i)
        for i, text in enumerate(targets)
        if text and text.strip()
    )
    Assignment.objects.create(
        task=task,
        basis=basis,
        assigned_on=local_date(now),
        assigning_unit=office,
        assigned_by=actor,
    )
    audit.record(
        actor,
        "task.assigned",
        task,
        unit=leads[0],
        after={
            "origin": origin,
            "title": title,
            "basis": basis,
            "lead_units": [u.name for u in leads],
            "responsible_units": [u.name for u in responsible],
            "due_on": due_on,
            "ongoing": ongoing,
        },
        now=now,
    )
    ensure_default_cadence(area, now=now)
    today = local_date(now)
    # the current cycle may not exist yet (the sweep creates cycles): create it here, so that
    # the unit sees its slot at once, as docs/supervision.md promises
    from qinqing.core.workdays import get_calendar

    calendar = get_calendar()
    for cadence in ReviewCadence.objects.filter(area=area, plan=None, active=True):
        ensure_cycles(cadence, today, calendar=calendar, problems=[])
    for cycle in collecting_cycles(today).filter(cadence__area=area, cadence__plan=None):
        open_cycle(cycle, now=now)
    return task


# ---------------------------------------------------------------------------------------------
# Supervision notices (督办单)


def _next_sequence(issuing_unit: Unit, year: int) -> int:
    last = (
        SupervisionNotice.objects.select_for_update()
        .filter(issuing_unit=issuing_unit, year=year)
        .aggregate(m=Max("sequence"))["m"]
    )
    return (last or 0) + 1


def _check_issuer(actor) -> tuple[Unit, Unit]:
    require_capability(actor, "supervision.issue")
    office = user_unit(actor)
    area = scope_area(actor)
    if office is None or area is None or not office.coordinating:
        raise PermissionDenied("督办单只能由营商办、督查室等统筹单位签发。")
    return office, area


@transaction.atomic
def issue_supervision_notice(
    *,
    actor,
    unit: Unit,
    level: str,
    reason: str,
    response_workdays: int,
    task=None,
    requirement: str = "",
    escalated_from: SupervisionNotice | None = None,
    now: datetime,
) -> SupervisionNotice:
    """签发督办单 on a task or a unit; 问责 is referred to 纪检监察 at once."""
    from qinqing.core.workdays import get_calendar

    office, area = _check_issuer(actor)
    if level not in NoticeLevel.values:
        raise InvalidInput("请选择督办层级：提醒、督办、约谈或问责。")
    if not unit.path.startswith(area.path) or unit.pk == office.pk:
        raise InvalidInput(f"“{unit.name}”不在{area.name}范围内，不能向其签发督办单。")
    if task is not None:
        if not task.area.path.startswith(area.path):
            raise NotFound("任务不存在，或不在您可查看的范围内。")
        involved = (
            task.lead_units.filter(pk=unit.pk).exists()
            or task.responsible_units.filter(pk=unit.pk).exists()
            or task.supporting_units.filter(pk=unit.pk).exists()
        )
        if not involved:
            raise InvalidInput(
                f"“{unit.name}”不是任务“{task.title[:30]}”的牵头、责任或配合单位，请选择该任务的承办单位。"
            )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写督办事由：哪项工作、存在什么问题。")
    rules.check_response_days(response_workdays)
    if escalated_from is not None:
        rules.check_escalation(escalated_from.level, level)
    today = local_date(now)
    sequence = _next_sequence(office, today.year)
    notice = SupervisionNotice.objects.create(
        year=today.year,
        sequence=sequence,
        number=rules.notice_number(today.year, sequence),
        level=level,
        issuing_unit=office,
        unit=unit,
        task=task,
        reason=reason,
        requirement=(requirement or "").strip(),
        response_workdays=response_workdays,
        issued_on=today,
        response_due_on=get_calendar().add_workdays(today, response_workdays),
        issued_at=now,
        issued_by=actor,
        escalated_from=escalated_from,
        referred_to_discipline=level == NoticeLevel.ACCOUNTABILITY,
    )
    after = {
        "number": notice.number,
        "level": level,
        "unit": unit.name,
        "task": task.pk if task else None,
        "response_due_on": notice.response_due_on,
    }
    audit.record(actor, "supervision_notice.issued", notice, after=after, now=now)
    if notice.referred_to_discipline:
        audit.record(
            actor,
            "supervision_notice.referred",
            notice,
            after={"number": notice.number, "to": "纪检监察机关"},
            now=now,
        )
    notify.notice_issued(notice, now=now)
    return notice


@transaction.atomic
def escalate_notice(
    notice: SupervisionNotice,
    *,
    actor,
    level: str,
    reason: str,
    response_workdays: int,
    requirement: str = "",
    now: datetime,
) -> SupervisionNotice:
    """升级督办: issue a higher-level notice on the same matter; the old one is closed as
    escalated."""
    _check_issuer(actor)
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    rules.check_notice_transition(notice.state, NoticeState.ESCALATED)
    rules.check_escalation(notice.level, level)
    new = issue_supervision_notice(
        actor=actor,
        unit=notice.unit,
        task=notice.task,
        level=level,
        reason=reason,
        requirement=requirement,
        response_workdays=response_workdays,
        escalated_from=notice,
        now=now,
    )
    notice.state = NoticeState.ESCALATED
    notice.save(update_fields=["state"])
    audit.record(
        actor,
        "supervision_notice.escalated",
        notice,
        before={"level": notice.level},
        after={"level": level, "new_number": new.number},
        now=now,
    )
    return new


@transaction.atomic
def respond_to_notice(
    notice: SupervisionNotice, *, actor, response: str, now: datetime
) -> SupervisionNotice:
    """反馈: the supervised unit answers the notice."""
    from qinqing.core.accounts.access import has_capability

    if not (has_capability(actor, "plans.report") or has_capability(actor, "plans.review")):
        raise PermissionDenied("您的账号没有反馈督办单的权限。")
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    unit = user_unit(actor)
    if unit is None or unit.pk != notice.unit_id:
        raise NotFound("督办单不存在，或不在您可查看的范围内。")
    rules.check_notice_transition(notice.state, NoticeState.RESPONDED)
    response = (response or "").strip()
    if not response:
        raise InvalidInput("请填写反馈内容：整改措施、完成情况和下一步安排。")
    notice.state = NoticeState.RESPONDED
    notice.response = response
    notice.responded_at, notice.responded_on, notice.responded_by = now, local_date(now), actor
    notice.save(update_fields=["state", "response", "responded_at", "responded_on", "responded_by"])
    audit.record(
        actor,
        "supervision_notice.responded",
        notice,
        before={"state": NoticeState.ISSUED},
        after={
            "state": notice.state,
            "on_time": rules.is_on_time(notice.responded_on, notice.response_due_on),
        },
        now=now,
    )
    return notice


@transaction.atomic
def close_notice(
    notice: SupervisionNotice, *, actor, note: str = "", now: datetime
) -> SupervisionNotice:
    """办结: the office accepts the unit's response."""
    office, area = _check_issuer(actor)
    notice = SupervisionNotice.objects.select_for_update().select_related("unit").get(pk=notice.pk)
    if not notice.unit.path.startswith(area.path):
        raise NotFound("督办单不存在，或不在您可查看的范围内。")
    rules.check_notice_transition(notice.state, NoticeState.CLOSED)
    notice.state = NoticeState.CLOSED
    notice.closed_at, notice.closed_by, notice.close_note = now, actor, (note or "").strip()
    notice.save(update_fields=["state", "closed_at", "closed_by", "close_note"])
    audit.record(
        actor,
        "supervision_notice.closed",
        notice,
        before={"state": NoticeState.RESPONDED},
        after={"state": notice.state},
        now=now,
    )
    return notice


def store_file(name: str, data: bytes) -> str:
    """Save generated bytes to the private storage; returns the stored name."""
    return default_storage.save(name, ContentFile(data))


# ---------------------------------------------------------------------------------------------
# Bulletins (通报)


def _bulletin_checkpoint(stage: str) -> None:
    """A named point inside the bulletin job's transaction (tests raise here to kill it)."""


def generate_bulletin(
    *,
    actor,
    area: Unit,
    period_start: date,
    period_end: date,
    now: datetime,
    today: date | None = None,
):
    """一键生成通报: the period's bulletin as Word and PDF, stored with its figures.

    One transaction; the files are written inside it and removed if it fails, so a job
    killed halfway leaves neither a row nor a file. Generating again makes a new version.
    """
    stored: list[str] = []
    try:
        return _generate_bulletin(
            actor=actor,
            area=area,
            period_start=period_start,
            period_end=period_end,
            now=now,
            today=today,
            stored=stored,
        )
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


@transaction.atomic
def _generate_bulletin(*, actor, area, period_start, period_end, now, today, stored):
    from dataclasses import asdict

    from qinqing.supervision import bulletin as layout
    from qinqing.supervision.models import Bulletin

    issuer = ""
    if actor is not None and not isinstance(actor, str):
        require_capability(actor, "supervision.issue")
        own = scope_area(actor)
        if own is None or not area.path.startswith(own.path):
            raise PermissionDenied("只能生成本地区的工作通报。")
        office = user_unit(actor)
        issuer = office.name if office is not None and office.coordinating else ""
    if period_end < period_start:
        raise InvalidInput("通报期间的结束日期早于开始日期，请重新选择。")
    today = today or local_date(now)
    if period_start > today:
        raise InvalidInput(
            f"{rules.period_label(period_start, period_end)}尚未开始，不能生成通报。"
        )
    data = layout.gather_bulletin(area, period_start, period_end, today, issuer=issuer)
    _bulletin_checkpoint("gathered")
    chart = layout.render_chart(data)
    docx_bytes = layout.render_docx(data, chart)
    pdf_bytes = layout.render_pdf(data, chart)
    version = (
        Bulletin.objects.select_for_update()
        .filter(area=area, period_start=period_start)
        .aggregate(m=Max("version"))["m"]
        or 0
    ) + 1
    stem = f"supervision/bulletins/{area.pk}/{period_start:%Y%m}-v{version}"
    docx_name = store_file(f"{stem}.docx", docx_bytes)
    stored.append(docx_name)
    _bulletin_checkpoint("docx")
    pdf_name = store_file(f"{stem}.pdf", pdf_bytes)
    stored.append(pdf_name)
    _bulletin_checkpoint("pdf")
    figures = asdict(data)
    row = Bulletin.objects.create(
        area=area,
        period_start=period_start,
        period_end=period_end,
        as_of=today,
        version=version,
        title=data.title,
        docx=docx_name,
        pdf=pdf_name,
        figures=_jsonable(figures),
        generated_at=now,
        generated_by=actor if not isinstance(actor, str) else None,
    )
    audit.record(
        actor,
        "bulletin.generated",
        row,
        after={
            "period": data.period,
            "version": version,
            "total": data.total,
            "counts": dict(data.counts),
        },
        now=now,
    )
    return row


def _jsonable(value):
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


# ---------------------------------------------------------------------------------------------
# External assessment results (全省营商环境评价) that call for supervision


@transaction.atomic
def issue_notice_for_trigger(
    trigger_id: int, *, actor, response_workdays: int = 5, now: datetime
) -> SupervisionNotice:
    """签发 the notice an external ranking calls for (004 (四): 排名列后10名 → 约谈), and
    mark the assessment's trigger handled with the notice number — both or neither."""
    from qinqing.assessment import queries as assessment_queries
    from qinqing.assessment import service as assessment_service

    _, area = _check_issuer(actor)
    trigger = assessment_queries.pending_external_triggers(area).filter(pk=trigger_id).first()
    if trigger is None:
        raise NotFound("外部评价触发记录不存在、已处理，或不在您可处理的范围内。")
    notice = issue_supervision_notice(
        actor=actor,
        unit=trigger.unit,
        level=trigger.level,
        reason=f"{trigger.reason}（依据：{trigger.basis}）" if trigger.basis else trigger.reason,
        response_workdays=response_workdays,
        now=now,
    )
    assessment_service.mark_trigger_handled(
        trigger, actor=actor, now=now, note=f"已签发{notice.get_level_display()}（{notice.number}）"
    )
    return notice
