"""Demo data of 双随机、一公开 and credit for 示例市 (idempotent).

* a small synthetic registry of 60 enterprises (plus the two demo enterprises) in three
  fictional districts (行政区划代码 4299xx), imported through the registry service;
* credit tiers set through ``change_credit_tier`` (so each has its history), one red and
  one black list entry, a credit-repair request awaiting its first review;
* item lists of four departments, their inspectors, the 上、中旬“宁静日” rule and one
  enterprise's 安静生产期;
* one published joint campaign with some results entered, and a draft for next month.

Everything is made up for the product demo; nothing is copied from ../shared/data/appeals.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from qinqing.core.enterprises.models import Enterprise
from qinqing.core.enterprises.service import import_registry
from qinqing.core.enterprises.uscc import uscc_check_char
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import get_calendar
from qinqing.inspections import service
from qinqing.inspections.models import (
    Campaign,
    CampaignState,
    CreditListKind,
    CreditTierChange,
    InspectionItem,
    Inspector,
    LocalQuietDays,
    QuietPeriod,
    Result,
)

MARKET = "示例市市场监督管理局"
TAX = "国家税务总局示例市税务局"
ECOLOGY = "示例市生态环境局"
EMERGENCY = "示例市应急管理局"

REGIONS = ("429901", "429902", "429903")  # fictional districts of 示例市

# 字号 and (industry code, name suffix, size) of the synthetic enterprises
TRADE_NAMES = [
    "华辰", "鑫源", "恒泰", "瑞丰", "金穗", "宏达", "康宁", "绿野", "晨光", "博远",
    "嘉禾", "天成", "永盛", "润泽", "星河", "汇通", "佳美", "安泰", "盛世", "新航",
]  # fmt: skip
KINDS = [
    ("C14", "食品有限公司", "small"),
    ("C34", "机械制造有限公司", "medium"),
    ("C39", "电子科技有限公司", "small"),
    ("C26", "化工有限公司", "medium"),
    ("F52", "商贸有限公司", "micro"),
    ("H62", "餐饮管理有限公司", "micro"),
    ("E47", "建筑工程有限公司", "medium"),
    ("I65", "软件有限公司", "small"),
    ("D44", "热电有限公司", "large"),
    ("F52", "超市有限公司", "small"),
    ("C13", "粮油有限公司", "small"),
    ("H62", "餐饮有限公司", "micro"),
]

ITEMS = [
    (MARKET, "SCJG-001", "食品生产经营者落实食品安全主体责任情况检查",
     "《中华人民共和国食品安全法》第八十七条", "C13;C14;F52;H62", ("0.05", "0.1", "0.2", "0.5")),
    (MARKET, "SCJG-002", "企业公示信息情况检查",
     "《企业信息公示暂行条例》第十四条", "*", ("0.02", "0.05", "0.1", "0.3")),
    (MARKET, "SCJG-003", "特种设备使用单位安全管理情况检查",
     "《中华人民共和国特种设备安全法》第五十七条", "C;D44", ("0.05", "0.1", "0.2", "0.4")),
    (TAX, "SW-001", "发票使用和管理情况检查",
     "《中华人民共和国发票管理办法》第三十条", "*", ("0.02", "0.05", "0.1", "0.3")),
    (ECOLOGY, "HB-001", "排污单位落实排污许可制度情况检查",
     "《排污许可管理条例》第二十八条", "C13;C14;C26;D44", ("0.1", "0.2", "0.3", "0.5")),
    (EMERGENCY, "YJ-001", "工贸企业安全生产标准化情况检查",
     "《中华人民共和国安全生产法》第六十五条", "C", ("0.05", "0.1", "0.2", "0.4")),
]  # fmt: skip

INSPECTORS = {
    MARKET: ("1", ["陈立明", "黄晓燕", "赵国庆", "孙丽娟", "周建华"], "食品安全;特种设备;企业信息公示"),
    TAX: ("2", ["吴海涛", "郑雪梅", "王志强", "冯小兰"], "发票管理;纳税评估"),
    ECOLOGY: ("3", ["何文斌", "许晓东", "林秀英", "高建军"], "排污许可;固体废物"),
    EMERGENCY: ("4", ["马永刚", "罗春燕", "梁志伟"], "安全生产"),
}  # fmt: skip

CAMPAIGN_NAME = "市场监管、税务、生态环境部门联合双随机抽查（演示）"
DRAFT_NAME = "工贸企业安全生产双随机抽查（演示草稿）"


def demo_uscc(n: int, region: str) -> str:
    body = f"91{region}MA{n:07d}"
    return body + uscc_check_char(body)


def demo_registry() -> list[dict]:
    """The synthetic enterprises: 60 rows, deterministic."""
    rows = []
    for n in range(60):
        code, suffix, size = KINDS[n % len(KINDS)]
        trade = TRADE_NAMES[n % len(TRADE_NAMES)]
        region = REGIONS[n % len(REGIONS)]
        rows.append(
            {
                "uscc": demo_uscc(n + 1, region),
                "name": f"示例市{trade}{suffix}" if n < 20 else f"示例市{trade}{n // 20}号{suffix}",
                "region_code": region,
                "industry_code": code,
                "size": size,
                "established_on": date(2005 + n % 18, 1 + n % 12, 1 + n % 27).isoformat(),
                "serious_dishonesty": "False",
                "graduate_hires": str(n % 4),
            }
        )
    return rows


def demo_tier(n: int) -> str:
    """A, B, C, D in roughly the shares of a real 信用风险分类 (many B, few D)."""
    if n % 4 == 0:
        return "A"
    if n % 12 == 5:
        return "D"
    if n % 6 == 1:
        return "C"
    return "B"


def _registry_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _anchor(today: date) -> date:
    """A day whose surrounding weeks the working-day calendar covers (demo dates hang off it)."""

    last_year = max(get_calendar().years)
    return min(today, date(last_year, 11, 30))


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def load_demo(*, city: Unit, users: dict, log) -> None:

    office = users["office_admin"]
    now = timezone.now()
    anchor = _anchor(timezone.localdate(now))
    units = {u.name: u for u in Unit.objects.filter(path__startswith=city.path)}

    rows = demo_registry()
    missing = [r for r in rows if not Enterprise.objects.filter(uscc=r["uscc"]).exists()]
    if missing:
        import_registry(_registry_csv(missing), filename="示例市演示企业名录.csv", actor=office)
        log(f"  演示企业名录：{len(missing)} 家")
    by_uscc = {e.uscc: e for e in Enterprise.objects.filter(uscc__in=[r["uscc"] for r in rows])}
    _load_credit(city, office, rows, by_uscc, anchor, log)

    for unit_name, code, name, basis, industries, ratios in ITEMS:
        if InspectionItem.objects.filter(code=code).exists():
            continue
        service.create_item(
            actor=office,
            unit=units[unit_name],
            code=code,
            name=name,
            legal_basis=basis,
            industries=industries,
            ratios=dict(zip("ABCD", (Decimal(r) for r in ratios), strict=True)),
            frequency="yearly",
            now=now,
        )
    for unit_name, (digit, names, fields) in INSPECTORS.items():
        for k, person in enumerate(names, 1):
            certificate = f"4299{digit}{k:05d}"
            if Inspector.objects.filter(certificate_number=certificate).exists():
                continue
            inspector = service.create_inspector(
                actor=office,
                unit=units[unit_name],
                name=person,
                certificate_number=certificate,
                fields=fields,
                conflicts=rows[k * 7]["uscc"] if k == 2 else "",
                now=now,
            )
            if k == len(names) and len(names) > 4:  # one officer on leave
                service.update_inspector(
                    inspector,
                    actor=office,
                    unit=inspector.unit,
                    name=inspector.name,
                    fields=inspector.fields,
                    active=False,
                    conflicts="",
                    now=now,
                )

    _link_demo_inspector(users, units, office, now, log)

    if not LocalQuietDays.objects.filter(area=city).exists():
        service.add_local_quiet_days(
            actor=office,
            area=city,
            name="企业生产经营上、中旬“宁静日”",
            first_day=1,
            last_day=20,
            source="《示例区进一步优化营商环境十八条措施》：落实企业生产经营上、中旬“宁静日”制度",
            now=now,
        )
    quiet_uscc = rows[3]["uscc"]
    if not QuietPeriod.objects.filter(enterprise__uscc=quiet_uscc).exists():
        service.add_quiet_period(
            actor=office,
            area=city,
            enterprise=by_uscc[quiet_uscc],
            start_on=anchor - timedelta(days=60),
            end_on=anchor + timedelta(days=60),
            reason="安静生产期（重点订单集中生产）",
            now=now,
        )

    if not Campaign.objects.filter(name=CAMPAIGN_NAME).exists():
        _published_campaign(city, users, anchor, log)
    if not Campaign.objects.filter(name=DRAFT_NAME).exists():
        start = anchor + timedelta(days=1)
        service.plan_campaign(
            actor=office,
            area=city,
            now=_at(anchor),
            name=DRAFT_NAME,
            items=[InspectionItem.objects.get(code="YJ-001")],
            window_start_on=start,
            window_end_on=min(start + timedelta(days=30), date(start.year, 12, 31)),
            region_codes="4299",
        )


def _load_credit(city, office, rows, by_uscc, anchor: date, log) -> None:
    if CreditTierChange.objects.filter(enterprise__in=by_uscc.values()).exists():
        return
    when = _at(anchor - timedelta(days=120))
    for n, row in enumerate(rows):
        tier = demo_tier(n)
        if tier != by_uscc[row["uscc"]].credit_tier:
            service.change_credit_tier(
                by_uscc[row["uscc"]],
                actor=office,
                area=city,
                tier=tier,
                reason="年度企业信用风险分类结果",
                source="示例市市场监督管理局 企业信用风险分类管理结果",
                effective_on=when.date(),
                now=when,
            )
    red = by_uscc[rows[0]["uscc"]]
    service.add_list_entry(
        red,
        actor=office,
        area=city,
        kind=CreditListKind.RED,
        reason="连续三年纳税信用 A 级，无违法失信记录",
        source="国家税务总局示例市税务局 纳税信用 A 级纳税人名单",
        listed_on=when.date(),
        ends_on=None,
        now=when,
    )
    black = by_uscc[rows[5]["uscc"]]
    entry = service.add_list_entry(
        black,
        actor=office,
        area=city,
        kind=CreditListKind.BLACK,
        reason="拒不履行行政处罚决定",
        source="示例市生态环境局 示环罚〔2026〕8 号",
        listed_on=when.date(),
        ends_on=None,
        now=when,
    )
    service.submit_credit_repair(
        black,
        actor=office,
        area=city,
        statement="已缴清罚款并完成整改，附缴款凭证和整改报告，申请移出严重失信主体名单。",
        list_entry=entry,
        now=timezone.now(),
    )
    log("  信用记录：信用风险分类、红黑名单、信用修复申请")


def _published_campaign(city, users, anchor: date, log) -> None:
    office = users["office_admin"]
    start, end = anchor - timedelta(days=45), anchor - timedelta(days=10)
    planned = _at(start - timedelta(days=5))
    campaign = service.plan_campaign(
        actor=office,
        area=city,
        now=planned,
        name=CAMPAIGN_NAME,
        items=list(
            InspectionItem.objects.filter(code__in=["SCJG-001", "SCJG-002", "SW-001", "HB-001"])
        ),
        window_start_on=start,
        window_end_on=end,
        region_codes="4299",
    )
    campaign = service.commit_campaign(campaign, actor=office, now=planned + timedelta(hours=1))
    campaign = service.draw_campaign(campaign, actor=office, now=planned + timedelta(days=1))
    campaign = service.publish_campaign(campaign, actor=office, now=planned + timedelta(days=1))
    clerks = {"示例市市场监督管理局": users.get("market_clerk"), TAX: users.get("tax_clerk")}
    outcomes = [Result.NO_ISSUE, Result.NO_ISSUE, Result.RECTIFICATION, Result.NO_ISSUE,
                Result.NOT_OPERATING, Result.NO_ISSUE, Result.CASE_FILED]  # fmt: skip
    today = timezone.localdate()
    entered = 0
    for n, visit in enumerate(campaign.visits.order_by("number")):
        if n % 4 == 3 or visit.planned_on > today:
            continue  # some results still to be entered
        for vi in visit.visit_items.select_related("item__unit"):
            service.record_result(
                vi,
                actor=clerks.get(vi.item.unit.name) or "演示数据",
                result=outcomes[(n + entered) % len(outcomes)],
                checked_on=visit.planned_on,
                note="",
                now=_at(min(visit.planned_on + timedelta(days=3), today), 16),
            )
            entered += 1
    assert campaign.state == CampaignState.PUBLISHED
    log(f"  抽查计划：{campaign.visits.count()} 个检查对象，已录入 {entered} 项结果")


def _link_demo_inspector(users: dict, units: dict, office, now, log) -> None:
    """The market persona is also an enforcement officer, so the demo can scan an
    enterprise's code as an inspector (码上监督 records the person who scanned)."""
    user = users.get("market_clerk")
    if user is None or Inspector.objects.filter(user=user).exists():
        return
    certificate = "4299100099"
    if Inspector.objects.filter(certificate_number=certificate).exists():
        return
    service.create_inspector(
        actor=office,
        unit=units[MARKET],
        name=user.first_name or user.get_username(),
        certificate_number=certificate,
        fields="企业信息公示",
        conflicts="",
        username=user.get_username(),
        mobile="13900001234",
        now=now,
    )
    log(f"  演示执法检查人员账号：{user.get_username()}（可扫企业码入企）")
