"""Items assigned outside a plan (交办)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction

from qinqing.core import audit
from qinqing.core.accounts.access import require_capability, scope_area, user_unit
from qinqing.core.errors import InvalidInput, PermissionDenied
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import get_calendar
from qinqing.plans import service as plan_service
from qinqing.supervision.models import Assignment, ReviewCadence
from qinqing.supervision.service.cadences import (
    collecting_cycles,
    ensure_cycles,
    ensure_default_cadence,
    open_cycle,
)
from qinqing.supervision.service.common import local_date

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
    require_capability(actor, "plans.manage")
    area = scope_area(actor)
    office = user_unit(actor)
    if area is None or office is None:
        raise PermissionDenied("只有营商办等统筹单位可以交办事项。")
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
    task = plan_service.create_assigned_task(
        area=area,
        origin=origin,
        title=title,
        body=(body or "").strip(),
        lead_units=leads,
        responsible_units=responsible,
        supporting_units=supporting,
        due_on=due_on,
        ongoing=ongoing,
        targets=targets,
        actor=actor,
        now=now,
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
    calendar = get_calendar()
    for cadence in ReviewCadence.objects.filter(area=area, plan=None, active=True):
        ensure_cycles(cadence, today, calendar=calendar, problems=[])
    for cycle in collecting_cycles(today).filter(cadence__area=area, cadence__plan=None):
        open_cycle(cycle, now=now)
    return task
