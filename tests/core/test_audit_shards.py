"""The sharded audit chain (issue 20): concurrent writers take different chain heads, and
`audit verify` still catches a changed, deleted, moved or relabelled row in any shard."""

import threading

import pytest
from django.db import connection, connections, transaction

from qinqing.core import audit
from qinqing.core.audit import service
from qinqing.core.audit.models import AuditEvent, AuditHead
from qinqing.core.audit.service import GENESIS, event_hash, position, verify_chain

from .test_audit_checkpoints import _as_dba

on_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="SQLite has one writer and one shard"
)


def _in_shard(monkeypatch, shard, world, n=2):
    """Record ``n`` events, asking for ``shard`` (free in a test, so it is the one taken)."""
    monkeypatch.setattr(service, "_preferred_shard", lambda count: shard)
    for i in range(n):
        audit.record(
            world.office_admin, "unit.updated", world.market, after={"shard": shard, "i": i}
        )
    return list(AuditEvent.objects.order_by("-seq")[:n])[::-1]


def test_sqlite_keeps_one_chain(world):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    audit.record(world.office_admin, "unit.updated", world.market)
    assert service.shard_count() == 1
    assert {position(e)[0] for e in AuditEvent.objects.all()} == {0}
    assert verify_chain().ok


@on_postgresql
def test_events_of_two_shards_verify_and_show_in_global_order(world, monkeypatch):
    first = _in_shard(monkeypatch, 1, world)
    second = _in_shard(monkeypatch, 2, world)
    assert [position(e) for e in first + second][-4:] == [
        (1, position(first[0])[1]),
        (1, position(first[0])[1] + 1),
        (2, position(second[0])[1]),
        (2, position(second[0])[1] + 1),
    ]
    seqs = [e.seq for e in first + second]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4  # one global order for display
    assert second[0].prev_hash != first[-1].hash  # each shard is its own chain
    result = verify_chain()
    assert result.ok and result.checked == AuditEvent.objects.count()


@on_postgresql
def test_row_moved_to_another_shard_is_caught(world, monkeypatch):
    _in_shard(monkeypatch, 1, world)
    moved = _in_shard(monkeypatch, 2, world, 3)[1]
    _as_dba([("UPDATE audit_auditevent SET shard = 1 WHERE id = %s", [moved.pk])])
    result = verify_chain()
    assert not result.ok
    assert "分链 2" in result.problem or f"第 {moved.seq} 条" in result.problem


@on_postgresql
def test_deleted_tail_of_one_shard_is_caught_by_its_head(world, monkeypatch):
    _in_shard(monkeypatch, 3, world)
    newest = _in_shard(monkeypatch, 4, world)[-1]
    _as_dba([("DELETE FROM audit_auditevent WHERE id = %s", [newest.pk])])
    result = verify_chain()
    assert not result.ok
    assert (
        f"分链 4 的第 {position(newest)[1]} 条" in result.problem and "链尾被删除" in result.problem
    )


@on_postgresql
def test_changed_row_in_a_shard_is_caught(world, monkeypatch):
    target = _in_shard(monkeypatch, 5, world, 3)[1]
    _as_dba([("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"n": 1}', target.pk])])
    result = verify_chain()
    assert not result.ok and f"第 {target.seq} 条" in result.problem and "改动" in result.problem


def _legacy_event(world, head, n):
    """A row as the code before sharding wrote it: shard 0, position = seq, old payload."""
    seq = head.seq + 1
    fields = dict(
        seq=seq, created_at=world_now(), actor_id=None, actor_label="系统", verb="unit.updated",
        object_type="orgs.unit", object_id=str(world.market.pk), object_repr="市市场监管局",
        unit_id=None, before=None, after={"old": n}, visibility="internal",
        prev_hash=head.hash, hash_algorithm="sm3",
    )  # fmt: skip
    digest = event_hash(**fields)
    AuditEvent.objects.create(hash=digest, **fields)
    head.seq, head.hash = seq, digest
    AuditHead.objects.filter(pk=1).update(seq=seq, hash=digest)


def world_now():
    from django.utils import timezone

    return timezone.now()


def test_a_chain_written_before_sharding_still_verifies_and_continues(world, monkeypatch):
    # the chain as it was: every event on head 1, shard_seq NULL
    _as_dba([("DELETE FROM audit_auditevent", []), ("DELETE FROM audit_audithead", [])])
    head = AuditHead.objects.create(pk=1, seq=0, hash=GENESIS)
    for n in range(3):
        _legacy_event(world, head, n)
    assert AuditEvent.objects.filter(shard_seq__isnull=True).count() == 3
    assert verify_chain().ok
    monkeypatch.setattr(service, "_preferred_shard", lambda count: 0)
    new = audit.record(world.office_admin, "unit.updated", world.market)
    if connection.vendor == "postgresql":
        audit.record(world.office_admin, "unit.updated", world.tax)  # more shards in use
    assert position(new) == (0, 4) and new.prev_hash == head.hash  # shard 0 goes on
    assert verify_chain().ok
    # relabelling the new row as an old one (no shard position) breaks its hash
    _as_dba([("UPDATE audit_auditevent SET shard_seq = NULL WHERE id = %s", [new.pk])])
    assert not verify_chain().ok


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_writer_holding_its_transaction_open_does_not_block_another(monkeypatch):
    """Two connections: the first records an event and keeps its transaction open; the
    second still records at once, on another shard. With one head it would wait."""
    # the heads exist once migrated; a transactional test's flush removed them: one record
    # in autocommit creates and commits them again
    audit.record("system:test", "test.setup", ("test", "0", "准备"))
    monkeypatch.setattr(service, "_preferred_shard", lambda count: 0)  # both want shard 0
    holding, release = threading.Event(), threading.Event()

    def first():
        try:
            with transaction.atomic():
                audit.record("system:test", "test.first", ("test", "1", "一"))
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert holding.wait(10)
        with connection.cursor() as cur:
            cur.execute("SET lock_timeout = '2s'")  # fail rather than wait for the first
        second = audit.record("system:test", "test.second", ("test", "2", "二"))
        assert position(second)[0] != 0
    finally:
        release.set()
        thread.join(10)
    first_event = AuditEvent.objects.get(verb="test.first")
    assert position(first_event)[0] == 0
    assert verify_chain().ok
