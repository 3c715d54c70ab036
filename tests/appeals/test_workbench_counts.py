"""The home page's ticket and callback counts are computed from plain columns for speed
(issue 20): they must agree with the lights and deadlines the lists show, row by row; and
a unit's ticket list is shown a page at a time."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from qinqing.appeals import queries, service
from qinqing.appeals.choices import SlaStage, SlaStatus, TicketState
from qinqing.appeals.models import Appeal, SlaPolicy, Ticket
from qinqing.appeals.views.handling import TICKETS_PER_PAGE
from qinqing.appeals.workbench import late_callbacks, sla_counts
from tests.appeals.conftest import NOW
from tests.appeals.factories import acknowledged, dispatched, replied


def scalar_counts(tickets, now) -> tuple[int, int]:
    shown = queries.decorate_tickets(list(tickets), now)
    return (
        sum(1 for t in shown if t.sla == SlaStatus.RED),
        sum(1 for t in shown if t.sla == SlaStatus.YELLOW),
    )


@pytest.fixture
def varied(appeals_world, clock):
    """Tickets dispatched at different times and days, signed or not, with clocks of every
    unit and some extensions, pauses and unknown deadlines."""
    w = appeals_world
    for i in range(12):
        at = NOW - dt.timedelta(days=i, hours=3 * i, minutes=7 * i)
        if i % 3 == 0:
            acknowledged(w, at, title=f"已签收{i}")
        else:
            dispatched(w, at, title=f"待签收{i}")
    tickets = list(Ticket.objects.order_by("pk"))
    units = ["workdays", "natural_days", "hours"]
    for i, t in enumerate(tickets):
        t.reply_unit = units[i % 3]
        t.sign_unit = units[(i + 1) % 3]
        t.sign_limit = 1 + i % 4
        t.reply_limit = 2 + i % 7
        t.extension_amount = i % 2
        if i == 4:
            t.reply_due_at = None
            t.sign_due_at = None
        if i == 5:
            t.paused_since = NOW - dt.timedelta(days=1)
        if i == 7:
            t.state = TicketState.CLOSED
        t.save()
    return w


def test_the_home_counts_equal_the_lights_of_the_list(varied):
    tickets = Ticket.objects.all()
    for hours in (-48, -5, 0, 7, 30, 24 * 6, 24 * 15):
        now = NOW + dt.timedelta(hours=hours)
        assert sla_counts(tickets, now) == scalar_counts(tickets, now), hours
    # the comparison sees both colours somewhere
    seen = [scalar_counts(tickets, NOW + dt.timedelta(hours=h)) for h in (0, 24 * 6)]
    assert any(red for red, _ in seen) and any(yellow for _, yellow in seen)


@pytest.mark.parametrize("limit", [None, (30, "hours"), (3, "natural_days")])
def test_late_callbacks_equal_each_appeals_own_deadline(appeals_world, clock, limit):
    w = appeals_world
    if limit is not None:  # the city's callback limit in other units than working days
        SlaPolicy.objects.create(
            locality=w.city, stage=SlaStage.CALLBACK, appeal_type="", amount=limit[0],
            time_unit=limit[1], effective_from=dt.date(2020, 1, 1), source="测试",
        )  # fmt: skip
    # replies on several days, before and after closing time, some on the same day
    for i, hours in enumerate((0, 2, 9, 24, 26, 31, 72, 75, 120, 200)):
        replied(w, NOW - dt.timedelta(days=12) + dt.timedelta(hours=hours), title=f"已答复{i}")
    waiting = Appeal.objects.filter(state="replied")
    rows = list(waiting.values_list("pk", "locality_id", "appeal_type", "replied_at"))
    assert len(rows) == 10
    dues = service.callback_due_dates(rows)
    counts = []
    for hours in range(0, 24 * 20, 5):
        now = NOW - dt.timedelta(days=10) + dt.timedelta(hours=hours)
        expected = sum(1 for due in dues.values() if due is not None and now > due)
        assert late_callbacks(waiting, now) == expected, now
        counts.append(expected)
    assert min(counts) == 0 and max(counts) == 10  # from none late to all late


def test_a_units_ticket_list_is_paged(appeals_world, clock, as_user):
    w = appeals_world
    for i in range(TICKETS_PER_PAGE + 5):
        dispatched(w, NOW - dt.timedelta(hours=i), title=f"工单{i}")
    client = as_user(w.market_clerk)
    first = client.get(reverse("appeals:tickets") + "?state=sign").content.decode()
    assert len(re.findall(r'<tr class="sla-', first)) == TICKETS_PER_PAGE
    assert f"待签收工单（{TICKETS_PER_PAGE + 5} 件）" in first
    assert "第 1 / 2 页" in first and "state=sign&amp;page=2" in first
    second = client.get(reverse("appeals:tickets") + "?state=sign&page=2").content.decode()
    assert len(re.findall(r'<tr class="sla-', second)) == 5
    shown = set(re.findall(r'href="/appeals/(\d+)/"', first + second))
    assert len(shown) == TICKETS_PER_PAGE + 5
