"""Progress reports partitioned by month on PostgreSQL (supervision migration 0008, issue 20).

The migration runs here on a database that already holds report slots of several months
(opened through the services, some filed), forward and back, inside the test's transaction
(PostgreSQL's DDL is transactional, so the schema is restored afterwards). The clock stands
on 2026-12-07, so December is the current month when the tables are converted.
"""

from __future__ import annotations

import datetime as dt
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from qinqing.core.db import partitions as p
from qinqing.core.errors import InvalidInput
from qinqing.core.workdays import get_calendar
from qinqing.supervision import service
from qinqing.supervision.models import ProgressReport, ReportVersion
from qinqing.supervision.rules import ReportState
from tests.supervision.factories import SHANGHAI, at, cycle_of, make_plan, make_task, monthly, slot

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's"),
]
TABLE = "supervision_progressreport"
BEFORE = ("supervision", "0007_drop_sms_outbox")
AFTER = ("supervision", "0008_monthly_partitions")
NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
MONTHS = [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]


@pytest.fixture(autouse=True)
def _december_and_ids_put_back():
    """The clock on 2026-12-07; the report id sequence (moved to January 2027 as the monthly
    job would, and untouched by the test's rollback) is put back for the tests that follow."""
    import time_machine

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
        saved = cursor.fetchone()
    with time_machine.travel(NOW, tick=True):
        yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(%s::regclass, %s, %s)", [sequence, *saved])


def _migrate(target):
    MigrationExecutor(connection).migrate([target])


def _partition_of(row_id):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [row_id])
        return cursor.fetchone()[0]


def _slot_key_is_a_constraint():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contype FROM pg_constraint WHERE conname = 'report_unique_slot'"
            " AND conrelid = %s::regclass",
            [TABLE],
        )
        return cursor.fetchall() == [("u",)]


def _ledger(world):
    """A task reported on by 市场监管局 (lead) and 税务局 (responsible), its monthly cycles
    of August to November 2026 opened: eight 待报送 slots over four months."""
    plan = make_plan(world, created=date(2026, 7, 1))
    task = make_task(
        plan, lead=[world.market], responsible=[world.tax], ongoing=True, created=date(2026, 7, 1)
    )
    cadence = monthly(world, plan, starts_on=MONTHS[0], now=at(date(2026, 8, 3)))
    service.ensure_cycles(cadence, date(2026, 11, 20), calendar=get_calendar(), problems=[])
    for start in MONTHS:
        service.open_cycle(cycle_of(cadence, start), now=at(start))
    return plan, task, cadence


def _file(world, report, day):
    return service.submit_report(
        report,
        actor=world.market_clerk,
        stage="in_progress",
        narrative="已上线一网通办平台",
        now=at(day),
    )


def test_the_migration_splits_reports_by_month_and_goes_back(world):
    _migrate(BEFORE)
    assert TABLE not in p.partitioned_tables(connection)
    plan, task, cadence = _ledger(world)
    october = slot(task, world.market, cycle_of(cadence, MONTHS[2]))
    _file(world, october, date(2026, 11, 3))
    slots = {r.pk: r.period_end for r in ProgressReport.objects.all()}
    assert len(slots) == 8 and ReportVersion.objects.count() == 1

    _migrate(AFTER)
    assert p.partitioned_tables(connection)[TABLE] == "id"
    for pk, period_end in slots.items():
        assert _partition_of(pk) == TABLE + p.Month.of(period_end).suffix
    assert ReportVersion.objects.get().report_id == october.pk
    # the platform goes on: opening a cycle again adds nothing, a second slot or a second
    # standing report of the same task and unit is refused as before
    november = cycle_of(cadence, MONTHS[3])
    assert service.open_cycle(november, now=at(date(2026, 12, 1))) == 0
    assert ProgressReport.objects.count() == 8
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.create(
            task=task, unit=world.market, cycle=november, period_end=november.period_end,
            report_due_on=november.report_due_on,
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.filter(pk=slot(task, world.market, november).pk).update(
            is_current=True
        )
    # filing November moves the standing report from October to November
    _file(world, slot(task, world.market, november), date(2026, 12, 2))
    current = ProgressReport.objects.get(task=task, unit=world.market, is_current=True)
    assert current.cycle_id == november.pk and current.state == ReportState.SUBMITTED
    # a slot opened now lands in December's partition, one opened after the job's run on
    # the first of January in January's, under January's first id
    second = make_task(plan, label="2", lead=[world.market], ongoing=True, created=date(2026, 7, 1))
    assert service.open_cycle(november, now=at(date(2026, 12, 7))) == 1
    assert _partition_of(slot(second, world.market, november).pk) == TABLE + "_p202612"
    p.maintain(connection, dt.datetime(2027, 1, 1, 0, 5, tzinfo=SHANGHAI), tables=[TABLE])
    third = make_task(plan, label="3", lead=[world.tax], ongoing=True, created=date(2026, 7, 1))
    assert service.open_cycle(november, now=at(date(2027, 1, 4))) == 1
    january = slot(third, world.tax, november)
    assert january.pk == p.month_base(p.Month(2027, 1))
    assert _partition_of(january.pk) == TABLE + "_p202701"

    _migrate(BEFORE)
    assert TABLE not in p.partitioned_tables(connection)
    assert ProgressReport.objects.count() == 10 and ReportVersion.objects.count() == 2
    assert _slot_key_is_a_constraint()
    assert service.open_cycle(november, now=at(date(2027, 1, 4))) == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.filter(pk=october.pk).update(is_current=True)
    _migrate(AFTER)  # the rest of the suite runs on the partitioned table
    assert TABLE in p.partitioned_tables(connection)


def test_an_old_month_of_reports_is_archived_once_nothing_refers_to_it(world):
    _migrate(BEFORE)
    plan, task, cadence = _ledger(world)
    august = slot(task, world.market, cycle_of(cadence, MONTHS[0]))
    _file(world, august, date(2026, 9, 2))
    _migrate(AFTER)
    with pytest.raises(InvalidInput, match="表 supervision_reportversion 仍有 1 行引用"):
        p.detach_before(connection, p.Month(2026, 9), [TABLE], now=NOW)
    assert ProgressReport.objects.filter(pk=august.pk).exists()  # nothing detached

    # once August's versions are archived (here: removed), August's slots detach
    ReportVersion.objects.filter(report__cycle=august.cycle).delete()
    done = p.detach_before(connection, p.Month(2026, 9), [TABLE], now=NOW)
    assert [(d.table, str(d.month)) for d in done] == [(TABLE, "2026-08")]
    assert not ProgressReport.objects.filter(cycle=august.cycle).exists()
    assert ProgressReport.objects.count() == 6
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}_p202608")
        assert cursor.fetchone()[0] == 2  # kept as a plain table for pg_dump
    # the months that stay work as before
    september = slot(task, world.market, cycle_of(cadence, MONTHS[1]))
    _file(world, september, date(2026, 10, 9))
    assert ProgressReport.objects.get(task=task, unit=world.market, is_current=True) == september
