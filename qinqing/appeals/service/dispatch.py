"""派单: a lead unit and co-handling units, each with its own ticket and clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction

from qinqing.appeals import notify, suggest
from qinqing.appeals.choices import (
    AppealState,
    EventKind,
    SlaStage,
    TicketRole,
)
from qinqing.appeals.models import (
    Appeal,
    Ticket,
)
from qinqing.appeals.service._common import (
    _check_unit_in_area,
    _event,
    _require_appeal_state,
    refresh_clock,
)
from qinqing.appeals.service.config import limit_for, local_today
from qinqing.core import audit
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import get_calendar
from qinqing.core.workdays.rules import deemed_received_on


def _new_ticket(
    appeal: Appeal,
    unit: Unit,
    role: str,
    *,
    actor,
    now: dt.datetime,
    calendar,
    note: str = "",
    transferred_from: Ticket | None = None,
    reopened_from: Ticket | None = None,
    supervised: bool = False,
) -> Ticket:
    today = local_today(now)
    sign = limit_for(appeal.locality, SlaStage.SIGN, appeal.appeal_type, today)
    reply = limit_for(appeal.locality, SlaStage.REPLY, appeal.appeal_type, today)
    ticket = Ticket.objects.create(
        appeal=appeal,
        unit=unit,
        role=role,
        dispatched_at=now,
        start_on=deemed_received_on(now, calendar=calendar),
        sign_limit=sign.amount,
        sign_unit=sign.unit.value,
        reply_limit=reply.amount,
        reply_unit=reply.unit.value,
        transferred_from=transferred_from,
        reopened_from=reopened_from,
        supervised=supervised,
        supervised_at=now if supervised else None,
    )
    _event(
        appeal,
        EventKind.DISPATCHED,
        actor=actor,
        now=now,
        ticket=ticket,
        note=note,
        data={"unit": unit.name, "role": role},
    )
    refresh_clock(ticket, calendar)
    return ticket


@transaction.atomic
def dispatch_appeal(
    appeal: Appeal,
    *,
    actor,
    now: dt.datetime,
    primary_unit: Unit,
    assisting_units: Sequence[Unit] = (),
    note: str = "",
    category: str = "",
    auto: bool = False,
) -> list[Ticket]:
    """派单: a lead unit (主办) and optional co-handling units (协办); overrides are recorded."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    _require_appeal_state(appeal, [AppealState.RECEIVED], "派单")
    assisting = [u for u in dict.fromkeys(assisting_units) if u.pk != primary_unit.pk]
    for unit in [primary_unit, *assisting]:
        _check_unit_in_area(unit, appeal.locality)
    calendar = get_calendar()
    if not appeal.suggestions:  # record what the router suggested (pages only show it)
        found = suggest.suggest_for_appeals([appeal]).get(appeal.pk) or []
        appeal.suggestions = [s.as_dict() for s in found]
    suggested = appeal.suggestions[0] if appeal.suggestions else None
    overridden = None if suggested is None else suggested["unit_id"] != primary_unit.pk
    if not category and appeal.suggestions:
        chosen = next((s for s in appeal.suggestions if s["unit_id"] == primary_unit.pk), None)
        labels = (chosen or appeal.suggestions[0])["labels"]
        category = labels[0] if labels else ""
    tickets = [
        _new_ticket(
            appeal,
            primary_unit,
            TicketRole.PRIMARY,
            actor=actor,
            now=now,
            calendar=calendar,
            note=note,
        )
    ]
    for unit in assisting:
        tickets.append(
            _new_ticket(
                appeal,
                unit,
                TicketRole.ASSISTING,
                actor=actor,
                now=now,
                calendar=calendar,
                note=note,
            )
        )
    appeal.state, appeal.dispatched_at = AppealState.DISPATCHED, now
    appeal.dispatch_overridden, appeal.auto_dispatched = overridden, auto
    if category:
        appeal.category = category[:40]
    appeal.save(
        update_fields=[
            "state",
            "dispatched_at",
            "dispatch_overridden",
            "auto_dispatched",
            "category",
            "suggestions",
        ]
    )
    audit.record(
        actor,
        "appeal.dispatched",
        appeal,
        unit=primary_unit,
        before={"state": "received"},
        after={
            "primary": primary_unit.name,
            "assisting": [u.name for u in assisting],
            "suggested": suggested,
            "overridden": overridden,
            "auto": auto,
        },
        now=now,
    )
    notify.tickets_dispatched(appeal, tickets, now=now)
    return tickets
