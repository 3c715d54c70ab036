# ruff: noqa: S608  (identifiers come from the catalog or migrations, quoted by quote_ident)
"""Monthly RANGE partitions on PostgreSQL, keyed on month-aligned ids (docs/dev/partitions.md).

Design (option (a) of issue 20): a partitioned table is split by ``RANGE (id)``; the ids of
month ``YYYY-MM`` start at :func:`month_base` (``YYYYMM × 10⁸``, so ``2027010000000042`` is
the 42nd row of January 2027, with room for 10⁸ rows a month). The daily job
:func:`maintain` advances each table's id sequence to the current month's base on the first
day of a month and creates the partitions of the coming months ahead of time. ``PRIMARY
KEY (id)`` stays, so every foreign key to the table stays a real foreign key. A child table
(an appeal's events) can be partitioned on its foreign key column (``appeal_id``) with the
same bounds, so a month of the parent archives together with its children.

:func:`convert` turns a *populated* plain table into a partitioned one (run from a
migration): rows created before the conversion keep their ids and are split into month
partitions by the first id of each month of a time column; the current month's partition
runs from that month's first id to the next month's base, so the old sequence continues
without a gap until the job moves it on. A DEFAULT partition catches anything outside the
created ranges. :func:`revert` is the way back (a reverse migration).

:func:`detach_before` detaches (for archive) the month partitions before a month, children
first; it refuses, with a Chinese message, when a row outside the detached months still
references a row inside them.

Everything here is a no-op on databases other than PostgreSQL (SQLite keeps plain tables).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.backends.base.base import BaseDatabaseWrapper

from qinqing.core.errors import InvalidInput

TZ = ZoneInfo("Asia/Shanghai")
ROWS_PER_MONTH = 10**8
MONTHS_AHEAD = 3
DEFAULT_SUFFIX = "_pdefault"
_MONTH_NAME = re.compile(r"_p(\d{4})(\d{2})$")
_MONTH_TEXT = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, moment: dt.datetime | dt.date) -> Month:
        if isinstance(moment, dt.datetime):
            moment = moment.astimezone(TZ).date() if moment.tzinfo else moment.date()
        return cls(moment.year, moment.month)

    @classmethod
    def parse(cls, text: str) -> Month:
        """``"2021-01"`` → ``Month(2021, 1)``; a Chinese :class:`InvalidInput` otherwise."""
        m = _MONTH_TEXT.match(text.strip())
        if not m or not 1 <= int(m.group(2)) <= 12 or not 1900 <= int(m.group(1)) <= 9999:
            raise InvalidInput(f"月份“{text}”无效：请按“年-月”填写，如 2021-01。")
        return cls(int(m.group(1)), int(m.group(2)))

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def plus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def suffix(self) -> str:
        return f"_p{self.year:04d}{self.month:02d}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def month_base(month: Month) -> int:
    """The first id of ``month``: ``month_base(Month(2027, 1)) == 2027_01_00000000_0``."""
    return (month.year * 100 + month.month) * ROWS_PER_MONTH


def month_of_id(value: int) -> Month | None:
    """The month whose id range holds ``value`` (None for ids from before partitioning)."""
    year, month = divmod(value // ROWS_PER_MONTH, 100)
    if month == 0:  # codes YYYY13..(YYYY+1)00 are the tail of December's range
        year, month = year - 1, 12
    return Month(year, min(month, 12)) if year >= 1900 else None


@dataclass(frozen=True)
class Partition:
    """One partition: ``lower`` None means MINVALUE; ``default`` for the DEFAULT one."""

    table: str
    name: str
    month: Month | None
    lower: int | None
    upper: int | None
    default: bool = False
    rows: int = 0  # an estimate (pg_class.reltuples), -1 when never analysed


@dataclass(frozen=True)
class Detached:
    table: str
    partition: str
    month: Month


def is_postgres(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "postgresql"


def quote_ident(name: str) -> str:
    """``name`` as a quoted SQL identifier (embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def _rows(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _run(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _settle_deferred(connection: BaseDatabaseWrapper) -> None:
    """Check the deferred foreign keys now: ALTER TABLE refuses pending trigger events (rows
    written earlier in the same transaction, e.g. by a data migration)."""
    _run(connection, "SET CONSTRAINTS ALL IMMEDIATE")
    _run(connection, "SET CONSTRAINTS ALL DEFERRED")


# --- catalog --------------------------------------------------------------------------------


def partitioned_tables(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """Every RANGE-partitioned table of the current schema → its partition key column."""
    if not is_postgres(connection):
        return {}
    found = _rows(
        connection,
        """
        SELECT c.relname, a.attname
          FROM pg_partitioned_table p
          JOIN pg_class c ON c.oid = p.partrelid
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0]
         WHERE p.partstrat = 'r' AND c.relnamespace = current_schema()::regnamespace
         ORDER BY c.relname
        """,
    )
    return {table: column for table, column in found}


_BOUND = re.compile(r"FOR VALUES FROM \((.+?)\) TO \((.+?)\)")


def _bound(text: str) -> int | None:
    text = text.strip().strip("'")
    return None if text.upper() == "MINVALUE" or text.upper() == "MAXVALUE" else int(text)


def partitions(connection: BaseDatabaseWrapper, table: str) -> list[Partition]:
    """The partitions of ``table``, by lower bound (the DEFAULT one last)."""
    if not is_postgres(connection):
        return []
    found: list[Partition] = []
    for name, bound, reltuples in _rows(
        connection,
        """
        SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples
          FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = %s::regclass
        """,
        [table],
    ):
        rows = int(reltuples)
        if bound == "DEFAULT":
            found.append(Partition(table, name, None, None, None, default=True, rows=rows))
            continue
        m = _BOUND.match(bound)
        if not m:
            continue
        lower, upper = _bound(m.group(1)), _bound(m.group(2))
        named = _MONTH_NAME.search(name)
        month = Month(int(named.group(1)), int(named.group(2))) if named else None
        found.append(Partition(table, name, month, lower, upper, rows=rows))
    found.sort(key=lambda p: (p.default, -1 if p.lower is None else p.lower))
    return found


def _sequence(connection: BaseDatabaseWrapper, table: str, column: str = "id") -> str | None:
    sql = "SELECT pg_get_serial_sequence(%s, %s)"
    name = _rows(connection, sql, [quote_ident(table), column])[0][0]
    return str(name) if name else None


def _referencing(
    connection: BaseDatabaseWrapper, table: str, *, include_self: bool = False
) -> list[tuple[str, str, str, str]]:
    """Foreign keys to ``table`` (declared on other tables unless ``include_self``):
    (table, name, definition, column)."""
    return [
        (str(a), str(b), str(c), str(d))
        for a, b, c, d in _rows(
            connection,
            """
            SELECT r.relname, con.conname, pg_get_constraintdef(con.oid), a.attname
              FROM pg_constraint con
              JOIN pg_class r ON r.oid = con.conrelid
              JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
             WHERE con.contype = 'f' AND con.confrelid = %s::regclass
               AND con.conparentid = 0 AND (%s OR con.conrelid <> con.confrelid)
               AND NOT r.relispartition
            """,
            [table, include_self],
        )
    ]


# --- conversion -------------------------------------------------------------------------------


def _legacy_bounds(
    connection: BaseDatabaseWrapper, table: str, time_column: str | None, current: Month
) -> list[tuple[Month, int | None]]:
    """(month, first id) for the months holding rows, oldest first; the first is MINVALUE."""
    firsts: list[tuple[Month, int]] = []
    if time_column:
        for year, month, first in _rows(
            connection,
            f"""
            SELECT extract(year FROM {quote_ident(time_column)} AT TIME ZONE 'Asia/Shanghai')::int,
                   extract(month FROM {quote_ident(time_column)} AT TIME ZONE 'Asia/Shanghai')::int,
                   min(id)
              FROM {quote_ident(table)} GROUP BY 1, 2 ORDER BY 1, 2
            """,
        ):
            if year is not None and Month(year, month) <= current:
                firsts.append((Month(int(year), int(month)), int(first)))
    bounds: list[tuple[Month, int | None]] = []
    last = None
    for month, first in firsts:
        # ids that are not in time order: a month whose first id is not above the
        # previous month's stays inside the previous month's range
        if last is None or first > last:
            bounds.append((month, None if last is None else first))
            last = first
    if not bounds:
        return [(current, None)]
    if bounds[-1][0] != current:
        # the current month's new rows continue the old sequence until the job moves it on
        top = int(_rows(connection, f"SELECT coalesce(max(id), 0) FROM {quote_ident(table)}")[0][0])
        if top + 1 < month_base(current.next()):
            bounds.append((current, top + 1))
    return bounds


def _indexes(connection: BaseDatabaseWrapper, table: str) -> list[Any]:
    """``(name, definition, constraint, constraint type, constraint definition)`` of each
    index of ``table`` (the constraint columns NULL for a plain index)."""
    return _rows(
        connection,
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),
               con.conname, con.contype, pg_get_constraintdef(con.oid)
          FROM pg_index i
          LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                                      AND con.contype IN ('p', 'u', 'x')
         WHERE i.indrelid = %s::regclass
        """,
        [table],
    )


def _outgoing_keys(connection: BaseDatabaseWrapper, table: str) -> list[Any]:
    """``(name, definition)`` of the foreign keys ``table`` itself declares."""
    return _rows(
        connection,
        """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = %s::regclass AND contype = 'f' AND conparentid = 0""",
        [table],
    )


def convert(
    connection: BaseDatabaseWrapper,
    table: str,
    *,
    column: str = "id",
    time_column: str | None = None,
    bounds_from: str | None = None,
    now: dt.datetime | None = None,
    months_ahead: int = MONTHS_AHEAD,
    unique_by_trigger: Sequence[str] = (),
) -> None:
    """Turn the plain ``table`` (populated or not) into a monthly-partitioned one, in place.

    ``column`` is the partition key: ``"id"`` for a table with its own month-aligned ids
    (``time_column`` then splits the rows already there by month), or a foreign key column
    whose partitions copy those of ``bounds_from`` (the parent, converted first). Keeps the
    rows, the column defaults, CHECK and NOT NULL constraints, the indexes, the foreign keys
    both ways, the triggers and the id sequence. A unique constraint or index that does not
    contain ``column`` cannot exist on a partitioned table: :class:`ValueError` then (and a
    foreign key to the table when ``column`` is not ``id``), unless its name is listed in
    ``unique_by_trigger``: it becomes a plain index and a trigger that refuses a duplicate
    among the attached partitions (``unique_violation``, so Django raises IntegrityError),
    serialised per key by an advisory lock (on one of :data:`LOCK_SLOTS` slots per index, so a
    transaction inserting a province's rows holds a bounded number of locks). Run inside a
    transaction.
    """
    if not is_postgres(connection):
        return
    from django.utils import timezone

    current = Month.of(now or timezone.now())
    if table in partitioned_tables(connection):
        return
    _settle_deferred(connection)
    qt = quote_ident(table)
    new = f"{table}__partitioned"
    indexes = _indexes(connection, table)
    outgoing = _outgoing_keys(connection, table)
    incoming = _referencing(connection, table)
    if incoming and column != "id":
        raise ValueError(f"{table}: referenced by {incoming[0][0]}, cannot key on {column}")
    triggers = _rows(
        connection,
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass"
        " AND NOT tgisinternal",
        [table],
    )
    emulated: list[tuple[str, str]] = []  # (index name, plain index definition)
    kept = []
    for row in indexes:
        name, indexdef, con, contype, _def = row
        if (contype in ("u", "x") or (contype is None and " UNIQUE " in indexdef)) and (
            not re.search(rf"\b{re.escape(column)}\b", indexdef.split(" USING ", 1)[1])
        ):
            if (con or name) not in unique_by_trigger:
                raise ValueError(f"{table}: unique index without {column}: {indexdef}")
            emulated.append((con or name, indexdef.replace("CREATE UNIQUE INDEX", "CREATE INDEX")))
            continue
        kept.append(row)
    indexes = kept
    unique_checks = [_unique_trigger_sql(connection, table, name) for name, _ in emulated]
    identity = _rows(
        connection,
        "SELECT attidentity FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'id'",
        [table],
    )
    sequence = _sequence(connection, table)
    top = int(_rows(connection, f"SELECT coalesce(max(id), 0) FROM {qt}")[0][0])
    last_value = top
    if sequence:
        seq_row = _rows(connection, f"SELECT last_value, is_called FROM {sequence}")[0]
        last_value = max(top, int(seq_row[0]) if seq_row[1] else int(seq_row[0]) - 1)

    _run(
        connection,
        f"CREATE TABLE {quote_ident(new)} (LIKE {qt} INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
        f" INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({quote_ident(column)})",
    )
    if bounds_from:
        parent = [p for p in partitions(connection, bounds_from) if not p.default]
        ranges = [(p.month, p.lower, p.upper) for p in parent if p.month is not None]
    else:
        legacy = _legacy_bounds(connection, table, time_column, current)
        ranges = []
        for i, (month, lower) in enumerate(legacy):
            upper = legacy[i + 1][1] if i + 1 < len(legacy) else None
            ranges.append((month, lower, upper))
        # the last range holds every id there is (ids already month-aligned, as after a
        # revert, may run ahead of the clock) and the current month's to come
        last_month, last_lower, _none = ranges[-1]
        upper = max(month_base(current.next()), top + 1)
        ranges[-1] = (last_month, last_lower, upper)
        month = max(current, month_of_id(upper - 1) or current).next()
        while month <= current.plus(months_ahead):
            if month_base(month.next()) > upper:
                ranges.append((month, upper, month_base(month.next())))
                upper = month_base(month.next())
            month = month.next()
    for month, lower, upper in ranges:
        _create_partition(connection, table, new, month, lower, upper)
    _run(
        connection,
        f"CREATE TABLE {quote_ident(table + DEFAULT_SUFFIX)} PARTITION OF {quote_ident(new)} DEFAULT",
    )
    _run(connection, f"INSERT INTO {quote_ident(new)} SELECT * FROM {qt}")

    for ref_table, name, _definition, _col in incoming:
        _run(
            connection, f"ALTER TABLE {quote_ident(ref_table)} DROP CONSTRAINT {quote_ident(name)}"
        )
    if sequence and identity and identity[0][0] == "":
        # a serial column: the sequence survives the old table
        _run(connection, f"ALTER SEQUENCE {sequence} OWNED BY NONE")
    _run(connection, f"DROP TABLE {qt}")
    _run(connection, f"ALTER TABLE {quote_ident(new)} RENAME TO {qt}")
    if not sequence or (identity and identity[0][0] != ""):
        seq = quote_ident(f"{table}_id_seq")
        _run(connection, f"CREATE SEQUENCE {seq} AS bigint")
        sequence = seq
    _run(connection, f"ALTER SEQUENCE {sequence} OWNED BY {qt}.id")
    _run(
        connection,
        f"ALTER TABLE {qt} ALTER COLUMN id SET DEFAULT nextval(%s::regclass)",
        [sequence],
    )
    if last_value > 0:
        _run(connection, "SELECT setval(%s::regclass, %s)", [sequence, last_value])

    for _name, indexdef, con, contype, condef in indexes:
        if contype == "p":
            key = "id" if column == "id" else f"id, {quote_ident(column)}"
            _run(
                connection,
                f"ALTER TABLE {qt} ADD CONSTRAINT {quote_ident(con)} PRIMARY KEY ({key})",
            )
        elif contype in ("u", "x"):
            _run(connection, f"ALTER TABLE {qt} ADD CONSTRAINT {quote_ident(con)} {condef}")
        else:
            _run(connection, indexdef)
    for name, definition in outgoing:
        _run(connection, f"ALTER TABLE {qt} ADD CONSTRAINT {quote_ident(name)} {definition}")
    for ref_table, name, definition, _col in incoming:
        _run(
            connection,
            f"ALTER TABLE {quote_ident(ref_table)} ADD CONSTRAINT {quote_ident(name)} {definition}",
        )
    for (definition,) in triggers:
        _run(connection, definition)
    for (_name, indexdef), statements in zip(emulated, unique_checks, strict=True):
        _run(connection, indexdef)
        for statement in statements:
            _run(connection, statement)
    _run(connection, f"ANALYZE {qt}")


# A unique-by-trigger key is serialised by a transaction-level advisory lock on one of this
# many slots per index (the key's hash modulo the slots). One lock per key filled the
# server's shared lock table (max_locks_per_transaction × connections, 6,400 by default)
# when one transaction inserted tens of thousands of keyed rows ("out of shared memory").
# Two writers of different keys share a slot with a chance of 1 in LOCK_SLOTS and then
# wait for each other's commit; a duplicate is still refused.
LOCK_SLOTS = 1024


def refresh_unique_triggers(
    connection: BaseDatabaseWrapper, table: str, unique_by_trigger: Sequence[str]
) -> None:
    """Re-create the functions of ``table``'s unique-by-trigger keys with this module's
    current definition (a migration runs it after that definition changes). No-op on
    SQLite or when the table is not partitioned."""
    if not is_postgres(connection) or table not in partitioned_tables(connection):
        return
    for index in unique_by_trigger:
        _run(connection, _unique_trigger_sql(connection, table, index)[0])


def _unique_trigger_sql(connection: BaseDatabaseWrapper, table: str, index: str) -> list[str]:
    """A function and trigger refusing a second row with the same key as ``index`` (read from
    the catalog before the table is replaced): columns, and the partial predicate if any."""
    columns, predicate = _rows(
        connection,
        """
        SELECT array_agg(a.attname ORDER BY k.n), pg_get_expr(i.indpred, i.indrelid)
          FROM pg_index i
          CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
         WHERE i.indexrelid = %s::regclass
         GROUP BY i.indpred, i.indrelid
        """,
        [index],
    )[0]
    pred = predicate or "true"
    same = " AND ".join(f"{quote_ident(c)} = NEW.{quote_ident(c)}" for c in columns)
    key = " || '/' || ".join(f"coalesce(NEW.{quote_ident(c)}::text, '')" for c in columns)
    old_key = ", ".join(f"OLD.{quote_ident(c)}" for c in columns)
    new_key = ", ".join(f"NEW.{quote_ident(c)}" for c in columns)
    function = quote_ident(f"{index}_unique")
    # an UPDATE that keeps the key of a row already under the key (a report filed, an
    # appeal's state changed) cannot make a duplicate: no search of every partition then
    return [
        f"""
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
          IF TG_OP = 'UPDATE' AND ROW({old_key}) IS NOT DISTINCT FROM ROW({new_key})
             AND EXISTS (SELECT 1 FROM (SELECT (OLD).*) AS o WHERE {pred}) THEN
            RETURN NEW;
          END IF;
          IF EXISTS (SELECT 1 FROM (SELECT (NEW).*) AS n WHERE {pred}) THEN
            PERFORM pg_advisory_xact_lock(
              hashtext('{index}'), (hashtextextended({key}, 0) & {LOCK_SLOTS - 1})::int);
            IF EXISTS (SELECT 1 FROM {quote_ident(table)}
                        WHERE {same} AND id <> NEW.id AND ({pred})) THEN
              RAISE EXCEPTION 'duplicate key value violates unique constraint "{index}"'
                USING ERRCODE = 'unique_violation';
            END IF;
          END IF;
          RETURN NEW;
        END $fn$
        """,
        f"CREATE TRIGGER {quote_ident(index + '_unique')} BEFORE INSERT OR UPDATE ON {quote_ident(table)}"
        f" FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]


def _create_partition(
    connection: BaseDatabaseWrapper,
    table: str,
    parent: str,
    month: Month,
    lower: int | None,
    upper: int | None,
) -> None:
    low = "MINVALUE" if lower is None else str(int(lower))
    high = "MAXVALUE" if upper is None else str(int(upper))
    _run(
        connection,
        f"CREATE TABLE {quote_ident(table + month.suffix)} PARTITION OF {quote_ident(parent)}"
        f" FOR VALUES FROM ({low}) TO ({high})",
    )


def revert(
    connection: BaseDatabaseWrapper, table: str, *, unique_by_trigger: Sequence[str] = ()
) -> None:
    """Turn the partitioned ``table`` back into a plain one (rows, keys, indexes kept); the
    indexes named in ``unique_by_trigger`` become unique indexes again, without triggers.

    Detached partitions are not brought back: their rows stay in their archive tables.
    """
    if not is_postgres(connection) or table not in partitioned_tables(connection):
        return
    _settle_deferred(connection)
    qt = quote_ident(table)
    old = f"{table}__plain"
    column = partitioned_tables(connection)[table]
    indexes = [row[1:] for row in _indexes(connection, table)]
    outgoing = _outgoing_keys(connection, table)
    incoming = _referencing(connection, table)
    triggers = _rows(
        connection,
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass"
        " AND NOT tgisinternal AND tgparentid = 0",
        [table],
    )
    sequence = _sequence(connection, table)
    _run(
        connection,
        f"CREATE TABLE {quote_ident(old)} (LIKE {qt} INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
        " INCLUDING STORAGE INCLUDING COMMENTS)",
    )
    _run(connection, f"INSERT INTO {quote_ident(old)} SELECT * FROM {qt}")
    for ref_table, name, _definition, _col in incoming:
        _run(
            connection, f"ALTER TABLE {quote_ident(ref_table)} DROP CONSTRAINT {quote_ident(name)}"
        )
    if sequence:
        _run(connection, f"ALTER SEQUENCE {sequence} OWNED BY NONE")
    _run(connection, f"DROP TABLE {qt} CASCADE")
    _run(connection, f"ALTER TABLE {quote_ident(old)} RENAME TO {qt}")
    if sequence:
        _run(connection, f"ALTER SEQUENCE {sequence} OWNED BY {qt}.id")
    for indexdef, con, contype, condef in indexes:
        if contype == "p":
            _run(connection, f"ALTER TABLE {qt} ADD CONSTRAINT {quote_ident(con)} PRIMARY KEY (id)")
        elif contype in ("u", "x"):
            _run(connection, f"ALTER TABLE {qt} ADD CONSTRAINT {quote_ident(con)} {condef}")
        else:
            indexdef = indexdef.replace(" ON ONLY ", " ON ")
            if re.match(r"CREATE INDEX (\S+) ", indexdef) and any(
                indexdef.startswith(f"CREATE INDEX {name} ") for name in unique_by_trigger
            ):
                indexdef = indexdef.replace("CREATE INDEX", "CREATE UNIQUE INDEX", 1)
            _run(connection, indexdef)
    for name, definition in outgoing:
        _run(connection, f"ALTER TABLE {qt} ADD CONSTRAINT {quote_ident(name)} {definition}")
    for ref_table, name, definition, _col in incoming:
        _run(
            connection,
            f"ALTER TABLE {quote_ident(ref_table)} ADD CONSTRAINT {quote_ident(name)} {definition}",
        )
    emulated = {f"{name}_unique" for name in unique_by_trigger}
    for (definition,) in triggers:
        if not any(f"TRIGGER {name} " in definition for name in emulated):
            _run(connection, definition)
    for name in emulated:
        _run(connection, f"DROP FUNCTION IF EXISTS {quote_ident(name)}()")
    del column


# --- the daily job --------------------------------------------------------------------------


def maintain(
    connection: BaseDatabaseWrapper,
    now: dt.datetime,
    *,
    months_ahead: int = MONTHS_AHEAD,
    tables: Sequence[str] | None = None,
) -> dict[str, int]:
    """Idempotent: partitions up to ``months_ahead`` months after ``now``'s month exist for
    every monthly-partitioned table (or those of ``tables``), and each id sequence is at
    least its month's base."""
    if not is_postgres(connection):
        return {"created": 0, "sequences_advanced": 0}
    current = Month.of(now)
    created = advanced = 0
    for table, column in partitioned_tables(connection).items():
        if tables is not None and table not in tables:
            continue
        existing = [p for p in partitions(connection, table) if not p.default]
        if not existing:
            continue
        last = existing[-1]
        month = (last.month or current).next()
        upper = last.upper
        target = current.plus(months_ahead)
        while month <= target:
            lower = upper if upper is not None else month_base(month)
            high = month_base(month.next())
            _check_default_empty(connection, table, column, lower, high)
            _create_partition(connection, table, table, month, lower, high)
            created += 1
            upper = high
            month = month.next()
        if column == "id":
            sequence = _sequence(connection, table)
            if sequence:
                base = month_base(current)
                value, called = _rows(connection, f"SELECT last_value, is_called FROM {sequence}")[
                    0
                ]
                if int(value) < base:
                    _run(
                        connection,
                        "SELECT setval(%s::regclass, %s, false)",
                        [sequence, base],
                    )
                    advanced += 1
                del called
    return {"created": created, "sequences_advanced": advanced}


def _check_default_empty(
    connection: BaseDatabaseWrapper, table: str, column: str, lower: int, upper: int
) -> None:
    default = quote_ident(table + DEFAULT_SUFFIX)
    if not _rows(connection, "SELECT to_regclass(%s)", [table + DEFAULT_SUFFIX])[0][0]:
        return
    count = _rows(
        connection,
        f"SELECT count(*) FROM {default} WHERE {quote_ident(column)} >= %s AND {quote_ident(column)} < %s",
        [lower, upper],
    )[0][0]
    if count:
        raise InvalidInput(
            f"表 {table} 的默认分区中有 {count} 行落在新月份的编号范围内，无法建立新分区："
            "请联系数据库管理员把这些行移出默认分区后再运行。"
        )


def maintain_job(now: dt.datetime) -> dict[str, int]:
    """分区维护 as a job (daily): next months' partitions, this month's id base."""
    from django.db import connection, transaction

    with transaction.atomic():
        return maintain(connection, now)


# --- archive --------------------------------------------------------------------------------


def _order(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> list[str]:
    """Partitioned tables, referencing tables before the tables they reference."""
    tables = list(tables)
    refs = {t: {r for r, *_ in _referencing(connection, t) if r in tables} for t in tables}
    keyed = partitioned_tables(connection)
    ordered: list[str] = []
    pending = sorted(tables, key=lambda t: keyed.get(t) == "id")
    while pending:
        for t in pending:
            if all(r in ordered for r in refs[t] if r != t):
                ordered.append(t)
                pending.remove(t)
                break
        else:  # a cycle: keep the remaining order
            ordered.extend(pending)
            break
    return ordered


# Tables whose old months only their own procedure may archive (table → how, for the
# message): the audit trail's (``qinqing audit archive`` records each shard's anchor and signs
# a checkpoint, so that ``audit verify`` accepts the shortened chain). The generic detach
# leaves them alone.
_OWN_ARCHIVE: dict[str, str] = {}


def archived_by_own_procedure(table: str, how: str) -> None:
    """Declare (at app start) that ``table``'s months are detached only by ``how``."""
    _OWN_ARCHIVE[table] = how


def old_partitions(
    connection: BaseDatabaseWrapper, before: Month, tables: Sequence[str] | None = None
) -> list[Partition]:
    """The month partitions of months before ``before``, in the order they can be detached."""
    keyed = partitioned_tables(connection)
    chosen = (
        [t for t in keyed if t in tables]
        if tables is not None
        else [t for t in keyed if t not in _OWN_ARCHIVE]
    )
    found: list[Partition] = []
    for table in _order(connection, chosen):
        found.extend(
            p
            for p in partitions(connection, table)
            if not p.default and p.month is not None and p.month < before
        )
    return found


def detach_before(
    connection: BaseDatabaseWrapper,
    before: Month,
    tables: Sequence[str] | None = None,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    by_owner: bool = False,
) -> list[Detached]:
    """Detach every month partition before ``before`` (children first) as plain tables.

    Refuses, before detaching anything, when a row outside these partitions (a table that is
    not partitioned by the same months, or a later month) references a row inside one:
    :class:`InvalidInput` with a Chinese message naming the table. A detached partition keeps
    its rows and indexes under its name (``appeals_appeal_p202012``) for ``pg_dump`` and
    loses its foreign keys (an archive is a frozen copy). Run inside a transaction. Tables
    declared with :func:`archived_by_own_procedure` are skipped unless ``by_owner``.
    """
    if not is_postgres(connection):
        raise InvalidInput("按月分区只在 PostgreSQL 上启用；当前数据库没有可归档的分区。")
    if before > Month.of(now or dt.datetime.now(TZ)):
        raise InvalidInput(f"不能归档 {before} 之前的分区：含本月或以后月份，这些数据仍在使用。")
    for table in tables or ():
        if table in _OWN_ARCHIVE and not by_owner:
            raise InvalidInput(f"{table} 的分区只能用“{_OWN_ARCHIVE[table]}”归档。")
    chosen = old_partitions(connection, before, tables)
    keyed = partitioned_tables(connection)
    cutoff: dict[str, int] = {}  # per table: the rows below it go
    for part in chosen:
        cutoff[part.table] = max(cutoff.get(part.table, 0), int(part.upper or 0))
    for part in chosen:
        refs = _referencing(connection, part.table, include_self=True)
        for ref_table, name, _definition, ref_column in refs:
            low = (
                "" if part.lower is None else f"{quote_ident(ref_column)} >= {int(part.lower)} AND "
            )
            staying = ""
            if ref_table in cutoff:
                staying = f" AND {quote_ident(keyed[ref_table])} >= {cutoff[ref_table]}"
            count = _rows(
                connection,
                f"SELECT count(*) FROM {quote_ident(ref_table)} WHERE {low}"
                f"{quote_ident(ref_column)} < {int(part.upper or 0)}{staying}",
            )[0][0]
            if count:
                raise InvalidInput(
                    f"不能归档 {part.table} 的 {part.month} 分区：表 {ref_table} 仍有 {count} 行"
                    f"引用其中的记录（外键 {name}）。请先归档或清理这些记录，或选择更早的月份。"
                )
    if dry_run:
        return [Detached(p.table, p.name, p.month) for p in chosen if p.month]
    done: list[Detached] = []
    _settle_deferred(connection)
    # a foreign key of a table to itself (a merged appeal) would make PostgreSQL refuse to
    # detach a month whose rows point at each other: lifted for the detach, then re-added
    # (which checks the remaining rows again)
    self_refs = [
        (part_table, name, definition)
        for part_table in dict.fromkeys(p.table for p in chosen)
        for ref_table, name, definition, _col in _referencing(
            connection, part_table, include_self=True
        )
        if ref_table == part_table
    ]
    for table, name, _definition in self_refs:
        _run(connection, f"ALTER TABLE {quote_ident(table)} DROP CONSTRAINT {quote_ident(name)}")
    for part in chosen:
        _run(
            connection,
            f"ALTER TABLE {quote_ident(part.table)} DETACH PARTITION {quote_ident(part.name)}",
        )
        for (con,) in _rows(
            connection,
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'"
            " AND conparentid = 0",
            [part.name],
        ):
            _run(
                connection,
                f"ALTER TABLE {quote_ident(part.name)} DROP CONSTRAINT {quote_ident(con)}",
            )
        assert part.month is not None
        done.append(Detached(part.table, part.name, part.month))
    for table, name, definition in self_refs:
        _run(
            connection,
            f"ALTER TABLE {quote_ident(table)} ADD CONSTRAINT {quote_ident(name)} {definition}",
        )
    return done
