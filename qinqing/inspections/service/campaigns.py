"""抽查计划: plan, commit, draw, publish, cancel, results and verification."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction

from qinqing.core import audit
from qinqing.core.audit.models import Visibility
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import MissingCalendarYear, get_calendar
from qinqing.inspections import notify, pools, rules, signals
from qinqing.inspections.drawing import (
    Verification,
    draw_commitment,
    render_draw,
    run_draw,
    verify_draw,
)
from qinqing.inspections.drawing.document import summary_of
from qinqing.inspections.models import (
    Campaign,
    CampaignFile,
    CampaignState,
    InspectionItem,
    Inspector,
    Result,
    Visit,
    VisitItem,
)
from qinqing.inspections.queries import local_quiet_days_for_area
from qinqing.inspections.service._common import TIERS, _today, _user, publish_workdays_default


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

    return int(
        getattr(
            settings,
            "QINQING_MAX_VISITS_PER_INSPECTOR_DAY",
            rules.DEFAULT_MAX_VISITS_PER_INSPECTOR_DAY,
        )
    )


def draw_workload(campaign: Campaign, result) -> Workload:
    """Visits per inspector per working day of a (trial) draw result."""

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
    # apps built on inspections (on-site registration before entry) act once the visits exist
    transaction.on_commit(lambda: signals.send_visits_drawn(campaign, actor=actor, now=now))
    return campaign


def publish_due_on(calendar, visit_on: date, workdays: int) -> date | None:
    """公示截止日; ``None`` while the calendar lacks the year (the sweep fills it in later)."""

    try:
        return calendar.add_workdays(visit_on, workdays)
    except MissingCalendarYear:
        return None


def repair_due_on(calendar, submitted_on: date, workdays: int) -> date | None:
    """初审截止日; ``None`` while the calendar lacks the year (the sweep fills it in later)."""

    try:
        return calendar.add_workdays(submitted_on, workdays)
    except MissingCalendarYear:
        return None


def _store_visits(campaign: Campaign, result, inputs) -> None:

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
