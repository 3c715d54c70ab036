"""Permission-checked reads of plans, the task ledger and the experience library.

* A global-scope role (全部, e.g. a provincial inspector given ``plans.view``) sees every
  plan and ledger task, as :func:`qinqing.core.accounts.access.visible_units` lets it see
  every unit.
* Office and leader (jurisdiction roles) see the plans of their area and the areas below it.
* Unit staff see ledger tasks where their unit is lead, responsible or supporting; no plan
  pages (a draft under review is the office's business).
* Enterprises see nothing (they lack ``plans.view``).

:func:`visible_tasks_for_user` is the one task-visibility rule: the ledger, the supervision
pages and every other domain use it. Other domains reach tasks only through this module
and :mod:`qinqing.plans.service`; the unchecked reads at the end (``ledger_tasks`` …) are for
jobs and figures that scope by area themselves.

"Missing" and "not yours" raise the same :class:`NotFound`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils.module_loading import import_string

from qinqing.core.accounts.access import (
    has_capability,
    profile_of,
    require_capability,
    scope_area,
    user_unit,
)
from qinqing.core.accounts.models import Scope
from qinqing.core.errors import NotFound
from qinqing.core.orgs.models import AREA_KINDS, Unit
from qinqing.plans.models import Article, Plan, PlanKind, PlanStatus, Task

# ---------------------------------------------------------------- scope


def _jurisdiction(user) -> Unit | None:
    """The area whose plans the user oversees (office, leader), or ``None``."""
    return scope_area(user)


def _is_global(user) -> bool:
    profile = profile_of(user)
    return profile is not None and profile.role.scope == Scope.GLOBAL


def can_manage_plans(user) -> bool:
    return has_capability(user, "plans.manage")


# ---------------------------------------------------------------- plans


def visible_plans_for_user(user) -> QuerySet[Plan]:
    require_capability(user, "plans.view")
    if _is_global(user):
        return Plan.objects.all()
    area = _jurisdiction(user)
    if area is None:
        return Plan.objects.none()
    return Plan.objects.filter(area__path__startswith=area.path)


def access_plan_for_user(user, plan_id: int) -> Plan:
    plan = visible_plans_for_user(user).filter(pk=plan_id).select_related("area").first()
    if plan is None:
        raise NotFound("方案不存在，或不在您可查看的范围内。")
    return plan


def access_plan_for_edit(user, plan_id: int) -> Plan:
    """For writes: 404 when the plan is not visible, then 403 without ``plans.manage``."""
    plan = access_plan_for_user(user, plan_id)
    require_capability(user, "plans.manage")
    return plan


def import_areas_for_user(user) -> QuerySet[Unit]:
    """Areas the user may import a plan into: their own area and the areas below it."""
    require_capability(user, "plans.manage")
    area = _jurisdiction(user)
    if area is None:
        return Unit.objects.none()
    return Unit.objects.filter(path__startswith=area.path, kind__in=AREA_KINDS, active=True)


def access_import_area(user, unit_id: int | None) -> Unit:
    areas = import_areas_for_user(user)
    area = areas.filter(pk=unit_id).first() if unit_id else areas.order_by("path").first()
    if area is None:
        raise NotFound("所选地区不存在，或不在您可导入方案的范围内。")
    return area


# ---------------------------------------------------------------- tasks


def visible_tasks_for_user(user) -> QuerySet[Task]:
    """Ledger tasks the user may see (confirmed plans and items outside a plan): every task
    (global scope), the area's (office, leader: :func:`in_area_q`), or those the user's unit
    leads, is responsible for or supports (unit staff)."""
    require_capability(user, "plans.view")
    ledger = Task.objects.in_ledger()
    profile = profile_of(user)
    scope = profile.role.scope if profile is not None else None
    if scope == Scope.GLOBAL:
        return ledger
    if scope == Scope.JURISDICTION:
        area = _jurisdiction(user)
        return ledger.filter(in_area_q(area)) if area is not None else Task.objects.none()
    unit = user_unit(user)
    if scope == Scope.UNIT and unit is not None:
        return ledger.filter(_involving(unit))
    return Task.objects.none()


def current_version(plan: Plan) -> Plan:
    """The confirmed version that replaced ``plan`` (itself if none did): a cadence set on
    version 1 keeps reviewing the plan after version 2 is confirmed."""
    seen = {plan.pk}
    while plan.status == PlanStatus.SUPERSEDED:
        newer = (
            Plan.objects.filter(previous_version=plan)
            .exclude(status=PlanStatus.DRAFT)
            .exclude(pk__in=seen)
            .order_by("-version")
            .first()
        )
        if newer is None:
            break
        seen.add(newer.pk)
        plan = newer
    return plan


def in_area_q(area: Unit) -> Q:
    """Tasks an area's office oversees: those of its plans (and its sub-areas'), and those of
    a higher area's plan assigned to one of its units (a city plan's task for a county)."""
    units = Unit.objects.filter(path__startswith=area.path).values("pk")
    lead = Task.lead_units.through.objects.filter(task_id=OuterRef("pk"), unit_id__in=units)
    resp = Task.responsible_units.through.objects.filter(task_id=OuterRef("pk"), unit_id__in=units)
    supp = Task.supporting_units.through.objects.filter(task_id=OuterRef("pk"), unit_id__in=units)
    return Q(area__path__startswith=area.path) | Q(Exists(lead)) | Q(Exists(resp)) | Q(Exists(supp))


def _involving(unit: Unit) -> Q:
    lead = Task.lead_units.through.objects.filter(task_id=OuterRef("pk"), unit_id=unit.pk)
    resp = Task.responsible_units.through.objects.filter(task_id=OuterRef("pk"), unit_id=unit.pk)
    supp = Task.supporting_units.through.objects.filter(task_id=OuterRef("pk"), unit_id=unit.pk)
    return Q(Exists(lead)) | Q(Exists(resp)) | Q(Exists(supp))


def access_task_for_user(user, task_id: int) -> Task:
    task = (
        visible_tasks_for_user(user)
        .filter(pk=task_id)
        .select_related("plan", "section", "area")
        .first()
    )
    if task is None:
        raise NotFound("任务不存在，或不是您单位承担的任务。")
    return task


def access_draft_task_for_edit(user, plan: Plan, task_id: int) -> Task:
    """A task of a plan the caller already checked with :func:`access_plan_for_edit`."""
    task = plan.tasks.filter(pk=task_id).first()
    if task is None:
        raise NotFound("任务不存在，或不属于该方案。")
    return task


@dataclass
class LedgerFilters:
    unit: int | None = None
    unit_role: str = ""  # "" = lead or responsible; "lead"; "responsible"; "supporting"
    plan: int | None = None
    section: int | None = None
    origin: str = ""
    due_from: date | None = None
    due_to: date | None = None
    ongoing: bool = False
    q: str = ""
    status: str = ""
    due_soon: bool = False  # only tasks near their deadline (临期), as the home page counts
    today: date | None = None  # the day statuses are derived for (with ``status``)


def filter_ledger(tasks: QuerySet[Task], f: LedgerFilters) -> QuerySet[Task]:
    if f.unit:
        if f.unit_role == "lead":
            tasks = tasks.filter(lead_units=f.unit)
        elif f.unit_role == "responsible":
            tasks = tasks.filter(responsible_units=f.unit)
        elif f.unit_role == "supporting":
            tasks = tasks.filter(supporting_units=f.unit)
        else:
            lead = Task.lead_units.through.objects.filter(task_id=OuterRef("pk"), unit_id=f.unit)
            resp = Task.responsible_units.through.objects.filter(
                task_id=OuterRef("pk"), unit_id=f.unit
            )
            tasks = tasks.filter(Q(Exists(lead)) | Q(Exists(resp)))
    if f.plan:
        tasks = tasks.filter(plan_id=f.plan)
    if f.section:
        tasks = tasks.filter(section_id=f.section)
    if f.origin:
        tasks = tasks.filter(origin=f.origin)
    if f.due_from:
        tasks = tasks.filter(due_on__gte=f.due_from)
    if f.due_to:
        tasks = tasks.filter(due_on__lte=f.due_to)
    if f.ongoing:
        tasks = tasks.filter(ongoing=True)
    if f.q:
        for word in f.q.split():
            tasks = tasks.filter(Q(title__icontains=word) | Q(body__icontains=word) | Q(label=word))
    tasks = tasks.distinct()
    if f.status and f.today is not None:
        ids = list(tasks.values_list("pk", flat=True))
        statuses = _status_provider()(ids, f.today) if ids else {}
        tasks = tasks.filter(pk__in=[pk for pk, s in statuses.items() if s.value == f.status])
    if f.due_soon and f.today is not None:
        ids = list(tasks.values_list("pk", flat=True))
        tasks = tasks.filter(pk__in=sorted(_due_soon_provider()(ids, f.today)) if ids else [])
    return tasks


def task_unit_links(task_ids: list[int]) -> dict[int, set[int]]:
    """Each task's lead and responsible units (the ledger's default unit filter), in two
    queries, for figures by unit that must match what the ledger lists."""
    out: dict[int, set[int]] = {pk: set() for pk in task_ids}
    for through in (Task.lead_units.through, Task.responsible_units.through):
        for task_id, unit_id in through.objects.filter(task_id__in=task_ids).values_list(
            "task_id", "unit_id"
        ):
            out[task_id].add(unit_id)
    return out


def ledger_units_for_user(user) -> QuerySet[Unit]:
    """Units offered in the ledger's unit filter: those with visible tasks."""
    tasks = visible_tasks_for_user(user)
    return (
        Unit.objects.filter(
            Q(led_tasks__in=tasks) | Q(responsible_tasks__in=tasks) | Q(supporting_tasks__in=tasks)
        )
        .distinct()
        .order_by("path", "sort_order", "name")
    )


def ledger_plans_for_user(user) -> QuerySet[Plan]:
    """Confirmed plans offered in the ledger's plan filter."""
    tasks = visible_tasks_for_user(user)
    return (
        Plan.objects.filter(status=PlanStatus.CONFIRMED, kind=PlanKind.PLAN, tasks__in=tasks)
        .distinct()
        .order_by("-year", "title")
    )


# ---------------------------------------------------------------- status hook

# A task's status (未启动/推进中/已完成/逾期…) is derived by the supervision app from progress
# reports; the ledger, the task page and the export only show it. The provider is
#     task_statuses(task_ids: list[int], today: date) -> dict[int, TaskStatus]
# where TaskStatus is a TextChoices (``.value`` English, ``.label`` Chinese).
STATUS_PROVIDER = "qinqing.supervision.queries.task_statuses"
STATUS_CHOICES = "qinqing.supervision.rules.TaskStatus"
STATUS_BADGES = {
    "overdue": "red",
    "not_started": "yellow",
    "pending_verification": "yellow",
    "completed": "green",
}


def _no_statuses(task_ids, today) -> dict:
    return {}


DUE_SOON_PROVIDER = "qinqing.supervision.queries.due_soon_task_ids"
# (overdue, due soon) counts of many tasks from one reading of their facts, for the home
# page: ``ledger_counts(task_ids, today) -> tuple[int, int]``
COUNTS_PROVIDER = "qinqing.supervision.queries.overdue_and_due_soon_counts"


def ledger_counts(tasks: QuerySet[Task], today: date) -> tuple[int, int]:
    """How many of ``tasks`` the ledger lists as overdue (``status=overdue``) and as due soon
    (``due_soon``): the counts of :func:`filter_ledger` with those filters, from one list
    of ids and one reading of the tasks' reports (the home page's 逾期/临期 lines)."""
    ids = list(tasks.distinct().values_list("pk", flat=True))
    if not ids:
        return 0, 0
    try:
        counts: tuple[int, int] = import_string(COUNTS_PROVIDER)(ids, today)
    except ImportError:
        statuses = _status_provider()(ids, today)
        overdue = sum(1 for s in statuses.values() if s.value == "overdue")
        counts = (overdue, len(_due_soon_provider()(ids, today)))
    return counts


def _due_soon_provider():
    try:
        return import_string(DUE_SOON_PROVIDER)
    except ImportError:
        return lambda task_ids, today: set()


def _status_provider():
    try:
        return import_string(STATUS_PROVIDER)
    except ImportError:
        return _no_statuses


def status_choices() -> list[tuple[str, str]]:
    """The statuses the ledger can be filtered by (none without the supervision app)."""
    try:
        return list(import_string(STATUS_CHOICES).choices)
    except ImportError:
        return []


def task_status_labels(tasks: list[Task], *, today: date) -> dict[int, tuple[str, str]]:
    """(Chinese label, badge colour) of each task's status; empty without a provider."""
    if not tasks:
        return {}
    statuses = _status_provider()([t.pk for t in tasks], today)
    return {
        pk: (status.label, STATUS_BADGES.get(status.value, "")) for pk, status in statuses.items()
    }


# ---------------------------------------------------------------- experience library


def _library_area(user) -> Unit | None:
    area = _jurisdiction(user)
    if area is not None:
        return area
    unit = user_unit(user)
    return unit.area() if unit is not None else None


def visible_articles_for_user(user) -> QuerySet[Article]:
    """Articles of confirmed compilations of the user's area, the areas above and below it."""
    require_capability(user, "plans.view")
    confirmed = Article.objects.filter(
        plan__kind=PlanKind.COMPILATION, plan__status=PlanStatus.CONFIRMED, fragment=False
    )
    if _is_global(user):
        return confirmed
    area = _library_area(user)
    if area is None:
        return Article.objects.none()
    ancestors = [int(p) for p in area.path.split("/") if p]
    return confirmed.filter(
        Q(plan__area__path__startswith=area.path) | Q(plan__area_id__in=ancestors)
    )


def access_article_for_user(user, article_id: int) -> Article:
    article = visible_articles_for_user(user).filter(pk=article_id).select_related("plan").first()
    if article is None:
        raise NotFound("文章不存在，或不在您可查看的范围内。")
    return article


# ---------------------------------------------------------------- for other domains (unchecked)

# Reads for jobs and figures that scope by area or unit themselves (the supervision sweep, its
# overview and indicators): never behind a page without one of the checks above.

UNIT_ROLES = ("lead", "responsible", "supporting")


def ledger_tasks() -> QuerySet[Task]:
    """Every task on the ledger (confirmed plans' tasks and items outside a plan)."""
    return Task.objects.in_ledger()


def area_ledger(area: Unit) -> QuerySet[Task]:
    """The ledger an area's office oversees (what its ledger page lists)."""
    return ledger_tasks().filter(in_area_q(area))


def tasks_in_bulk(task_ids: Iterable[int]) -> dict[int, Task]:
    return Task.objects.in_bulk(list(task_ids))


def tasks_by_ids(task_ids: Iterable[int] | QuerySet) -> QuerySet[Task]:
    """The tasks with these ids (a list, or a queryset of ids or tasks)."""
    if isinstance(task_ids, QuerySet):
        return Task.objects.filter(pk__in=task_ids)
    return Task.objects.filter(pk__in=list(task_ids))


def unit_links(role: str) -> QuerySet:
    """The (task_id, unit_id) rows pairing tasks with their ``role`` units ("lead",
    "responsible" or "supporting"), to aggregate by unit in SQL."""
    if role not in UNIT_ROLES:
        raise ValueError(role)
    return getattr(Task, f"{role}_units").through.objects.all()


def reporting_pairs_sql() -> str:
    """SQL selecting ``task_id, unit_id`` of every task's lead and responsible units (the units
    that report), for set-based inserts; table names come from the model metadata."""
    quote = connection.ops.quote_name
    lead = quote(Task.lead_units.through._meta.db_table)
    responsible = quote(Task.responsible_units.through._meta.db_table)
    return f"SELECT task_id, unit_id FROM {lead} UNION SELECT task_id, unit_id FROM {responsible}"  # noqa: S608


def next_assignment_order(area: Unit) -> int:
    """The number of the next item assigned outside a plan in ``area`` (交办N)."""
    top = Task.objects.filter(plan=None, area=area).aggregate(m=Max("order"))["m"]
    return (top or 0) + 1


def confirmed_plans(area: Unit) -> QuerySet[Plan]:
    """The area's confirmed plans (a 材料汇编 is not a plan: it has no tasks to report on)."""
    return Plan.objects.filter(area=area, status=PlanStatus.CONFIRMED, kind=PlanKind.PLAN)


def latest_confirmed_plan(area: Unit) -> Plan | None:
    return confirmed_plans(area).order_by("created_at", "pk").last()
