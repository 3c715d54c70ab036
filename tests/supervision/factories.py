"""Plans, tasks and cycles for supervision tests: fixed values, named traits, <script> in text."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """An aware instant on ``day`` (Asia/Shanghai office hours by default)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def make_plan(
    world,
    *,
    title="示例市优化营商环境三年行动方案<script>x</script>",
    area=None,
    status="confirmed",
    created=date(2025, 1, 2),
):
    from qinqing.plans.models import Plan, PlanKind

    area = area or world.city
    return Plan.objects.create(
        title=title,
        kind=PlanKind.PLAN,
        area=area,
        year=2025,
        status=status,
        source_filename="plan.txt",
        source_sha256=hashlib.sha256(f"{title}{area.pk}{status}".encode()).hexdigest(),
        created_at=at(created),
        confirmed_at=at(created) if status != "draft" else None,
    )


def make_task(
    plan,
    *,
    title="推行企业开办“一网通办”<script>alert(1)</script>",
    lead=(),
    responsible=(),
    supporting=(),
    due_on=date(2025, 6, 30),
    ongoing=False,
    label="1",
    targets=(),
    area=None,
    created=date(2025, 1, 2),
):
    from qinqing.plans.models import Target, Task

    task = Task.objects.create(
        plan=plan,
        area=area or plan.area,
        label=label,
        title=title,
        due_on=None if ongoing else due_on,
        ongoing=ongoing,
        order=int(label) if str(label).isdigit() else 0,
        created_at=at(created),
    )
    task.lead_units.set(lead)
    task.responsible_units.set(responsible)
    task.supporting_units.set(supporting)
    for i, (text, value, unit) in enumerate(targets):
        Target.objects.create(task=task, text=text, value=Decimal(value), unit=unit, order=i)
    return task


def monthly(
    world,
    plan=None,
    *,
    starts_on=date(2025, 1, 1),
    now=None,
    label="月调度",
    months=1,
    lag=5,
    area=None,
):
    from qinqing.supervision import service

    return service.configure_cadence(
        actor=world.office_admin,
        area=area or world.city,
        plan=plan,
        label=label,
        months=months,
        report_lag_workdays=lag,
        starts_on=starts_on,
        now=now or at(starts_on),
    )


def cycle_of(cadence, period_start: date):
    return cadence.cycles.get(period_start=period_start)


def slot(task, unit, cycle):
    from qinqing.supervision.models import ProgressReport

    return ProgressReport.objects.get(task=task, unit=unit, cycle=cycle)
