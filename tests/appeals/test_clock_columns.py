"""One reader of tickets' clock columns serves the home page and the sweep (issue 20): the
values it reads are the stored ones to the microsecond, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from qinqing.appeals import clock_columns, rules
from qinqing.appeals.choices import SlaStatus, TicketState
from qinqing.appeals.models import Ticket
from qinqing.appeals.tasks import _sla_columns, running_sla
from qinqing.core.workdays import get_calendar
from tests.appeals.conftest import NOW, SHANGHAI
from tests.appeals.factories import acknowledged, dispatched


def local(moment: dt.datetime | None) -> np.datetime64:
    if moment is None:
        return np.datetime64("NaT", "us")
    return np.datetime64(moment.astimezone(SHANGHAI).replace(tzinfo=None), "us")


@pytest.fixture
def odd_instants(appeals_world):
    """Two tickets whose instants carry odd microseconds, one of them without deadlines."""
    w = appeals_world
    _, first = acknowledged(w, NOW)
    _, second = dispatched(w, NOW)
    first.dispatched_at = dt.datetime(2026, 3, 2, 9, 59, 58, 999_999, tzinfo=dt.UTC)
    first.reply_due_at = dt.datetime(2026, 3, 16, 17, 30, 0, 1, tzinfo=SHANGHAI)
    first.sign_due_at = dt.datetime(2031, 12, 31, 23, 59, 59, 123_457, tzinfo=SHANGHAI)
    first.reply_unit = "hours"
    first.sign_unit = "natural_days"
    first.save()
    second.sign_due_at = None
    second.reply_due_at = None
    second.save()
    return first, second


def test_the_reader_returns_the_stored_clock_to_the_microsecond(odd_instants):
    first, second = odd_instants
    cols = clock_columns.read(Ticket.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk"))
    order = np.argsort(cols["id"])
    for ticket, i in zip((first, second), order, strict=True):
        ticket.refresh_from_db()
        assert cols["id"][i] == ticket.pk and cols["appeal_id"][i] == ticket.appeal_id
        assert cols["signing"][i] == (ticket.state == TicketState.DISPATCHED)
        assert cols["dispatched"][i] == local(ticket.dispatched_at)
        for name, value in (("sign_due", ticket.sign_due_at), ("reply_due", ticket.reply_due_at)):
            assert (np.isnat(cols[name][i]) and value is None) or cols[name][i] == local(value)
        assert cols["start_on"][i] == np.datetime64(ticket.start_on, "D")
        assert cols["unit"][i] == rules.unit_code(ticket.reply_unit)
        assert cols["sign_unit"][i] == rules.unit_code(ticket.sign_unit)
        assert (cols["limit"][i], cols["sign_limit"][i]) == (ticket.reply_limit, ticket.sign_limit)
        assert (cols["extension"][i], cols["paused"][i]) == (
            ticket.extension_amount,
            ticket.paused_amount,
        )
        assert (cols["level"][i], cols["supervised"][i]) == (
            ticket.reminder_level,
            ticket.supervised,
        )


def test_no_ticket_reads_as_no_columns(appeals_world):
    assert clock_columns.read(Ticket.objects.none()) == {}
    assert running_sla(NOW) == {}


def test_the_sweep_counts_with_the_calendar_in_force_the_home_page_with_the_list(appeals_world):
    """A stored reply deadline that the calendar in force no longer gives: the home page
    counts what the list shows (the stored deadline), the sweep the recomputed one."""
    w = appeals_world
    _, ticket = acknowledged(w, NOW)  # complaint: 10 working days, due 23 March 17:30
    Ticket.objects.filter(pk=ticket.pk).update(
        reply_due_at=dt.datetime(2026, 3, 13, 17, 30, tzinfo=SHANGHAI)
    )
    now = dt.datetime(2026, 3, 16, 9, tzinfo=SHANGHAI)
    cols = clock_columns.read(Ticket.objects.filter(pk=ticket.pk))
    shown = clock_columns.sla_status(
        cols,
        now,
        calendar=get_calendar(),
        start_on=rules.deemed_start_days_array(cols["dispatched"], calendar=get_calendar()),
        reply_due=cols["reply_due"],
    )
    swept, _ = _sla_columns(cols, now, get_calendar())
    assert shown.tolist() == [SlaStatus.RED.value]
    assert swept.tolist() != [SlaStatus.RED.value]
    assert running_sla(now) == {ticket.pk: swept[0]}
