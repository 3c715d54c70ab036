"""Items put on the ledger outside a plan (交办): the task row and its units and targets.

The supervision app decides who may assign and records the audit event in the same
transaction (``qinqing.supervision.service.assign_item``); this module only writes the
ledger's rows, so that the ledger stays the plans app's table.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction

from qinqing.core.errors import InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.plans import queries
from qinqing.plans.models import Target, Task, TaskOrigin

ASSIGNED_ORIGINS = (TaskOrigin.MEETING, TaskOrigin.INSTRUCTION)


@transaction.atomic
def create_assigned_task(
    *,
    area: Unit,
    origin: str,
    title: str,
    body: str,
    lead_units: Iterable[Unit],
    responsible_units: Iterable[Unit],
    supporting_units: Iterable[Unit],
    due_on: date | None,
    ongoing: bool,
    targets: Iterable[str],
    actor,
    now: datetime,
) -> Task:
    """A ledger task without a plan, numbered 交办N in ``area``. The caller has checked the
    fields and records the audit event (it is part of the caller's state change)."""
    if origin not in ASSIGNED_ORIGINS:
        raise InvalidInput("请选择交办来源：调度会议定事项或领导批示。")
    order = queries.next_assignment_order(area)
    task = Task.objects.create(
        plan=None,
        area=area,
        origin=origin,
        label=f"交办{order}",
        title=title,
        body=body,
        due_on=due_on,
        ongoing=ongoing,
        deadline_raw=str(due_on) if due_on else "长期坚持",
        order=order,
        created_by=actor,
        created_at=now,
    )
    task.lead_units.set(list(lead_units))
    task.responsible_units.set(list(responsible_units))
    task.supporting_units.set(list(supporting_units))
    Target.objects.bulk_create(
        Target(task=task, text=text.strip(), order=i)
        for i, text in enumerate(targets)
        if text and text.strip()
    )
    return task
