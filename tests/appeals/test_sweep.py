"""催办 at shares of time used, 督办 when overdue; idempotent; silent on rest days."""

from __future__ import annotations

import datetime as dt

import pytest

from qinqing.appeals import rules, service
from qinqing.appeals.choices import AppealType, EventKind, SlaStatus
from qinqing.appeals.models import AppealEvent, Ticket
from qinqing.appeals.tasks import RUNNING_STATES, sweep_tickets
from qinqing.core.audit.models import AuditEvent
from qinqing.core.workdays import get_calendar
from tests.appeals.conftest import NOW, SHANGHAI
from tests.appeals.factories import acknowledged, dispatched

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def reminders(ticket):
    return AppealEvent.objects.filter(ticket=ticket, kind=EventKind.REMINDED).count()


def test_reminders_at_half_and_eighty_percent_then_supervision(appeals_world):
    w = appeals_world
    _, ticket = acknowledged(w, NOW)  # complaint: 10 working days, due 23 March 17:30
    assert sweep_tickets(at(2026, 3, 12, 9)).reminded == 0  # 30 % used
    result = sweep_tickets(at(2026, 3, 16, 9))  # 50 %
    assert result.reminded == 1 and result.supervised == 0
    ticket.refresh_from_db()
    assert ticket.reminder_level == 1 and reminders(ticket) == 1
    sweep_tickets(at(2026, 3, 19, 9))  # 80 %
    ticket.refresh_from_db()
    assert ticket.reminder_level == 2 and reminders(ticket) == 2
    assert sweep_tickets(at(2026, 3, 23, 17, 0)).supervised == 0  # due day, not yet past
    result = sweep_tickets(at(2026, 3, 23, 17, 31))
    assert result.supervised == 1
    ticket.refresh_from_db()
    assert ticket.supervised and ticket.supervised_at == at(2026, 3, 23, 17, 31)
    assert AppealEvent.objects.filter(ticket=ticket, kind=EventKind.SUPERVISED).count() == 1


def test_sweep_is_idempotent(appeals_world):
    w = appeals_world
    acknowledged(w, NOW)
    first = sweep_tickets(at(2026, 3, 24, 9))
    assert first.supervised == 1
    events, audits = AppealEvent.objects.count(), AuditEvent.objects.count()
    tickets = list(Ticket.objects.values_list("pk", "reminder_level", "supervised"))
    second = sweep_tickets(at(2026, 3, 24, 9))
    assert (second.reminded, second.supervised) == (0, 0)
    assert AppealEvent.objects.count() == events and AuditEvent.objects.count() == audits
    assert list(Ticket.objects.values_list("pk", "reminder_level", "supervised")) == tickets


def test_nothing_fires_on_a_rest_day(appeals_world):
    w = appeals_world
    acknowledged(w, NOW)
    result = sweep_tickets(at(2026, 3, 28, 10))  # Saturday, long overdue
    assert result.skipped_rest_day and result.checked == 0
    assert not Ticket.objects.filter(supervised=True).exists()
    assert sweep_tickets(at(2026, 3, 30, 9)).supervised == 1  # Monday


def test_unsigned_ticket_past_the_sign_window_is_supervised(appeals_world):
    w = appeals_world
    _, ticket = dispatched(w, NOW)  # sign by Tuesday 17:30
    assert sweep_tickets(at(2026, 3, 10, 17, 0)).supervised == 0
    assert sweep_tickets(at(2026, 3, 11, 9)).supervised == 1
    event = AppealEvent.objects.get(ticket=ticket, kind=EventKind.SUPERVISED)
    assert "签收" in event.note


def test_suspended_tickets_are_not_chased(appeals_world):
    w = appeals_world
    _, ticket = acknowledged(w, NOW)
    service.request_suspension(
        ticket, actor=w.market_clerk, now=at(2026, 3, 9, 12), reason="等企业材料"
    )
    service.review_suspension(ticket, actor=w.office_admin, now=at(2026, 3, 9, 13), approve=True)
    assert sweep_tickets(at(2026, 4, 20, 9)).checked == 0


def test_sweep_uses_the_same_deadline_as_the_ticket_clock(appeals_world):
    w = appeals_world
    _, ticket = acknowledged(w, NOW)
    service.request_extension(
        ticket, actor=w.market_clerk, now=at(2026, 3, 10, 9), amount=2, reason="需会商"
    )
    service.review_extension(ticket, actor=w.office_admin, now=at(2026, 3, 10, 10), approve=True)
    ticket.refresh_from_db()
    due = ticket.reply_due_at
    assert due == at(2026, 3, 25, 17, 30)
    assert sweep_tickets(due - dt.timedelta(minutes=1)).supervised == 0
    assert sweep_tickets(due + dt.timedelta(minutes=1)).supervised == 1


def test_sweep_can_be_limited_to_one_area(appeals_world):
    w = appeals_world
    acknowledged(w, NOW)
    assert sweep_tickets(at(2026, 3, 24, 9), locality_path=w.other_city.path).checked == 0
    assert sweep_tickets(at(2026, 3, 24, 9), locality_path=w.city.path).supervised == 1


def _expected_events(now):
    """What the per-ticket rules say a sweep at ``now`` owes each running ticket that was never
    swept: 督办 when its clock is red, else one 催办 at the highest reminder share crossed."""
    calendar = get_calendar()
    expected = set()
    for ticket in Ticket.objects.filter(state__in=RUNNING_STATES, paused_since__isnull=True):
        inputs = ticket.sla_inputs()
        if rules.ticket_sla(inputs, now, calendar=calendar) == SlaStatus.RED:
            what = "签收" if inputs.signing else "答复"
            expected.add((ticket.pk, EventKind.SUPERVISED, f"超过{what}时限，自动转为督办。", 0))
            continue
        share = rules.used_share(
            ticket.dispatched_at, ticket.reply_limit + ticket.extension_amount,
            ticket.reply_unit, ticket.paused_amount, now, calendar=calendar,
        )  # fmt: skip
        level = rules.reminder_level(share)
        if level:
            note = f"已用时限 {min(share, 9.99):.0%}，请抓紧办理。"
            expected.add((ticket.pk, EventKind.REMINDED, note, level))
    return expected


def test_first_sweep_of_unswept_tickets_writes_what_the_per_ticket_rules_say(appeals_world):
    """Freshly loaded tickets at every stage, swept once: each running ticket gets exactly the
    催办 or 督办 its own clock calls for, with the same note; a second run writes nothing."""
    w = appeals_world
    for day in (2, 3, 4, 5, 6, 9, 10):  # March 2026, Monday 2 to Tuesday 10
        start = at(2026, 3, day, 10)
        acknowledged(w, start)  # complaint: 10 working days
        acknowledged(w, start, appeal_type=AppealType.CONSULTATION)  # shorter limit
        dispatched(w, start)  # never signed
    now = at(2026, 3, 16, 9)
    expected = _expected_events(now)
    kinds = {kind for _, kind, _, _ in expected}
    assert kinds == {EventKind.REMINDED, EventKind.SUPERVISED}  # the world covers both

    result = sweep_tickets(now)

    written = {
        (e.ticket_id, e.kind, e.note, e.amount)
        for e in AppealEvent.objects.filter(kind__in=[EventKind.REMINDED, EventKind.SUPERVISED])
    }
    assert written == expected
    assert result.reminded + result.supervised == len(expected)
    supervised = {pk for pk, kind, _, _ in expected if kind == EventKind.SUPERVISED}
    assert set(Ticket.objects.filter(supervised=True).values_list("pk", flat=True)) == supervised
    assert all(
        e.at == now and e.actor_id is None
        for e in AppealEvent.objects.filter(kind__in=[EventKind.REMINDED, EventKind.SUPERVISED])
    )
    for pk, kind, _, amount in expected:
        ticket = Ticket.objects.get(pk=pk)
        assert ticket.reminder_level == (amount if kind == EventKind.REMINDED else 2)

    events = AppealEvent.objects.count()
    tickets = list(Ticket.objects.order_by("pk").values_list("pk", "reminder_level", "supervised"))
    again = sweep_tickets(now)
    assert (again.reminded, again.supervised) == (0, 0)
    assert AppealEvent.objects.count() == events
    assert (
        list(Ticket.objects.order_by("pk").values_list("pk", "reminder_level", "supervised"))
        == tickets
    )
