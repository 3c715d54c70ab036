"""Demo data for the problem ledger (written for the product; no real messages).

A 督查 visit with two findings, a 明察暗访 finding already closed out (its 回头看 due), a
专项整治 of 涉企收费 with one item, an arrears case with a payment and a repayment plan, and
a published 经验做法. Idempotent: nothing is added when the demo visit exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from qinqing.core.enterprises.uscc import uscc_check_char
from qinqing.core.orgs.models import Unit, UnitKind
from qinqing.problems import service
from qinqing.problems.models import InspectionVisit
from qinqing.problems.rules import CampaignKind, CaseKind, Source

DEMO_TEAM = "市营商环境督查组（演示）"
DEMO_USCC = "91110000MA01DEM10" + uscc_check_char("91110000MA01DEM10")


def load_demo(*, city: Unit, users: dict, log: Callable[[str], None] = print) -> None:
    office = users.get("office_admin")
    if office is None:
        log("  缺少营商办演示账号，跳过问题台账演示数据。")
        return
    if InspectionVisit.objects.filter(team=DEMO_TEAM, area__path__startswith=city.path).exists():
        log("  问题台账演示数据已存在，跳过。")
        return
    now = timezone.now()
    # the visit and the problems it found date from late last month, so that the demo's
    # 通报 of last month (supervision's seed runs after this one) has them in its chapter
    found = now - dt.timedelta(days=now.day + 6)
    units = list(
        Unit.objects.filter(path__startswith=city.path, kind=UnitKind.DEPARTMENT).order_by("path")
    )
    if not units:
        log("  演示机构库中没有政府部门，跳过问题台账演示数据。")
        return
    lead, other = units[0], units[-1]
    visit = service.record_visit(
        actor=office, team=DEMO_TEAM, kind=Source.INSPECTION, visited_on=found.date(),
        units=[lead, other], summary="随机抽查政务服务大厅窗口和企业开办专区。", now=found,
        findings=[
            {"title": "企业开办专区“一窗通办”未落实，申请人需往返两个窗口", "lead_unit": lead,
             "time_limit": "15个工作日", "measures": "整合窗口，推行一窗受理、集成服务",
             "evidence_note": "督查组现场记录：上午 9:30 至 10:30 共 6 名申请人往返窗口。"},
            {"title": "办事指南未公开收费标准", "lead_unit": other, "time_limit": "到达本级15日内",
             "measures": "在政务服务网和大厅公示收费依据和标准"},
        ],
    )  # fmt: skip
    campaign = service.create_campaign(
        actor=office, kind=CampaignKind.FEES, title="涉企违规收费专项整治（演示）",
        target_on=dt.date(now.year, 6, 30), now=found,
        description="6月底前“清零”：全面清理涉企违规收费，已收取的限期清退。",
    )  # fmt: skip
    service.create_problem(
        actor=office, title="园区污水处理费重复收取", source=Source.CAMPAIGN, campaign=campaign,
        details={"fee": "污水处理费", "refunded": "12800.00"}, lead_unit=lead,
        time_limit="30日", now=found,
    )  # fmt: skip
    county = Unit.objects.filter(path__startswith=city.path, kind=UnitKind.COUNTY).first() or city
    arrears = service.register_arrears(
        actor=office, kind="arrears", creditor_uscc=DEMO_USCC, creditor_name="示例建设工程有限公司",
        debtor_name=other.name, debtor_unit=other, county=county, principal="1200000.00",
        incurred_on=dt.date(now.year - 2, 9, 1), now=now, description="道路改造工程款（演示）",
        plan={now.year: Decimal("600000"), now.year + 1: Decimal("600000")},
    )  # fmt: skip
    service.record_payment(arrears, actor=office, amount="300000", paid_on=now.date(), now=now)
    service.submit_case(
        actor=office, kind=CaseKind.POSITIVE, title="“局长走流程”发现并解决 12 个堵点（演示）",
        body="局长以申请人身份全程办理企业开办，现场梳理堵点并当场交办。", now=now,
    )  # fmt: skip
    log(
        f"  问题台账演示数据：督查记录 1 条、问题 {visit.problems.count() + 1} 条、专项整治 1 个、"
        "清欠台账 1 条、经验做法 1 条。"
    )
