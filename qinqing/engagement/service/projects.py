"""Priority projects (重点项目服务专班)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.db import transaction

from qinqing.core import audit
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import add_workdays
from qinqing.engagement.models import (
    ApprovalItem,
    Blocker,
    Project,
    ProjectTask,
)
from qinqing.engagement.service.common import local_today


def _money(value) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"“计划总投资”为“{value}”，不是数字（单位：万元，如 12000）。") from None
    if amount < 0:
        raise InvalidInput("“计划总投资”不能为负数。")
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def create_project(*, actor, now: dt.datetime, name: str, area: Unit, lead_unit: Unit, leader,
                   investment, stage: str = Project.Stage.SIGNED, enterprise=None,
                   members: Sequence = (), description: str = "") -> Project:  # fmt: skip
    name = (name or "").strip()
    if not name:
        raise InvalidInput("请填写“项目名称”。")
    if stage not in Project.Stage.values:
        raise InvalidInput(f"项目阶段应为 {'、'.join(Project.Stage.labels)} 之一。")
    project = Project.objects.create(
        name=name[:200], area=area, lead_unit=lead_unit, leader=leader,
        investment=_money(investment), stage=stage, enterprise=enterprise,
        description=description, created_at=now,
    )  # fmt: skip
    project.members.set(members)
    audit.record(actor, "project.created", project, unit=lead_unit.pk,
                 after={"name": project.name, "stage": stage}, now=now)  # fmt: skip
    return project


STAGE_ORDER: list[str] = [Project.Stage.SIGNED, Project.Stage.STARTED, Project.Stage.PRODUCING]


@transaction.atomic
def advance_project(project: Project, *, actor, now: dt.datetime, stage: str) -> Project:
    """签约 → 开工 → 投产, forward only."""
    if stage not in STAGE_ORDER or STAGE_ORDER.index(stage) <= STAGE_ORDER.index(project.stage):
        raise IllegalTransition(
            f"项目当前为“{project.get_stage_display()}”阶段，只能推进到后面的阶段。"
        )
    before = project.stage
    project.stage = stage
    project.save(update_fields=["stage"])
    audit.record(actor, "project.advanced", project, unit=project.lead_unit_id,
                 before={"stage": before}, after={"stage": stage}, now=now)  # fmt: skip
    return project


@transaction.atomic
def add_approval(project: Project, *, actor, now: dt.datetime, name: str, unit: Unit | None = None,
                 status: str = ApprovalItem.Status.PENDING, proxy_agent: str = "") -> ApprovalItem:  # fmt: skip
    if not (name or "").strip():
        raise InvalidInput("请填写“审批事项”。")
    if status not in ApprovalItem.Status.values:
        raise InvalidInput("办理状态不在可选范围内。")
    item = ApprovalItem.objects.create(project=project, name=name.strip()[:200], unit=unit,
                                       status=status, proxy_agent=proxy_agent[:50],
                                       done_on=local_today(now) if status == "done" else None)  # fmt: skip
    audit.record(actor, "project.approval_added", project, unit=project.lead_unit_id,
                 after={"approval": item.name, "status": status}, now=now)  # fmt: skip
    return item


@transaction.atomic
def update_approval(item: ApprovalItem, *, actor, now: dt.datetime, status: str,
                    proxy_agent: str | None = None) -> ApprovalItem:  # fmt: skip
    if status not in ApprovalItem.Status.values:
        raise InvalidInput("办理状态不在可选范围内。")
    before = item.status
    item.status = status
    if proxy_agent is not None:
        item.proxy_agent = proxy_agent[:50]
    item.done_on = local_today(now) if status == ApprovalItem.Status.DONE else None
    item.save(update_fields=["status", "proxy_agent", "done_on"])
    audit.record(actor, "project.approval_updated", item.project, unit=item.project.lead_unit_id,
                 before={"status": before}, after={"approval": item.name, "status": status},
                 now=now)  # fmt: skip
    return item


@transaction.atomic
def add_blocker(project: Project, *, actor, now: dt.datetime, description: str, owner_unit: Unit,
                owner_name: str = "", limit_workdays: int = 10) -> Blocker:  # fmt: skip
    """登记堵点: its deadline counts working days from the day it is raised (not counted)."""
    if not (description or "").strip():
        raise InvalidInput("请填写堵点的“问题描述”。")
    if not 1 <= int(limit_workdays) <= 120:
        raise InvalidInput("办理时限应为 1 至 120 个工作日。")
    raised_on = local_today(now)
    blocker = Blocker.objects.create(
        project=project, description=description.strip(), owner_unit=owner_unit,
        owner_name=owner_name[:50], raised_on=raised_on, limit_workdays=int(limit_workdays),
        due_on=add_workdays(raised_on, int(limit_workdays)),
    )  # fmt: skip
    audit.record(actor, "project.blocker_added", project, unit=owner_unit.pk,
                 after={"blocker": blocker.pk, "due_on": blocker.due_on}, now=now)  # fmt: skip
    from qinqing.core.notifications import notify_unit

    notify_unit(owner_unit, kind="engagement.blocker_assigned", now=now,
                title=f"重点项目“{project.name}”堵点交办，请于 {blocker.due_on} 前解决",
                body=blocker.description[:300], url=project.get_absolute_url(),
                key=f"engagement.blocker:{blocker.pk}")  # fmt: skip
    return blocker


@transaction.atomic
def resolve_blocker(blocker: Blocker, *, actor, now: dt.datetime, resolution: str) -> Blocker:
    if blocker.resolved_on is not None:
        raise IllegalTransition("该堵点已解决。")
    if not (resolution or "").strip():
        raise InvalidInput("请填写“解决情况”。")
    blocker.resolved_on, blocker.resolution = local_today(now), resolution.strip()
    blocker.save(update_fields=["resolved_on", "resolution"])
    audit.record(actor, "project.blocker_resolved", blocker.project, unit=blocker.owner_unit_id,
                 after={"blocker": blocker.pk, "on_time": blocker.resolved_on <= blocker.due_on},
                 now=now)  # fmt: skip
    return blocker


@transaction.atomic
def link_task(project: Project, task, *, actor, now: dt.datetime) -> ProjectTask:
    link, _ = ProjectTask.objects.get_or_create(project=project, task=task)
    audit.record(actor, "project.task_linked", project, unit=project.lead_unit_id,
                 after={"task": task.pk}, now=now)  # fmt: skip
    return link
