"""Cadences and cycles: when units report, and the empty report slots of each cycle."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.accounts.access import require_capability, scope_area
from qinqing.core.errors import InvalidInput, PermissionDenied
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import MissingCalendarYear, get_calendar
from qinqing.plans import queries as plan_queries
from qinqing.supervision import rules
from qinqing.supervision.models import ProgressReport, ReviewCadence, ReviewCycle
from qinqing.supervision.rules import ReportState
from qinqing.supervision.service.common import SYSTEM_SWEEP, local_date

# ---------------------------------------------------------------------------------------------
# Cadences and cycles


def cadence_tasks(cadence: ReviewCadence):
    """The ledger tasks a cadence reviews: its plan's, or (area default) the area's tasks
    whose plan has no active cadence of its own, and the area's items outside any plan."""
    ledger = plan_queries.ledger_tasks()
    if cadence.plan is not None:
        # the plan as now confirmed: a new version takes over its predecessor's cadences
        return ledger.filter(plan_id=plan_queries.current_version(cadence.plan).pk)
    with_own = [
        plan_queries.current_version(c.plan).pk
        for c in ReviewCadence.objects.filter(active=True, plan__isnull=False).select_related(
            "plan"
        )
        if c.plan is not None
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
    " FROM ({pairs}) p"
    " WHERE p.task_id IN ({marks})"
    " AND NOT EXISTS (SELECT 1 FROM {table} r"
    " WHERE r.task_id = p.task_id AND r.unit_id = p.unit_id AND r.cycle_id = %s)"
    " ON CONFLICT DO NOTHING"
)


def insert_slots(cycle: ReviewCycle, task_ids: list[int]) -> int:
    """Insert the missing 待报送 slots of ``cycle`` for the given tasks' lead and responsible
    units; returns how many were created.

    One ``INSERT … SELECT … WHERE NOT EXISTS`` per cycle (PostgreSQL and SQLite): the
    database pairs tasks with their units and skips slots that exist, so a month turn
    opening thousands of slots stays a set operation instead of thousands of model
    instances. (No ``ON CONFLICT (task, unit, cycle)``: on PostgreSQL the table is
    partitioned by month and that key is kept by a trigger, not a unique index;
    supervision migration 0008.)
    """
    if not task_ids:
        return 0
    table = connection.ops.quote_name(ProgressReport._meta.db_table)
    pairs = plan_queries.reporting_pairs_sql()
    created = 0
    for i in range(0, len(task_ids), 500):
        chunk = task_ids[i : i + 500]
        marks = ", ".join(["%s"] * len(chunk))
        # identifiers come from model metadata, values are parameters
        sql = _SLOTS_SQL.format(table=table, pairs=pairs, marks=marks)  # noqa: S608
        params = [
            cycle.pk,
            connection.ops.adapt_datefield_value(cycle.period_end),
            connection.ops.adapt_datefield_value(cycle.report_due_on),
            ReportState.PENDING.value,
            False,
            *chunk,
            cycle.pk,
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
    existing: dict[int, set[date]] = defaultdict(set)
    for cadence_id, start in ReviewCycle.objects.filter(cadence__active=True).values_list(
        "cadence_id", "period_start"
    ):
        existing[cadence_id].add(start)
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
        plan_queries.ledger_tasks()
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
