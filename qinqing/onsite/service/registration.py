"""涉企行政检查备案: the entry check (宁静日 and cap), registration, approval, scan, result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, FilteredRelation, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from qinqing.core import audit
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.notifications import notify_enterprise, notify_unit
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import MissingCalendarYear, get_calendar
from qinqing.inspections.queries import local_quiet_days_for_area
from qinqing.onsite import queries, rules
from qinqing.onsite.models import (
    CheckRegistration,
    CheckScan,
    JointVisitProposal,
    ProposalState,
    RecognitionLink,
)
from qinqing.onsite.service._common import LIVE_STATES, OPEN_STATES, S, _text, local_today

if TYPE_CHECKING:
    from qinqing.inspections.models import InspectionItem, Inspector


@dataclass(frozen=True)
class EntryCheck:
    """What the window-and-cap check found for one planned entry (it passed)."""

    day: rules.EntryDay
    done: int  # planned checks of the year so far, all departments, a joint visit once
    cap: int


def _calendar_day(day: dt.date, calendar: Any) -> tuple[Callable[[dt.date], bool], bool]:
    """(is_workday, provisional) for the day's year; nothing is refused for lack of data."""

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
def scan_arrival(
    registration: CheckRegistration, *, actor, inspector: Inspector, now: dt.datetime
) -> CheckRegistration:
    """码上监督: the inspector, signed in as themself, scanned the enterprise's code on arrival.

    Only one of the registration's own inspectors may confirm the entry.
    """
    registration = CheckRegistration.objects.select_for_update().get(pk=registration.pk)
    if inspector is None or not registration.inspectors.filter(pk=inspector.pk).exists():
        raise InvalidInput(
            f"{inspector.name if inspector else '您'}不是该检查备案登记的检查人员，不能扫码入企。"
            "请由备案中的检查人员本人扫码；人员有变动的，请先取消备案后重新备案。"
        )
    if registration.state == S.PENDING:
        raise IllegalTransition("该检查尚未经营商办核准，不得入企。请等待核准后再入企。")
    _require_state(registration, [S.REGISTERED, S.APPROVED, S.ARRIVED], "扫码入企")
    today = local_today(now)
    if registration.planned_on != today:
        raise InvalidInput(
            f"该检查备案的检查日期为 {registration.planned_on.isoformat()}，不是今天（{today.isoformat()}）。"
            f"请按备案日期入企，或先取消后重新备案。"
        )
    CheckScan.objects.create(
        registration=registration, scanned_by=actor, inspector=inspector, scanned_at=now
    )
    if registration.state != S.ARRIVED:
        before = registration.state
        registration.state, registration.arrived_at = S.ARRIVED, now
        registration.save(update_fields=["state", "arrived_at"])
        audit.record(actor, "check.arrived", registration, before={"state": before},
                     after={"state": S.ARRIVED, "inspector": inspector.certificate_number},
                     unit=registration.unit, now=now)  # fmt: skip
        notify_enterprise(
            registration.enterprise.uscc, kind="onsite.check_arrived",
            title=f"{registration.unit.name}检查人员{inspector.name}已扫码入企（{registration.get_category_display()}）",
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
