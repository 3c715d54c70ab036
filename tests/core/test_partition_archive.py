"""Archive and restore of old months with their dependent rows (qinqing.core.db.archive,
``qinqing partitions archive`` / ``restore``), on the real appeals and progress-report tables.

The tables' first partition is ``_p202612``, from MINVALUE to January 2027's first id (the
test database's layout when created in December 2026; split to it on a later date, see
``_first_partition_ends_with_december``), so every row made here
with the ordinary ids sits in "December 2026", the month archived; rows made after the id
sequence is moved to January 2027 (as the monthly job would) are the months that stay. The
clock of the archive stands in February 2027.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from django.db import connection

from qinqing.appeals.models import Appeal, AppealEvent, Callback, Ticket
from qinqing.core.audit.models import AuditEvent
from qinqing.core.db import archive as a
from qinqing.core.db import partitions as p
from qinqing.core.errors import InvalidInput
from tests.appeals.conftest import _fresh_cache, appeals_world, demo_model_path  # noqa: F401
from tests.appeals.factories import dispatched, replied

TZ = p.TZ
OLD = dt.datetime(2026, 12, 3, 10, 0, tzinfo=TZ)
LATER = dt.datetime(2027, 1, 12, 10, 0, tzinfo=TZ)
ARCHIVE_NOW = dt.datetime(2027, 2, 15, 10, 0, tzinfo=TZ)
BEFORE = p.Month(2027, 1)
DECEMBER = p.Month(2026, 12)
APPEALS = "appeals_appeal"

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="archive of monthly partitions is PostgreSQL's"
)


def _sql(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


@pytest.fixture(autouse=True)
def _sequences_put_back():
    """Sequences ignore the test's rollback: the appeals' and reports' are put back."""
    if connection.vendor != "postgresql":
        yield
        return
    saved = []
    for table in (APPEALS, "supervision_progressreport"):
        sequence = _sql("SELECT pg_get_serial_sequence(%s, 'id')", [table])[0][0]
        saved.append((sequence, *_sql(f"SELECT last_value, is_called FROM {sequence}")[0]))
        # other tests may have moved the sequence on (the monthly job's tests): the rows made
        # here with "ordinary" ids are December 2026's
        _sql("SELECT setval(%s::regclass, %s, false)", [sequence, p.month_base(DECEMBER)])
    for table in (APPEALS, "appeals_appealevent", "supervision_progressreport"):
        _first_partition_ends_with_december(table)
    yield
    for sequence, value, called in saved:
        _sql("SELECT setval(%s::regclass, %s, %s)", [sequence, value, called])


def _first_partition_ends_with_december(table):
    """The test database's tables were partitioned in the month it was created: its first
    partition runs from MINVALUE to the next month's first id. Created after December 2026,
    that partition is split here (inside the test's transaction, rolled back with it) into
    December 2026 and one partition per later month, so the months below read the same on
    any date."""
    first = p.partitions(connection, table)[0]
    cut = DECEMBER.next()
    if first.upper is None or first.upper <= p.month_base(cut):
        return
    _sql(f'ALTER TABLE "{table}" DETACH PARTITION "{first.name}"')
    _sql(f'DROP TABLE "{first.name}"')
    p._create_partition(connection, table, table, DECEMBER, None, p.month_base(cut))
    month = cut
    while p.month_base(month) < first.upper:
        upper = p.month_base(month.next())
        p._create_partition(connection, table, table, month, p.month_base(month), upper)
        month = month.next()


def _january(table):
    sequence = _sql("SELECT pg_get_serial_sequence(%s, 'id')", [table])[0][0]
    _sql("SELECT setval(%s::regclass, %s, false)", [sequence, p.month_base(p.Month(2027, 1))])


@pytest.fixture
def appeals(appeals_world):  # noqa: F811
    """Two appeals of December 2026 (one replied, with a callback) and one of January 2027."""
    world = appeals_world
    first, ticket = replied(world, OLD)
    Callback.objects.create(
        appeal=first,
        ticket=ticket,
        unit=ticket.unit,
        called_at=OLD + dt.timedelta(days=2),
        resolved=True,
        satisfaction="satisfied",
        note="企业表示满意",
    )
    second, _ = dispatched(world, OLD + dt.timedelta(days=1))
    _january(APPEALS)
    later, _ = dispatched(world, LATER)
    assert later.pk >= p.month_base(p.Month(2027, 1))
    return world, [first, second], later


def _graph_tables():
    tables, _edges = a._discover(connection, APPEALS)
    return tables


def _dump(tables):
    """Every row of every table, as text, in key order: the full comparison of a round trip."""
    dump = {}
    for table in tables:
        key = a._key_column(connection, table)
        dump[table] = _sql(f'SELECT t::text FROM "{table}" t ORDER BY "{key}"')
    return dump


def _counts(tables):
    return {t: _sql(f'SELECT count(*) FROM "{t}"')[0][0] for t in tables}


@postgres_only
def test_dependents_come_from_the_catalogue():
    tables, edges = a._discover(connection, APPEALS)
    assert tables[0] == APPEALS
    # the plain tables referencing appeals, and those referencing them in turn
    for table in (
        "appeals_appealevent",
        "appeals_ticket",
        "appeals_callback",
        "appeals_servicerating",
        "appeals_rectification",
        "engagement_raisedissue",
        "onsite_unregisteredvisitreport",
    ):
        assert table in tables
    assert tables.index("appeals_ticket") < tables.index("appeals_callback")
    assert tables.index("appeals_servicerating") < tables.index("appeals_rectification")
    assert ("appeals_ticket", "transferred_from_id", "appeals_ticket") in {
        (e.table, e.column, e.target) for e in edges
    }


@postgres_only
def test_an_old_month_goes_with_its_tickets_events_and_callbacks_and_comes_back(
    appeals, tmp_path, django_capture_on_commit_callbacks
):
    world, old, later = appeals
    tables = _graph_tables()
    before_dump = _dump(tables)
    old_events = AppealEvent.objects.filter(appeal__in=old).count()
    target = tmp_path / "archive"

    with django_capture_on_commit_callbacks(execute=True):
        result = a.archive(
            connection, APPEALS, BEFORE, target, actor=world.site_admin, now=ARCHIVE_NOW
        )

    rows = {t.table: t.rows for t in result.plan.tables}
    assert rows[APPEALS] == 2 and rows["appeals_ticket"] == 2 and rows["appeals_callback"] == 1
    assert rows["appeals_appealevent"] == old_events > 0
    # the old rows are gone; the month that stays works as before
    assert not Appeal.objects.filter(pk__in=[x.pk for x in old]).exists()
    assert not Ticket.objects.filter(appeal_id__in=[x.pk for x in old]).exists()
    assert Appeal.objects.get(pk=later.pk).tickets.count() == 1
    assert AppealEvent.objects.filter(appeal=later).exists()
    assert "appeals_appeal_p202612" not in {x.name for x in p.partitions(connection, APPEALS)}
    assert "appeals_appealevent_p202612" not in {
        x.name for x in p.partitions(connection, "appeals_appealevent")
    }
    assert not _sql("SELECT to_regclass('appeals_appeal_p202612')")[0][0]  # dropped

    # the archive: one gzip CSV per table with a header, and a manifest with their hashes
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert not (target / "manifest.json.partial").exists()
    assert manifest["months"] == ["2026-12"] and manifest["parent"] == APPEALS
    assert manifest["migrations"]["appeals"].startswith("00")
    files = {e["table"]: e for e in manifest["tables"]}
    with gzip.open(target / files[APPEALS]["file"], "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    assert lines[0].split(",")[0] == "id" and len(lines) >= 3
    assert files[APPEALS]["sha256"] == a._sha256(target / files[APPEALS]["file"])
    event = AuditEvent.objects.get(verb="partitions.archived")
    assert event.after["rows"][APPEALS] == 2 and event.after["months"] == ["2026-12"]
    assert event.after["manifest_sha256"] == result.manifest_sha256

    # restore: every row identical
    a.restore(connection, target, actor=world.site_admin)
    assert _dump(tables) == before_dump
    assert AuditEvent.objects.filter(verb="partitions.restored").count() == 1
    assert "appeals_appeal_p202612" in {x.name for x in p.partitions(connection, APPEALS)}
    assert Appeal.objects.get(pk=old[0].pk).callbacks.count() == 1
    # and the platform goes on
    fresh, _ = dispatched(world, LATER + dt.timedelta(days=1))
    assert fresh.tickets.count() == 1


@postgres_only
def test_a_later_row_pointing_into_the_old_month_refuses_with_nothing_written(appeals, tmp_path):
    world, old, later = appeals
    tables = _graph_tables()
    counts = _counts(tables)
    Appeal.objects.filter(pk=later.pk).update(merged_into_id=old[0].pk)
    target = tmp_path / "archive"
    with pytest.raises(InvalidInput, match=r"表 appeals_appeal 有 1 行保留的记录引用将归档的"):
        a.archive(connection, APPEALS, BEFORE, target, now=ARCHIVE_NOW)
    assert not target.exists()
    assert _counts(tables) == counts
    assert not AuditEvent.objects.filter(verb="partitions.archived").exists()
    Appeal.objects.filter(pk=later.pk).update(merged_into_id=None)

    # a ticket of the later appeal transferred from an old ticket
    old_ticket = Ticket.objects.filter(appeal=old[1]).first()
    Ticket.objects.filter(appeal=later).update(transferred_from=old_ticket)
    with pytest.raises(InvalidInput, match=r"表 appeals_ticket 有 1 行保留的记录引用将归档的"):
        a.archive(connection, APPEALS, BEFORE, target, now=ARCHIVE_NOW)
    assert not target.exists() and _counts(tables) == counts
    Ticket.objects.filter(appeal=later).update(transferred_from=None)

    # an event of the later appeal pointing at an old ticket would be taken from live data
    event = AppealEvent.objects.filter(appeal=later).first()
    AppealEvent.objects.filter(pk=event.pk).update(ticket=old_ticket)
    with pytest.raises(
        InvalidInput, match=r"表 appeals_appealevent 有 1 行引用将归档的记录，但同时属于保留的"
    ):
        a.archive(connection, APPEALS, BEFORE, target, now=ARCHIVE_NOW)
    assert not target.exists() and _counts(tables) == counts


@postgres_only
def test_the_dry_run_lists_in_chinese_and_writes_nothing(appeals, tmp_path, capsys):
    from qinqing.cli.main import main

    tables = _graph_tables()
    counts = _counts(tables)
    target = tmp_path / "archive"
    argv = ["partitions", "archive", "--before", "2027-01", "--table", APPEALS]
    assert main([*argv, "--to", str(target), "--now", "2027-02-15T10:00"]) == 0
    out = capsys.readouterr().out
    assert "将归档 appeals_appeal 中 2027-01 之前的数据（月份：2026-12）" in out
    assert "appeals_appeal：2 行" in out and "appeals_ticket：2 行" in out
    assert "2026-12：2 行" in out and "加 --yes" in out
    assert not target.exists()
    assert _counts(tables) == counts
    assert "appeals_appeal_p202612" in {x.name for x in p.partitions(connection, APPEALS)}
    # the current month cannot be archived
    assert main([*argv[:3], "2027-03", *argv[4:], "--now", "2027-02-15T10:00"]) == 2
    assert "含本月或以后月份" in capsys.readouterr().err


@postgres_only
def test_a_failure_in_the_middle_leaves_everything_as_it_was(appeals, tmp_path, monkeypatch):
    tables = _graph_tables()
    before_dump = _dump(tables)
    parts = [x.name for x in p.partitions(connection, APPEALS)]

    # an unwritable directory (its parent is a file)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InvalidInput, match="无法创建归档目录"):
        a.archive(connection, APPEALS, BEFORE, blocker / "archive", now=ARCHIVE_NOW)

    # a failure after the export and the deletes: rolled back, no half archive left
    def broken(*_args, **_kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(p, "detach_before", broken)
    target = tmp_path / "archive"
    with pytest.raises(RuntimeError, match="磁盘已满"):
        a.archive(connection, APPEALS, BEFORE, target, now=ARCHIVE_NOW)
    assert not target.exists()
    assert _dump(tables) == before_dump
    assert [x.name for x in p.partitions(connection, APPEALS)] == parts
    assert not AuditEvent.objects.filter(verb="partitions.archived").exists()


@postgres_only
def test_the_command_archives_and_restores(appeals, tmp_path, capsys):
    from qinqing.cli.main import main

    _world, old, _later = appeals
    tables = _graph_tables()
    before_dump = _dump(tables)
    target = tmp_path / "archive"
    argv = ["partitions", "archive", "--before", "2027-01", "--table", APPEALS]
    assert main([*argv, "--to", str(target), "--now", "2027-02-15T10:00", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "已归档" in out and "2026-12" in out and str(target) in out
    # on commit the manifest takes its name (the test's transaction never commits)
    (target / "manifest.json.partial").rename(target / "manifest.json")
    assert not Appeal.objects.filter(pk=old[0].pk).exists()

    # a changed file is refused before anything is loaded
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    callbacks = target / next(
        e["file"] for e in manifest["tables"] if e["table"] == "appeals_callback"
    )
    good = callbacks.read_bytes()
    callbacks.write_bytes(gzip.compress(b"id\n1\n"))
    assert main(["partitions", "restore", str(target), "--yes"]) == 2
    assert "校验值与清单不符" in capsys.readouterr().err
    assert not Appeal.objects.filter(pk=old[0].pk).exists()
    callbacks.write_bytes(good)

    assert main(["partitions", "restore", str(target)]) == 0
    assert "文件校验无误" in capsys.readouterr().out
    assert not Appeal.objects.filter(pk=old[0].pk).exists()
    assert main(["partitions", "restore", str(target), "--yes"]) == 0
    assert "已恢复" in capsys.readouterr().out
    assert _dump(tables) == before_dump
    # loading the same archive twice is refused (the rows are there)
    assert main(["partitions", "restore", str(target), "--yes"]) == 2
    assert "恢复" in capsys.readouterr().err
    assert _dump(tables) == before_dump


@postgres_only
def test_filed_progress_reports_go_with_their_versions_and_come_back(
    world, tmp_path, django_capture_on_commit_callbacks
):
    from datetime import date

    from qinqing.core.workdays import get_calendar
    from qinqing.supervision import service
    from qinqing.supervision.models import ProgressReport, ReportVersion
    from tests.supervision.factories import at, cycle_of, make_plan, make_task, monthly, slot

    table = "supervision_progressreport"
    months = [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    plan = make_plan(world, created=date(2026, 8, 1))
    task = make_task(
        plan, lead=[world.market], responsible=[world.tax], ongoing=True, created=date(2026, 8, 1)
    )
    cadence = monthly(world, plan, starts_on=months[0], now=at(date(2026, 9, 3)))
    service.ensure_cycles(cadence, date(2026, 11, 20), calendar=get_calendar(), problems=[])
    for start in months[:2]:
        service.open_cycle(cycle_of(cadence, start), now=at(start))
    september = slot(task, world.market, cycle_of(cadence, months[0]))
    service.submit_report(
        september, actor=world.market_clerk, stage="in_progress", narrative="已上线", now=at(date(2026, 10, 2))
    )  # fmt: skip
    _january(table)
    service.open_cycle(cycle_of(cadence, months[2]), now=at(months[2]))
    kept = list(ProgressReport.objects.filter(id__gte=p.month_base(p.Month(2027, 1))))
    assert len(kept) == 2

    tables, _edges = a._discover(connection, table)
    assert {"supervision_reportversion", "supervision_targetvalue"} <= set(tables)
    before_dump = _dump(tables)
    with django_capture_on_commit_callbacks(execute=True):
        result = a.archive(connection, table, BEFORE, tmp_path / "r", now=ARCHIVE_NOW)
    rows = {t.table: t.rows for t in result.plan.tables}
    assert rows[table] == 4 and rows["supervision_reportversion"] == 1
    assert not ReportVersion.objects.exists()
    assert sorted(ProgressReport.objects.values_list("pk", flat=True)) == sorted(r.pk for r in kept)
    a.restore(connection, Path(tmp_path / "r"))
    assert _dump(tables) == before_dump


def test_sqlite_says_archive_needs_postgresql(capsys, tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite behaviour")
    from qinqing.cli.main import main

    argv = ["partitions", "archive", "--before", "2021-01", "--table", APPEALS, "--yes"]
    assert main([*argv, "--to", str(tmp_path / "a")]) == 2
    assert "归档旧月份需要 PostgreSQL" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
    with pytest.raises(InvalidInput, match="需要 PostgreSQL"):
        a.restore(connection, tmp_path)


@postgres_only
def test_restore_refuses_a_key_taken_since_the_archive(
    appeals, tmp_path, django_capture_on_commit_callbacks
):
    world, old, later = appeals
    Appeal.objects.filter(pk=old[0].pk).update(source="12345", external_id="A-1")
    tables = _graph_tables()
    with django_capture_on_commit_callbacks(execute=True):
        a.archive(connection, APPEALS, BEFORE, tmp_path / "a", now=ARCHIVE_NOW)
    # the 12345 hotline's case number is free again, and a later appeal takes it
    Appeal.objects.filter(pk=later.pk).update(source="12345", external_id="A-1")
    counts = _counts(tables)
    with pytest.raises(InvalidInput, match="唯一键（appeal_unique_external_id）在恢复后重复"):
        a.restore(connection, tmp_path / "a")
    assert _counts(tables) == counts
    assert not Appeal.objects.filter(pk=old[0].pk).exists()
    # the trigger is on again: a third appeal cannot take the same case number
    from django.db import IntegrityError, transaction

    another, _ = dispatched(world, LATER + dt.timedelta(days=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.filter(pk=another.pk).update(source="12345", external_id="A-1")
