"""The review page's corrections of a draft: tasks, plan details and unit names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q

from qinqing.core import audit
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs import service as orgs_service
from qinqing.core.orgs.models import ProposalStatus, Unit, UnitNameProposal
from qinqing.plans import rules
from qinqing.plans.models import Plan, PlanStatus, Section, Task, TaskOrigin, UnitMention, UnitRole
from qinqing.plans.parsing.deadlines import normalise_deadline
from qinqing.plans.parsing.units import split_units
from qinqing.plans.service.importing import (
    _clear_uncertain,
    _Resolver,
    _set_mentions,
    _set_targets,
    draft_plan,
    sync_task_units,
)

# ---------------------------------------------------------------- review


def _require_draft(plan: Plan, what: str) -> None:
    if plan.status != PlanStatus.DRAFT:
        raise IllegalTransition(
            f"《{plan.title}》当前状态为“{plan.get_status_display()}”，不能{what}。"
            "已确认的台账以确认版本为准；如需修改，请导入修订后的新版本。"
        )


def _mention_names(task: Task, role: str) -> list[str]:
    return [m.raw_name for m in task.unit_mentions.all() if m.role == role]


def task_snapshot(task: Task) -> dict:
    """The editable fields of a task as plain values (for audit and the review page)."""
    return {
        "label": task.label,
        "title": task.title,
        "body": task.body,
        "lead_units": _mention_names(task, UnitRole.LEAD),
        "responsible_units": _mention_names(task, UnitRole.RESPONSIBLE),
        "supporting_units": _mention_names(task, UnitRole.SUPPORTING),
        "deadline_raw": task.deadline_raw,
        "due_on": task.due_on.isoformat() if task.due_on else None,
        "ongoing": task.ongoing,
        "targets": [t.text for t in task.targets.all()],
    }


@transaction.atomic
def update_task(
    task: Task,
    *,
    actor,
    label: str,
    title: str,
    body: str,
    lead_units: str,
    responsible_units: str,
    supporting_units: str,
    deadline_raw: str,
    due_on: date | None,
    ongoing: bool,
    targets: str,
) -> Task:
    """修改待确认任务: correct a parsed task on the review page (drafts only)."""
    plan = draft_plan(task)
    _require_draft(plan, "修改任务")
    title = title.strip()
    if not title:
        raise InvalidInput("“重点任务”不能为空，请填写任务名称。")
    before = task_snapshot(task)
    deadline_raw = deadline_raw.strip()[:300]
    old_due = task.due_on
    if deadline_raw != task.deadline_raw and due_on == old_due and ongoing == task.ongoing:
        # the text changed and the date was left alone: read the date from the new text
        derived = rules.deadline_fields(normalise_deadline(deadline_raw, plan.year))
        due_on, ongoing = derived.due_on, derived.ongoing
    task.label = label.strip()[:30]
    task.title = title
    task.body = body.strip()
    task.deadline_raw = deadline_raw
    task.due_on = due_on
    task.ongoing = ongoing
    task.save(update_fields=["label", "title", "body", "deadline_raw", "due_on", "ongoing"])
    resolver = _Resolver(plan, actor=actor)
    wanted = {
        UnitRole.LEAD: split_units(lead_units),
        UnitRole.RESPONSIBLE: split_units(responsible_units),
        UnitRole.SUPPORTING: split_units(supporting_units),
    }
    for role, names in wanted.items():
        if names != _mention_names(task, role):
            task.unit_mentions.filter(role=role).delete()
            _set_mentions(task, {role: names}, resolver)
    sync_task_units(task)
    new_targets = [t.strip() for t in re.split(r"[\r\n]+", targets or "") if t.strip()]
    if new_targets != before["targets"]:
        _set_targets(task, new_targets)
    after = task_snapshot(task)
    _clear_uncertain(task)  # the reviewer has seen every field of the task
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        audit.record(
            actor, "plan.task_updated", task, unit=plan.area,
            before={k: before[k] for k in sorted(changed)},
            after={k: after[k] for k in sorted(changed)},
        )  # fmt: skip
    return task


@transaction.atomic
def add_task(
    plan: Plan,
    *,
    actor,
    now: datetime,
    label: str,
    title: str,
    body: str,
    lead_units: str,
    responsible_units: str,
    supporting_units: str,
    deadline_raw: str,
    due_on: date | None,
    ongoing: bool,
    targets: str,
    section: Section | None = None,
) -> Task:
    """补充任务: add a task the parser missed to a draft (drafts only), after the last task."""
    _require_draft(plan, "补充任务")
    title = title.strip()
    if not title:
        raise InvalidInput("“重点任务”不能为空，请填写任务名称。")
    if section is not None and section.plan_id != plan.pk:
        raise InvalidInput("所选分组不属于该方案。")
    deadline_raw = deadline_raw.strip()[:300]
    if deadline_raw and due_on is None and not ongoing:
        derived = rules.deadline_fields(normalise_deadline(deadline_raw, plan.year))
        due_on, ongoing = derived.due_on, derived.ongoing
    last = plan.tasks.order_by("-order").values_list("order", flat=True).first()
    task = Task.objects.create(
        plan=plan,
        area=plan.area,
        origin=TaskOrigin.PLAN,
        label=label.strip()[:30],
        section=section,
        title=title,
        body=body.strip(),
        due_on=due_on,
        ongoing=ongoing,
        deadline_raw=deadline_raw,
        order=(last if last is not None else -1) + 1,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
    )
    resolver = _Resolver(plan, actor=actor)
    names: dict[str, list[str]] = {
        UnitRole.LEAD: split_units(lead_units),
        UnitRole.RESPONSIBLE: split_units(responsible_units),
        UnitRole.SUPPORTING: split_units(supporting_units),
    }
    _set_mentions(task, names, resolver)
    sync_task_units(task)
    _set_targets(task, [t.strip() for t in re.split(r"[\r\n]+", targets or "") if t.strip()])
    audit.record(actor, "plan.task_added", task, unit=plan.area, after=task_snapshot(task))
    return task


@transaction.atomic
def delete_task(task: Task, *, actor) -> None:
    """删除待确认任务: the parser took something for a task that is not one (drafts only)."""
    plan = draft_plan(task)
    _require_draft(plan, "删除任务")
    snapshot = task_snapshot(task)
    audit.record(actor, "plan.task_deleted", task, unit=plan.area, before=snapshot)
    task.delete()


@transaction.atomic
def update_plan_details(plan: Plan, *, actor, title: str, year: int | None) -> Plan:
    """修改方案标题、年度 (drafts only): the parser's title guess may be generic."""
    _require_draft(plan, "修改方案信息")
    title = title.strip()[:300]
    if not title:
        raise InvalidInput("方案标题不能为空。")
    before = {"title": plan.title, "year": plan.year}
    if (title, year) != (plan.title, plan.year):
        others = Plan.objects.filter(area=plan.area, kind=plan.kind, title=title, year=year)
        others = others.exclude(pk=plan.pk)
        if others.filter(status=PlanStatus.DRAFT).exists():
            raise InvalidInput(f"《{title}》已有另一份待确认的草稿，请先处理那份草稿。")
        previous = others.filter(status=PlanStatus.CONFIRMED).order_by("-version").first()
        plan.previous_version = previous
        plan.version = previous.version + 1 if previous else 1
    plan.title, plan.year = title, year
    plan.save(update_fields=["title", "year", "previous_version", "version"])
    audit.record(actor, "plan.updated", plan, unit=plan.area, before=before,
                 after={"title": title, "year": year})  # fmt: skip
    return plan


def pending_mentions(plan: Plan):
    """Mentions of unit names nobody has answered yet (no unit, no group, proposal pending)."""
    return UnitMention.objects.filter(
        task__plan=plan, unit__isnull=True, group__isnull=True
    ).filter(Q(proposal__isnull=True) | Q(proposal__status=ProposalStatus.PENDING))


def refresh_mentions(area: Unit, *, names: Iterable[str] | None = None) -> int:
    """Resolve again the unresolved unit names of tasks in ``area`` (after the directory
    learned a name); returns how many mentions now point to a unit or a group."""
    qs = UnitMention.objects.filter(
        task__area__path__startswith=area.path, unit__isnull=True, group__isnull=True
    ).select_related("task", "task__area")
    if names is not None:
        qs = qs.filter(raw_name__in=list(names))
    touched: dict[int, Task] = {}
    count = 0
    cache: dict[tuple[int, str], orgs_service.Resolution] = {}
    for m in qs:
        key = (m.task.area_id, m.raw_name)
        if key not in cache:
            cache[key] = orgs_service.resolve_name(m.raw_name, area=m.task.area)
        res = cache[key]
        if res.known:
            m.unit, m.group = res.unit, res.group
            m.save(update_fields=["unit", "group"])
            touched[m.task_id] = m.task
            count += 1
    for task in touched.values():
        sync_task_units(task)
    return count


@transaction.atomic
def resolve_unit_name(
    plan: Plan,
    proposal: UnitNameProposal,
    *,
    actor,
    action: str,
    unit: Unit | None = None,
    group=None,
    kind: str = "",
    parent: Unit | None = None,
) -> int:
    """对应单位名称: answer an unknown unit name from the review page.

    ``action``: ``map`` (another name of ``unit``: it becomes an alias), ``group`` (a
    collective name of ``group``), ``create`` (a new unit of ``kind`` under ``parent``) or
    ``reject`` (not a unit: the name is left out of the ledger). Every task of the area
    that mentions the name is updated; returns how many mentions were resolved.
    """
    if not pending_mentions(plan).filter(proposal=proposal).exists():
        raise InvalidInput(f"“{proposal.raw_name}”不是本方案中待确认的单位名称，或已处理。")
    if action == "map" and unit is not None:
        orgs_service.map_proposal_to_unit(proposal, unit, actor=actor)
    elif action == "group" and group is not None:
        orgs_service.map_proposal_to_group(proposal, group, actor=actor)
    elif action == "create" and parent is not None:
        orgs_service.create_unit_from_proposal(proposal, actor=actor, kind=kind, parent=parent)
    elif action == "reject":
        orgs_service.reject_proposal(proposal, actor=actor)
    else:
        raise InvalidInput("请选择处理方式：对应现有单位、对应单位集合、新建单位或不计入台账。")
    proposal.refresh_from_db()
    count = 0
    if proposal.status == ProposalStatus.GROUPED:
        # a collective name is not an alias, so the directory cannot resolve it by itself
        mentions = UnitMention.objects.filter(proposal=proposal, unit__isnull=True,
                                              group__isnull=True).select_related("task")  # fmt: skip
        tasks = {}
        for m in mentions:
            m.group = proposal.resolved_group
            m.save(update_fields=["group"])
            tasks[m.task_id] = m.task
            count += 1
        for task in tasks.values():
            sync_task_units(task)
    else:
        count = refresh_mentions(plan.area, names=_raw_names(proposal))
    audit.record(
        actor, "plan.unit_name_resolved", plan, unit=plan.area,
        after={"name": proposal.raw_name, "action": action, "mentions": count,
               "unit": proposal.resolved_unit.name if proposal.resolved_unit else None,
               "group": proposal.resolved_group.name if proposal.resolved_group else None},
    )  # fmt: skip
    return count


def _raw_names(proposal: UnitNameProposal) -> list[str]:
    return list(
        UnitMention.objects.filter(proposal=proposal).values_list("raw_name", flat=True).distinct()
    ) or [proposal.raw_name]


@transaction.atomic
def refresh_plan_units(plan: Plan, *, actor) -> int:
    """重新对应单位名称: resolve the plan's unanswered names against the current directory."""
    count = refresh_mentions(plan.area)
    if count:
        audit.record(actor, "plan.units_refreshed", plan, unit=plan.area,
                     after={"mentions": count})  # fmt: skip
    return count
