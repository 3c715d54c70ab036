"""Demo data for the supervision loop (written for the product, no real people's messages).

On top of the plans the plans app loaded: the two review cadences of 004 (主要领导每两月一
调度、分管领导每月一调度) on one plan, begun three months ago; the reports of the cycles
already past, filed by the counties and two departments with different diligence (so that
the assessment, which reads them through the supervision indicators, separates the units);
two items assigned outside a plan (a meeting decision and a leader's instruction), a few
progress reports on them (filed, returned, accepted), 督办单, the sweep's reminders and last
month's bulletin. Idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TypedDict

from django.contrib.auth import get_user_model
from django.utils import timezone

from qinqing.core.accounts.service import create_user_with_role
from qinqing.core.orgs.models import Unit
from qinqing.plans import queries as plan_queries
from qinqing.supervision import service, tasks
from qinqing.supervision.models import (
    Assignment,
    Bulletin,
    ProgressReport,
    ReviewCadence,
    ReviewCycle,
    SupervisionNotice,
)
from qinqing.supervision.rules import ReportState, parse_month


class DemoItem(TypedDict):
    origin: str
    basis: str
    title: str
    lead: str
    responsible: list[str]
    days: int
    targets: list[str]


ITEMS: list[DemoItem] = [
    {
        "origin": "meeting",
        "basis": "示例市优化营商环境工作调度会议纪要（第5次）",
        "title": "解决工业园区企业用电报装周期长的问题，推行低压小微企业“三零”服务",
        "lead": "示例市市场监督管理局",
        "responsible": ["国家税务总局示例市税务局"],
        "days": 45,
        "targets": ["低压小微企业用电报装时间压缩至15个工作日以内"],
    },
    {
        "origin": "instruction",
        "basis": "市长批示〔演示〕3号",
        "title": "梳理涉企收费清单，清理规范中介服务收费并向社会公布",
        "lead": "国家税务总局示例市税务局",
        "responsible": ["示例市市场监督管理局"],
        "days": 20,
        "targets": [],
    },
]


# How each unit reported in the cycles before the demo's day: of its report slots in a cycle,
# the share filed before the deadline and the share filed late (the rest stay unfiled), and
# whether the office returns one report in three. The counties differ on purpose; the two
# departments with demo accounts as well. Other units' slots stay unfiled.
DILIGENCE = {
    "示例县": (1.0, 0.0, False),
    "东城区": (0.6, 0.3, False),
    "西山县": (0.25, 0.25, True),
    "示例市市场监督管理局": (0.75, 0.25, True),
    "国家税务总局示例市税务局": (0.5, 0.0, False),
}
LAGGARD = "西山县"  # gets a 督办单 for its unfiled reports
MAX_SLOTS_PER_CYCLE = 16  # a unit's slots filed per cycle, to keep the demo quick
HISTORY_MONTHS = 3  # the plan's cadences begin this many months before the demo's day
LATE_DAYS = 3


def _unit(city: Unit, name: str) -> Unit | None:
    return Unit.objects.filter(name=name, path__startswith=city.path).first()


def load_demo(*, city, users: dict, log: Callable[[str], None] = print) -> None:
    office = users.get("office_admin")
    if office is None:
        log("  缺少营商办演示账号，跳过调度督办演示数据。")
        return
    now = timezone.now()
    today = timezone.localdate(now)
    start = _months_before(today, HISTORY_MONTHS)

    plan = plan_queries.latest_confirmed_plan(city)
    if plan is not None:
        for label, months in (("主要领导调度", 2), ("分管领导调度", 1)):
            if not ReviewCadence.objects.filter(plan=plan, label=label).exists():
                service.configure_cadence(
                    actor=office, area=city, plan=plan, label=label, months=months,
                    starts_on=start, now=now,
                )  # fmt: skip
        log(f"  《{plan.title}》：主要领导每两月一调度、分管领导每月一调度")
    if not ReviewCadence.objects.filter(area=city, plan=None).exists():
        # the area's default 月调度 (the other plans and assigned items), begun as long ago
        service.configure_cadence(
            actor=office, area=city, label="月调度", months=1, starts_on=start, now=now
        )

    items = []
    for item in ITEMS:
        found = Assignment.objects.filter(basis=item["basis"], task__area=city).first()
        if found is not None:
            items.append(found.task)
            continue
        lead = _unit(city, item["lead"])
        if lead is None:
            continue
        items.append(
            service.assign_item(
                actor=office,
                origin=item["origin"],
                title=item["title"],
                basis=item["basis"],
                lead_units=[lead],
                responsible_units=[u for n in item["responsible"] if (u := _unit(city, n))],
                due_on=today + timedelta(days=item["days"]),
                targets=item["targets"],
                now=now,
            )
        )
    log(f"  交办事项 {len(items)} 项")
    tasks.find_reminders(now)  # cycles and report slots for every cadence, no e-mail
    if _history(city=city, office=office, users=users, today=today, log=log):
        tasks.find_reminders(now)  # what the past cycles' unfiled reports owe, once

    market, tax = users.get("market_clerk"), users.get("tax_clerk")
    if items and market is not None and tax is not None:
        slot = (
            ProgressReport.objects.filter(task=items[0], unit=market.profile.unit)
            .order_by("-period_end")
            .first()
        )
        if slot is not None and slot.state == ReportState.PENDING:
            service.submit_report(
                slot, actor=market, stage="in_progress",
                narrative="已与供电公司建立联合办理机制，园区内12家企业完成报装，平均用时18个工作日。",
                now=now,
            )  # fmt: skip
            service.return_report(
                slot, actor=office, reason="请补充报装时间的统计口径和未办结企业名单。", now=now
            )
        slot = (
            ProgressReport.objects.filter(task=items[-1], unit=tax.profile.unit)
            .order_by("-period_end")
            .first()
        )
        if slot is not None and slot.state == ReportState.PENDING:
            service.submit_report(
                slot, actor=tax, stage="in_progress",
                narrative="已梳理涉企收费项目46项，拟取消3项，清单正在征求意见。", now=now,
            )  # fmt: skip
            service.accept_report(slot, actor=office, now=now)
        if not SupervisionNotice.objects.filter(issuing_unit=office.profile.unit).exists():
            service.issue_supervision_notice(
                actor=office, unit=tax.profile.unit, task=items[-1], level="reminder",
                reason="涉企收费清单尚未向社会公布，请加快进度。", response_workdays=5, now=now,
            )  # fmt: skip
    last_month = parse_month((today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m"))
    if not Bulletin.objects.filter(area=city, period_start=last_month[0]).exists():
        row = service.generate_bulletin(
            actor=office, area=city, period_start=last_month[0], period_end=last_month[1], now=now
        )
        log(f"  工作通报：《{row.title}》")


def _months_before(day: date, months: int) -> date:
    year, month = day.year, day.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _reporter(unit: Unit, users: dict):
    """A demo account filing for ``unit``: a persona of the unit, or a 联络员 without a
    password (nobody logs in with it; it only stands for the unit's past reports)."""
    for user in users.values():
        profile = getattr(user, "profile", None)
        if profile is not None and profile.unit_id == unit.pk and profile.role.code == "unit_staff":
            return user
    username = f"demo_liaison_{unit.code or unit.pk}"
    existing = get_user_model().objects.filter(username=username).first()
    if existing is not None:
        return existing
    return create_user_with_role(
        actor="demo", username=username, password=None, role_code="unit_staff", unit=unit,
        full_name=f"{unit.name}联络员（演示）",
    )  # fmt: skip


def _history(*, city: Unit, office, users: dict, today: date, log: Callable[[str], None]) -> bool:
    """The cycles already past: open their report slots as the sweep did at the time, and
    file each unit's reports with its :data:`DILIGENCE` (on time, late, or not at all).
    Returns whether it did (the first run only)."""
    past = list(
        ReviewCycle.objects.filter(
            cadence__area=city,
            report_due_on__lt=today - timedelta(days=LATE_DAYS + 2),
        ).order_by("report_due_on", "pk")
    )
    if not past or ProgressReport.objects.filter(cycle__in=past).exclude(version=0).exists():
        return False  # nothing past yet, or filed by an earlier run
    units = {u.name: u for u in Unit.objects.filter(name__in=DILIGENCE, path__startswith=city.path)}
    filed = late_count = 0
    for cycle in past:
        # the demo's plans were imported today: their tasks stand for the ones the units
        # reported on then, so the slots are opened for every task of the cadence
        tasks_then = service.cadence_tasks(cycle.cadence).order_by("pk")
        service.insert_slots(cycle, list(tasks_then.values_list("pk", flat=True)))
        service.open_cycle(cycle, now=_at(cycle.period_start, 8))
        for name, (on_time, late, returns) in DILIGENCE.items():
            unit = units.get(name)
            if unit is None:
                continue
            slots = list(
                ProgressReport.objects.filter(cycle=cycle, unit=unit, state=ReportState.PENDING)
                .select_related("task")
                .order_by("task__order", "task_id")[:MAX_SLOTS_PER_CYCLE]
            )
            n_on_time, n_late = round(len(slots) * on_time), round(len(slots) * late)
            reporter = _reporter(unit, users)
            for i, slot in enumerate(slots[: n_on_time + n_late]):
                day = cycle.report_due_on - timedelta(days=2)
                if i >= n_on_time:
                    day, late_count = (
                        cycle.report_due_on + timedelta(days=LATE_DAYS),
                        late_count + 1,
                    )
                when = _at(max(day, cycle.period_start))
                service.submit_report(
                    slot, actor=reporter, stage="in_progress",
                    narrative=f"{cycle.label}：按计划推进，本期完成阶段性工作，下一步继续落实。",
                    now=when,
                )  # fmt: skip
                filed += 1
                if returns and i % 3 == 2:
                    service.return_report(
                        slot, actor=office, reason="请补充量化进展和佐证材料。",
                        now=when + timedelta(days=1),
                    )  # fmt: skip
                else:
                    service.accept_report(slot, actor=office, now=when + timedelta(days=1))
    laggard = units.get(LAGGARD)
    if (
        laggard is not None
        and ProgressReport.objects.filter(
            cycle__in=past, unit=laggard, state=ReportState.PENDING
        ).exists()
        and not SupervisionNotice.objects.filter(unit=laggard).exists()
    ):
        cycle = past[-1]
        service.issue_supervision_notice(
            actor=office, unit=laggard, level="supervision",
            reason=f"{cycle.label}进度报送多项逾期未报，请于期限内补报并说明原因。",
            response_workdays=5, now=_at(cycle.report_due_on + timedelta(days=LATE_DAYS + 1)),
        )  # fmt: skip
    log(f"  往期调度：报送 {filed} 份（其中逾期报送 {late_count} 份），其余未报送。")
    return True
