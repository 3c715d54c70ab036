"""One SLA status: pages (``rules.ticket_sla``) and the sweep (``rules.ticket_sla_array``)
agree on every ticket, over random clocks and random working-day calendars."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qinqing.appeals import queries, rules, tasks
from qinqing.appeals.choices import SlaStatus, TicketState
from qinqing.appeals.models import Ticket
from qinqing.core.workdays import DEFAULT_OFFICE_HOURS, TimeLimit, TimeUnit
from qinqing.core.workdays.calendar import WorkdayCalendar
from qinqing.core.workdays.data import YearData
from qinqing.core.workdays.rules import deemed_received_on
from tests.appeals.conftest import NOW
from tests.appeals.factories import acknowledged, dispatched

TZ = DEFAULT_OFFICE_HOURS.tz
YEARS = (2025, 2026, 2027)
RUNNING = [
    TicketState.ACKNOWLEDGED,
    TicketState.EXTENSION_REQUESTED,
    TicketState.SUSPENSION_REQUESTED,
]


@st.composite
def calendars(draw) -> WorkdayCalendar:
    """Three years with random holidays on weekdays and random make-up Saturdays/Sundays."""
    years = []
    for year in YEARS:
        offsets = draw(st.sets(st.integers(0, 364), max_size=30))
        holidays, makeup = {}, {}
        for offset in offsets:
            day = dt.date(year, 1, 1) + dt.timedelta(days=offset)
            (holidays if day.weekday() < 5 else makeup)[day] = "测试"
        years.append(YearData(year, holidays, makeup, source="测试"))
    return WorkdayCalendar(years)


instants = st.datetimes(
    min_value=dt.datetime(2025, 3, 1), max_value=dt.datetime(2026, 6, 30), timezones=st.just(TZ)
)
limits = st.builds(TimeLimit, st.integers(0, 12), st.sampled_from(list(TimeUnit)))


@st.composite
def clocks(draw, calendar: WorkdayCalendar) -> rules.SlaInputs:
    """A running ticket whose cached deadlines are what the log recomputation would store."""
    start = draw(instants)
    state = draw(st.sampled_from([TicketState.DISPATCHED, *RUNNING]))
    sign, reply = draw(limits), draw(limits)
    extension, paused = draw(st.integers(0, 6)), draw(st.integers(0, 6))
    known = draw(st.integers(0, 9)) > 0  # now and then a deadline not known (shown paused)
    return rules.SlaInputs(
        state=state,
        start_at=start,
        sign_limit=sign,
        reply_limit=reply,
        extension=extension,
        paused=paused,
        sign_due_at=rules.due_after(start, sign.amount, sign.unit, 0, calendar=calendar)
        if known
        else None,
        reply_due_at=rules.due_after(
            start, reply.amount + extension, reply.unit, paused, calendar=calendar
        )
        if known
        else None,
    )


def _local(moment: dt.datetime | None) -> np.datetime64:
    if moment is None:
        return np.datetime64("NaT", "us")
    return np.datetime64(moment.astimezone(TZ).replace(tzinfo=None), "us")


def _array_status(
    clocks: list[rules.SlaInputs], now: dt.datetime, calendar: WorkdayCalendar
) -> list[str]:
    """The sweep's columns for these clocks, fed to the vectorised status."""

    def column(values, dtype=np.int64):
        return np.array(list(values), dtype=dtype)

    start_on = [deemed_received_on(c.start_at, calendar=calendar) for c in clocks]
    return rules.ticket_sla_array(
        signing=column((c.signing for c in clocks), bool),
        start=column((_local(c.start_at) for c in clocks), "datetime64[us]"),
        start_on=column(start_on, "datetime64[D]"),
        sign_total=column(c.sign_limit.amount for c in clocks),
        sign_unit=column(rules.unit_code(c.sign_limit.unit) for c in clocks),
        reply_total=column(c.reply_limit.amount + c.extension for c in clocks),
        reply_unit=column(rules.unit_code(c.reply_limit.unit) for c in clocks),
        paused=column(c.paused for c in clocks),
        sign_due=column((_local(c.sign_due_at) for c in clocks), "datetime64[us]"),
        reply_due=column((_local(c.reply_due_at) for c in clocks), "datetime64[us]"),
        now=_local(now),
        today=now.astimezone(TZ).date(),
        calendar=calendar,
    ).tolist()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), calendar=calendars(), now=instants)
def test_the_sweeps_status_equals_the_pages_status(data, calendar, now):
    tickets = data.draw(st.lists(clocks(calendar), min_size=1, max_size=8))
    scalar = [rules.ticket_sla(t, now, calendar=calendar).value for t in tickets]
    assert _array_status(tickets, now, calendar) == scalar


def test_all_four_lights_occur_in_the_comparison():
    """The property above is not vacuous: fixed clocks reach green, yellow, red and paused."""
    calendar = WorkdayCalendar([YearData(2026, {}, {}, source="测试")])
    start = dt.datetime(2026, 3, 2, 9, tzinfo=TZ)  # Monday
    due = rules.due_after(start, 10, TimeUnit.WORKDAYS, 0, calendar=calendar)  # Mar 16 17:30
    ticket = rules.SlaInputs(
        TicketState.ACKNOWLEDGED, start, TimeLimit(1), TimeLimit(10), reply_due_at=due
    )
    waiting = rules.SlaInputs(TicketState.ACKNOWLEDGED, start, TimeLimit(1), TimeLimit(10))
    for now, expected in [
        (dt.datetime(2026, 3, 4, 9, tzinfo=TZ), "green"),
        (dt.datetime(2026, 3, 13, 9, tzinfo=TZ), "yellow"),
        (dt.datetime(2026, 3, 16, 17, 31, tzinfo=TZ), "red"),
    ]:
        assert rules.ticket_sla(ticket, now, calendar=calendar) == expected
        assert _array_status([ticket], now, calendar) == [expected]
    assert rules.ticket_sla(waiting, start, calendar=calendar) == SlaStatus.PAUSED


def test_stored_tickets_get_the_same_light_on_the_page_and_in_the_sweep(appeals_world):
    """Through the database (the sweep's COPY path on PostgreSQL): both readings agree."""
    w = appeals_world
    dispatched(w, NOW)  # waiting to be signed
    acknowledged(w, NOW)  # signed, reply clock running
    for days in (0, 4, 9, 14, 30):
        now = NOW + dt.timedelta(days=days, hours=1)
        tickets = queries.decorate_tickets(list(Ticket.objects.all()), now)
        pages = {t.pk: t.sla for t in tickets}
        assert tasks.running_sla(now) == pages
    assert {t.sla for t in tickets} == {SlaStatus.RED}  # a month later both are late
