"""信用分级分类: credit tiers, red and black lists, credit repair."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from qinqing.core import audit
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import get_calendar
from qinqing.inspections.models import (
    CreditListEntry,
    CreditListKind,
    CreditRepairRequest,
    CreditTierChange,
    RepairState,
)
from qinqing.inspections.service._common import TIERS, _today, _user, repair_review_workdays_default
from qinqing.inspections.service.campaigns import repair_due_on


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
