"""Reads: permission-checked querysets and fetches, task status in bulk, dashboard figures.

Public for other domains (the plans ledger calls these):

* ``task_status(task, today) -> TaskStatus``
* ``task_statuses(tasks, today) -> dict[int, TaskStatus]`` (tasks: a queryset or ids)
* ``status_details(tasks, today, *, calendar=None, due_soon_workdays=None)`` → per task
  status, due-soon flag and the day completion was claimed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Case, DateField, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from qinqing.core.accounts.access import (
    has_capability,
    one_or_not_found,
    profile_of,
    require_capability,
    scope_area,
    user_unit,
)
from qinqing.core.accounts.models import Scope
from qinqing.core.errors import PermissionDenied
from qinqing.core.orgs.models import AREA_KINDS, Unit
from qinqing.core.workdays import get_calendar
from qinqing.plans import queries as plan_queries
from qinqing.supervision import rules
from qinqing.supervision.models import (
    Bulletin,
    ProgressReport,
    ReportAttachment,
    ReviewCadence,
    SupervisionNotice,
)
from qinqing.supervision.rules import (
    STATUS_ORDER,
    NoticeLevel,
    ReportState,
    StandingReport,
    TaskFacts,
    TaskStatus,
)


def due_soon_workdays() -> int:
    """The due-soon window in working days (setting ``QINQING_DUE_SOON_WORKDAYS``)."""
    return int(getattr(settings, "QINQING_DUE_SOON_WORKDAYS", rules.DEFAULT_DUE_SOON_WORKDAYS))


# ---------------------------------------------------------------------------------------------
# Task status


@dataclass(frozen=True)
class StatusDetail:
    status: TaskStatus
    due_soon: bool
    claimed_on: date | None
    due_on: date | None
    owners: frozenset[int]
    units: tuple[int, ...]  # owners first, then the other responsible units


def _task_ids_filter(tasks) -> Q:
    if isinstance(tasks, QuerySet):
        return Q(task_id__in=tasks.values("pk"))
    return Q(task_id__in=list(tasks))


@dataclass
class LedgerFacts:
    """What statuses are derived from, for many tasks, with the task–unit pairs."""

    facts: dict[int, TaskFacts]
    leads: dict[int, list[int]]
    responsible: dict[int, list[int]]

    def units(self, pk: int) -> tuple[int, ...]:
        """The task's reporting units: owners first, then the other responsible units."""
        owners = self.facts[pk].owners
        others = set(self.leads.get(pk, ())) | set(self.responsible.get(pk, ()))
        return tuple(sorted(owners)) + tuple(sorted(others - owners))


_STAGES = {stage.value: stage for stage in rules.Stage}


def load_facts(tasks) -> LedgerFacts:
    """The facts of many tasks (a queryset or ids) in four set-based queries."""
    task_q = tasks.values("pk") if isinstance(tasks, QuerySet) else list(tasks)
    rows = plan_queries.tasks_by_ids(task_q).order_by().values_list("pk", "due_on", "ongoing")
    by_task = {pk: (due_on, ongoing) for pk, due_on, ongoing in rows}
    where = _task_ids_filter(tasks)
    leads: dict[int, list[int]] = defaultdict(list)
    for task_id, unit_id in (
        plan_queries.unit_links("lead").filter(where).values_list("task_id", "unit_id")
    ):
        leads[task_id].append(unit_id)
    responsible: dict[int, list[int]] = defaultdict(list)
    for task_id, unit_id in (
        plan_queries.unit_links("responsible").filter(where).values_list("task_id", "unit_id")
    ):
        responsible[task_id].append(unit_id)
    standing: dict[int, dict[int, StandingReport]] = defaultdict(dict)
    # the local day of submission matters only for completion claims: computed in SQL, and
    # only there (parsing thousands of timestamps would dominate the ledger's status)
    claimed_on = Case(
        When(
            stage=rules.Stage.COMPLETED,
            then=TruncDate("submitted_at", tzinfo=timezone.get_current_timezone()),
        ),
        default=Value(None),
        output_field=DateField(),
    )
    accepted = ReportState.ACCEPTED.value
    for task_id, unit_id, stage, state, submitted_on in (
        ProgressReport.objects.filter(where, is_current=True)
        .order_by()
        .annotate(claimed_on=claimed_on)
        .values_list("task_id", "unit_id", "stage", "state", "claimed_on")
    ):
        standing[task_id][unit_id] = StandingReport(_STAGES[stage], state == accepted, submitted_on)
    facts = {
        pk: TaskFacts(
            due_on,
            ongoing,
            rules.owner_units(leads.get(pk, ()), responsible.get(pk, ())),
            standing.get(pk, {}),
        )
        for pk, (due_on, ongoing) in by_task.items()
    }
    return LedgerFacts(facts, leads, responsible)


def task_facts(tasks) -> dict[int, tuple[TaskFacts, tuple[int, ...]]]:
    """Each task's facts and its reporting units (owners first)."""
    loaded = load_facts(tasks)
    return {pk: (facts, loaded.units(pk)) for pk, facts in loaded.facts.items()}


def status_details(
    tasks,
    today: date,
    *,
    calendar=None,
    window_workdays: int | None = None,
    facts: LedgerFacts | None = None,
) -> dict[int, StatusDetail]:
    """Status, due-soon flag and completion claim of many tasks at once."""
    if calendar is None:
        calendar = get_calendar()
    window = due_soon_workdays() if window_workdays is None else window_workdays
    loaded = facts if facts is not None else load_facts(tasks)
    out = {}
    for pk, task in loaded.facts.items():
        status = rules.derive_task_status(task, today)
        out[pk] = StatusDetail(
            status=status,
            due_soon=rules.is_due_soon(status, task.due_on, today, window, calendar),
            claimed_on=rules.completion_claimed_on(task),
            due_on=task.due_on,
            owners=task.owners,
            units=loaded.units(pk),
        )
    return out


def task_statuses(tasks, today: date) -> dict[int, TaskStatus]:
    """The derived status of many tasks (a queryset or ids), for the ledger."""
    return {pk: rules.derive_task_status(f, today) for pk, f in load_facts(tasks).facts.items()}


def overdue_and_due_soon_counts(tasks, today: date) -> tuple[int, int]:
    """How many of the tasks are overdue, and how many due soon (one reading of the facts)."""
    details = status_details(tasks, today).values()
    overdue = sum(1 for d in details if d.status == TaskStatus.OVERDUE)
    return overdue, sum(1 for d in details if d.due_soon)


def due_soon_task_ids(tasks, today: date) -> set[int]:
    """Tasks near their deadline and not done (the 临期 of the ledger and the home page)."""
    return {pk for pk, d in status_details(tasks, today).items() if d.due_soon}


def task_status(task, today: date) -> TaskStatus:
    """The derived status of one task (未启动、推进中、已完成待核验、已完成、逾期、长期坚持)."""
    pk = getattr(task, "pk", task)
    return task_statuses([pk], today)[pk]


def status_counts(statuses: Iterable[TaskStatus]) -> list[tuple[TaskStatus, int]]:
    counts = Counter(statuses)
    return [(s, counts.get(s, 0)) for s in STATUS_ORDER]


# ---------------------------------------------------------------------------------------------
# Visibility (tasks: ``qinqing.plans.queries.visible_tasks_for_user``, the one rule; reports,
# notices and bulletins follow the same scopes)


def _profile_scope(user) -> str | None:
    profile = profile_of(user)
    return profile.role.scope if profile else None


def visible_reports_for_user(user) -> QuerySet[ProgressReport]:
    """Progress reports the user may see: their own unit's (unit staff), or those on tasks
    of their area (office, leader)."""
    require_capability(user, "plans.view")
    scope = _profile_scope(user)
    base = ProgressReport.objects.select_related("task", "unit", "cycle", "cycle__cadence")
    if scope == Scope.GLOBAL:
        return base
    if scope == Scope.UNIT:
        unit = user_unit(user)
        return base.filter(unit=unit) if unit is not None else base.none()
    area = scope_area(user)
    if scope == Scope.JURISDICTION and area is not None:
        return base.filter(
            Q(task__area__path__startswith=area.path) | Q(unit__path__startswith=area.path)
        )
    return base.none()


def access_report_for_user(user, report_id: int) -> ProgressReport:
    return one_or_not_found(
        visible_reports_for_user(user), report_id, "进度报送不存在，或不在您可查看的范围内。"
    )


def access_report_for_filing(user, report_id: int) -> ProgressReport:
    """A report slot the user's unit files; 404 for any other unit's."""
    require_capability(user, "plans.report")
    unit = user_unit(user)
    slots = ProgressReport.objects.select_related("task", "unit", "cycle", "cycle__cadence")
    return one_or_not_found(
        slots.filter(unit=unit) if unit is not None else slots.none(),
        report_id,
        "进度报送不存在，或不在您可查看的范围内。",
    )


def access_report_for_review(user, report_id: int) -> ProgressReport:
    require_capability(user, "plans.review")
    return access_report_for_user(user, report_id)


def access_attachment_for_user(user, attachment_id: int) -> ReportAttachment:
    return one_or_not_found(
        ReportAttachment.objects.filter(
            report__in=visible_reports_for_user(user).values("pk")
        ).select_related("report"),
        attachment_id,
        "附件不存在，或不在您可查看的范围内。",
    )


def review_queue_for_user(user) -> QuerySet[ProgressReport]:
    require_capability(user, "plans.review")
    return (
        visible_reports_for_user(user)
        .filter(state=ReportState.SUBMITTED)
        .order_by("submitted_at", "pk")
    )


def my_reports(user, today: date) -> QuerySet[ProgressReport]:
    """The user's unit's report slots in cycles that have begun, most recent first."""
    require_capability(user, "plans.report")
    unit = user_unit(user)
    if unit is None:
        return ProgressReport.objects.none()
    return (
        ProgressReport.objects.filter(unit=unit, cycle__period_start__lte=today)
        .select_related("task", "cycle", "cycle__cadence")
        .order_by("-period_end", "report_due_on", "task__order", "task_id")
    )


def visible_notices_for_user(user) -> QuerySet[SupervisionNotice]:
    """督办单 the user may see: addressed to their unit (unit staff); issued in or to their
    area (office, leader); 问责 referrals of their area (纪检监察)."""
    base = SupervisionNotice.objects.select_related("unit", "issuing_unit", "task")
    profile = profile_of(user)
    if profile is None:
        return base.none()
    if has_capability(user, "supervision.referrals") and profile.unit is not None:
        referrals = base.filter(
            referred_to_discipline=True,
            level=NoticeLevel.ACCOUNTABILITY,
            unit__path__startswith=profile.unit.area().path,
        )
        if not has_capability(user, "plans.view"):
            return referrals
    require_capability(user, "plans.view")
    if profile.role.scope == Scope.GLOBAL:
        return base
    if profile.role.scope == Scope.UNIT:
        return base.filter(unit=profile.unit) if profile.unit else base.none()
    area = scope_area(user)
    if profile.role.scope == Scope.JURISDICTION and area is not None:
        return base.filter(unit__path__startswith=area.path)
    return base.none()


def access_notice_for_user(user, notice_id: int) -> SupervisionNotice:
    return one_or_not_found(
        visible_notices_for_user(user), notice_id, "督办单不存在，或不在您可查看的范围内。"
    )


def referrals_for_user(user) -> QuerySet[SupervisionNotice]:
    require_capability(user, "supervision.referrals")
    return visible_notices_for_user(user).filter(referred_to_discipline=True)


def require_area(user) -> Unit:
    """The area an office or leader works for; unit staff and others are refused."""
    area = scope_area(user)
    if area is None:
        raise PermissionDenied("调度总览、逾期督办和通报生成仅供营商办和领导使用。")
    return area


def issuable_units(user) -> QuerySet[Unit]:
    """Units an office may address a notice to: the active units of its area."""
    require_capability(user, "supervision.issue")
    area = require_area(user)
    return Unit.objects.filter(path__startswith=area.path, active=True).exclude(pk=area.pk)


def visible_bulletins_for_user(user) -> QuerySet[Bulletin]:
    require_capability(user, "plans.view")
    profile = profile_of(user)
    if profile is not None and profile.role.scope == Scope.GLOBAL:
        return Bulletin.objects.all()
    if profile is None or profile.unit is None:
        return Bulletin.objects.none()
    if profile.role.scope == Scope.JURISDICTION:
        return Bulletin.objects.filter(area__path__startswith=profile.unit.area().path)
    # units read the bulletins of the area they belong to (bulletins are circulated)
    return Bulletin.objects.filter(area=profile.unit.area())


def access_bulletin_for_user(user, bulletin_id: int) -> Bulletin:
    return one_or_not_found(
        visible_bulletins_for_user(user), bulletin_id, "通报不存在，或不在您可查看的范围内。"
    )


def visible_cadences_for_user(user) -> QuerySet[ReviewCadence]:
    require_capability(user, "plans.manage")
    area = require_area(user)
    return ReviewCadence.objects.filter(area__path__startswith=area.path).select_related(
        "area", "plan"
    )


# ---------------------------------------------------------------------------------------------
# Dashboard


@dataclass
class AreaFigures:
    """The figures the overview page and the bulletin both show, computed once."""

    area: Unit
    today: date
    total: int
    counts: list[tuple[TaskStatus, int]]
    due_soon: int
    overdue_by_unit: list[tuple[Unit, list]]  # lead unit → its overdue tasks
    pending_review: int
    open_notices: Counter


def area_tasks(area: Unit):
    """The ledger an area's overview shows: its own plans' tasks, and the tasks of a higher
    area's plans assigned to its units (a county sees the city tasks its units carry)."""
    below = Unit.objects.filter(path__startswith=area.path).exclude(pk=area.pk)
    own = plan_queries.area_ledger(area)
    # tasks of a sub-area's own plans belong to that sub-area's overview
    return own.exclude(area__in=below.filter(kind__in=AREA_KINDS))


def area_figures(area: Unit, today: date, *, calendar=None) -> AreaFigures:
    """Status counts, overdue tasks by owning unit and open work for one area's ledger."""
    tasks = area_tasks(area)
    details = status_details(tasks, today, calendar=calendar)
    counts = status_counts(d.status for d in details.values())
    overdue_ids = [pk for pk, d in details.items() if d.status == TaskStatus.OVERDUE]
    by_unit: dict[int, list[int]] = defaultdict(list)
    inside = set(Unit.objects.filter(path__startswith=area.path).values_list("pk", flat=True))
    for pk in overdue_ids:
        # a higher area's task counts against this area's own units (a county's, not the
        # city department leading it); the area's own tasks against their owners
        owners = sorted(details[pk].owners)
        mine = [u for u in details[pk].units if u in inside and u not in owners]
        for unit_id in [u for u in owners if u in inside] or mine or owners:
            by_unit[unit_id].append(pk)
    task_objs = plan_queries.tasks_in_bulk(overdue_ids)
    units = Unit.objects.in_bulk(list(by_unit))
    overdue_by_unit = sorted(
        (
            (
                units[u],
                sorted((task_objs[t] for t in ids), key=lambda t: (t.due_on, t.pk)),
            )
            for u, ids in by_unit.items()
        ),
        key=lambda pair: (-len(pair[1]), pair[0].sort_order, pair[0].name),
    )
    pending = (
        ProgressReport.objects.filter(task__in=tasks.values("pk"), state=ReportState.SUBMITTED)
        .filter(Q(task__area__path__startswith=area.path) | Q(unit__path__startswith=area.path))
        .count()
    )
    notices = Counter(
        SupervisionNotice.objects.filter(
            issuing_unit__path__startswith=area.path,
            state__in=[rules.NoticeState.ISSUED, rules.NoticeState.RESPONDED],
        ).values_list("level", flat=True)
    )
    return AreaFigures(
        area=area,
        today=today,
        total=len(details),
        counts=counts,
        due_soon=sum(1 for d in details.values() if d.due_soon),
        overdue_by_unit=overdue_by_unit,
        pending_review=pending,
        open_notices=notices,
    )


def overdue_reports(area: Unit, today: date) -> QuerySet[ProgressReport]:
    """Report slots of the area's ledger past their due day and not (re)filed."""
    return (
        ProgressReport.objects.filter(
            task__in=area_tasks(area).values("pk"),
            state__in=[ReportState.PENDING, ReportState.RETURNED],
            report_due_on__lt=today,
        )
        .filter(Q(task__area__path__startswith=area.path) | Q(unit__path__startswith=area.path))
        .select_related("task", "unit", "cycle", "cycle__cadence")
        .order_by("unit__sort_order", "unit__name", "report_due_on")
    )
