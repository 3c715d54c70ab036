# ruff: noqa: S608  (table names come from the model or the catalog; values are parameters)
"""Where a matching run's results go on PostgreSQL: a partition of their own.

``policies_matchresult`` is LIST-partitioned by ``run_id`` there (migration
``policies.0010``): each run's rows form one partition, ``…_r<run id>``; rows from before
the partitioning and results kept as history (an enterprise answered on them) live in the
DEFAULT partition.

A full run (issue 20: 1,000,000 enterprises × 500 policies is ~17 million rows):

1. :func:`stage` creates a plain table with the results' columns and a ``CHECK (run_id =
   …)``, writes the Arrow table into it with binary ``COPY`` (ADBC: no CSV, no Python
   object per row), over a connection of its own, and builds the indexes afterwards
   (sorting once is far cheaper than keeping four indexes up to date row by row). The
   table is attached to nothing yet: no reader sees it, whatever happens to the run;
2. :func:`swap_in`, in the run's transaction: attaches the staged table as the run's
   partition (its ``CHECK`` spares the scan) and detaches and drops the partitions of the
   earlier runs it supersedes (same year, all their policies among its own: the previous
   full run and the incremental runs on it), after moving their rows with feedback to the
   DEFAULT partition as history (``current`` false). Readers see the old results until
   COMMIT, then the new ones; a failed run leaves the old ones and :func:`drop_staged`
   removes its table.

An incremental run stages its rows the same way and attaches them without dropping
anything (the changed enterprises' earlier rows are deleted by ``matching``). SQLite, and
a PostgreSQL database not migrated, insert into the one table (``matching.store_results``).
"""

from __future__ import annotations

import re
import time

import numpy as np
import pyarrow as pa

from qinqing.core.db.partitions import quote_ident
from qinqing.policies.models import MatchResult

PARENT = MatchResult._meta.db_table
DEFAULT = f"{PARENT}_pdefault"
_RUN_PARTITION = re.compile(rf"^{PARENT}_r(\d+)$")
MAINTENANCE_WORK_MEM = "512MB"  # per index build of a staged run


def stage_name(run_id: int) -> str:
    return f"{PARENT}_r{int(run_id)}"


def partitioned(connection) -> bool:
    """Whether the results table is LIST-partitioned (PostgreSQL after ``0010``)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
            " WHERE c.relname = %s AND p.partstrat = 'l'"
            " AND c.relnamespace = current_schema()::regnamespace",
            [PARENT],
        )
        return cursor.fetchone() is not None


def run_partitions(connection) -> dict[int, str]:
    """{run id: partition} of the full runs whose results are attached."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass",
            [PARENT],
        )
        names = [row[0] for row in cursor.fetchall()]
    out = {}
    for name in names:
        m = _RUN_PARTITION.match(name)
        if m:
            out[int(m.group(1))] = name
    return out


def _adbc_uri(connection) -> str:
    """A libpq URI for the database Django's ``connection`` uses (socket directory, SSL and
    other libpq ``OPTIONS`` included) for the staging connection."""
    from urllib.parse import quote, urlencode

    s = connection.settings_dict
    user = quote(s.get("USER") or "", safe="")
    password = quote(str(s.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = s.get("HOST") or ""
    params = {
        k: str(v)
        for k, v in (s.get("OPTIONS") or {}).items()
        if k in ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout")
    }
    if host.startswith("/"):  # a Unix socket directory
        params["host"] = host
        host = ""
    port = f":{s['PORT']}" if s.get("PORT") else ""
    query = f"?{urlencode(params)}" if params else ""
    return f"postgresql://{auth}{host}{port}/{quote(s['NAME'], safe='')}{query}"


_ARROW_TYPES = {"bigint": pa.int64(), "integer": pa.int32(), "smallint": pa.int16()}


def _columns(connection) -> tuple[str, pa.Schema]:
    """The parent's columns with their NOT NULL and CHECK constraints (ATTACH requires
    them all) as DDL, and the Arrow schema binary COPY into them needs.

    Widest alignment first, variable-length last (ATTACH matches columns by name): no
    padding between them, so a row of the staged table is 80 bytes where the parent's
    column order (the model's, then columns added by later migrations) would pad."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
            " (SELECT quote_ident(c.collname) FROM pg_collation c WHERE c.oid = a.attcollation"
            " AND c.collname <> 'default')"
            " FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnum > 0"
            " AND NOT a.attisdropped"
            " ORDER BY a.attlen < 0, a.attlen DESC, a.attnum",
            [PARENT],
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'c'",
            [PARENT],
        )
        checks = [f"CONSTRAINT {quote_ident(n)} {d}" for n, d in cursor.fetchall()]
    fields = []
    for name, kind, _, _ in rows:
        if kind in _ARROW_TYPES:
            fields.append(pa.field(name, _ARROW_TYPES[kind]))
        elif kind.startswith("numeric"):
            fields.append(pa.field(name, pa.decimal128(38, 2)))
        elif kind == "boolean":
            fields.append(pa.field(name, pa.bool_()))
        else:
            fields.append(pa.field(name, pa.string()))
    ddl = [
        f"{quote_ident(n)} {t}{f' COLLATE {c}' if c else ''}{' NOT NULL' if nn else ''}"
        for n, t, nn, c in rows
    ]
    return ", ".join(ddl + checks), pa.schema(fields)


def _index_ddl(connection, table: str) -> tuple[list[str], list[str]]:
    """The statements giving ``table`` the parent's indexes (primary key included), so
    ATTACH adopts them instead of building them under the parent's lock: the index builds,
    which may run at once on connections of their own, and the statements that then turn
    the unique ones into the key (``… USING INDEX``, no second build)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_indexdef(i.indexrelid), con.contype,"
            " pg_get_constraintdef(con.oid)"
            " FROM pg_index i LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid"
            " AND con.conrelid = i.indrelid WHERE i.indrelid = %s::regclass",
            [PARENT],
        )
        rows = cursor.fetchall()
    builds, then = [], []
    for n, (indexdef, contype, condef) in enumerate(rows):
        if contype in ("p", "u"):
            key = f"{table}_pkey" if contype == "p" else f"{table}_key{n}"
            columns = condef[condef.index("(") :]
            builds.append(
                f"CREATE UNIQUE INDEX {quote_ident(key)} ON {quote_ident(table)} {columns}"
            )
            kind = "PRIMARY KEY" if contype == "p" else "UNIQUE"
            then.append(
                f"ALTER TABLE {quote_ident(table)} ADD CONSTRAINT {quote_ident(key)} {kind} USING INDEX {quote_ident(key)}"
            )
        else:
            unique = "UNIQUE " if indexdef.startswith("CREATE UNIQUE") else ""
            builds.append(
                f"CREATE {unique}INDEX ON {quote_ident(table)} USING {indexdef.split(' USING ', 1)[1]}"
            )
    return builds, then


def _build_at_once(uri: str, statements: list[str]) -> None:
    """Run the index builds at the same time, one connection each: they only read the
    table (each takes a SHARE lock, which do not conflict). 3,000,000 staged rows: 3.0 s
    against 3.6 s one after another (docs/bench/policies_db.md)."""
    import threading

    import adbc_driver_postgresql.dbapi as adbc

    errors: list[BaseException] = []

    def build(statement: str) -> None:
        try:
            with adbc.connect(uri) as conn, conn.cursor() as cursor:
                cursor.execute(f"SET maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
                cursor.execute(statement)
                conn.commit()
        except BaseException as error:  # re-raised in the caller's thread
            errors.append(error)

    threads = [threading.Thread(target=build, args=(s,)) for s in statements]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def reserve_ids(connection, n: int) -> int:
    """The first of ``n`` consecutive result ids taken from the table's sequence."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [PARENT])
        sequence = cursor.fetchone()[0]
        cursor.execute(
            "SELECT setval(%s::regclass, nextval(%s::regclass) + %s)", [sequence, sequence, n - 1]
        )
        last = int(cursor.fetchone()[0])
    return last - n + 1


# advisory-lock class of a run being staged: held by the run's transaction from before
# its table exists until it commits or rolls back (PostgreSQL releases it if the process
# dies), so a staged table whose lock is free belongs to a run that is gone
_STAGING_LOCK = 20_2611


def drop_abandoned(connection) -> list[str]:
    """Drop the staged tables of runs that are gone (the process was killed between
    staging and COMMIT): unattached ``…_r<run id>`` tables whose run holds no staging
    lock. Called at the start of every run; returns the names dropped."""
    dropped = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r'"
            " AND c.relname LIKE %s AND c.relnamespace = current_schema()::regnamespace"
            " AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)",
            [PARENT + "\\_r%"],
        )
        for (name,) in cursor.fetchall():
            m = _RUN_PARTITION.match(name)
            if not m:
                continue
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", [_STAGING_LOCK, int(m.group(1))]
            )
            if cursor.fetchone()[0]:
                cursor.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
                dropped.append(name)
    return dropped


def stage(connection, run_id: int, table: pa.Table, timings: dict[str, float]) -> str:
    """Write a run's rows (``table``: the model's columns but ``id``) into a new plain
    table, committed over an ADBC connection of its own, indexed after the load; returns
    its name. Nothing reads it until :func:`swap_in` attaches it."""
    import adbc_driver_postgresql.dbapi as adbc

    with connection.cursor() as cursor:
        # this run's transaction holds the lock until it ends: drop_abandoned skips it
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_STAGING_LOCK, int(run_id)])
    drop_abandoned(connection)
    name = stage_name(run_id)
    columns, schema = _columns(connection)
    builds, then = _index_ddl(connection, name)
    first = reserve_ids(connection, max(table.num_rows, 1))
    ids = pa.array(np.arange(first, first + table.num_rows, dtype=np.int64))
    table = table.append_column("id", ids).select(schema.names)
    # text the caller dictionary-encoded stays so: the COPY writer takes each value from
    # the dictionary (no copy of every string first)
    table = table.cast(
        pa.schema(
            pa.field(f.name, table.schema.field(f.name).type)
            if pa.types.is_dictionary(table.schema.field(f.name).type)
            and pa.types.is_string(f.type)
            else f
            for f in schema
        )
    )
    with adbc.connect(_adbc_uri(connection)) as conn, conn.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {quote_ident(name)} ({columns},"
            f" CONSTRAINT {quote_ident(name + '_run')} CHECK (run_id = {int(run_id)}))"
        )
        conn.commit()
        try:
            started = time.perf_counter()
            cursor.adbc_ingest(name, table, mode="append")
            conn.commit()
            timings["copy"] = round(time.perf_counter() - started, 3)
            started = time.perf_counter()
            _build_at_once(_adbc_uri(connection), builds)
            for statement in then:
                cursor.execute(statement)
            cursor.execute(f"ANALYZE {quote_ident(name)}")
            conn.commit()
            timings["index"] = round(time.perf_counter() - started, 3)
        except BaseException:
            conn.rollback()
            cursor.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
            conn.commit()
            raise
    return name


def superseded(run, year: int, codes: set[str]) -> list[int]:
    """The earlier runs whose partitions a full run replaces whole: same year, and
    every policy they matched is among the run's (rows of their other policies would
    otherwise go with them)."""
    from django.db import connection

    from qinqing.policies.models import MatchRun

    attached = run_partitions(connection)
    out = []
    for earlier in MatchRun.objects.filter(pk__in=list(attached)).exclude(pk=run.pk):
        mine = {ref.rsplit("@", 1)[0] for ref in earlier.rule_refs}
        if earlier.year == year and mine <= codes:
            out.append(earlier.pk)
    return out


def swap_in(connection, run_id: int, name: str, replaced: list[int]) -> None:
    """In the run's transaction: attach ``name`` as run ``run_id``'s partition, then
    detach and drop the partitions of ``replaced`` runs, keeping their rows an enterprise
    answered on as history in the DEFAULT partition."""
    from qinqing.policies.models import PushFeedback

    feedback = quote_ident(PushFeedback._meta.db_table)
    parent = quote_ident(PARENT)
    # by name: a staged table's columns are not in the parent's order (_columns)
    columns = ", ".join(quote_ident(f.name) for f in _columns(connection)[1])
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE {parent} ATTACH PARTITION {quote_ident(name)} FOR VALUES IN ({int(run_id)})"
        )
        for old in replaced:
            part = quote_ident(stage_name(old))
            cursor.execute(f"ALTER TABLE {parent} DETACH PARTITION {part}")
            cursor.execute(
                f"UPDATE {part} SET current = false WHERE id IN (SELECT result_id FROM {feedback})"
            )
            cursor.execute(
                f"INSERT INTO {parent} ({columns}) SELECT {columns} FROM {part} p"
                f" WHERE EXISTS (SELECT 1 FROM {feedback} f WHERE f.result_id = p.id)"
            )
            cursor.execute(f"DROP TABLE {part}")


def drop_staged(connection, name: str) -> None:
    """Remove a failed run's staged table (never attached, or attached by a transaction
    that rolled back)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s)", [name])
        if cursor.fetchone() is None:
            cursor.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")


def drop_all_results(connection) -> None:
    """Every stored result gone (the benchmark's reset of a reused database)."""
    if connection.vendor != "postgresql":
        MatchResult.objects.all().delete()
        return
    with connection.cursor() as cursor:
        if partitioned(connection):
            for name in run_partitions(connection).values():
                cursor.execute(f"DROP TABLE {quote_ident(name)}")
        cursor.execute(f"TRUNCATE {quote_ident(PARENT)} CASCADE")
