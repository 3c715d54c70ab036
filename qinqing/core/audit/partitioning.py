"""The audit events table partitioned by month on PostgreSQL, and archiving old months.

Migration 0007 turns ``audit_auditevent`` into a monthly-partitioned table with
:mod:`qinqing.core.db.partitions` (``RANGE (id)`` on month-aligned ids; the daily job
``db.partitions`` creates the coming months). Because an event's id is drawn while its
shard's head is locked (``service.record``), ids grow along every shard's chain: the oldest
month partition always holds the *start* of each shard, never a hole in the middle.

Append-only stays enforced: the row triggers refusing UPDATE and DELETE are cloned by
PostgreSQL to every partition, present and future. A TRUNCATE trigger is not cloned, so
:func:`protect_partitions` gives each partition its own (in the migration and in the daily
job ``audit.protect_partitions``, run after ``db.partitions``).

Archiving (:func:`archive_before`, ``qinqing audit archive --before 2026-01 --yes``) is an
explicit operator action and is itself audited:

1. the whole chain must verify first (nothing tampered is archived);
2. for every shard, the last archived ``(position, hash)`` -- the *anchor* -- is computed;
   the rows staying must continue each shard right after its anchor;
3. in one transaction, the event ``audit.partition_detached`` (with the anchors of every
   shard, including those of earlier archives) is recorded and the partitions are
   detached (they remain plain tables for ``pg_dump``);
4. a signed checkpoint line carrying the anchors is appended outside the database.

``qinqing audit verify`` then starts each shard after its anchor, but only if a signed
checkpoint attests exactly these anchors: someone who deletes the oldest rows and forges a
detach event cannot produce that line. A checkpoint that pointed inside the archived months
can no longer be compared with the database (the archive holds those rows); verify counts
them in ``VerifyResult.archived``.

Everything here is a no-op, or refused with a Chinese message, on SQLite.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

TABLE = "audit_auditevent"
ACTOR = "qinqing audit archive"


def _rows(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params or [])
        return list(cur.fetchall())


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    return bool(
        _rows("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [TABLE])
    )


def protect_partitions(now: dt.datetime | None = None) -> dict[str, int]:
    """Job ``audit.protect_partitions``: every partition of the audit table refuses
    TRUNCATE (idempotent; the UPDATE/DELETE row triggers are cloned by PostgreSQL)."""
    if not is_partitioned():
        return {"protected": 0}
    names = [
        str(name)
        for (name,) in _rows(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
    ]
    with connection.cursor() as cur:
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            cur.execute(
                f"CREATE OR REPLACE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON {quoted} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
            )
    return {"protected": len(names)}


@dataclass(frozen=True)
class ArchiveResult:
    partitions: list[str]
    rows: int
    anchors: dict[int, tuple[int, str]]
    done: bool


def _anchors_below(cutoff: int) -> dict[int, tuple[int, str]]:
    """Per shard, the last ``(position, hash)`` among the rows with ids below ``cutoff``."""
    found = _rows(
        "SELECT DISTINCT ON (coalesce(shard, 0)) coalesce(shard, 0), "
        "coalesce(shard_seq, seq), hash FROM audit_auditevent WHERE id < %s "
        "ORDER BY coalesce(shard, 0), coalesce(shard_seq, seq) DESC",
        [cutoff],
    )
    return {int(s): (int(pos), str(digest)) for s, pos, digest in found}


def _first_staying(cutoff: int) -> dict[int, int]:
    found = _rows(
        "SELECT coalesce(shard, 0), min(coalesce(shard_seq, seq)) FROM audit_auditevent "
        "WHERE id >= %s GROUP BY 1",
        [cutoff],
    )
    return {int(s): int(pos) for s, pos in found}


def archive_before(before: str, *, confirm: bool, now: dt.datetime) -> ArchiveResult:
    """Detach the audit partitions of the months before ``before`` ("2026-01") for archive.

    Without ``confirm`` only reports what would be detached. Raises
    :class:`~qinqing.core.errors.InvalidInput` (Chinese) when the chain does not verify, when
    the rows staying would not continue every shard, or on SQLite.
    """
    from qinqing.core.audit import checkpoints, service
    from qinqing.core.db import partitions as p
    from qinqing.core.errors import InvalidInput

    if not is_partitioned():
        raise InvalidInput("审计日志只在 PostgreSQL 上按月分区；当前数据库没有可归档的审计分区。")
    month = p.Month.parse(before)
    with transaction.atomic():
        chosen = p.detach_before(connection, month, [TABLE], dry_run=True, now=now, by_owner=True)
        parts = {x.name: x for x in p.partitions(connection, TABLE)}
        names = [d.partition for d in chosen]
        if not names:
            return ArchiveResult([], 0, {}, False)
        cutoff = max(int(parts[n].upper or 0) for n in names)
        rows = int(_rows("SELECT count(*) FROM audit_auditevent WHERE id < %s", [cutoff])[0][0])
        result = service.verify_chain()
        if not result.ok:
            raise InvalidInput(f"审计日志校验未通过，不能归档：{result.problem}")
        anchors, _ = service.archive_anchors()
        anchors = {**anchors, **_anchors_below(cutoff)}
        for shard, first in _first_staying(cutoff).items():
            last = anchors.get(shard, (0, ""))[0]
            if first != last + 1:
                raise InvalidInput(
                    f"分链 {shard} 在 {month} 前后的记录不相接（归档到第 {last} 条，"
                    f"留下的从第 {first} 条起），不能按月份归档。请先运行 qinqing audit verify。"
                )
        if not confirm:
            return ArchiveResult(names, rows, anchors, False)
        service.record(
            ACTOR,
            service.DETACH_VERB,
            ("audit", TABLE, f"审计日志 {month} 之前的分区"),
            after={
                "before": str(month),
                "partitions": names,
                "rows": rows,
                "anchors": {str(s): [pos, digest] for s, (pos, digest) in sorted(anchors.items())},
            },
        )
        p.detach_before(connection, month, [TABLE], now=now, by_owner=True)
    checkpoints.write_checkpoint(now, archived=anchors)
    return ArchiveResult(names, rows, anchors, True)
