"""The event log, SLA clocks and the checks every step shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from qinqing.appeals import rules
from qinqing.appeals.choices import (
    AppealState,
)
from qinqing.appeals.models import (
    Appeal,
    AppealEvent,
    Ticket,
)
from qinqing.core import audit
from qinqing.core.accounts.access import user_unit
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import TimeLimit, TimeUnit, get_calendar


def _actor_label(actor) -> str:
    if actor is None:
        return "系统"
    if isinstance(actor, str):
        return actor[:150]
    full = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return (full or actor.get_username())[:150]


def _event(
    appeal: Appeal,
    kind: str,
    *,
    actor,
    now: dt.datetime,
    ticket: Ticket | None = None,
    note: str = "",
    amount: int = 0,
    data: dict | None = None,
) -> AppealEvent:
    return AppealEvent.objects.create(
        appeal=appeal,
        ticket=ticket,
        kind=kind,
        at=now,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=_actor_label(actor),
        note=note,
        amount=amount,
        data=data or {},
    )


def clock_events(ticket: Ticket) -> list[rules.ClockEvent]:
    return [
        rules.ClockEvent(kind, at, amount)
        for kind, at, amount in ticket.events.order_by("at", "pk").values_list(
            "kind", "at", "amount"
        )
    ]


def ticket_clock(ticket: Ticket, calendar=None) -> rules.TicketClock:
    """Recompute the ticket's SLA clock from its event log with the calendar in force."""
    return rules.ticket_clock(
        clock_events(ticket),
        sign_limit=TimeLimit(ticket.sign_limit, TimeUnit(ticket.sign_unit)),
        reply_limit=TimeLimit(ticket.reply_limit, TimeUnit(ticket.reply_unit)),
        calendar=calendar or get_calendar(),
    )


CLOCK_FIELDS = [
    "start_on",
    "extension_amount",
    "paused_amount",
    "paused_since",
    "sign_due_at",
    "reply_due_at",
]


def refresh_clock(ticket: Ticket, calendar=None) -> rules.TicketClock:
    """Cache the clock recomputed from the log on the ticket (for the sweep and lists)."""
    clock = ticket_clock(ticket, calendar)
    ticket.start_on = clock.start_on
    ticket.extension_amount = clock.extension
    ticket.paused_amount = clock.paused
    ticket.paused_since = clock.paused_since
    ticket.sign_due_at = clock.sign_due_at
    ticket.reply_due_at = clock.reply_due_at
    ticket.save(update_fields=CLOCK_FIELDS)
    return clock


def _move(ticket: Ticket, target: str, *, action: str | None = None) -> str:
    before = ticket.state
    rules.check_transition(before, target, action=action)
    ticket.state = target
    return before


def _audit_ticket(actor, verb: str, ticket: Ticket, before: str, now, **after) -> None:
    audit.record(
        actor,
        verb,
        ticket,
        unit=ticket.unit_id,
        before={"state": before},
        after={"state": ticket.state, **after},
        now=now,
    )


def _require_appeal_state(appeal: Appeal, allowed: Iterable[str], action: str) -> None:
    if appeal.state not in set(allowed):
        raise IllegalTransition(
            f"诉求当前状态为“{AppealState(appeal.state).label}”，不能{action}。"
        )


def _check_unit_in_area(unit: Unit, locality: Unit) -> None:
    if not unit.active or not unit.path.startswith(locality.path):
        raise InvalidInput(f"“{unit.name}”不是{locality.name}的在用单位，不能派单给它。")


def record_phone_view(appeal: Appeal, *, actor, now: dt.datetime) -> None:
    """A unit read the enterprise's full phone number while handling the appeal (audited read)."""
    unit = user_unit(actor)
    audit.record(actor, "appeal.viewed_phone", appeal, unit=unit.pk if unit else None, now=now)
