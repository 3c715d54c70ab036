"""回访, reopening (重办) and escalation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from qinqing.appeals import rules
from qinqing.appeals.choices import (
    OPEN_TICKET_STATES,
    AppealState,
    EventKind,
    Satisfaction,
    SlaStage,
    TicketRole,
    TicketState,
)
from qinqing.appeals.models import (
    Appeal,
    Callback,
)
from qinqing.appeals.service._common import _event, _require_appeal_state
from qinqing.appeals.service.config import local_today, sla_rules_for
from qinqing.appeals.service.dispatch import _new_ticket
from qinqing.core import audit
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import get_calendar


def _callback_due(
    sla_rules: list[rules.SlaRule], appeal_type: str, replied_at: dt.datetime, calendar
) -> dt.datetime:
    limit = rules.pick_limit(
        sla_rules, SlaStage.CALLBACK, appeal_type, local_today(replied_at)
    ).limit
    return rules.due_after(replied_at, limit.amount, limit.unit, 0, calendar=calendar)


def callback_due_at(appeal: Appeal, calendar=None) -> dt.datetime | None:
    if appeal.replied_at is None:
        return None
    return _callback_due(
        sla_rules_for(appeal.locality),
        appeal.appeal_type,
        appeal.replied_at,
        calendar or get_calendar(),
    )


def callback_due_dates(
    rows: Iterable[tuple[int, int, str, dt.datetime | None]], calendar=None
) -> dict[int, dt.datetime | None]:
    """:func:`callback_due_at` of many appeals, from (appeal id, locality id, appeal type,
    replied at) rows, by appeal id. Reads each locality's time limits once, and takes plain
    rows rather than appeals: the 待回访 queue can hold thousands, and building an object
    per appeal was most of the office home page's time."""
    calendar = calendar or get_calendar()
    limits: dict[int, list[rules.SlaRule]] = {}
    due: dict[int, dt.datetime | None] = {}
    for pk, locality_id, appeal_type, replied_at in rows:
        if replied_at is None:
            due[pk] = None
            continue
        if locality_id not in limits:
            limits[locality_id] = sla_rules_for(Unit.objects.get(pk=locality_id))
        due[pk] = _callback_due(limits[locality_id], appeal_type, replied_at, calendar)
    return due


@transaction.atomic
def record_callback(
    appeal: Appeal,
    *,
    actor,
    now: dt.datetime,
    resolved: bool,
    satisfaction: str,
    note: str = "",
) -> Callback:
    """回访: resolved yes/no and satisfaction; 不满意 reopens to the same unit (重办)."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    _require_appeal_state(appeal, [AppealState.REPLIED], "回访")
    if satisfaction not in Satisfaction.values:
        raise InvalidInput("请选择满意度：满意、基本满意或不满意。")
    primary = (
        appeal.tickets.filter(role=TicketRole.PRIMARY, state=TicketState.REPLIED)
        .order_by("-replied_at")
        .first()
    )
    if primary is None:
        raise IllegalTransition("没有找到已答复的主办工单，不能回访。")
    previous_failures = appeal.callbacks.filter(satisfaction=Satisfaction.UNSATISFIED).count()
    callback = Callback.objects.create(
        appeal=appeal,
        ticket=primary,
        unit=primary.unit,
        called_at=now,
        caller=actor,
        resolved=resolved,
        satisfaction=satisfaction,
        note=(note or "").strip(),
        round=appeal.callbacks.count() + 1,
    )
    outcome = rules.callback_outcome(satisfaction, previous_failures)
    _event(
        appeal,
        EventKind.CALLBACK,
        actor=actor,
        now=now,
        ticket=primary,
        note=callback.note,
        data={"resolved": resolved, "satisfaction": satisfaction},
    )
    if outcome.close:
        for ticket in appeal.tickets.filter(state__in=[*OPEN_TICKET_STATES, TicketState.REPLIED]):
            ticket.state, ticket.closed_at = TicketState.CLOSED, now
            ticket.save(update_fields=["state", "closed_at"])
        appeal.state, appeal.closed_at = AppealState.CLOSED, now
        appeal.save(update_fields=["state", "closed_at"])
        _event(appeal, EventKind.CLOSED, actor=actor, now=now)
    else:
        primary.state, primary.closed_at = TicketState.REOPENED, now
        primary.save(update_fields=["state", "closed_at"])
        appeal.reopen_count += 1
        appeal.state, appeal.replied_at = AppealState.DISPATCHED, None
        if outcome.escalate:
            appeal.escalated = True
        appeal.save(update_fields=["reopen_count", "state", "replied_at", "escalated"])
        new = _new_ticket(
            appeal,
            primary.unit,
            TicketRole.PRIMARY,
            actor=actor,
            now=now,
            calendar=get_calendar(),
            note=f"企业不满意，重办（第 {appeal.reopen_count} 次）。{callback.note}",
            reopened_from=primary,
            supervised=outcome.escalate,
        )
        _event(appeal, EventKind.REOPENED, actor=actor, now=now, ticket=new, note=callback.note)
        if outcome.escalate:
            _event(
                appeal,
                EventKind.ESCALATED,
                actor=actor,
                now=now,
                ticket=new,
                note="再次回访不满意，升级督办。",
            )
    audit.record(
        actor,
        "appeal.callback_recorded",
        appeal,
        unit=primary.unit_id,
        after={
            "resolved": resolved,
            "satisfaction": satisfaction,
            "reopened": outcome.reopen,
            "escalated": outcome.escalate,
        },
        now=now,
    )
    return callback
