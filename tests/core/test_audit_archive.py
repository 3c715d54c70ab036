"""The audit table partitioned by month on PostgreSQL, and archiving old months (issue 20).

Archiving is an explicit, audited operator action; verify then starts each shard after the
archived anchor, but only when a signed checkpoint attests that anchor."""

import datetime as dt

import pytest
from django.db import connection, transaction

from qinqing.cli.main import main as qinqing_main
from qinqing.core import audit
from qinqing.core.audit import checkpoints, partitioning, service
from qinqing.core.audit.models import AuditEvent
from qinqing.core.audit.service import position, verify_chain
from qinqing.core.errors import InvalidInput

from .test_audit_checkpoints import _as_dba

JAN = dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.UTC)  # the test database was built in 2026-12
on_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="monthly partitions are PostgreSQL's"
)


def _events(world, n, tag):
    for i in range(n):
        audit.record(world.office_admin, "unit.updated", world.market, after={tag: i})


@pytest.fixture
def next_month(db):
    """Call to move the audit ids on to January 2027 as the daily partition job does on the
    1st; the id sequence is put back afterwards (sequences ignore the test's rollback)."""
    from qinqing.core.db import partitions as p

    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_serial_sequence('audit_auditevent', 'id')")
        sequence = cur.fetchone()[0]
        cur.execute(f"SELECT last_value, is_called FROM {sequence}")
        saved = cur.fetchone()
    yield lambda: p.maintain(connection, JAN, tables=["audit_auditevent"])
    with connection.cursor() as cur:
        cur.execute("SELECT setval(%s::regclass, %s, %s)", [sequence, *saved])


def test_sqlite_has_nothing_to_archive(world):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert not partitioning.is_partitioned()
    with pytest.raises(InvalidInput, match="PostgreSQL"):
        partitioning.archive_before("2026-01", confirm=True, now=JAN)


@on_postgresql
def test_every_partition_refuses_update_delete_and_truncate(world):
    assert partitioning.is_partitioned()
    event = audit.record(world.office_admin, "unit.updated", world.market)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT tableoid::regclass::text FROM audit_auditevent WHERE id = %s", [event.pk]
        )
        part = cur.fetchone()[0]
    assert part != "audit_auditevent"
    for sql in (
        f"UPDATE {part} SET verb = 'forged' WHERE id = {event.pk}",
        f"DELETE FROM {part} WHERE id = {event.pk}",
        f"TRUNCATE {part}",
        "TRUNCATE audit_auditevent",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql)
    assert AuditEvent.objects.filter(pk=event.pk, verb="unit.updated").exists()


@on_postgresql
def test_archiving_an_old_month_is_audited_signed_and_verify_goes_on(world, next_month, capsys):
    _events(world, 3, "december")
    checkpoints.write_checkpoint(JAN - dt.timedelta(days=6))  # points into December
    december = AuditEvent.objects.count()
    next_month()
    _events(world, 2, "january")
    preview = partitioning.archive_before("2027-01", confirm=False, now=JAN)
    assert preview.partitions and not preview.done and preview.rows == december
    assert AuditEvent.objects.count() == december + 2  # a preview changes nothing

    result = partitioning.archive_before("2027-01", confirm=True, now=JAN)
    assert result.done and result.rows == december
    # the December rows left the table; the detach is itself in the trail, with the anchors
    assert AuditEvent.objects.count() == 3  # two January events and the detach event
    detach = AuditEvent.objects.get(verb=service.DETACH_VERB)
    assert detach.after["partitions"] == result.partitions
    anchors = {int(k): tuple(v) for k, v in detach.after["anchors"].items()}
    assert anchors == result.anchors
    # the signed line attests the anchors; verify starts each shard after its anchor
    last_line = checkpoints.read_checkpoints()[0][-1]
    assert last_line.archived == result.anchors
    verdict = verify_chain()
    assert verdict.ok, verdict.problem
    assert verdict.checked == 3
    assert qinqing_main(["audit", "verify"]) == 0
    assert "审计日志完整" in capsys.readouterr().out
    # the detached partition is a plain table kept for pg_dump
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM " + result.partitions[0])
        assert cur.fetchone()[0] == december
    # and the archive continues to be caught if someone now deletes the new first rows
    first = AuditEvent.objects.order_by("seq").first()
    _as_dba([("DELETE FROM audit_auditevent WHERE id = %s", [first.pk])])
    assert not verify_chain().ok


@on_postgresql
def test_a_forged_archive_without_a_signed_checkpoint_is_caught(world, next_month):
    _events(world, 3, "december")
    checkpoints.write_checkpoint(JAN - dt.timedelta(days=6))
    next_month()
    _events(world, 2, "january")
    # someone deletes the oldest rows and records a "detach" with the right anchors, but
    # cannot sign the checkpoint line that would attest them
    old = [e for e in AuditEvent.objects.all() if e.id < 202701 * 10**8]
    anchors = {}
    for e in old:
        shard, pos = position(e)
        if pos >= anchors.get(shard, (0, ""))[0]:
            anchors[shard] = (pos, e.hash)
    _as_dba([("DELETE FROM audit_auditevent WHERE id = ANY(%s)", [[e.pk for e in old]])])
    audit.record(
        "intruder", service.DETACH_VERB, ("audit", "audit_auditevent", "伪造的归档"),
        after={"anchors": {str(s): list(v) for s, v in anchors.items()}},
    )  # fmt: skip
    assert verify_chain(checkpoints=[]).ok is False
    result = verify_chain()
    assert not result.ok and "没有签名校验点" in result.problem


@on_postgresql
def test_archive_is_refused_over_a_tampered_chain(world, next_month):
    _events(world, 3, "december")
    target = AuditEvent.objects.order_by("-seq")[1]
    _as_dba([("UPDATE audit_auditevent SET after = '{}' WHERE id = %s", [target.pk])])
    next_month()
    _events(world, 1, "january")
    with pytest.raises(InvalidInput, match="校验未通过"):
        partitioning.archive_before("2027-01", confirm=True, now=JAN)
    assert not AuditEvent.objects.filter(verb=service.DETACH_VERB).exists()


@on_postgresql
def test_the_generic_partition_detach_leaves_the_audit_trail_alone(world, next_month):
    """`qinqing partitions detach` archives other tables' months; the audit trail's months
    leave only through `qinqing audit archive` (which records and signs the anchors), or
    verify would report each shard's first rows missing."""
    from qinqing.core.db import partitions as p

    _events(world, 3, "december")
    next_month()
    _events(world, 1, "january")
    before = AuditEvent.objects.count()
    found = p.detach_before(connection, p.Month.parse("2027-01"), dry_run=True, now=JAN)
    assert all(d.table != "audit_auditevent" for d in found)
    with pytest.raises(InvalidInput, match="qinqing audit archive"):
        p.detach_before(connection, p.Month.parse("2027-01"), ["audit_auditevent"], now=JAN)
    assert AuditEvent.objects.count() == before
    assert verify_chain().ok
