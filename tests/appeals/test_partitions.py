"""Appeals and their events partitioned by month on PostgreSQL (migration 0012, issue 20).

The migration runs here on a database that already holds appeals of several months (made
through the services, with tickets and events), forward and back, inside the test's
transaction (PostgreSQL's DDL is transactional, so the schema is restored afterwards).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from qinqing.appeals.models import Appeal, AppealEvent, Ticket
from qinqing.core.db import partitions as p
from qinqing.core.errors import InvalidInput
from tests.appeals.conftest import NOW
from tests.appeals.factories import dispatched

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's"),
]
BEFORE = ("appeals", "0011_identity_codes")
AFTER = ("appeals", "0012_monthly_partitions")


@pytest.fixture(autouse=True)
def _appeal_ids_put_back():
    """The test moves the appeal id sequence to January 2027 as the monthly job would;
    sequences ignore the test's rollback, so it is put back for the tests that follow."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('appeals_appeal', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
        saved = cursor.fetchone()
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(%s::regclass, %s, %s)", [sequence, *saved])


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])


def _partition_of(table, row_id):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [row_id])
        return cursor.fetchone()[0]


def test_the_migration_splits_existing_appeals_by_month_and_goes_back(appeals_world):
    world = appeals_world
    _migrate(BEFORE)
    assert "appeals_appeal" not in p.partitioned_tables(connection)
    made = [dispatched(world, NOW - dt.timedelta(days=days))[0] for days in (70, 35, 0)]
    Appeal.objects.filter(pk=made[0].pk).update(source="12345", external_id="A-1")
    events = AppealEvent.objects.count()
    tickets = Ticket.objects.count()

    _migrate(AFTER)
    assert p.partitioned_tables(connection).items() >= {
        ("appeals_appeal", "id"),
        ("appeals_appealevent", "appeal_id"),
    }
    for appeal in made:
        month = p.Month.of(appeal.received_at)
        assert _partition_of("appeals_appeal", appeal.pk) == "appeals_appeal" + month.suffix
        for event in appeal.events.all():
            assert _partition_of("appeals_appealevent", event.pk) == (
                "appeals_appealevent" + month.suffix
            )
    assert AppealEvent.objects.count() == events and Ticket.objects.count() == tickets
    assert [a.tickets.count() for a in Appeal.objects.filter(pk__in=[a.pk for a in made])] == [
        1,
        1,
        1,
    ]
    # the platform goes on: a new appeal, its ticket and events; a repeated external id is
    # still refused
    appeal, ticket = dispatched(world, NOW)
    assert ticket.appeal_id == appeal.pk and appeal.events.count() >= 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.filter(pk=appeal.pk).update(source="12345", external_id="A-1")
    # next month the ids move to the month's base and land in its partition
    january = dt.datetime(2027, 1, 1, 0, 5, tzinfo=NOW.tzinfo)
    p.maintain(connection, january, tables=["appeals_appeal", "appeals_appealevent"])
    later, _ = dispatched(world, NOW)
    assert later.pk == p.month_base(p.Month(2027, 1))
    assert _partition_of("appeals_appeal", later.pk) == "appeals_appeal_p202701"
    assert later.events.exists()

    _migrate(BEFORE)
    assert "appeals_appeal" not in p.partitioned_tables(connection)
    assert Appeal.objects.count() == 5 and AppealEvent.objects.filter(appeal=later).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.filter(pk=appeal.pk).update(source="12345", external_id="A-1")
    _migrate(AFTER)  # the rest of the suite runs on the partitioned tables
    assert "appeals_appeal" in p.partitioned_tables(connection)


def test_an_old_month_of_appeals_is_not_archived_while_its_tickets_remain(appeals_world):
    _migrate(BEFORE)
    old, _ = dispatched(appeals_world, NOW - dt.timedelta(days=70))  # December 2025
    dispatched(appeals_world, NOW)
    _migrate(AFTER)
    planned = p.detach_before(connection, p.Month(2026, 1), ["appeals_appealevent"], dry_run=True)
    assert [(d.table, str(d.month)) for d in planned] == [("appeals_appealevent", "2025-12")]
    with pytest.raises(InvalidInput, match="表 appeals_ticket 仍有 1 行引用"):
        p.detach_before(connection, p.Month(2026, 1), now=NOW)
    assert Appeal.objects.filter(pk=old.pk).exists()
