"""State changes of 双随机、一公开 and credit: one atomic, audited function per change.

``now`` comes from the view or job; ``today`` is its local date. Every function raises a
``QinqingError`` with a Chinese message and writes nothing when it refuses.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.audit.models import Visibility
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.inspections import notify, pools, rules
from qinqing.inspections.drawing import draw_commitment, render_draw, run_draw, verify_draw
from qinqing.inspections.drawing.industry import is_valid_industry_code
from qinqing.inspections.models import (
    Campaign,
    CampaignFile,
    CampaignState,
    CreditListEntry,
    CreditListKind,
    CreditRepairRequest,
    CreditTierChange,
    InspectionItem,
    Inspector,
    LocalQuietDays,
    QuietPeriod,
    RepairState,
    Result,
    Visit,
    VisitItem,
)

TIERS = ("A", "B", "C", "D")


def publish_workdays_default() -> int:
    return int(
        getattr(settings, "QINQING_INSPECTION_PUBLISH_WORKDAYS", rules.DEFAULT_PUBLISH_WORKDAYS)
    )


def repair_review_workdays_default() -> int:
    return int(
        getattr(
            settings,
            "QINQING_CREDIT_REPAIR_REVIEW_WORKDAYS",
            rules.DEFAULT_REPAIR_REVIEW_WORKDAYS,
        )
    )


def _today(now: datetime) -> date:
    return timezone.localdate(now)


# --- 一单两库 -------------------------------------------------------------------------


def _clean_industries(text: str) -> str:
    codes = [c.strip().upper() for c in (text or "").replace("；", ";").split(";")]
    codes = [c for c in codes if c]
    if not codes:
        raise InvalidInput(
            "“适用行业”为空：请填写国民经济行业分类代码（如 C13;F51），或填写 * 表示全部行业。"
        )
    for code in codes:
        if code != "*" and not is_valid_industry_code(code):
            raise InvalidInput(
                f"“适用行业”中的“{code}”不是有效的国民经济行业分类（GB/T 4754）代码："
                f"应为门类字母加 2–4 位数字，如 C13、F5212，多个用“;”分隔，或填写 * 表示全部行业。"
            )
    if "*" in codes:
        return "*"
    return ";".join(sorted(set(codes)))


def _clean_ratios(ratios: dict[str, Decimal]) -> dict[str, Decimal]:
    out = {}
    for tier in TIERS:
        value = ratios[tier]
        if value is None or value < 0 or value > 1:
            raise InvalidInput(
                f"“{tier} 类抽查比例”为 {value}，应为 0 到 1 之间的小数（如 0.05 表示 5%）。"
            )
        out[f"ratio_{tier.lower()}"] = value
    return out


ITEM_FIELDS = ("name", "legal_basis", "industries", "frequency", "active", "unit_id")


def _item_state(item: InspectionItem) -> dict:
    return {
        **{f: getattr(item, f) for f in ITEM_FIELDS},
        **{f"ratio_{t.lower()}": str(getattr(item, f"ratio_{t.lower()}")) for t in TIERS},
    }


@transaction.atomic
def create_item(
    *,
    actor,
    unit: Unit,
    code: str,
    name: str,
    legal_basis: str,
    industries: str,
    ratios: dict[str, Decimal],
    frequency: str,
    now: datetime,
) -> InspectionItem:
    """新增检查事项 for one department."""
    code = rules.check_identifier(code, "事项编号")
    if InspectionItem.objects.filter(code=code).exists():
        raise InvalidInput(f"事项编号“{code}”已被使用，请换一个编号（如在部门简称后加序号）。")
    item = InspectionItem.objects.create(
        unit=unit,
        code=code,
        name=name.strip(),
        legal_basis=legal_basis.strip(),
        industries=_clean_industries(industries),
        frequency=frequency,
        created_at=now,
        updated_at=now,
        **_clean_ratios(ratios),
    )
    audit.record(
        actor, "inspection_item.created", item, after=_item_state(item), unit=unit, now=now
    )
    return item


@transaction.atomic
def update_item(
    item: InspectionItem,
    *,
    actor,
    unit: Unit,
    name: str,
    legal_basis: str,
    industries: str,
    ratios: dict[str, Decimal],
    frequency: str,
    active: bool,
    now: datetime,
) -> InspectionItem:
    """修改检查事项 (the code stays: published draws refer to it)."""
    before = _item_state(item)
    item.unit = unit
    item.name = name.strip()
    item.legal_basis = legal_basis.strip()
    item.industries = _clean_industries(industries)
    item.frequency = frequency
    item.active = active
    for field, value in _clean_ratios(ratios).items():
        setattr(item, field, value)
    item.updated_at = now
    item.save()
    audit.record(
        actor, "inspection_item.updated", item, before=before, after=_item_state(item), now=now
    )
    return item


def _inspector_state(p: Inspector) -> dict:
    return {
        "unit_id": p.unit_id,
        "name": p.name,
        "fields": p.fields,
        "active": p.active,
        "conflicts": len(p.conflicts),  # how many, not whom: the log is read widely
    }


@transaction.atomic
def create_inspector(
    *,
    actor,
    unit: Unit,
    name: str,
    certificate_number: str,
    fields: str,
    conflicts: str,
    now: datetime,
) -> Inspector:
    """新增执法检查人员."""
    certificate_number = rules.check_identifier(certificate_number, "执法证号")
    if Inspector.objects.filter(certificate_number=certificate_number).exists():
        raise InvalidInput(f"执法证号“{certificate_number}”已登记，请核对后重试。")
    if not name.strip():
        raise InvalidInput("“姓名”为空。")
    inspector = Inspector.objects.create(
        unit=unit,
        name=name.strip(),
        certificate_number=certificate_number,
        fields=fields.strip(),
        active=True,
        conflicts=rules.parse_uscc_list(conflicts),
        created_at=now,
        updated_at=now,
    )
    audit.record(
        actor, "inspector.created", inspector, after=_inspector_state(inspector), unit=unit, now=now
    )
    return inspector


@transaction.atomic
def update_inspector(
    inspector: Inspector,
    *,
    actor,
    unit: Unit,
    name: str,
    fields: str,
    active: bool,
    conflicts: str,
    now: datetime,
) -> Inspector:
    """修改执法检查人员 (在岗 / 回避企业); the certificate number stays."""
    if not name.strip():
        raise InvalidInput("“姓名”为空。")
    before = _inspector_state(inspector)
    inspector.unit = unit
    inspector.name = name.strip()
    inspector.fields = fields.strip()
    inspector.active = active
    inspector.conflicts = rules.parse_uscc_list(conflicts)
    inspector.updated_at = now
    inspector.save()
    audit.record(
        actor,
        "inspector.updated",
        inspector,
        before=before,
        after=_inspector_state(inspector),
        now=now,
    )
    return inspector


# --- quiet periods (宁静期 / 宁静日) ------------------------------------------------------


@transaction.atomic
def add_quiet_period(
    *,
    actor,
    area: Unit,
    enterprise: Enterprise,
    start_on: date,
    end_on: date,
    reason: str,
    now: datetime,
) -> QuietPeriod:
    """登记企业宁静期 (安静生产期): no visit to this enterprise on these days."""
    if start_on > end_on:
        raise InvalidInput(
            f"宁静期开始日期 {start_on.isoformat()} 晚于结束日期 {end_on.isoformat()}，请调整。"
        )
    if not reason.strip():
        raise InvalidInput("请填写宁静期的事由（如“安静生产期”“重大订单生产期”）。")
    period = QuietPeriod.objects.create(
        area=area,
        enterprise=enterprise,
        start_on=start_on,
        end_on=end_on,
        reason=reason.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
    )
    audit.record(
        actor,
        "quiet_period.added",
        period,
        after={"uscc": enterprise.uscc, "start_on": start_on, "end_on": end_on},
        unit=area,
        now=now,
    )
    return period


@transaction.atomic
def remove_quiet_period(period: QuietPeriod, *, actor, now: datetime) -> None:
    before = {
        "uscc": period.enterprise.uscc,
        "start_on": period.start_on,
        "end_on": period.end_on,
        "reason": period.reason,
    }
    audit.record(actor, "quiet_period.removed", period, before=before, unit=period.area, now=now)
    period.delete()


@transaction.atomic
def add_local_quiet_days(
    *, actor, area: Unit, name: str, first_day: int, last_day: int, source: str, now: datetime
) -> LocalQuietDays:
    """登记全域宁静日 (e.g. 上、中旬“宁静日”): copied into each new campaign of the area."""
    rules.check_monthly_quiet(first_day, last_day)
    if not name.strip():
        raise InvalidInput("请填写宁静日制度的名称（如“企业生产经营上、中旬宁静日”）。")
    rule = LocalQuietDays.objects.create(
        area=area,
        name=name.strip(),
        first_day=first_day,
        last_day=last_day,
        source=source.strip(),
        created_at=now,
    )
    audit.record(
        actor,
        "local_quiet_days.added",
        rule,
        after={"first_day": first_day, "last_day": last_day, "source": rule.source},
        unit=area,
        now=now,
    )
    return rule


@transaction.atomic
def deactivate_local_quiet_days(rule: LocalQuietDays, *, actor, now: datetime) -> None:
    if not rule.active:
        raise IllegalTransition("该宁静日制度已停用。")
    rule.active = False
    rule.save(update_fields=["active"])
    audit.record(
        actor,
        "local_quiet_days.deactivated",
        rule,
        before={"active": True},
        after={"active": False},
        unit=rule.area,
        now=now,
    )


# --- campaigns ----------------------------------------------------------------------


def _campaign_state(c: Campaign) -> dict:
    return {
        "name": c.name,
        "items": sorted(c.items.values_list("code", flat=True)) if c.pk else [],
        "window": [c.window_start_on, c.window_end_on],
        "region_codes": c.region_codes,
        "monthly_quiet": c.monthly_quiet,
        "annual_cap": c.annual_cap,
        "max_visits_per_inspector": c.max_visits_per_inspector,
        "publish_within_workdays": c.publish_within_workdays,
    }


def _apply_campaign_fields(campaign: Campaign, fields: dict, today: date) -> list[InspectionItem]:
    name = (fields.get("name") or "").strip()
    if not name:
        raise InvalidInput("请填写计划名称（如“2025 年第二季度市场监管领域联合抽查”）。")
    rules.check_window(fields["window_start_on"], fields["window_end_on"], today)
    items = list(fields.get("items") or [])
    if not items:
        raise InvalidInput("请至少选择一项检查事项。")
    inactive = [f"{i.code} {i.name}" for i in items if not i.active]
    if inactive:
        raise InvalidInput(f"检查事项 {'、'.join(inactive)} 已停用，不能加入抽查计划。")
    monthly = []
    for first, last in fields.get("monthly_quiet") or []:
        rules.check_monthly_quiet(int(first), int(last))
        monthly.append([int(first), int(last)])
    publish_days = fields.get("publish_within_workdays")
    if publish_days is not None and not 1 <= int(publish_days) <= 60:
        raise InvalidInput("结果公示时限应为 1 到 60 个工作日（通常为 20 个工作日）。")
    campaign.name = name
    campaign.window_start_on = fields["window_start_on"]
    campaign.window_end_on = fields["window_end_on"]
    campaign.region_codes = ";".join(rules.parse_region_codes(fields.get("region_codes", "")))
    campaign.monthly_quiet = sorted(monthly)
    for tier in TIERS:
        key = f"cap_{tier.lower()}"
        if fields.get(key) is not None:
            setattr(campaign, key, int(fields[key]))
    if campaign.cap_a > min(campaign.cap_b, campaign.cap_c, campaign.cap_d):
        raise InvalidInput(
            "A 类（信用风险低）企业的年度检查上限不应高于其他类别："
            "按“对 A 类企业合理降低抽查比例和频次”，请调低 A 类上限。"
        )
    campaign.max_visits_per_inspector = fields.get("max_visits_per_inspector") or None
    if publish_days is not None:
        campaign.publish_within_workdays = int(publish_days)
    return items


@transaction.atomic
def plan_campaign(*, actor, area: Unit, now: datetime, **fields) -> Campaign:
    """制定抽查计划 (draft): items, window, caps; 全域宁静日 of the area are copied in.

    ``fields``: name, items, window_start_on, window_end_on, region_codes, cap_a..cap_d,
    max_visits_per_inspector, publish_within_workdays, and optionally monthly_quiet
    (``[[first, last], …]``; default: the area's active 宁静日 rules).
    """
    from qinqing.inspections.queries import local_quiet_days_for_area

    if fields.get("monthly_quiet") is None:
        fields["monthly_quiet"] = sorted(
            {(r.first_day, r.last_day) for r in local_quiet_days_for_area(area)}
        )
    fields.setdefault("publish_within_workdays", publish_workdays_default())
    if not (fields.get("region_codes") or "").strip():
        fields["region_codes"] = rules.region_prefix(area.code)  # the area's own enterprises
    campaign = Campaign(area=area, created_at=now, created_by=_user(actor))
    items = _apply_campaign_fields(campaign, fields, _today(now))
    _check_items_in_area(items, area)
    campaign.save()
    campaign.items.set(items)
    audit.record(
        actor, "campaign.planned", campaign, after=_campaign_state(campaign), unit=area, now=now
    )
    return campaign


def _check_items_in_area(items: list[InspectionItem], area: Unit) -> None:
    outside = [f"{i.code} {i.name}" for i in items if not i.unit.path.startswith(area.path)]
    if outside:
        raise InvalidInput(
            f"检查事项 {'、'.join(outside)} 不属于{area.name}的部门，不能加入本地区的抽查计划。"
        )


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def update_campaign(campaign: Campaign, *, actor, now: datetime, **fields) -> Campaign:
    """修改抽查计划: only a draft (a published commitment fixes the inputs)."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.state != CampaignState.DRAFT:
        raise IllegalTransition(
            f"抽查计划当前状态为“{campaign.get_state_display()}”，只有草稿可以修改。"
        )
    before = _campaign_state(campaign)
    if fields.get("monthly_quiet") is None:
        fields["monthly_quiet"] = campaign.monthly_quiet
    items = _apply_campaign_fields(campaign, fields, _today(now))
    _check_items_in_area(items, campaign.area)
    campaign.save()
    campaign.items.set(items)
    audit.record(
        actor,
        "campaign.updated",
        campaign,
        before=before,
        after=_campaign_state(campaign),
        unit=campaign.area,
        now=now,
    )
    return campaign


@dataclass(frozen=True)
class Workload:
    """What a draw asks of the inspectors, shown before committing (预检)."""

    visits: int
    inspectors: int
    workdays: int
    per_inspector_day: float  # the busiest inspector's visits per working day
    capacity: int

    @property
    def over(self) -> bool:
        return self.per_inspector_day > self.capacity

    @property
    def message(self) -> str:
        return (
            f"本次预计 {self.visits} 个检查对象，由 {self.inspectors} 名检查人员在检查时段的 "
            f"{self.workdays} 个工作日内完成，最忙的一名检查人员每个工作日约 "
            f"{self.per_inspector_day:g} 户，超过每人每日 {self.capacity} 户的上限。"
            "请延长检查时段、增加检查人员或降低抽查比例；确需按此执行的，由营商办填写理由后公布。"
        )


def max_visits_per_inspector_day() -> int:
    from django.conf import settings

    return int(
        getattr(
            settings,
            "QINQING_MAX_VISITS_PER_INSPECTOR_DAY",
            rules.DEFAULT_MAX_VISITS_PER_INSPECTOR_DAY,
        )
    )


def draw_workload(campaign: Campaign, result) -> Workload:
    """Visits per inspector per working day of a (trial) draw result."""
    from qinqing.core.workdays import get_calendar

    # the days visits can be made on: the window's working days outside the quiet days, as
    # the draw schedules them; the whole window's working days when it schedules none
    days = {v.visit_on for v in result.visits if v.visit_on is not None}
    start = campaign.window_start_on
    workdays = len(days) or get_calendar().workdays_between(
        start - timedelta(days=1), campaign.window_end_on
    )
    teams = [v.inspectors for v in result.visits]
    return Workload(
        visits=len(result.visits),
        inspectors=len({i for team in teams for i in team}),
        workdays=max(workdays, 0),
        per_inspector_day=rules.visits_per_inspector_day(teams, workdays),
        capacity=max_visits_per_inspector_day(),
    )


def preview_campaign(campaign: Campaign):
    """预检: draw with a throw-away seed to show eligible and drawn counts (writes nothing).

    Raises the engine's ``InvalidInput`` for a campaign that cannot be drawn as planned.
    """
    inputs = pools.campaign_inputs(campaign)
    return run_draw(inputs, secrets.token_hex(16))


@transaction.atomic
def commit_campaign(
    campaign: Campaign, *, actor, now: datetime, override_reason: str = ""
) -> Campaign:
    """公布承诺值: fix the inputs (canonical files) and a secret seed; publish SHA-256 of both.

    The campaign is drawn once with the real seed before anything is written, so that a
    commitment is only published for a campaign that can be drawn: an item without
    eligible entities, too few inspectors or quiet days covering the window are refused
    here with the engine's message.
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    rules.check_transition(campaign.state, CampaignState.COMMITTED)
    today = _today(now)
    if campaign.window_end_on < today:
        raise InvalidInput(
            f"检查时段已于 {campaign.window_end_on.isoformat()} 结束，请先修改检查时段。"
        )
    inputs = pools.campaign_inputs(campaign)
    seed = secrets.token_hex(16)
    trial = run_draw(inputs, seed)  # refuses a campaign that cannot be drawn; result discarded
    load = draw_workload(campaign, trial)
    override_reason = (override_reason or "").strip()
    if load.over and not override_reason:
        raise InvalidInput(load.message)
    texts = pools.canonical_texts(inputs)
    CampaignFile.objects.bulk_create(
        CampaignFile(
            campaign=campaign,
            name=name,
            sha256=pools.sha256_text(texts[name]),
            content=texts[name],
            created_at=now,
        )
        for name in pools.INPUT_FILES
    )
    campaign.seed = seed
    campaign.commitment = draw_commitment(seed, inputs)
    campaign.snapshot_sha256 = inputs.snapshot_sha256
    campaign.state = CampaignState.COMMITTED
    campaign.committed_at = now
    campaign.save(update_fields=["seed", "commitment", "snapshot_sha256", "state", "committed_at"])
    audit.record(
        actor,
        "campaign.committed",
        campaign,
        before={"state": CampaignState.DRAFT},
        after={
            "state": CampaignState.COMMITTED,
            "commitment": campaign.commitment,
            "snapshot_sha256": campaign.snapshot_sha256,
            "files": {name: pools.sha256_text(texts[name]) for name in pools.INPUT_FILES},
            "entities": len(inputs.entities),
            "inspectors": len(inputs.inspectors),
        },
        unit=campaign.area,
        visibility=Visibility.PUBLIC,
        now=now,
    )
    if load.over:
        audit.record(
            actor,
            "campaign.capacity_overridden",
            campaign,
            after={
                "visits": load.visits,
                "inspectors": load.inspectors,
                "workdays": load.workdays,
                "per_inspector_day": load.per_inspector_day,
                "capacity": load.capacity,
                "reason": override_reason,
            },
            unit=campaign.area,
            now=now,
        )
    return campaign


@transaction.atomic
def draw_campaign(campaign: Campaign, *, actor, now: datetime) -> Campaign:
    """抽取: recompute from the committed files and the seed; store DRAW.json and the visits.

    One transaction: a failure leaves the campaign committed, with no visit written.
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    rules.check_transition(campaign.state, CampaignState.DRAWN)
    inputs = pools.stored_inputs(campaign)
    result = run_draw(inputs, campaign.seed)
    if result.commitment != campaign.commitment:
        raise InvalidInput(
            "按保存的输入和种子计算的承诺值与公布的不一致，本次不抽取；请联系系统管理员核查。"
        )
    text = render_draw(result)
    draw_sha = pools.sha256_text(text)
    CampaignFile.objects.create(
        campaign=campaign, name=pools.DRAW_FILE, sha256=draw_sha, content=text, created_at=now
    )
    _store_visits(campaign, result, inputs)
    from qinqing.inspections.drawing.document import summary_of

    campaign.state = CampaignState.DRAWN
    campaign.drawn_at = now
    campaign.draw_sha256 = draw_sha
    campaign.summary = summary_of(result)
    campaign.warnings = list(result.warnings)
    campaign.save(update_fields=["state", "drawn_at", "draw_sha256", "summary", "warnings"])
    audit.record(
        actor,
        "campaign.drawn",
        campaign,
        before={"state": CampaignState.COMMITTED},
        after={"state": CampaignState.DRAWN, "draw_sha256": draw_sha, **campaign.summary},
        unit=campaign.area,
        now=now,
    )
    notify.campaign_drawn(campaign, now=now)
    return campaign


def publish_due_on(calendar, visit_on: date, workdays: int) -> date | None:
    """公示截止日; ``None`` while the calendar lacks the year (the sweep fills it in later)."""
    from qinqing.core.workdays import MissingCalendarYear

    try:
        return calendar.add_workdays(visit_on, workdays)
    except MissingCalendarYear:
        return None


def repair_due_on(calendar, submitted_on: date, workdays: int) -> date | None:
    """初审截止日; ``None`` while the calendar lacks the year (the sweep fills it in later)."""
    from qinqing.core.workdays import MissingCalendarYear

    try:
        return calendar.add_workdays(submitted_on, workdays)
    except MissingCalendarYear:
        return None


def _store_visits(campaign: Campaign, result, inputs) -> None:
    from qinqing.core.workdays import get_calendar

    calendar = get_calendar()
    items = {i.code: i for i in campaign.items.all()}
    certificates = sorted({p for v in result.visits for p in v.inspectors})
    inspectors = {
        p.certificate_number: p.pk
        for p in Inspector.objects.filter(certificate_number__in=certificates)
    }
    missing = [c for c in certificates if c not in inspectors]
    missing_items = sorted({i for v in result.visits for i in v.items} - set(items))
    if missing or missing_items:
        raise InvalidInput(
            f"抽取结果中的{'执法检查人员 ' + '、'.join(missing) if missing else ''}"
            f"{'检查事项 ' + '、'.join(missing_items) if missing_items else ''}已不在系统中，"
            f"无法登记检查对象。本次不抽取；请联系系统管理员核查。"
        )
    pool = inputs.entities
    usccs = [v.uscc for v in result.visits]
    names = dict(zip(usccs, (pool.name[p] for p in pool.positions_of(usccs).tolist()), strict=True))
    enterprise_ids: dict[str, int] = {}
    for start in range(0, len(usccs), 500):
        chunk = usccs[start : start + 500]
        enterprise_ids.update(Enterprise.objects.filter(uscc__in=chunk).values_list("uscc", "pk"))
    visits = Visit.objects.bulk_create(
        Visit(
            campaign=campaign,
            number=n,
            uscc=v.uscc,
            enterprise_id=enterprise_ids.get(v.uscc),
            enterprise_name=names[v.uscc],
            planned_on=v.visit_on,
        )
        for n, v in enumerate(result.visits, 1)
    )
    if any(v.pk is None for v in visits):  # pragma: no cover - databases without RETURNING
        visits = list(Visit.objects.filter(campaign=campaign).order_by("number"))
    due = {}
    for v in result.visits:
        if v.visit_on not in due:
            due[v.visit_on] = publish_due_on(calendar, v.visit_on, campaign.publish_within_workdays)
    VisitItem.objects.bulk_create(
        VisitItem(visit=visit, item=items[code], publish_due_on=due[drawn.visit_on])
        for visit, drawn in zip(visits, result.visits, strict=True)
        for code in drawn.items
    )
    through = Visit.inspectors.through
    through.objects.bulk_create(
        through(visit_id=visit.pk, inspector_id=inspectors[c])
        for visit, drawn in zip(visits, result.visits, strict=True)
        for c in drawn.inspectors
    )


@transaction.atomic
def publish_campaign(campaign: Campaign, *, actor, now: datetime) -> Campaign:
    """公布: reveal the seed and DRAW.json hashes on the public page; results follow as entered."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    rules.check_transition(campaign.state, CampaignState.PUBLISHED)
    campaign.state = CampaignState.PUBLISHED
    campaign.published_at = now
    campaign.save(update_fields=["state", "published_at"])
    released = (
        VisitItem.objects.filter(visit__campaign=campaign, published_at__isnull=True)
        .exclude(result="")
        .update(published_at=now)
    )
    audit.record(
        actor,
        "campaign.published",
        campaign,
        before={"state": CampaignState.DRAWN},
        after={
            "state": CampaignState.PUBLISHED,
            "seed": campaign.seed,
            "commitment": campaign.commitment,
            "draw_sha256": campaign.draw_sha256,
            "results_released": released,
        },
        unit=campaign.area,
        visibility=Visibility.PUBLIC,
        now=now,
    )
    return campaign


@transaction.atomic
def cancel_campaign(campaign: Campaign, *, actor, reason: str, now: datetime) -> Campaign:
    """撤销 a draft or a committed campaign; a published commitment stays on the public page."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    rules.check_transition(campaign.state, CampaignState.CANCELLED)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写撤销原因（已公布承诺值的计划，撤销原因会在公开页面显示）。")
    before = campaign.state
    campaign.state = CampaignState.CANCELLED
    campaign.cancelled_at = now
    campaign.cancel_reason = reason[:200]
    campaign.save(update_fields=["state", "cancelled_at", "cancel_reason"])
    audit.record(
        actor,
        "campaign.cancelled",
        campaign,
        before={"state": before},
        after={"state": CampaignState.CANCELLED, "reason": campaign.cancel_reason},
        unit=campaign.area,
        visibility=Visibility.PUBLIC if campaign.commitment else Visibility.INTERNAL,
        now=now,
    )
    return campaign


@transaction.atomic
def record_result(
    visit_item: VisitItem,
    *,
    actor,
    result: str,
    checked_on: date | None,
    note: str,
    now: datetime,
) -> VisitItem:
    """录入检查结果 for one item of a visit; public once the campaign is published."""
    visit_item = (
        VisitItem.objects.select_for_update()
        .select_related("visit", "visit__campaign", "item")
        .get(pk=visit_item.pk)
    )
    campaign = visit_item.visit.campaign
    if not rules.is_results_open(campaign.state):
        raise IllegalTransition(
            f"抽查计划当前状态为“{campaign.get_state_display()}”，抽取完成后才能录入检查结果。"
        )
    if result not in Result.values:
        raise InvalidInput("请选择检查结果。")
    today = _today(now)
    if checked_on is None:
        raise InvalidInput("请填写检查日期。")
    if checked_on > today:
        raise InvalidInput(
            f"检查日期 {checked_on.isoformat()} 晚于今天（{today.isoformat()}），请填写实际检查的日期。"
        )
    before = {
        "result": visit_item.result,
        "checked_on": visit_item.checked_on,
        "note_changed": False,
    }
    note = (note or "").strip()
    unchanged = (
        visit_item.result == result
        and visit_item.checked_on == checked_on
        and visit_item.note == note
    )
    if unchanged:
        return visit_item
    after = {"result": result, "checked_on": checked_on, "note_changed": note != visit_item.note}
    visit_item.result = result
    visit_item.checked_on = checked_on
    visit_item.note = note
    visit_item.recorded_by = _user(actor)
    visit_item.recorded_at = now
    if campaign.state == CampaignState.PUBLISHED and visit_item.published_at is None:
        visit_item.published_at = now
    visit_item.save()
    audit.record(
        actor,
        "visit.result_recorded",
        visit_item,
        before=before,
        after={**after, "item": visit_item.item.code, "uscc": visit_item.visit.uscc},
        unit=visit_item.item.unit_id,
        now=now,
    )
    return visit_item


def verify_campaign(campaign: Campaign):
    """核验: recompute the draw from the stored files; compare DRAW.json and the visits.

    Returns the engine's ``Verification`` (``ok``, Chinese ``message``).
    """
    from qinqing.inspections.drawing import Verification

    if campaign.state not in pools.DRAWN_STATES:
        return Verification(
            False,
            f"抽查计划“{campaign.name}”尚未抽取（当前状态：{campaign.get_state_display()}）。",
        )
    texts = pools.stored_texts(campaign)
    if pools.DRAW_FILE not in texts:
        return Verification(False, "抽查计划缺少 DRAW.json。")
    for name in (*pools.INPUT_FILES, pools.DRAW_FILE):
        stored = campaign.files.filter(name=name).values_list("sha256", flat=True).first()
        if stored != pools.sha256_text(texts[name]):
            return Verification(
                False, f"保存的文件 {name} 与其登记的 SHA-256 不一致，文件可能被改动。"
            )
    if pools.sha256_text(texts[pools.DRAW_FILE]) != campaign.draw_sha256:
        return Verification(False, "保存的 DRAW.json 与抽取时登记的哈希不一致。")
    document = json.loads(texts[pools.DRAW_FILE])
    inputs = pools.inputs_from_texts(texts)
    outcome = verify_draw(document, inputs, published_commitment=campaign.commitment)
    if not outcome.ok:
        return outcome
    problem = _visits_difference(campaign, document)
    if problem:
        return Verification(False, problem)
    return Verification(
        True,
        outcome.message + f"系统中登记的 {len(document['visits'])} 个检查对象与 DRAW.json 一致。",
    )


def _visits_difference(campaign: Campaign, document: dict) -> str:
    """First difference between the stored visits and DRAW.json, or ''."""
    stored = list(
        campaign.visits.order_by("number").prefetch_related("visit_items__item", "inspectors")
    )
    drawn = document["visits"]
    if len(stored) != len(drawn):
        return f"系统中登记了 {len(stored)} 个检查对象，DRAW.json 中为 {len(drawn)} 个。"
    for n, (visit, want) in enumerate(zip(stored, drawn, strict=True), 1):
        got = {
            "uscc": visit.uscc,
            "items": sorted(vi.item.code for vi in visit.visit_items.all()),
            "inspectors": sorted(p.certificate_number for p in visit.inspectors.all()),
            "visit_on": visit.planned_on.isoformat(),
        }
        for key, label in (
            ("uscc", "检查对象"),
            ("items", "检查事项"),
            ("inspectors", "检查人员"),
            ("visit_on", "检查日期"),
        ):
            if got[key] != want[key]:
                return (
                    f"系统中第 {n} 个检查对象 {visit.uscc} 的{label}（{got[key]}）"
                    f"与 DRAW.json（{want[key]}）不一致。"
                )
    return ""


# --- credit (信用分级分类) ---------------------------------------------------------


@transaction.atomic
def change_credit_tier(
    enterprise: Enterprise,
    *,
    actor,
    area: Unit,
    tier: str,
    reason: str,
    source: str,
    effective_on: date,
    now: datetime,
) -> CreditTierChange:
    """调整信用风险分类: the only way ``Enterprise.credit_tier`` changes; history kept."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    tier = (tier or "").strip().upper()
    if tier not in TIERS:
        raise InvalidInput("信用风险分类应为 A、B、C、D 之一。")
    if tier == enterprise.credit_tier:
        raise InvalidInput(f"{enterprise.name}的信用风险分类已经是 {tier} 类，无需调整。")
    if not reason.strip():
        raise InvalidInput("请填写调整原因（如“年度信用风险分类结果”“行政处罚”）。")
    change = CreditTierChange.objects.create(
        area=area,
        enterprise=enterprise,
        from_tier=enterprise.credit_tier,
        to_tier=tier,
        reason=reason.strip()[:300],
        source=source.strip()[:200],
        effective_on=effective_on,
        changed_by=_user(actor),
        changed_at=now,
    )
    before = enterprise.credit_tier
    enterprise.credit_tier = tier
    enterprise.save(update_fields=["credit_tier", "updated_at"])
    audit.record(
        actor,
        "enterprise.tier_changed",
        enterprise,
        before={"credit_tier": before},
        after={"credit_tier": tier, "reason": change.reason, "effective_on": effective_on},
        unit=area,
        now=now,
    )
    return change


@transaction.atomic
def add_list_entry(
    enterprise: Enterprise,
    *,
    actor,
    area: Unit,
    kind: str,
    reason: str,
    source: str,
    listed_on: date,
    ends_on: date | None,
    now: datetime,
) -> CreditListEntry:
    """列入红名单或黑名单."""
    if kind not in CreditListKind.values:
        raise InvalidInput("请选择红名单或黑名单。")
    if not reason.strip() or not source.strip():
        raise InvalidInput(
            "请填写列入原因和认定部门及文书（如“市市场监管局 示市监信〔2025〕12 号”）。"
        )
    if ends_on is not None and ends_on < listed_on:
        raise InvalidInput(
            f"届满日期 {ends_on.isoformat()} 早于列入日期 {listed_on.isoformat()}，请调整。"
        )
    current = CreditListEntry.objects.filter(enterprise=enterprise, removed_on__isnull=True)
    if current.filter(kind=kind).exists():
        raise InvalidInput(f"{enterprise.name}已在{CreditListKind(kind).label}中，不能重复列入。")
    if kind == CreditListKind.RED and current.filter(kind=CreditListKind.BLACK).exists():
        raise InvalidInput(f"{enterprise.name}在黑名单中，不能同时列入红名单；请先完成信用修复。")
    entry = CreditListEntry.objects.create(
        area=area,
        enterprise=enterprise,
        kind=kind,
        reason=reason.strip()[:300],
        source=source.strip()[:200],
        listed_on=listed_on,
        ends_on=ends_on,
        created_by=_user(actor),
        created_at=now,
    )
    audit.record(
        actor,
        "credit_list.added",
        entry,
        after={
            "uscc": enterprise.uscc,
            "kind": kind,
            "listed_on": listed_on,
            "reason": entry.reason,
        },
        unit=area,
        now=now,
    )
    return entry


@transaction.atomic
def remove_list_entry(
    entry: CreditListEntry, *, actor, reason: str, removed_on: date, now: datetime
) -> CreditListEntry:
    """移出名单 (expiry, revocation, or an approved credit repair)."""
    entry = CreditListEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.removed_on is not None:
        raise IllegalTransition(f"该名单记录已于 {entry.removed_on.isoformat()} 移出。")
    if not reason.strip():
        raise InvalidInput("请填写移出原因。")
    if removed_on < entry.listed_on:
        raise InvalidInput("移出日期不能早于列入日期。")
    entry.removed_on = removed_on
    entry.removal_reason = reason.strip()[:300]
    entry.save(update_fields=["removed_on", "removal_reason"])
    audit.record(
        actor,
        "credit_list.removed",
        entry,
        before={"removed_on": None},
        after={"removed_on": removed_on, "reason": entry.removal_reason},
        unit=entry.area,
        now=now,
    )
    return entry


@transaction.atomic
def submit_credit_repair(
    enterprise: Enterprise,
    *,
    actor,
    area: Unit,
    statement: str,
    list_entry: CreditListEntry | None,
    now: datetime,
    review_workdays: int | None = None,
) -> CreditRepairRequest:
    """登记信用修复申请; the first review is due ``review_workdays`` working days later."""
    from qinqing.core.workdays import get_calendar

    if not statement.strip():
        raise InvalidInput("请填写申请事由（已履行的义务、整改情况及所附材料）。")
    if list_entry is not None:
        if list_entry.enterprise_id != enterprise.pk or not list_entry.current:
            raise InvalidInput("所选名单记录不是该企业当前的名单记录。")
        if list_entry.kind != CreditListKind.BLACK:
            raise InvalidInput("只有黑名单记录需要信用修复。")
    open_states = (RepairState.SUBMITTED, RepairState.ACCEPTED)
    if CreditRepairRequest.objects.filter(
        enterprise=enterprise, list_entry=list_entry, state__in=open_states
    ).exists():
        raise InvalidInput(
            f"{enterprise.name}已有一件同一事项的信用修复申请正在办理，不能重复登记。"
        )
    days = repair_review_workdays_default() if review_workdays is None else int(review_workdays)
    if days < 1:
        raise InvalidInput("初审时限至少为 1 个工作日。")
    today = _today(now)
    repair = CreditRepairRequest.objects.create(
        area=area,
        enterprise=enterprise,
        list_entry=list_entry,
        statement=statement.strip(),
        submitted_on=today,
        review_workdays=days,
        first_review_due_on=repair_due_on(get_calendar(), today, days),
        created_by=_user(actor),
        created_at=now,
    )
    audit.record(
        actor,
        "credit_repair.submitted",
        repair,
        after={
            "uscc": enterprise.uscc,
            "first_review_due_on": repair.first_review_due_on,
            "list_entry": list_entry.pk if list_entry else None,
        },
        unit=area,
        now=now,
    )
    return repair


@transaction.atomic
def review_credit_repair(
    repair: CreditRepairRequest, *, actor, accept: bool, note: str, now: datetime
) -> CreditRepairRequest:
    """初审: 受理 (accept) or 不予受理 (reject, with the reason)."""
    repair = CreditRepairRequest.objects.select_for_update().get(pk=repair.pk)
    if repair.state != RepairState.SUBMITTED:
        raise IllegalTransition(f"该申请当前状态为“{repair.get_state_display()}”，已完成初审。")
    if not accept and not note.strip():
        raise InvalidInput("不予受理的，请填写理由（申请人据此补正或重新申请）。")
    repair.state = RepairState.ACCEPTED if accept else RepairState.REJECTED
    repair.first_reviewed_at = now
    repair.first_review_note = note.strip()
    repair.save(update_fields=["state", "first_reviewed_at", "first_review_note"])
    audit.record(
        actor,
        "credit_repair.reviewed",
        repair,
        before={"state": RepairState.SUBMITTED},
        after={
            "state": repair.state,
            "on_time": repair.first_review_due_on is not None
            and _today(now) <= repair.first_review_due_on,
        },
        unit=repair.area,
        now=now,
    )
    return repair


@transaction.atomic
def decide_credit_repair(
    repair: CreditRepairRequest, *, actor, approve: bool, note: str, now: datetime
) -> CreditRepairRequest:
    """决定: 准予修复 removes the black-list entry; 不予修复 keeps it (reason required)."""
    repair = CreditRepairRequest.objects.select_for_update().get(pk=repair.pk)
    if repair.state != RepairState.ACCEPTED:
        raise IllegalTransition(
            f"该申请当前状态为“{repair.get_state_display()}”，受理后才能作出修复决定。"
        )
    if not approve and not note.strip():
        raise InvalidInput("不予修复的，请填写理由。")
    repair.state = RepairState.APPROVED if approve else RepairState.DENIED
    repair.decided_at = now
    repair.decision_note = note.strip()
    repair.save(update_fields=["state", "decided_at", "decision_note"])
    audit.record(
        actor,
        "credit_repair.decided",
        repair,
        before={"state": RepairState.ACCEPTED},
        after={"state": repair.state},
        unit=repair.area,
        now=now,
    )
    if approve and repair.list_entry is not None and repair.list_entry.current:
        remove_list_entry(
            repair.list_entry,
            actor=actor,
            reason=f"信用修复（申请 {repair.pk} 准予修复）",
            removed_on=_today(now),
            now=now,
        )
    return repair
