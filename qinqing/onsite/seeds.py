"""Demo data of on-site checks for 示例市 (idempotent; runs after the inspections demo).

* 入企检查规则: approval by the office before entry, annual cap 4 (A 类 2);
* the market's 免罚清单 in two versions (the second with its published diff) and the tax
  bureau's 首违不罚 list; two flexible-enforcement cases;
* 执法事项 with 裁量基准 linked to inspection items; three penalty notices (one minor and
  past its publication period, so not public);
* registrations of the two demo enterprises on the next open working days (one approved,
  one waiting for approval, one recorded afterwards) and a joint-visit proposal.

Everything is made up for the product demo.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.inspections import queries as inspections_queries
from qinqing.onsite import service
from qinqing.onsite.models import (
    CheckRegistration,
    EnforcementMatter,
    FlexibleCase,
    LeniencyList,
    OnsiteSettings,
    PenaltyNotice,
)

MARKET = "示例市市场监督管理局"
TAX = "国家税务总局示例市税务局"
BASIS = "《中华人民共和国行政处罚法》第三十三条"

MARKET_V1 = [
    (
        "1",
        "未按规定期限公示年度报告",
        "首次违法，在责令期限内补报且未造成危害后果",
        "first_no_penalty",
    ),
    ("2", "未在经营场所醒目位置悬挂营业执照", "首次违法且及时改正", "first_no_penalty"),
    ("3", "商品明码标价不规范", "违法行为轻微并及时改正，没有造成危害后果", "minor_no_penalty"),
    ("4", "广告中使用“最佳”等绝对化用语", "首次发布、影响范围小并及时删除", "minor_no_penalty"),
]
MARKET_V2_CHANGES = {
    "2": (
        "未在经营场所醒目位置悬挂营业执照",
        "首次违法、危害后果轻微并在 3 日内改正",
        "first_no_penalty",
    ),
    "5": ("未按规定办理住所变更登记", "新址在同一县（区）内且在责令期限内办理", "no_coercion"),
    "6": ("食品经营者未按规定公示健康证明", "首次违法且当场改正", "lighter"),
}
TAX_V1 = [
    ("1", "未按规定期限办理纳税申报", "首次违法、在税务机关发现前主动改正或在责令期限内改正", "first_no_penalty"),
    ("2", "未按规定设置、保管账簿", "首次违法、危害后果轻微并及时改正", "first_no_penalty"),
    ("3", "未按规定将全部银行账号向税务机关报告", "首次违法并在责令期限内改正", "first_no_penalty"),
]  # fmt: skip


def _list(unit, field, title, rows, *, office, now, log) -> LeniencyList | None:
    found = LeniencyList.objects.filter(unit=unit, field=field).first()
    if found is not None:
        return found
    user = None  # the demo acts as the unit's system account
    lst = service.create_leniency_list(actor=user, now=now, unit=unit, field=field, title=title)
    draft = service.draft_of(lst)
    assert draft is not None  # a new list starts with its first draft  # noqa: S101
    for code, behaviour, conditions, discretion in rows:
        service.save_entry(draft, actor=user, now=now, code=code, behaviour=behaviour,
                           legal_basis=BASIS, conditions=conditions, discretion=discretion)  # fmt: skip
    service.publish_version(draft, actor=user, now=now, effective_on=date(now.year, 1, 1),
                            source=f"{unit.name}公告（第一版）")  # fmt: skip
    log(f"  免罚清单：{title}")
    return lst


def _open_day(area, enterprise, start: date, category: str = "routine") -> date | None:
    """The first day from ``start`` a routine check may be registered (shared quiet rule)."""
    for k in range(0, 90):
        day = start + timedelta(days=k)
        try:
            service.entry_check(area=area, enterprise=enterprise, day=day, category=category,
                                joining=True)  # fmt: skip
            return day
        except InvalidInput:
            continue
    return None


def load_demo(*, city: Unit, users: dict, log) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    office = users["office_admin"]
    units = {u.name: u for u in Unit.objects.filter(path__startswith=city.path)}
    market, tax = units.get(MARKET), units.get(TAX)
    if market is None or tax is None:
        log("  涉企检查：缺少市场监管局或税务局，跳过")
        return
    if not OnsiteSettings.objects.filter(area=city).exists():
        service.save_settings(actor=office, now=now, area=city, approval_required=True,
                              annual_cap=4, annual_cap_a=2,
                              source="示例市涉企行政检查备案和核准办法（演示）")  # fmt: skip

    market_list = _list(market, "市场监管", "市场监管领域轻微违法行为不予处罚清单", MARKET_V1,
                        office=office, now=now, log=log)  # fmt: skip
    if market_list is not None and market_list.versions.count() == 1:
        draft = service.start_revision(market_list, actor=None, now=now)
        for code, (behaviour, conditions, discretion) in MARKET_V2_CHANGES.items():
            service.save_entry(draft, actor=None, now=now, code=code, behaviour=behaviour,
                               legal_basis=BASIS, conditions=conditions, discretion=discretion)  # fmt: skip
        service.remove_entry(draft, actor=None, now=now, code="4")
        service.publish_version(draft, actor=None, now=now, effective_on=today,
                                source=f"{market.name}公告（第二版）")  # fmt: skip
    _list(tax, "税务", "税务行政处罚“首违不罚”事项清单", TAX_V1, office=office, now=now, log=log)

    items = {i.code: i for i in inspections_queries.items_with_codes(["SCJG-002", "SW-001"])}
    if not EnforcementMatter.objects.filter(code="SCJG-CF-0001").exists():
        service.create_matter(
            actor=office, now=now, unit=market, code="SCJG-CF-0001",
            name="对企业未按规定公示年度报告的行政处罚", kind="penalty",
            legal_basis="《企业信息公示暂行条例》第十八条",
            inspection_items=[items["SCJG-002"]] if "SCJG-002" in items else [],
            standards=[
                {"severity": "minor", "circumstance": "首次违法，在责令期限内补报", "outcome": "不予处罚"},
                {"severity": "general", "circumstance": "逾期未改正", "outcome": "列入经营异常名录"},
                {"severity": "serious", "circumstance": "隐瞒真实情况、弄虚作假", "outcome": "依法处罚并列入严重违法失信名单"},
            ],
        )  # fmt: skip
        service.create_matter(
            actor=office, now=now, unit=tax, code="SW-JC-0001", name="发票使用和管理情况检查",
            kind="inspection", legal_basis="《中华人民共和国发票管理办法》第三十条",
            inspection_items=[items["SW-001"]] if "SW-001" in items else [],
        )  # fmt: skip
        log("  执法事项清单和裁量基准：2 项")

    # the two demo enterprises with accounts, else the first two of the inspections demo
    fallback = list(Enterprise.objects.filter(region_code__startswith="4299").order_by("uscc")[:2])
    a = Enterprise.objects.filter(name="示例智造科技有限公司").first() or next(
        iter(fallback[:1]), None
    )
    b = Enterprise.objects.filter(name="示例绿源食品有限公司").first() or next(
        iter(fallback[1:]), None
    )
    if a is None or b is None:
        log("  涉企检查：演示企业不在企业库中，跳过入企检查备案")
        return
    if not PenaltyNotice.objects.exists():
        for number, summary, minor, days_ago in (
            ("示市监罚〔演示〕1号", "未按规定公示年度报告，通报批评", True, 30),
            ("示市监罚〔演示〕2号", "未按规定标明价格，罚款并责令改正", False, 60),
            ("示市监罚〔演示〕3号", "未亮照经营，通报批评（公示期已满，不再公开）", True, 200),
        ):
            service.publish_penalty_notice(actor=office, now=now, unit=market, enterprise=b,
                                           decision_number=number, summary=summary, minor=minor,
                                           published_on=today - timedelta(days=days_ago))  # fmt: skip

    if CheckRegistration.objects.filter(enterprise__in=[a, b]).exists():
        return
    market_people = list(inspections_queries.active_inspectors_of_unit(market)[:2])
    tax_people = list(inspections_queries.active_inspectors_of_unit(tax)[:2])
    if len(market_people) < 2 or len(tax_people) < 2 or len(items) < 2:
        log("  涉企检查：缺少检查事项或执法检查人员，跳过入企检查备案")
        return
    clerks = {"market": users.get("market_clerk"), "tax": users.get("tax_clerk")}
    day_a = _open_day(city, a, today + timedelta(days=1))
    day_b = _open_day(city, b, today + timedelta(days=1))
    if day_a is None or day_b is None:
        return
    first = service.register_check(
        actor=clerks["market"], now=now, unit=market, enterprise=a, category="routine",
        reason="年度企业公示信息情况检查", legal_basis="《企业信息公示暂行条例》第十四条",
        items=[items["SCJG-002"]], inspectors=market_people, planned_on=day_a,
    )  # fmt: skip
    service.approve_entry(first, actor=office, now=now, note="同意，请按时扫码入企")
    service.register_check(
        actor=clerks["tax"], now=now, unit=tax, enterprise=b, category="routine",
        reason="发票使用情况日常检查", legal_basis="《中华人民共和国发票管理办法》第三十条",
        items=[items["SW-001"]], inspectors=tax_people, planned_on=day_b,
    )  # fmt: skip
    service.register_check(
        actor=clerks["market"], now=now, unit=market, enterprise=b, category="routine",
        reason="企业公示信息抽查复核", legal_basis="《企业信息公示暂行条例》第十四条",
        items=[items["SCJG-002"]], inspectors=market_people,
        planned_on=_open_day(city, b, day_b + timedelta(days=1)) or day_b,
    )  # fmt: skip
    service.record_check_afterwards(
        actor=clerks["market"], now=now, unit=market, enterprise=a, category="complaint",
        reason="消费者投诉产品标识不规范", legal_basis="《市场监督管理投诉举报处理暂行办法》",
        items=[items["SCJG-002"]], inspectors=market_people, visited_on=today - timedelta(days=3),
        late_reason="投诉涉及在售产品，需当日到场核查", result="标识已当场改正",
    )  # fmt: skip
    service.code_for_enterprise(a, now=now)
    service.code_for_enterprise(b, now=now)
    for month in {day_b.replace(day=1)}:
        service.propose_joint_visits(month=month, now=now)
    current = market_list.versions.filter(state="published").first() if market_list else None
    entry = current.entries.order_by("code").first() if current is not None else None
    if entry is not None and not FlexibleCase.objects.exists():
        service.record_flexible_case(actor=clerks["market"], now=now, unit=market, entry=entry,
                                     enterprise=b, measure="reminder", handled_on=today,
                                     summary="提醒企业按期公示年度报告，企业当日补报")  # fmt: skip
    log("  入企检查备案：4 件（含 1 件事后补录），联合检查建议 1 条")
