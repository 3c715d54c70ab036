"""Unit handling (签收、退单、延期、挂起、答复) and the office's reviews and transfers."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from qinqing.appeals import notify
from qinqing.appeals.choices import (
    OPEN_TICKET_STATES,
    AppealState,
    EventKind,
    TicketRole,
    TicketState,
)
from qinqing.appeals.models import (
    Ticket,
)
from qinqing.appeals.service._common import (
    _audit_ticket,
    _check_unit_in_area,
    _event,
    _move,
    refresh_clock,
)
from qinqing.appeals.service.config import local_today
from qinqing.appeals.service.dispatch import _new_ticket
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import DEFAULT_OFFICE_HOURS, get_calendar


def _locked(ticket: Ticket) -> Ticket:
    """The ticket and its appeal, locked for a state change. Not the unit: a plain FOR UPDATE
    over the join also locked the unit's row, so a dispatch to that unit (whose new ticket's
    foreign key is checked at commit) and a reply deadlocked on it and the audit chain under
    load (issue 20). NO KEY UPDATE, as an UPDATE that keeps the key takes, lets foreign-key
    checks through."""
    return (
        Ticket.objects.select_for_update(of=("self", "appeal"), no_key=True)
        .select_related("appeal", "unit")
        .get(pk=ticket.pk)
    )


@transaction.atomic
def acknowledge_ticket(ticket: Ticket, *, actor, now: dt.datetime) -> Ticket:
    """签收 (acknowledge): the assigned unit confirms receipt."""
    ticket = _locked(ticket)
    before = _move(ticket, TicketState.ACKNOWLEDGED)
    ticket.acknowledged_at = now
    ticket.signed_on_time = ticket.sign_due_at is None or now <= ticket.sign_due_at
    ticket.save(update_fields=["state", "acknowledged_at", "signed_on_time"])
    _event(ticket.appeal, EventKind.ACKNOWLEDGED, actor=actor, now=now, ticket=ticket)
    refresh_clock(ticket)
    _audit_ticket(actor, "ticket.acknowledged", ticket, before, now, on_time=ticket.signed_on_time)
    return ticket


@transaction.atomic
def request_return(ticket: Ticket, *, actor, now: dt.datetime, reason: str) -> Ticket:
    """退单: within the sign window, with a reason; the dispatcher reviews it."""
    ticket = _locked(ticket)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写退单理由（例如：不属于本单位职责，建议由某单位办理）。")
    if ticket.state == TicketState.DISPATCHED and ticket.sign_due_at and now > ticket.sign_due_at:
        raise IllegalTransition(
            f"已超过签收时限（{ticket.sign_due_at.astimezone(DEFAULT_OFFICE_HOURS.tz):%Y-%m-%d %H:%M}），"
            "不能再退单。请签收后办理，或联系派单员转办。"
        )
    before = _move(ticket, TicketState.RETURN_REQUESTED)
    ticket.return_reason = reason
    ticket.save(update_fields=["state", "return_reason"])
    _event(
        ticket.appeal, EventKind.RETURN_REQUESTED, actor=actor, now=now, ticket=ticket, note=reason
    )
    refresh_clock(ticket)
    _audit_ticket(actor, "ticket.return_requested", ticket, before, now, reason=reason)
    return ticket


@transaction.atomic
def review_return(
    ticket: Ticket, *, actor, now: dt.datetime, approve: bool, note: str = ""
) -> Ticket:
    """The dispatcher accepts a 退单 (the appeal goes back to the queue) or sends it back."""
    ticket = _locked(ticket)
    appeal = ticket.appeal
    if approve:
        before = _move(ticket, TicketState.RETURNED, action="同意退单")
        ticket.closed_at = now
        ticket.save(update_fields=["state", "closed_at"])
        _event(appeal, EventKind.RETURN_APPROVED, actor=actor, now=now, ticket=ticket, note=note)
        if ticket.role == TicketRole.PRIMARY:
            for other in appeal.tickets.filter(state__in=OPEN_TICKET_STATES).exclude(pk=ticket.pk):
                other.state, other.closed_at = TicketState.CANCELLED, now
                other.save(update_fields=["state", "closed_at"])
            appeal.state, appeal.dispatched_at = AppealState.RECEIVED, None
            appeal.save(update_fields=["state", "dispatched_at"])
        verb = "ticket.return_approved"
    else:
        before = _move(ticket, TicketState.DISPATCHED, action="驳回退单")
        ticket.save(update_fields=["state"])
        _event(appeal, EventKind.RETURN_REJECTED, actor=actor, now=now, ticket=ticket, note=note)
        verb = "ticket.return_rejected"
    refresh_clock(ticket)
    _audit_ticket(actor, verb, ticket, before, now, note=note)
    return ticket


@transaction.atomic
def transfer_ticket(
    ticket: Ticket, *, actor, now: dt.datetime, to_unit: Unit, note: str = ""
) -> Ticket:
    """转办: hand the work to another unit; the old ticket and its history stay."""
    ticket = _locked(ticket)
    if to_unit.pk == ticket.unit_id:
        raise InvalidInput("转办单位与原承办单位相同，请选择其他单位。")
    _check_unit_in_area(to_unit, ticket.appeal.locality)
    before = _move(ticket, TicketState.TRANSFERRED)
    ticket.closed_at = now
    ticket.save(update_fields=["state", "closed_at"])
    _event(
        ticket.appeal,
        EventKind.TRANSFERRED,
        actor=actor,
        now=now,
        ticket=ticket,
        note=note,
        data={"to": to_unit.name},
    )
    new = _new_ticket(
        ticket.appeal,
        to_unit,
        ticket.role,
        actor=actor,
        now=now,
        calendar=get_calendar(),
        note=note,
        transferred_from=ticket,
        supervised=ticket.supervised,
    )
    _audit_ticket(
        actor, "ticket.transferred", ticket, before, now, to=to_unit.name, new_ticket=new.pk
    )
    return new


@transaction.atomic
def request_extension(
    ticket: Ticket, *, actor, now: dt.datetime, amount: int, reason: str
) -> Ticket:
    """申请延期: the unit asks for more time; the office approves or refuses."""
    ticket = _locked(ticket)
    if not isinstance(amount, int) or amount < 1 or amount > 30:
        raise InvalidInput("延期天数应为 1 到 30 之间的整数。")
    if not (reason or "").strip():
        raise InvalidInput("请填写延期理由。")
    before = _move(ticket, TicketState.EXTENSION_REQUESTED)
    ticket.request_amount, ticket.request_reason = amount, reason.strip()
    ticket.save(update_fields=["state", "request_amount", "request_reason"])
    _event(
        ticket.appeal,
        EventKind.EXTENSION_REQUESTED,
        actor=actor,
        now=now,
        ticket=ticket,
        note=reason.strip(),
        amount=amount,
    )
    _audit_ticket(actor, "ticket.extension_requested", ticket, before, now, amount=amount)
    return ticket


@transaction.atomic
def review_extension(
    ticket: Ticket, *, actor, now: dt.datetime, approve: bool, note: str = ""
) -> Ticket:
    ticket = _locked(ticket)
    if ticket.state != TicketState.EXTENSION_REQUESTED:
        raise IllegalTransition(
            f"工单当前状态为“{TicketState(ticket.state).label}”，没有待审批的延期申请。"
        )
    before = _move(ticket, TicketState.ACKNOWLEDGED, action="审批延期")
    amount = ticket.request_amount
    ticket.request_amount, ticket.request_reason = 0, ""
    ticket.save(update_fields=["state", "request_amount", "request_reason"])
    kind = EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED
    _event(
        ticket.appeal,
        kind,
        actor=actor,
        now=now,
        ticket=ticket,
        note=note,
        amount=amount if approve else 0,
    )
    refresh_clock(ticket)
    verb = "ticket.extension_approved" if approve else "ticket.extension_refused"
    _audit_ticket(actor, verb, ticket, before, now, amount=amount if approve else 0)
    return ticket


@transaction.atomic
def request_suspension(ticket: Ticket, *, actor, now: dt.datetime, reason: str) -> Ticket:
    """申请挂起: waiting for the enterprise (materials, on-site check); the office approves."""
    ticket = _locked(ticket)
    if not (reason or "").strip():
        raise InvalidInput("请填写挂起理由（例如：等待企业补充材料）。")
    before = _move(ticket, TicketState.SUSPENSION_REQUESTED)
    ticket.request_reason = reason.strip()
    ticket.save(update_fields=["state", "request_reason"])
    _event(
        ticket.appeal,
        EventKind.SUSPENSION_REQUESTED,
        actor=actor,
        now=now,
        ticket=ticket,
        note=reason.strip(),
    )
    _audit_ticket(actor, "ticket.suspension_requested", ticket, before, now)
    return ticket


@transaction.atomic
def review_suspension(
    ticket: Ticket, *, actor, now: dt.datetime, approve: bool, note: str = ""
) -> Ticket:
    ticket = _locked(ticket)
    if ticket.state != TicketState.SUSPENSION_REQUESTED:
        raise IllegalTransition(
            f"工单当前状态为“{TicketState(ticket.state).label}”，没有待审批的挂起申请。"
        )
    target = TicketState.SUSPENDED if approve else TicketState.ACKNOWLEDGED
    before = _move(ticket, target, action="审批挂起")
    ticket.request_reason = ""
    ticket.save(update_fields=["state", "request_reason"])
    kind = EventKind.SUSPENDED if approve else EventKind.SUSPENSION_REFUSED
    _event(ticket.appeal, kind, actor=actor, now=now, ticket=ticket, note=note)
    refresh_clock(ticket)
    verb = "ticket.suspended" if approve else "ticket.suspension_refused"
    _audit_ticket(actor, verb, ticket, before, now)
    return ticket


@transaction.atomic
def resume_ticket(ticket: Ticket, *, actor, now: dt.datetime, note: str = "") -> Ticket:
    """恢复办理: the enterprise answered; the clock runs again."""
    ticket = _locked(ticket)
    if ticket.state != TicketState.SUSPENDED:
        raise IllegalTransition(
            f"工单当前状态为“{TicketState(ticket.state).label}”，不是挂起状态，无需恢复。"
        )
    before = _move(ticket, TicketState.ACKNOWLEDGED, action="恢复办理")
    ticket.save(update_fields=["state"])
    _event(ticket.appeal, EventKind.RESUMED, actor=actor, now=now, ticket=ticket, note=note)
    refresh_clock(ticket)
    _audit_ticket(actor, "ticket.resumed", ticket, before, now)
    return ticket


@transaction.atomic
def reply_ticket(ticket: Ticket, *, actor, now: dt.datetime, reply: str) -> Ticket:
    """答复: the unit's answer; the lead unit's answer goes to the enterprise and to 回访."""
    ticket = _locked(ticket)
    reply = (reply or "").strip()
    if len(reply) < 10:
        raise InvalidInput("答复内容过短（至少 10 个字），请写明办理结果和依据。")
    before = _move(ticket, TicketState.REPLIED)
    calendar = get_calendar()
    ticket.reply, ticket.replied_at = reply, now
    ticket.replied_on_time = ticket.reply_due_at is None or now <= ticket.reply_due_at
    ticket.reply_workdays = max(
        0,
        calendar.workdays_between(ticket.start_on, local_today(now))
        - (ticket.paused_amount if ticket.reply_unit == "workdays" else 0),
    )
    ticket.save(update_fields=["state", "reply", "replied_at", "replied_on_time", "reply_workdays"])
    _event(ticket.appeal, EventKind.REPLIED, actor=actor, now=now, ticket=ticket, note=reply)
    if ticket.role == TicketRole.PRIMARY:
        appeal = ticket.appeal
        appeal.state, appeal.replied_at, appeal.answer = AppealState.REPLIED, now, reply
        appeal.save(update_fields=["state", "replied_at", "answer"])
        notify.appeal_replied(ticket, now=now)
    _audit_ticket(actor, "ticket.replied", ticket, before, now, on_time=ticket.replied_on_time)
    return ticket
