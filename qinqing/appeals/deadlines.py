"""Recompute open tickets' deadlines when the calendar changes (see workdays.changes)."""

from __future__ import annotations

import datetime as dt

from qinqing.appeals.choices import TicketState
from qinqing.appeals.models import Ticket
from qinqing.appeals.service import refresh_clock
from qinqing.core.workdays.changes import Moved, Result

OPEN_STATES = [
    TicketState.DISPATCHED,
    TicketState.ACKNOWLEDGED,
    TicketState.EXTENSION_REQUESTED,
    TicketState.SUSPENSION_REQUESTED,
    TicketState.SUSPENDED,
    TicketState.RETURN_REQUESTED,
]


def recompute_deadlines(*, now: dt.datetime, calendar) -> Result:
    """Rebuild every open ticket's clock from its event log; report the ones that moved."""
    moved: list[Moved] = []
    checked = 0
    tickets = Ticket.objects.filter(state__in=OPEN_STATES).select_related("appeal", "unit")
    for ticket in tickets.order_by("pk").iterator(chunk_size=2000):
        checked += 1
        before = (ticket.sign_due_at, ticket.reply_due_at)
        refresh_clock(ticket, calendar)
        appeal = ticket.appeal
        what = f"诉求 {appeal.number} {ticket.get_role_display()}工单（{ticket.unit.name}）"
        for label, old, new in (
            ("签收截止", before[0], ticket.sign_due_at),
            ("答复截止", before[1], ticket.reply_due_at),
        ):
            if old != new:
                moved.append(
                    Moved(
                        what,
                        label,
                        old,
                        new,
                        url=f"/appeals/{appeal.pk}/",
                        unit_id=ticket.unit_id,
                        uscc=appeal.enterprise_uscc,
                    )  # fmt: skip
                )
    return Result(checked, moved)
