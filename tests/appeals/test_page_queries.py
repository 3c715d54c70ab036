"""Pages that list many appeals read the database a fixed number of times, however many
appeals they show or count (the load test of issue 20 found the office's home page, 回访 and
派单 reading it once or more per appeal: 711 queries for one home page)."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qinqing.appeals import service
from qinqing.appeals.models import Appeal
from qinqing.appeals.service import handling
from qinqing.web.workbench import work_items_for
from tests.appeals.conftest import NOW
from tests.appeals.factories import dispatched, make_appeal, replied


def queries_for(client, url: str) -> int:
    client.get(url)  # the first request of a session writes the session's stamps
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_waiting_callbacks_cost_the_same_queries_however_many(appeals_world, as_user, clock):
    w = appeals_world
    replied(w, NOW - dt.timedelta(days=30), title="早已答复")
    replied(w, NOW - dt.timedelta(days=1), title="刚答复")
    client = as_user(w.office_admin)
    home, callbacks = queries_for(client, "/"), queries_for(client, reverse("appeals:callbacks"))
    for i in range(4):
        replied(w, NOW - dt.timedelta(days=20 + i), title=f"积压{i}")
    assert queries_for(client, "/") == home
    assert queries_for(client, reverse("appeals:callbacks")) == callbacks

    waiting = list(Appeal.objects.filter(state="replied").select_related("locality"))
    one_by_one = {a.pk: service.callback_due_at(a) for a in waiting}
    rows = [(a.pk, a.locality_id, a.appeal_type, a.replied_at) for a in waiting]
    assert service.callback_due_dates(rows) == one_by_one
    late = [pk for pk, due in one_by_one.items() if due < NOW]
    assert 0 < len(late) < len(waiting)  # both kinds present
    (item,) = [i for i in work_items_for(w.office_admin, NOW) if i.label == "待回访"]
    assert (item.count, item.overdue) == (len(waiting), len(late))


def test_dispatch_queue_costs_the_same_queries_however_long(appeals_world, as_user, clock):
    w = appeals_world
    make_appeal(w, NOW - dt.timedelta(hours=3), title="第一件")
    client = as_user(w.office_admin)
    before = queries_for(client, reverse("appeals:queue"))
    for i in range(5):
        make_appeal(w, NOW - dt.timedelta(hours=2), title=f"又一件{i}")
    assert queries_for(client, reverse("appeals:queue")) == before
    page = client.get(reverse("appeals:queue")).content.decode()
    assert page.count('#dispatch"') == 6


@pytest.mark.django_db(transaction=True)
def test_handling_a_ticket_leaves_its_unit_free_for_a_dispatch(transactional_db, appeals_world):
    """Replying locks the ticket and its appeal, not the unit: a dispatch to the same unit
    (its new ticket's foreign key checks the unit row) must not wait on it. A plain FOR
    UPDATE over the join locked the unit, and under load the two deadlocked (issue 20)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    w = appeals_world
    _, ticket = dispatched(w, NOW - dt.timedelta(days=1))
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        with transaction.atomic():
            locked = handling._locked(ticket)
            with other.cursor() as cursor:
                # NOWAIT: raises at once if the row is locked against a foreign-key check
                cursor.execute(
                    "SELECT 1 FROM orgs_unit WHERE id = %s FOR KEY SHARE NOWAIT", [locked.unit_id]
                )
                cursor.execute(
                    "SELECT 1 FROM appeals_appeal WHERE id = %s FOR KEY SHARE NOWAIT",
                    [locked.appeal_id],
                )
                with pytest.raises(psycopg.errors.LockNotAvailable):
                    cursor.execute(
                        "SELECT 1 FROM appeals_ticket WHERE id = %s FOR UPDATE NOWAIT", [ticket.pk]
                    )
            other.rollback()
    finally:
        other.close()
