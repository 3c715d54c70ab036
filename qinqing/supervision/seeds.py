"""Demo data for the supervision loop (written for the product, no real people's messages).

On top of the plans the plans app loaded: the two review cadences of 004 (主要领导每两月一
调度、分管领导每月一调度) on one plan, two items assigned outside a plan (a meeting decision
and a leader's instruction), a few progress reports (filed, returned, accepted), a 督办单,
the sweep's reminders and last month's bulletin. Idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from qinqing.core.orgs.models import Unit
from qinqing.supervision import service, tasks
from qinqing.supervision.models import (
    Assignment,
    Bulletin,
    ProgressReport,
    ReviewCadence,
    SupervisionNotice,
)
from qinqing.supervision.rules import ReportState, parse_month

ITEMS = [
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


def _unit(city: Unit, name: str) -> Unit | None:
    return Unit.objects.filter(name=name, path__startswith=city.path).first()


def load_demo(*, city, users: dict, log: Callable[[str], None] = print) -> None:
    from qinqing.plans.models import Plan, PlanStatus

    office = users.get("office_admin")
    if office is None:
        log("  缺少营商办演示账号，跳过调度督办演示数据。")
        return
    now = timezone.now()
    today = timezone.localdate(now)
    start = (today.replace(day=1) - timedelta(days=40)).replace(day=1)

    plan = (
        Plan.objects.filter(area=city, status=PlanStatus.CONFIRMED, kind="plan")
        .order_by("created_at", "pk")
        .last()
    )
    if plan is not None:
        for label, months in (("主要领导调度", 2), ("分管领导调度", 1)):
            if not ReviewCadence.objects.filter(plan=plan, label=label).exists():
                service.configure_cadence(
                    actor=office, area=city, plan=plan, label=label, months=months,
                    starts_on=start, now=now,
                )  # fmt: skip
        log(f"  《{plan.title}》：主要领导每两月一调度、分管领导每月一调度")

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
