"""State changes of on-site checks, lists and reports: one function each, atomic, audited.

Notifications go through the core notification centre (sent after commit, deduplicated).
A refused change raises :class:`InvalidInput` / :class:`IllegalTransition` with a Chinese
message and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, FilteredRelation, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.notifications import notify_enterprise, notify_unit
from qinqing.core.orgs.models import Unit
from qinqing.inspections.models import InspectionItem, Inspector
from qinqing.inspections.queries import local_quiet_days_for_area
from qinqing.onsite import queries, rules
from qinqing.onsite.models import (
    CheckRegistration,
    CheckScan,
    DiscretionStandard,
    EnforcementMatter,
    EnterpriseCode,
    FlexibleCase,
    JointVisitProposal,
    LeniencyEntry,
    LeniencyList,
    LeniencyListVersion,
    Measure,
    OnsiteSettings,
    PenaltyNotice,
    ProposalState,
    RecognitionLink,
    RegistrationState,
    UnregisteredVisitReport,
    VersionState,
)

S = RegistrationState
LIVE_STATES = (S.PENDING, S.REGISTERED, S.APPROVED, S.ARRIVED, S.DONE)
OPEN_STATES = (S.PENDING, S.REGISTERED, S.APPROVED)


def local_today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


def _text(value, label: str, *, required: bool = True, limit: int = 2000) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(f"请填写“{label}”。")
    if len(text) > limit:
        raise InvalidInput(f"“{label}”超过 {limit} 字（现为 {len(text)} 字），请精简。")
    return text


# ---------------------------------------------------------------- the entry check


@dataclass(frozen=True)
class EntryCheck:
    """What the window-and-cap check found for one planned entry (it passed)."""

    day: rules.EntryDay
    done: int  # planned checks of the year so far, all departments, a joint visit once
    cap: int


def _calendar_day(day: dt.date, calendar) -> tuple[callable, bool]:
    """(is_workday, provisional) for the day's year; nothing is refused for lack of data."""
    from qinqing.core.workdays import MissingCalendarYear, get_calendar

    calendar = calendar or get_calendar()
    try:
        calendar.is_workday(day)
        provisional = bool(getattr(calendar.year_data(day.year), "provisional", False))
        return calendar.is_workday, provisional
    except MissingCalendarYear:
        # no data at all for the year yet: weekdays, flagged 暂定
        return (lambda d: d.weekday() < 5), True


def planned_checks_in_year(enterprise_id: int, year: int, *, exclude_id: int | None = None) -> int:
    rows = CheckRegistration.objects.filter(
        enterprise_id=enterprise_id,
        planned_on__gte=dt.date(year, 1, 1),
        planned_on__lte=dt.date(year, 12, 31),
        category__in=rules.PLANNED_CATEGORIES,
        state__in=LIVE_STATES,
    )
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    return rules.planned_count(rows.values_list("id", "joint_id"))


def _enterprise_facts(enterprise: Enterprise, day: dt.date) -> tuple[list, int]:
    """The enterprise's quiet periods covering ``day`` and its planned checks of the year,
    in one query (one round trip matters under load: see docs/bench/onsite.md)."""
    year = CheckRegistration.objects.filter(
        enterprise_id=OuterRef("pk"),
        planned_on__gte=dt.date(day.year, 1, 1),
        planned_on__lte=dt.date(day.year, 12, 31),
        category__in=rules.PLANNED_CATEGORIES,
        state__in=LIVE_STATES,
    ).order_by()
    singles = year.filter(joint__isnull=True).values("enterprise_id").annotate(n=Count("id"))
    joints = (
        year.filter(joint__isnull=False)
        .values("enterprise_id")
        .annotate(n=Count("joint_id", distinct=True))
    )
    rows = (
        Enterprise.objects.filter(pk=enterprise.pk)
        .annotate(
            qp=FilteredRelation(
                "quiet_periods",
                condition=Q(quiet_periods__start_on__lte=day, quiet_periods__end_on__gte=day),
            ),
            singles=Coalesce(Subquery(singles.values("n")), 0),
            joints=Coalesce(Subquery(joints.values("n")), 0),
        )
        .values_list("qp__start_on", "qp__end_on", "singles", "joints")
    )
    periods, done = [], 0
    for start, end, n_singles, n_joints in rows:
        if start is not None:
            periods.append((start, end))
        done = n_singles + n_joints
    return periods, done


def entry_check(
    *,
    area: Unit,
    enterprise: Enterprise,
    day: dt.date,
    category: str,
    exemption_reason: str = "",
    joining: bool = False,
    calendar=None,
) -> EntryCheck:
    """宁静日 and the annual cap for one planned entry; raises InvalidInput when refused."""
    is_workday, provisional = _calendar_day(day, calendar)
    monthly = list(local_quiet_days_for_area(area).values_list("first_day", "last_day"))
    periods, done = _enterprise_facts(enterprise, day)
    entry_day = rules.check_entry_day(
        day,
        category=category,
        exemption_reason=exemption_reason,
        monthly=monthly,
        periods=periods,
        is_workday=is_workday,
        provisional=provisional,
    )
    config = queries.settings_for_area(area)
    cap = rules.annual_cap_for(
        enterprise.credit_tier, cap=config.annual_cap, cap_a=config.annual_cap_a
    )
    if category in rules.PLANNED_CATEGORIES and not joining:
        rules.check_annual_cap(
            enterprise_name=enterprise.name,
            tier=enterprise.credit_tier,
            done=done,
            cap=cap,
            year=day.year,
            category=category,
        )
    return EntryCheck(entry_day, done, cap)


def _check_own(
    unit: Unit, items: Sequence[InspectionItem], inspectors: Sequence[Inspector], enterprise
) -> None:
    if not items:
        raise InvalidInput("请至少选择一项本单位的检查事项。")
    if len(inspectors) < 2:
        raise InvalidInput("入企检查应由至少 2 名执法检查人员实施，请选择本单位在岗的检查人员。")
    foreign = [f"{i.code} {i.name}" for i in items if i.unit_id != unit.pk or not i.active]
    if foreign:
        raise InvalidInput(f"检查事项 {'、'.join(foreign)} 不是本单位的有效检查事项，不能备案。")
    strangers = [p.name for p in inspectors if p.unit_id != unit.pk or not p.active]
    if strangers:
        raise InvalidInput(
            f"检查人员 {'、'.join(strangers)} 不是本单位在岗的执法检查人员，不能备案。"
        )
    conflicted = [p.name for p in inspectors if enterprise.uscc in (p.conflicts or [])]
    if conflicted:
        raise InvalidInput(
            f"检查人员 {'、'.join(conflicted)} 已申报与该企业存在利害关系，应当回避。"
        )


def _check_recognition(
    enterprise: Enterprise,
    items: Sequence[InspectionItem],
    day: dt.date,
    months: int,
    category: str,
) -> None:
    """执法结果互认: an item another department's finished check already covers is refused."""
    if category not in rules.PLANNED_CATEGORIES:
        return
    links = RecognitionLink.objects.filter(counts_for__in=items).select_related(
        "item", "counts_for"
    )
    if not links:
        return
    since = rules.add_months(day, -months)
    for link in links:
        done = (
            CheckRegistration.objects.filter(
                enterprise=enterprise,
                state=S.DONE,
                planned_on__gte=since,
                planned_on__lte=day,
                items=link.item,
            )
            .select_related("unit")
            .order_by("-planned_on")
            .first()
        )
        if done is not None:
            raise InvalidInput(
                f"检查事项“{link.counts_for.code} {link.counts_for.name}”已由{done.unit.name}于 "
                f"{done.planned_on.isoformat()} 检查（“{link.item.name}”，执法结果互认，{months} 个月内有效），"
                f"本次不再重复检查该事项。请去掉该事项后再备案。"
            )


def _snapshot(r: CheckRegistration) -> dict:
    return {
        "enterprise": r.enterprise.uscc,
        "category": r.category,
        "planned_on": r.planned_on,
        "state": r.state,
        "items": sorted(r.items.values_list("code", flat=True)),
        "inspectors": sorted(r.inspectors.values_list("certificate_number", flat=True)),
    }


@transaction.atomic
def register_check(
    *,
    actor,
    now: dt.datetime,
    unit: Unit,
    enterprise: Enterprise,
    category: str,
    reason: str,
    legal_basis: str,
    items: Sequence[InspectionItem],
    inspectors: Sequence[Inspector],
    planned_on: dt.date,
    exemption_reason: str = "",
    join: CheckRegistration | None = None,
    calendar=None,
) -> CheckRegistration:
    """涉企行政检查备案 before entry: own items and inspectors, outside 宁静日, under the cap.

    ``join``: another department's registration of the same enterprise on the same day;
    the two become one joint visit (进一次门、查多项事) and count once towards the cap.
    """
    if category not in rules.CATEGORY_LABELS:
        raise InvalidInput("请选择检查类别。")
    reason = _text(reason, "检查事由")
    legal_basis = _text(legal_basis, "检查依据")
    exemption_reason = _text(exemption_reason, "宁静日入企理由", required=False)
    items, inspectors = list(items), list(inspectors)
    _check_own(unit, items, inspectors, enterprise)
    today = local_today(now)
    if planned_on < today:
        raise InvalidInput(
            f"检查日期 {planned_on.isoformat()} 已经过去。入企前备案须选择今天或以后的日期；"
            f"投诉举报核查、突发事件处置已入企的，请用“事后补录”。"
        )
    area = unit.area()
    if join is not None:
        if join.enterprise_id != enterprise.pk or join.planned_on != planned_on:
            raise InvalidInput("只能加入同一企业、同一天的检查备案。请核对企业和检查日期。")
        if join.state not in OPEN_STATES or join.unit_id == unit.pk:
            raise InvalidInput("该检查备案不能加入（已取消、已完成，或是本单位自己的备案）。")
    check = entry_check(
        area=area,
        enterprise=enterprise,
        day=planned_on,
        category=category,
        exemption_reason=exemption_reason,
        joining=join is not None,
        calendar=calendar,
    )
    config = queries.settings_for_area(area)
    _check_recognition(enterprise, items, planned_on, config.recognition_months, category)
    needs_approval = config.approval_required and category in rules.PLANNED_CATEGORIES
    registration = CheckRegistration.objects.create(
        unit=unit,
        area=area,
        enterprise=enterprise,
        category=category,
        reason=reason,
        legal_basis=legal_basis,
        planned_on=planned_on,
        state=S.PENDING if needs_approval else S.REGISTERED,
        exemption_reason=exemption_reason if check.day.quiet or not check.day.workday else "",
        quiet_conflict=check.day.quiet.label if check.day.quiet else "",
        calendar_provisional=check.day.provisional,
        created_by=actor,
        created_at=now,
    )
    registration.items.set(items)
    registration.inspectors.set(inspectors)
    if join is not None:
        _join(join, registration, actor=actor, now=now)
    audit.record(
        actor, "check.registered", registration, after=_snapshot(registration), unit=unit, now=now
    )
    url = registration.get_absolute_url()
    if needs_approval:
        for office in _offices_of(area):
            notify_unit(
                office,
                capability="onsite.approve",
                kind="onsite.approval_requested",
                title=f"入企检查待核准：{unit.name} {planned_on.isoformat()} 检查 {enterprise.name}",
                url=url,
                key=f"onsite-approval:{registration.pk}",
                now=now,
            )
    notify_enterprise(
        enterprise.uscc,
        kind="onsite.check_registered",
        title=f"{unit.name}已备案 {planned_on.isoformat()} 的入企检查（{registration.get_category_display()}）",
        url="/onsite/mine/",
        key=f"onsite-registered:{registration.pk}",
        now=now,
    )
    return registration


def _offices_of(area: Unit) -> list[Unit]:
    ids = queries.ancestors_of(area)
    return list(Unit.objects.filter(parent_id__in=ids, coordinating=True, active=True))


def _join(existing: CheckRegistration, new: CheckRegistration, *, actor, now) -> JointVisitProposal:
    month = new.planned_on.replace(day=1)
    proposal = existing.joint
    if proposal is None:
        proposal, _ = JointVisitProposal.objects.get_or_create(
            enterprise=new.enterprise,
            month=month,
            defaults={"area": new.area, "proposed_on": new.planned_on, "created_at": now},
        )
        proposal.state, proposal.proposed_on = ProposalState.ACCEPTED, new.planned_on
        proposal.decided_by, proposal.decided_at = actor, now
        proposal.save()
    proposal.members.add(existing, new)
    CheckRegistration.objects.filter(pk__in=[existing.pk, new.pk]).update(joint=proposal)
    new.joint = proposal
    return proposal


@transaction.atomic
def record_check_afterwards(
    *,
    actor,
    now: dt.datetime,
    unit: Unit,
    enterprise: Enterprise,
    category: str,
    reason: str,
    legal_basis: str,
    items: Sequence[InspectionItem],
    inspectors: Sequence[Inspector],
    visited_on: dt.date,
    late_reason: str,
    result: str = "",
) -> CheckRegistration:
    """事后补录: a check triggered by a complaint or an emergency, recorded after the visit."""
    if category not in rules.AFTERWARDS_CATEGORIES:
        raise InvalidInput("只有投诉举报核查、突发事件处置可以事后补录；其他检查须在入企前备案。")
    reason = _text(reason, "检查事由")
    legal_basis = _text(legal_basis, "检查依据")
    late_reason = _text(late_reason, "事后补录原因")
    items, inspectors = list(items), list(inspectors)
    _check_own(unit, items, inspectors, enterprise)
    today = local_today(now)
    if visited_on > today:
        raise InvalidInput(f"入企日期 {visited_on.isoformat()} 还没到。尚未入企的检查请先备案。")
    registration = CheckRegistration.objects.create(
        unit=unit,
        area=unit.area(),
        enterprise=enterprise,
        category=category,
        reason=reason,
        legal_basis=legal_basis,
        planned_on=visited_on,
        state=S.DONE,
        after_the_fact=True,
        late_reason=late_reason,
        result=_text(result, "检查结果", required=False),
        finished_at=now,
        created_by=actor,
        created_at=now,
    )
    registration.items.set(items)
    registration.inspectors.set(inspectors)
    audit.record(
        actor, "check.recorded_afterwards", registration,
        after={**_snapshot(registration), "late_reason": late_reason}, unit=unit, now=now,
    )  # fmt: skip
    notify_enterprise(
        enterprise.uscc,
        kind="onsite.check_registered",
        title=f"{unit.name}补录了 {visited_on.isoformat()} 的入企检查（{registration.get_category_display()}）",
        url="/onsite/mine/",
        key=f"onsite-registered:{registration.pk}",
        now=now,
    )
    return registration


def _require_state(registration: CheckRegistration, allowed: Iterable[str], action: str) -> None:
    if registration.state not in allowed:
        raise IllegalTransition(
            f"该检查备案当前状态为“{registration.get_state_display()}”，不能{action}。"
        )


@transaction.atomic
def approve_entry(
    registration: CheckRegistration, *, actor, now: dt.datetime, note: str = ""
) -> CheckRegistration:
    """入企核准 by the office (营商办)."""
    registration = CheckRegistration.objects.select_for_update().get(pk=registration.pk)
    _require_state(registration, [S.PENDING], "核准")
    registration.state, registration.decided_by, registration.decided_at = S.APPROVED, actor, now
    registration.decision_note = _text(note, "核准意见", required=False, limit=300)
    registration.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit.record(actor, "check.approved", registration, before={"state": S.PENDING},
                 after={"state": S.APPROVED, "note": registration.decision_note}, unit=registration.unit, now=now)  # fmt: skip
    notify_unit(
        registration.unit, capability="onsite.register", kind="onsite.entry_decided",
        title=f"入企检查已核准：{registration.enterprise.name} {registration.planned_on.isoformat()}",
        url=registration.get_absolute_url(), key=f"onsite-decided:{registration.pk}", now=now,
    )  # fmt: skip
    return registration


@transaction.atomic
def reject_entry(
    registration: CheckRegistration, *, actor, now: dt.datetime, note: str
) -> CheckRegistration:
    registration = CheckRegistration.objects.select_for_update().get(pk=registration.pk)
    _require_state(registration, [S.PENDING], "不予核准")
    note = _text(note, "不予核准的理由", limit=300)
    registration.state, registration.decided_by, registration.decided_at = S.REJECTED, actor, now
    registration.decision_note = note
    registration.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit.record(actor, "check.rejected", registration, before={"state": S.PENDING},
                 after={"state": S.REJECTED, "note": note}, unit=registration.unit, now=now)  # fmt: skip
    notify_unit(
        registration.unit, capability="onsite.register", kind="onsite.entry_decided",
        title=f"入企检查不予核准：{registration.enterprise.name}（{note}）",
        url=registration.get_absolute_url(), key=f"onsite-decided:{registration.pk}", now=now,
    )  # fmt: skip
    return registration


@transaction.atomic
def cancel_registration(
    registration: CheckRegistration, *, actor, now: dt.datetime, reason: str
) -> CheckRegistration:
    registration = CheckRegistration.objects.select_for_update().get(pk=registration.pk)
    _require_state(registration, OPEN_STATES, "取消")
    reason = _text(reason, "取消原因", limit=300)
    before = registration.state
    registration.state = S.CANCELLED
    registration.decision_note = reason
    registration.save(update_fields=["state", "decision_note"])
    audit.record(actor, "check.cancelled", registration, before={"state": before},
                 after={"state": S.CANCELLED, "reason": reason}, unit=registration.unit, now=now)  # fmt: skip
    return registration


@transaction.atomic
def scan_arrival(registration: CheckRegistration, *, actor, now: dt.datetime) -> CheckRegistration:
    """码上监督: the inspector scanned the enterprise's code on arrival."""
    registration = CheckRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.state == S.PENDING:
        raise IllegalTransition("该检查尚未经营商办核准，不得入企。请等待核准后再入企。")
    _require_state(registration, [S.REGISTERED, S.APPROVED, S.ARRIVED], "扫码入企")
    today = local_today(now)
    if registration.planned_on != today:
        raise InvalidInput(
            f"该检查备案的检查日期为 {registration.planned_on.isoformat()}，不是今天（{today.isoformat()}）。"
            f"请按备案日期入企，或先取消后重新备案。"
        )
    CheckScan.objects.create(registration=registration, scanned_by=actor, scanned_at=now)
    if registration.state != S.ARRIVED:
        before = registration.state
        registration.state, registration.arrived_at = S.ARRIVED, now
        registration.save(update_fields=["state", "arrived_at"])
        audit.record(actor, "check.arrived", registration, before={"state": before},
                     after={"state": S.ARRIVED}, unit=registration.unit, now=now)  # fmt: skip
        notify_enterprise(
            registration.enterprise.uscc, kind="onsite.check_arrived",
            title=f"{registration.unit.name}检查人员已扫码入企（{registration.get_category_display()}）",
            url="/onsite/mine/", key=f"onsite-arrived:{registration.pk}", now=now,
        )  # fmt: skip
    return registration


@transaction.atomic
def finish_check(
    registration: CheckRegistration, *, actor, now: dt.datetime, result: str
) -> CheckRegistration:
    registration = CheckRegistration.objects.select_for_update().get(pk=registration.pk)
    _require_state(registration, [S.ARRIVED, S.REGISTERED, S.APPROVED], "登记检查结果")
    result = _text(result, "检查结果")
    before = registration.state
    registration.state, registration.result, registration.finished_at = S.DONE, result, now
    registration.save(update_fields=["state", "result", "finished_at"])
    audit.record(actor, "check.finished", registration, before={"state": before},
                 after={"state": S.DONE}, unit=registration.unit, now=now)  # fmt: skip
    return registration


# ---------------------------------------------------------------- joint visits


def propose_joint_visits(*, month: dt.date, now: dt.datetime) -> int:
    """进一次门、查多项事: one proposal per enterprise two departments plan to visit in a month.

    Idempotent: an enterprise that already has a proposal for the month gets no new one
    (new registrations are added to a proposal still waiting). Returns proposals created.
    """
    start, end = rules.month_bounds(month)
    base = CheckRegistration.objects.filter(
        planned_on__gte=start, planned_on__lte=end, state__in=OPEN_STATES,
        category__in=rules.PLANNED_CATEGORIES, joint__isnull=True,
    )  # fmt: skip
    from django.db.models import Count

    shared = (
        base.values("enterprise_id").annotate(n=Count("unit_id", distinct=True)).filter(n__gte=2)
    )
    rows = list(
        base.filter(enterprise_id__in=shared.values("enterprise_id")).values_list(
            "id", "enterprise_id", "unit_id", "planned_on", "area_id"
        )
    )
    area_of = {}
    for _pk, enterprise_id, _unit, _day, area_id in sorted(rows, key=lambda r: (r[3], r[0])):
        area_of.setdefault(enterprise_id, area_id)
    proposals = rules.propose_joint_visits((r[0], r[1], r[2], r[3]) for r in rows)
    if not proposals:
        return 0
    with transaction.atomic():
        existing = dict(
            JointVisitProposal.objects.filter(
                month=start, enterprise_id__in=[p.enterprise_id for p in proposals]
            ).values_list("enterprise_id", "id")
        )
        fresh = [
            JointVisitProposal(
                area_id=area_of[p.enterprise_id],
                enterprise_id=p.enterprise_id,
                month=start,
                proposed_on=p.proposed_on,
                created_at=now,
            )  # fmt: skip
            for p in proposals
            if p.enterprise_id not in existing
        ]
        JointVisitProposal.objects.bulk_create(fresh, batch_size=2000)
        ids = dict(
            JointVisitProposal.objects.filter(
                month=start, enterprise_id__in=[p.enterprise_id for p in proposals],
                state=ProposalState.PROPOSED,
            ).values_list("enterprise_id", "id")
        )  # fmt: skip
        through = JointVisitProposal.members.through
        links = [
            through(jointvisitproposal_id=ids[p.enterprise_id], checkregistration_id=pk)
            for p in proposals
            if p.enterprise_id in ids
            for pk in p.registration_ids
        ]
        through.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
        if fresh:
            audit.record(
                "onsite.propose_joint_visits", "joint_visits.proposed",
                ("onsite.month", start.isoformat(), f"{start:%Y-%m} 联合检查建议"),
                after={"created": len(fresh)}, now=now,
            )  # fmt: skip
    return len(fresh)


@transaction.atomic
def accept_joint_visit(
    proposal: JointVisitProposal, *, actor, now: dt.datetime
) -> JointVisitProposal:
    """Merge the proposal's registrations into one joint visit on the proposed day."""
    proposal = JointVisitProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != ProposalState.PROPOSED:
        raise IllegalTransition("该联合检查建议已处理，不能再次确认。")
    members = list(
        proposal.members.filter(state__in=OPEN_STATES).select_related("unit", "enterprise", "area")
    )
    if len({m.unit_id for m in members}) < 2:
        raise InvalidInput("该建议涉及的检查备案已不足两个部门（可能已取消），无需合并。")
    for m in members:  # the day must pass the shared quiet rule for every member's area
        if m.planned_on != proposal.proposed_on:
            entry_check(area=m.area, enterprise=m.enterprise, day=proposal.proposed_on,
                        category=m.category, exemption_reason=m.exemption_reason, joining=True)  # fmt: skip
    before = {m.pk: m.planned_on for m in members}
    CheckRegistration.objects.filter(pk__in=[m.pk for m in members]).update(
        planned_on=proposal.proposed_on, joint=proposal
    )
    proposal.state, proposal.decided_by, proposal.decided_at = ProposalState.ACCEPTED, actor, now
    proposal.save(update_fields=["state", "decided_by", "decided_at"])
    audit.record(actor, "joint_visit.accepted", proposal,
                 before={str(k): v for k, v in before.items()},
                 after={"proposed_on": proposal.proposed_on}, unit=proposal.area, now=now)  # fmt: skip
    for unit in {m.unit for m in members}:
        notify_unit(
            unit, capability="onsite.register", kind="onsite.joint_visit",
            title=f"联合检查：{proposal.enterprise.name} 改为 {proposal.proposed_on.isoformat()} 一次入企",
            url="/onsite/", key=f"onsite-joint:{proposal.pk}:{unit.pk}", now=now,
        )  # fmt: skip
    return proposal


@transaction.atomic
def dismiss_joint_visit(
    proposal: JointVisitProposal, *, actor, now: dt.datetime
) -> JointVisitProposal:
    proposal = JointVisitProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != ProposalState.PROPOSED:
        raise IllegalTransition("该联合检查建议已处理。")
    proposal.state, proposal.decided_by, proposal.decided_at = ProposalState.DISMISSED, actor, now
    proposal.save(update_fields=["state", "decided_by", "decided_at"])
    audit.record(actor, "joint_visit.dismissed", proposal, unit=proposal.area, now=now)
    return proposal


# ---------------------------------------------------------------- 码上监督


def code_for_enterprise(enterprise: Enterprise, *, now: dt.datetime) -> EnterpriseCode:
    """The enterprise's code (created on first use; the token is unguessable)."""
    code = EnterpriseCode.objects.filter(enterprise=enterprise).first()
    if code is None:
        code, _ = EnterpriseCode.objects.get_or_create(
            enterprise=enterprise,
            defaults={"token": secrets.token_urlsafe(18), "created_at": now},
        )
    return code


@transaction.atomic
def report_unregistered_visit(
    *,
    actor,
    now: dt.datetime,
    enterprise: Enterprise,
    visited_on: dt.date,
    visitor_unit: str,
    description: str,
    conduct: bool,
    contact_name: str,
    contact_phone: str,
) -> UnregisteredVisitReport:
    """An enterprise reports an unregistered visit: it becomes an appeal (码上监督 channel);
    a conduct matter is referred to 纪检监察 at once."""
    from qinqing.appeals import service as appeals
    from qinqing.appeals.choices import AppealType, Channel

    visitor_unit = _text(visitor_unit, "来访单位", limit=200)
    description = _text(description, "情况说明", limit=3000)
    if visited_on > local_today(now):
        raise InvalidInput(f"入企日期 {visited_on.isoformat()} 还没到，请核对。")
    registered = CheckRegistration.objects.filter(
        enterprise=enterprise, planned_on=visited_on, state__in=LIVE_STATES
    ).select_related("unit")
    names = "、".join(sorted({r.unit.name for r in registered})) or "无"
    title = f"未备案入企检查：{visitor_unit} {visited_on.isoformat()}"
    content = (
        f"企业通过“码上监督”反映：{visited_on.isoformat()} {visitor_unit} 人员入企检查，"
        f"企业未看到该次检查的备案。\n情况说明：{description}\n"
        f"当日已备案的检查部门：{names}。"
    )
    area = registered[0].area if registered else None
    appeal = appeals.submit_appeal(
        actor=actor,
        now=now,
        channel=Channel.ONSITE,
        data={
            "enterprise_name": enterprise.name,
            "enterprise_uscc": enterprise.uscc,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "title": title[:200],
            "content": content,
            "appeal_type": AppealType.COMPLAINT,
        },
        locality=area,
    )
    if conduct:
        appeals.refer_to_discipline(
            appeal, actor=actor, now=now, note="码上监督：未备案入企，涉及工作作风"
        )
    report = UnregisteredVisitReport.objects.create(
        enterprise=enterprise, visited_on=visited_on, visitor_unit=visitor_unit,
        description=description, conduct=conduct, appeal=appeal, reported_by=actor,
        reported_at=now,
    )  # fmt: skip
    audit.record(actor, "unregistered_visit.reported", report,
                 after={"appeal": appeal.pk, "conduct": conduct}, unit=appeal.locality, now=now)  # fmt: skip
    return report


# ---------------------------------------------------------------- 免罚清单


@transaction.atomic
def create_leniency_list(
    *, actor, now: dt.datetime, unit: Unit, field: str, title: str
) -> LeniencyList:
    field = _text(field, "执法领域", limit=100)
    title = _text(title, "清单名称", limit=200)
    if LeniencyList.objects.filter(unit=unit, field=field).exists():
        raise InvalidInput(f"本单位已有“{field}”领域的清单，请在原清单上修订新版本。")
    leniency_list = LeniencyList.objects.create(unit=unit, field=field, title=title, created_at=now)
    LeniencyListVersion.objects.create(leniency_list=leniency_list, number=1, created_at=now)
    audit.record(
        actor,
        "leniency_list.created",
        leniency_list,
        after={"field": field, "title": title},
        unit=unit,
        now=now,
    )
    return leniency_list


def draft_of(leniency_list: LeniencyList) -> LeniencyListVersion | None:
    return leniency_list.versions.filter(state=VersionState.DRAFT).first()


def current_of(leniency_list: LeniencyList) -> LeniencyListVersion | None:
    return leniency_list.versions.filter(state=VersionState.PUBLISHED).first()


@transaction.atomic
def start_revision(leniency_list: LeniencyList, *, actor, now: dt.datetime) -> LeniencyListVersion:
    """动态调整: a new draft version, a copy of the version in force."""
    if draft_of(leniency_list) is not None:
        raise InvalidInput("该清单已有一个待发布的草稿版本，请先修改并发布它。")
    current = current_of(leniency_list)
    number = (
        leniency_list.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    draft = LeniencyListVersion.objects.create(
        leniency_list=leniency_list, number=number, created_at=now
    )
    if current is not None:
        LeniencyEntry.objects.bulk_create(
            LeniencyEntry(
                version=draft,
                code=e.code,
                behaviour=e.behaviour,
                legal_basis=e.legal_basis,
                conditions=e.conditions,
                discretion=e.discretion,
                matter_id=e.matter_id,
            )  # fmt: skip
            for e in current.entries.all()
        )
    audit.record(actor, "leniency_list.revision_started", draft, after={"number": number}, now=now)
    return draft


def _require_draft(version: LeniencyListVersion) -> None:
    if version.state != VersionState.DRAFT:
        raise IllegalTransition(
            f"{rules.version_name(version.number)}已发布，不能修改；请先“修订新版本”。"
        )


@transaction.atomic
def save_entry(
    version: LeniencyListVersion, *, actor, now: dt.datetime, code: str, behaviour: str,
    legal_basis: str, conditions: str, discretion: str, matter: EnforcementMatter | None = None,
) -> LeniencyEntry:  # fmt: skip
    """Add an item to a draft version, or change the item with the same code."""
    version = LeniencyListVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    code = _text(code, "序号/编号", limit=40)
    fields = {
        "behaviour": _text(behaviour, "违法行为", limit=300),
        "legal_basis": _text(legal_basis, "法律依据"),
        "conditions": _text(conditions, "适用条件"),
        "discretion": discretion,
        "matter": matter,
    }
    if discretion not in rules.DISCRETION_LABELS:
        raise InvalidInput("请选择处理方式（轻微不罚、首违不罚、不予强制或从轻减轻）。")
    entry, created = LeniencyEntry.objects.update_or_create(
        version=version, code=code, defaults=fields
    )
    audit.record(actor, "leniency_entry.saved", entry, after={"code": code, "created": created},
                 unit=version.leniency_list.unit, now=now)  # fmt: skip
    return entry


@transaction.atomic
def remove_entry(version: LeniencyListVersion, *, actor, now: dt.datetime, code: str) -> None:
    version = LeniencyListVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    deleted, _ = LeniencyEntry.objects.filter(version=version, code=code).delete()
    if not deleted:
        raise InvalidInput(f"草稿中没有编号为“{code}”的事项。")
    audit.record(actor, "leniency_entry.removed", version, before={"code": code},
                 unit=version.leniency_list.unit, now=now)  # fmt: skip


def _entry_dicts(version: LeniencyListVersion | None) -> list[dict]:
    if version is None:
        return []
    return list(version.entries.values("code", *rules.ENTRY_FIELDS))


@transaction.atomic
def publish_version(
    version: LeniencyListVersion, *, actor, now: dt.datetime, effective_on: dt.date, source: str
) -> LeniencyListVersion:
    """Publish a draft; the diff with the version it replaces is fixed and published."""
    version = LeniencyListVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    if not version.entries.exists():
        raise InvalidInput("草稿版本还没有任何事项，不能发布。")
    source = _text(source, "发布文件", limit=200)
    previous = current_of(version.leniency_list)
    diff = rules.diff_entries(_entry_dicts(previous), _entry_dicts(version))
    if previous is not None and not (diff.added or diff.changed or diff.removed):
        raise InvalidInput(f"草稿与{rules.version_name(previous.number)}完全相同，无需发布新版本。")
    if previous is not None:
        previous.state = VersionState.SUPERSEDED
        previous.save(update_fields=["state"])
    version.diff = {
        **diff.as_json(),
        "previous": previous.number if previous else None,
        "summary": rules.diff_summary(diff, previous.number if previous else None),
    }
    version.state, version.published_at = VersionState.PUBLISHED, now
    version.effective_on, version.source = effective_on, source
    version.save(update_fields=["diff", "state", "published_at", "effective_on", "source"])
    audit.record(actor, "leniency_list.published", version, after={"number": version.number,
                 "summary": version.diff["summary"]}, unit=version.leniency_list.unit,
                 visibility="public", now=now)  # fmt: skip
    return version


@transaction.atomic
def record_flexible_case(
    *, actor, now: dt.datetime, unit: Unit, entry: LeniencyEntry, enterprise: Enterprise,
    measure: str, handled_on: dt.date, summary: str, observation_until: dt.date | None = None,
) -> FlexibleCase:  # fmt: skip
    """柔性执法: a case handled under an entry of the unit's published list."""
    if (
        entry.version.leniency_list.unit_id != unit.pk
        or entry.version.state != VersionState.PUBLISHED
    ):
        raise InvalidInput("只能适用本单位现行（已发布）免罚清单中的事项。")
    if measure not in Measure.values:
        raise InvalidInput("请选择柔性措施（告知、提醒、约谈或观察期）。")
    if measure == Measure.OBSERVATION and (
        observation_until is None or observation_until <= handled_on
    ):
        raise InvalidInput("观察期须填写晚于处理日期的“观察期截止”日期。")
    if handled_on > local_today(now):
        raise InvalidInput(f"处理日期 {handled_on.isoformat()} 还没到，请核对。")
    case = FlexibleCase.objects.create(
        unit=unit, entry=entry, enterprise=enterprise, measure=measure, handled_on=handled_on,
        observation_until=observation_until if measure == Measure.OBSERVATION else None,
        summary=_text(summary, "案情及处理", limit=3000), created_by=actor, created_at=now,
    )  # fmt: skip
    audit.record(actor, "flexible_case.recorded", case, after={"entry": entry.code, "measure": measure,
                 "enterprise": enterprise.uscc}, unit=unit, now=now)  # fmt: skip
    return case


# ---------------------------------------------------------------- 执法事项、裁量基准、公示


@transaction.atomic
def create_matter(
    *, actor, now: dt.datetime, unit: Unit, code: str, name: str, kind: str, legal_basis: str,
    inspection_items: Sequence[InspectionItem] = (), standards: Sequence[dict] = (),
) -> EnforcementMatter:  # fmt: skip
    code, name = _text(code, "事项编码", limit=40), _text(name, "事项名称", limit=200)
    if EnforcementMatter.objects.filter(code=code).exists():
        raise InvalidInput(f"事项编码“{code}”已存在。")
    foreign = [i.code for i in inspection_items if i.unit_id != unit.pk]
    if foreign:
        raise InvalidInput(f"检查事项 {'、'.join(foreign)} 不是本单位的事项，不能关联。")
    matter = EnforcementMatter.objects.create(
        unit=unit, code=code, name=name, kind=kind, legal_basis=_text(legal_basis, "实施依据"),
        created_at=now,
    )  # fmt: skip
    matter.inspection_items.set(inspection_items)
    DiscretionStandard.objects.bulk_create(
        DiscretionStandard(matter=matter, **s) for s in standards
    )
    audit.record(
        actor, "enforcement_matter.created", matter, after={"code": code}, unit=unit, now=now
    )
    return matter


@transaction.atomic
def link_recognition(
    *, actor, now: dt.datetime, item: InspectionItem, counts_for: InspectionItem, source: str
) -> RecognitionLink:
    if item.pk == counts_for.pk:
        raise InvalidInput("互认的两个检查事项不能相同。")
    link, _ = RecognitionLink.objects.get_or_create(
        item=item, counts_for=counts_for, defaults={"source": source, "created_at": now}
    )
    audit.record(actor, "recognition.linked", link, after={"item": item.code, "counts_for": counts_for.code},
                 unit=counts_for.unit_id, now=now)  # fmt: skip
    return link


@transaction.atomic
def publish_penalty_notice(
    *, actor, now: dt.datetime, unit: Unit, enterprise: Enterprise, decision_number: str,
    summary: str, minor: bool, published_on: dt.date, matter: EnforcementMatter | None = None,
) -> PenaltyNotice:  # fmt: skip
    notice = PenaltyNotice.objects.create(
        unit=unit, enterprise=enterprise, matter=matter,
        decision_number=_text(decision_number, "决定书文号", limit=100),
        summary=_text(summary, "违法行为及处罚内容"), minor=minor, published_on=published_on,
        created_at=now,
    )  # fmt: skip
    audit.record(actor, "penalty_notice.published", notice, after={"minor": minor}, unit=unit,
                 visibility="public", now=now)  # fmt: skip
    return notice


@transaction.atomic
def save_settings(*, actor, now: dt.datetime, area: Unit, **fields) -> OnsiteSettings:
    """A locality's rules: approval before entry, annual caps, publication periods."""
    allowed = {"approval_required", "annual_cap", "annual_cap_a", "minor_publication_months",
               "publication_months", "recognition_months", "source"}  # fmt: skip
    unknown = set(fields) - allowed
    if unknown:  # pragma: no cover - programming error
        raise ValueError(unknown)
    cap, cap_a = fields.get("annual_cap"), fields.get("annual_cap_a")
    if cap is not None and cap_a is not None and cap_a > cap:
        raise InvalidInput(f"A 类企业的年度上限（{cap_a} 次）不能高于一般企业（{cap} 次）。")
    row = OnsiteSettings.objects.filter(area=area).first()
    before = None
    if row is None:
        row = OnsiteSettings(area=area, updated_at=now)
    else:
        before = {k: getattr(row, k) for k in allowed}
    for key, value in fields.items():
        setattr(row, key, value)
    row.updated_at = now
    row.save()
    audit.record(actor, "onsite_settings.saved", row, before=before,
                 after={k: getattr(row, k) for k in allowed}, unit=area, now=now)  # fmt: skip
    return row


def registrations_on(enterprise: Enterprise, day: dt.date):
    return CheckRegistration.objects.filter(enterprise=enterprise, planned_on=day).filter(
        Q(state__in=LIVE_STATES)
    )
