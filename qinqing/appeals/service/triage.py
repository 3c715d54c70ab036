"""Duplicates (并单), on-the-spot answers (即时办结), referral to discipline (移送)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from qinqing.appeals.choices import (
    OPEN_TICKET_STATES,
    AppealState,
    AppealType,
    DuplicateState,
    EventKind,
    LeadState,
    TicketState,
)
from qinqing.appeals.models import (
    Appeal,
    DisciplineLead,
    DuplicateProposal,
)
from qinqing.appeals.service._common import _event, _require_appeal_state
from qinqing.core import audit
from qinqing.core.audit.models import Visibility
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit


@transaction.atomic
def merge_appeals(proposal: DuplicateProposal, *, actor, now: dt.datetime) -> Appeal:
    """并单: fold the newer appeal into the earlier one; the earlier one carries on."""
    appeal = Appeal.objects.select_for_update().get(pk=proposal.appeal_id)
    target = proposal.candidate
    if proposal.state != DuplicateState.PENDING:
        raise IllegalTransition("该并单建议已处理，请刷新页面。")
    _require_appeal_state(appeal, [AppealState.RECEIVED], "并单")
    if target.state == AppealState.MERGED:
        raise IllegalTransition("目标诉求已被并入其他诉求，不能再并入。")
    appeal.state, appeal.merged_into, appeal.closed_at = AppealState.MERGED, target, now
    appeal.save(update_fields=["state", "merged_into", "closed_at"])
    proposal.state, proposal.decided_by, proposal.decided_at = DuplicateState.MERGED, actor, now
    proposal.save(update_fields=["state", "decided_by", "decided_at"])
    _event(appeal, EventKind.MERGED, actor=actor, now=now, data={"into": target.pk})
    _event(target, EventKind.MERGED, actor=actor, now=now, data={"from": appeal.pk})
    audit.record(
        actor,
        "appeal.merged",
        appeal,
        before={"state": "received"},
        after={"into": target.pk},
        now=now,
    )
    return target


@transaction.atomic
def dismiss_duplicate(proposal: DuplicateProposal, *, actor, now: dt.datetime) -> None:
    if proposal.state != DuplicateState.PENDING:
        raise IllegalTransition("该并单建议已处理，请刷新页面。")
    proposal.state, proposal.decided_by, proposal.decided_at = DuplicateState.DISMISSED, actor, now
    proposal.save(update_fields=["state", "decided_by", "decided_at"])
    audit.record(actor, "appeal.duplicate_dismissed", proposal.appeal, now=now)


@transaction.atomic
def answer_on_the_spot(
    appeal: Appeal, *, actor, now: dt.datetime, answer: str, unit: Unit | None = None
) -> Appeal:
    """即时办结: answer a 咨询 at once (usually from a knowledge-base article)."""
    _require_appeal_state(appeal, [AppealState.RECEIVED], "即时办结")
    if appeal.appeal_type != AppealType.CONSULTATION:
        raise InvalidInput("只有“咨询”类诉求可以即时办结，其他类型请派单办理。")
    answer = (answer or "").strip()
    if not answer:
        raise InvalidInput("请填写答复内容后再即时办结。")
    appeal.state, appeal.answer, appeal.closed_at, appeal.replied_at = (
        AppealState.ANSWERED,
        answer,
        now,
        now,
    )
    appeal.save(update_fields=["state", "answer", "closed_at", "replied_at"])
    _event(
        appeal,
        EventKind.ANSWERED,
        actor=actor,
        now=now,
        note=answer,
        data={"unit": unit.pk if unit else None},
    )
    audit.record(actor, "appeal.answered", appeal, before={"state": "received"}, now=now)
    return appeal


@transaction.atomic
def refer_to_discipline(
    appeal: Appeal, *, actor, now: dt.datetime, note: str = ""
) -> DisciplineLead:
    """移送纪检监察: a conduct complaint becomes a lead; other units then see only 已移送."""
    _require_appeal_state(appeal, [AppealState.RECEIVED, AppealState.DISPATCHED], "移送")
    before = appeal.state
    for ticket in appeal.tickets.filter(state__in=OPEN_TICKET_STATES):
        ticket.state, ticket.closed_at = TicketState.CANCELLED, now
        ticket.save(update_fields=["state", "closed_at"])
    appeal.state, appeal.conduct = AppealState.REFERRED, True
    appeal.save(update_fields=["state", "conduct"])
    lead = DisciplineLead.objects.create(
        appeal=appeal, locality=appeal.locality, referred_at=now, referred_by=actor
    )
    _event(appeal, EventKind.REFERRED, actor=actor, now=now, note=note)
    # named by number only and restricted: everyone but 纪检监察 sees 已移送 in the audit trail
    audit.record(
        actor, "appeal.referred", ("appeals.appeal", appeal.pk, appeal.number),
        before={"state": before}, after={"lead": lead.pk}, unit=appeal.locality_id,
        visibility=Visibility.RESTRICTED, now=now,
    )  # fmt: skip
    return lead


@transaction.atomic
def record_lead_progress(
    lead: DisciplineLead, *, actor, now: dt.datetime, findings: str, close: bool
) -> DisciplineLead:
    """线索台账: note what was found; ``close`` 销号 the lead (item by item)."""
    if lead.state == LeadState.CLOSED:
        raise IllegalTransition("该线索已销号，不能再修改。")
    findings = (findings or "").strip()
    if not findings:
        raise InvalidInput("请填写核查情况。")
    before = lead.state
    lead.findings = findings
    lead.state = LeadState.CLOSED if close else LeadState.CHECKING
    if close:
        lead.closed_at, lead.closed_by = now, actor
    lead.save(update_fields=["findings", "state", "closed_at", "closed_by"])
    audit.record(
        actor,
        "lead.closed" if close else "lead.updated",
        lead,
        before={"state": before},
        after={"state": lead.state},
        visibility=Visibility.RESTRICTED,
        now=now,
    )
    return lead
