# ruff: noqa: S608  (identifiers come from the catalog, quoted by quote_ident; values are ints)
"""Archive old months of a partitioned table with every row that depends on them
(``qinqing partitions archive`` / ``restore``, docs/dev/partitions.md "Archive").

:func:`plan` finds, from the database catalogue, every table whose rows reference a row
that will go (foreign keys to the partitioned parent, recursively; Django fields with
``db_constraint=False`` are read from the models and treated the same way), and the rows
of each that go: the parent's rows below the first id of ``before``, and each dependent
row that references a going row. It refuses (:class:`InvalidInput`, in Chinese, naming
the table and the number of rows) when a row that stays references a row that goes (a
later appeal merged into an old one, a later appeal's ticket transferred from or reopened
from an old ticket) or when a dependent row that would go also belongs to a row that
stays (it would be taken from live data).

:func:`archive` exports the going rows of each table with ``COPY (SELECT …) TO STDOUT``
(CSV with header, gzip) into a directory with a ``manifest.json`` (tables, rows, months,
sha256 of each file, time, the database's migration state), deletes them dependents first,
detaches and drops the emptied month partitions, and records one audit event, all in one
transaction with the tables locked against writers (``SHARE ROW EXCLUSIVE``: readers go
on, so the export and the delete see the same rows). The manifest is written under its
final name only after the transaction commits, and a failure removes the directory: no
half archive is left claiming to be one.

:func:`restore` verifies the manifest's hashes, recreates the dropped month partitions and
loads the files back, parents first, in one transaction; the foreign keys are checked at
the end.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from qinqing.core.db import partitions as p
from qinqing.core.db.partitions import _rows, _run  # this package's statement helpers
from qinqing.core.errors import InvalidInput

MANIFEST = "manifest.json"
FORMAT = "qinqing-partition-archive/1"
ACTOR = "qinqing partitions archive"


@dataclass(frozen=True)
class Edge:
    """``table.column`` references ``target.target_column`` (``name``: the constraint, or
    ``django:<model field>`` for a reference without a database constraint)."""

    table: str
    column: str
    target: str
    target_column: str
    name: str


@dataclass
class TablePlan:
    table: str
    key: str  # the column identifying a row (the primary key's, ``id`` for a partitioned child)
    rows: int = 0
    months: dict[str, int] = field(default_factory=dict)  # partitioned tables: rows per month
    partitioned: bool = False


@dataclass
class Plan:
    parent: str
    before: p.Month
    cutoff: int
    months: list[str]
    tables: list[TablePlan]  # parents first
    edges: list[Edge]
    partitions: list[p.Partition]  # the month partitions that go, children first

    @property
    def total(self) -> int:
        return sum(t.rows for t in self.tables)


@dataclass
class Result:
    plan: Plan
    directory: Path
    manifest_sha256: str


def _require_postgres(connection: BaseDatabaseWrapper) -> None:
    if not p.is_postgres(connection):
        raise InvalidInput(
            "归档旧月份需要 PostgreSQL：当前数据库（SQLite）没有按月分区，无法按月归档。"
        )


# --- the dependents, from the catalogue ---------------------------------------------------


def _edges_to(connection: BaseDatabaseWrapper, table: str) -> list[Edge]:
    """Every single-column reference to ``table``: database foreign keys (declared on the
    partitioned parents, not their partitions) and Django fields without a constraint."""
    found = [
        Edge(str(t), str(c), table, str(tc), str(n))
        for t, n, c, tc, ncols in _rows(
            connection,
            """
            SELECT r.relname, con.conname, a.attname, ta.attname, array_length(con.conkey, 1)
              FROM pg_constraint con
              JOIN pg_class r ON r.oid = con.conrelid
              JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
              JOIN pg_attribute ta ON ta.attrelid = con.confrelid AND ta.attnum = con.confkey[1]
             WHERE con.contype = 'f' AND con.confrelid = %s::regclass AND con.conparentid = 0
               AND NOT r.relispartition
             ORDER BY r.relname, con.conname
            """,
            [table],
        )
        if ncols == 1 or _multi_column(t, n)
    ]
    from django.apps import apps

    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            remote = getattr(f, "remote_field", None)
            if remote is None or getattr(f, "db_constraint", True):
                continue
            target = remote.model._meta
            if target.db_table != table:
                continue
            to = target.get_field(remote.field_name).column
            found.append(
                Edge(model._meta.db_table, f.column, table, to, f"django:{model.__name__}.{f.name}")
            )
    return found


def _multi_column(table: str, name: str) -> bool:
    raise InvalidInput(
        f"表 {table} 以多列外键 {name} 引用归档范围内的表，归档命令不支持，请联系开发人员。"
    )


def _key_column(connection: BaseDatabaseWrapper, table: str) -> str:
    pk = _rows(
        connection,
        """
        SELECT array_agg(a.attname ORDER BY k.n)
          FROM pg_index i
          CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
         WHERE i.indrelid = %s::regclass AND i.indisprimary
        """,
        [table],
    )[0][0]
    if pk and len(pk) == 1:
        return str(pk[0])
    if pk and "id" in pk:  # a child partitioned on its foreign key: (id, appeal_id)
        return "id"
    raise InvalidInput(f"表 {table} 没有可用于归档的单列主键，归档命令不支持。")


def _discover(connection: BaseDatabaseWrapper, parent: str) -> tuple[list[str], list[Edge]]:
    """The parent and every table depending on it (recursively), parents before the tables
    referencing them, and the references among them."""
    tables = [parent]
    edges: list[Edge] = []
    index = 0
    while index < len(tables):
        for edge in _edges_to(connection, tables[index]):
            edges.append(edge)
            if edge.table not in tables:
                tables.append(edge.table)
        index += 1
    # topological order over the references between different tables
    needs = {t: {e.target for e in edges if e.table == t and e.target != t} for t in tables}
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and needs[t] <= set(ordered)]
        if not ready:
            cycle = ", ".join(t for t in tables if t not in ordered)
            raise InvalidInput(f"这些表互相引用（{cycle}），归档命令无法确定删除顺序。")
        ordered.extend(ready)
    return ordered, edges


def _temp(table: str, tables: list[str]) -> str:
    return f"_qq_archive_{tables.index(table)}"


def _going(edge: Edge, tables: list[str], keys: dict[str, str]) -> str:
    """SQL: the values of ``edge.target_column`` of the target's going rows."""
    temp = _temp(edge.target, tables)
    if edge.target_column == keys[edge.target]:
        return f"SELECT k FROM {temp}"
    return (
        f"SELECT t.{p.quote_ident(edge.target_column)} FROM {p.quote_ident(edge.target)} t"
        f" JOIN {temp} g ON g.k = t.{p.quote_ident(keys[edge.target])}"
    )


def _check_parent(connection: BaseDatabaseWrapper, parent: str) -> dict[str, str]:
    _require_postgres(connection)
    keyed = p.partitioned_tables(connection)
    if parent not in keyed or keyed[parent] != "id":
        names = "、".join(t for t, c in keyed.items() if c == "id" and t not in p._OWN_ARCHIVE)
        raise InvalidInput(f"表 {parent} 不是按月编号分区的表；可归档的表：{names or '无'}。")
    if parent in p._OWN_ARCHIVE:
        raise InvalidInput(f"{parent} 的分区只能用“{p._OWN_ARCHIVE[parent]}”归档。")
    return keyed


def plan(
    connection: BaseDatabaseWrapper,
    parent: str,
    before: p.Month,
    *,
    now: dt.datetime | None = None,
) -> Plan:
    """What archiving ``parent``'s months before ``before`` takes out (rows per table), after
    the refusals. Leaves temporary tables ``_qq_archive_<n>`` (the going keys) for the
    transaction; run inside one."""
    keyed = _check_parent(connection, parent)
    if before > p.Month.of(now or dt.datetime.now(p.TZ)):
        raise InvalidInput(f"不能归档 {before} 之前的数据：含本月或以后月份，这些数据仍在使用。")
    tables, edges = _discover(connection, parent)
    children = [t for t in tables if t in keyed and t != parent]
    parts = p.old_partitions(connection, before, [parent, *children])
    own = [x for x in parts if x.table == parent]
    if not own:
        raise InvalidInput(f"表 {parent} 在 {before} 之前没有可归档的月份分区。")
    cutoff = max(int(x.upper or 0) for x in own)
    keys = {t: _key_column(connection, t) for t in tables}
    plans = [TablePlan(t, keys[t], partitioned=t in keyed) for t in tables]
    _run(connection, "DROP TABLE IF EXISTS " + ", ".join(_temp(t, tables) for t in tables))
    for item in plans:
        temp = _temp(item.table, tables)
        if item.table == parent:
            where = f"{p.quote_ident(item.key)} < {cutoff}"
        else:
            where = " OR ".join(
                f"{p.quote_ident(e.column)} IN ({_going(e, tables, keys)})"
                for e in edges
                if e.table == item.table and e.target != item.table
            )
        _run(
            connection,
            f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS"
            f" SELECT {p.quote_ident(item.key)} AS k FROM {p.quote_ident(item.table)} WHERE {where}",
        )
        _run(connection, f"CREATE UNIQUE INDEX ON {temp} (k)")
        _run(connection, f"ANALYZE {temp}")
        item.rows = int(_rows(connection, f"SELECT count(*) FROM {temp}")[0][0])
    _refuse_crossing(connection, tables, edges, keys)
    by_part = {x.name: x for x in parts}
    for item in plans:
        if item.partitioned and item.rows:
            for name, count in _rows(
                connection,
                f"SELECT tableoid::regclass::text, count(*) FROM {p.quote_ident(item.table)}"
                f" WHERE {p.quote_ident(item.key)} IN (SELECT k FROM {_temp(item.table, tables)})"
                " GROUP BY 1 ORDER BY 1",
            ):
                month = by_part[name].month if name in by_part else None
                item.months[str(month) if month else name] = int(count)
    months = sorted({str(x.month) for x in own if x.month})
    return Plan(parent, before, cutoff, months, plans, edges, parts)


def _refuse_crossing(
    connection: BaseDatabaseWrapper, tables: list[str], edges: list[Edge], keys: dict[str, str]
) -> None:
    for edge in edges:
        if edge.table != edge.target:
            continue  # a dependent row referencing a going row goes, by construction
        mine = _temp(edge.table, tables)
        key = p.quote_ident(keys[edge.table])
        # a row that stays references a row that goes (the parent's merged_into, a ticket
        # transferred or reopened from another)
        staying = _rows(
            connection,
            f"SELECT count(*) FROM {p.quote_ident(edge.table)} r WHERE r.{p.quote_ident(edge.column)} IN"
            f" ({_going(edge, tables, keys)}) AND NOT EXISTS"
            f" (SELECT 1 FROM {mine} m WHERE m.k = r.{key})",
        )[0][0]
        if staying:
            raise InvalidInput(
                f"不能归档：表 {edge.table} 有 {staying} 行保留的记录引用将归档的 {edge.target}"
                f" 记录（{_reference(edge)}），归档后这些引用将失效。请先处理这些记录，或选择更早的月份。"
            )
    for edge in edges:
        if edge.table == tables[0] or edge.target == edge.table:
            continue
        # a row that would go (it references a going row) belongs to a row that stays
        mine = _temp(edge.table, tables)
        target_key = keys[edge.target]
        held = _rows(
            connection,
            f"SELECT count(*) FROM {p.quote_ident(edge.table)} r JOIN {mine} m ON m.k = r.{p.quote_ident(keys[edge.table])}"
            f" JOIN {p.quote_ident(edge.target)} t ON t.{p.quote_ident(edge.target_column)} = r.{p.quote_ident(edge.column)}"
            f" WHERE NOT EXISTS (SELECT 1 FROM {_temp(edge.target, tables)} g"
            f" WHERE g.k = t.{p.quote_ident(target_key)})",
        )[0][0]
        if held:
            raise InvalidInput(
                f"不能归档：表 {edge.table} 有 {held} 行引用将归档的记录，但同时属于保留的"
                f" {edge.target} 记录（{_reference(edge)}），归档会从仍在使用的数据中删去它们。"
                "请先处理这些记录，或选择更早的月份。"
            )


def _reference(edge: Edge) -> str:
    if edge.name.startswith("django:"):
        return f"字段 {edge.column}，无数据库约束"
    return f"外键 {edge.name}"


# --- archive ----------------------------------------------------------------------------


def default_directory(parent: str, before: p.Month, now: dt.datetime) -> Path:
    from django.conf import settings

    stamp = now.astimezone(p.TZ).strftime("%Y%m%dT%H%M%S")
    return Path(settings.VAR_DIR) / "archive" / f"{parent}-before-{before}-{stamp}"


def _columns(connection: BaseDatabaseWrapper, table: str) -> list[str]:
    return [
        str(name)
        for (name,) in _rows(
            connection,
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
            [table],
        )
    ]


def _migration_state(connection: BaseDatabaseWrapper) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in _rows(connection, "SELECT app, name FROM django_migrations ORDER BY app, id"):
        latest[str(app)] = str(name)
    return latest


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _raw_cursor(connection: BaseDatabaseWrapper) -> Any:
    connection.ensure_connection()
    return connection.connection.cursor()


def _lock(connection: BaseDatabaseWrapper, tables: Sequence[str]) -> None:
    # writers wait (and two archives serialise); readers go on
    _run(
        connection,
        "LOCK TABLE "
        + ", ".join(p.quote_ident(t) for t in tables)
        + " IN SHARE ROW EXCLUSIVE MODE",
    )


def archive(
    connection: BaseDatabaseWrapper,
    parent: str,
    before: p.Month,
    directory: Path | None = None,
    *,
    actor: Any = ACTOR,
    now: dt.datetime | None = None,
) -> Result:
    """Export, delete and drop ``parent``'s months before ``before`` with their dependents,
    in one transaction (opened here, or the caller's). See the module's docstring."""
    from django.db import transaction

    from qinqing.core import audit

    _check_parent(connection, parent)
    moment = now or dt.datetime.now(p.TZ)
    with transaction.atomic(using=connection.alias):
        # the lock is taken on the parent before planning, so the going set cannot change
        _lock(connection, [parent])
        tables, _edges = _discover(connection, parent)
        _lock(connection, tables)
        found = plan(connection, parent, before, now=moment)
        target = directory or default_directory(parent, before, moment)
        if target.exists() and any(target.iterdir()):
            raise InvalidInput(f"归档目录 {target} 已存在且不为空，请换一个目录。")
        created = not target.exists()
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInput(f"无法创建归档目录 {target}：{exc.strerror or exc}。") from exc
        try:
            manifest = _export(connection, found, target, tables, moment)
            for item in reversed(found.tables):
                _run(
                    connection,
                    f"DELETE FROM {p.quote_ident(item.table)} WHERE {p.quote_ident(item.key)} IN"
                    f" (SELECT k FROM {_temp(item.table, tables)})",
                )
            p._settle_deferred(connection)  # every foreign key checked now
            detached = p.detach_before(
                connection,
                before,
                list(dict.fromkeys(x.table for x in found.partitions)),
                now=moment,
            )
            for gone in detached:
                _run(connection, f"DROP TABLE {p.quote_ident(gone.partition)}")
            body = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
            digest = hashlib.sha256(body).hexdigest()
            (target / (MANIFEST + ".partial")).write_bytes(body)
            audit.record(
                actor,
                "partitions.archived",
                ("partition", parent, f"{parent} {before} 之前"),
                after={
                    "table": parent,
                    "before": str(before),
                    "months": found.months,
                    "rows": {t.table: t.rows for t in found.tables},
                    "partitions_dropped": [d.partition for d in detached],
                    "directory": str(target),
                    "manifest_sha256": digest,
                },
            )
            transaction.on_commit(
                lambda: (target / (MANIFEST + ".partial")).rename(target / MANIFEST),
                using=connection.alias,
            )
        except BaseException:
            if created:
                shutil.rmtree(target, ignore_errors=True)
            else:
                for child in target.iterdir():
                    child.unlink(missing_ok=True)
            raise
    return Result(found, target, digest)


def _export(
    connection: BaseDatabaseWrapper,
    found: Plan,
    target: Path,
    tables: list[str],
    moment: dt.datetime,
) -> dict[str, Any]:
    files = []
    cursor = _raw_cursor(connection)
    for item in found.tables:
        columns = _columns(connection, item.table)
        path = target / f"{item.table}.csv.gz"
        select = (
            f"SELECT {', '.join(p.quote_ident(c) for c in columns)} FROM {p.quote_ident(item.table)}"
            f" WHERE {p.quote_ident(item.key)} IN (SELECT k FROM {_temp(item.table, tables)})"
            f" ORDER BY {p.quote_ident(item.key)}"
        )
        try:
            with (
                gzip.open(path, "wb", compresslevel=6) as out,
                cursor.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy,
            ):
                for data in copy:
                    out.write(data)
        except OSError as exc:
            raise InvalidInput(f"无法写入归档文件 {path}：{exc.strerror or exc}。") from exc
        files.append(
            {
                "table": item.table,
                "file": path.name,
                "rows": item.rows,
                "key": item.key,
                "columns": columns,
                "months": item.months,
                "sha256": _sha256(path),
            }
        )
    return {
        "format": FORMAT,
        "parent": found.parent,
        "before": str(found.before),
        "cutoff_id": found.cutoff,
        "months": found.months,
        "created_at": moment.astimezone(dt.UTC).isoformat(),
        "database": connection.settings_dict.get("NAME"),
        "migrations": _migration_state(connection),
        "tables": files,  # parents first: the order of restore
        "partitions": [
            {
                "table": x.table,
                "name": x.name,
                "month": str(x.month),
                "lower": x.lower,
                "upper": x.upper,
            }
            for x in found.partitions
        ],
    }


# --- restore ----------------------------------------------------------------------------


def _unique_by_trigger(connection: BaseDatabaseWrapper, table: str) -> list[Any]:
    """``(index, columns, predicate)`` of each unique key ``partitions.convert`` keeps by a
    trigger (``<index>_unique``) on ``table``."""
    return _rows(
        connection,
        """
        SELECT ic.relname, array_agg(a.attname ORDER BY k.n), pg_get_expr(i.indpred, i.indrelid)
          FROM pg_trigger t
          JOIN pg_class ic ON ic.relname || '_unique' = t.tgname
          JOIN pg_index i ON i.indexrelid = ic.oid AND i.indrelid = t.tgrelid
          CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
         WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal AND t.tgparentid = 0
         GROUP BY ic.relname, i.indpred, i.indrelid
        """,
        [table],
    )


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of an archive, its files checked against their sha256."""
    path = directory / MANIFEST
    if not path.is_file():
        partial = (directory / (MANIFEST + ".partial")).is_file()
        raise InvalidInput(
            f"{directory} 不是完整的归档：缺少 {MANIFEST}"
            + (
                "（只有 manifest.json.partial：该次归档没有完成提交。审计日志中没有该目录的"
                "“归档旧月份数据”记录时，数据库未被改动，可删除该目录）。"
                if partial
                else "。"
            )
        )
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InvalidInput(f"{path} 不是有效的归档清单：{exc}") from exc
    if manifest.get("format") != FORMAT:
        raise InvalidInput(f"{path} 不是本系统的分区归档清单。")
    for entry in manifest["tables"]:
        file = directory / entry["file"]
        if not file.is_file():
            raise InvalidInput(f"归档文件 {file} 不存在。")
        if _sha256(file) != entry["sha256"]:
            raise InvalidInput(
                f"归档文件 {file} 的校验值与清单不符：文件已损坏或被改动，拒绝恢复。"
            )
    return manifest


def migration_drift(connection: BaseDatabaseWrapper, manifest: dict[str, Any]) -> str:
    """The apps whose latest migration differs from the archive's (empty when none)."""
    now = _migration_state(connection)
    then = manifest.get("migrations", {})
    changed = sorted(app for app in set(now) | set(then) if now.get(app) != then.get(app))
    return "、".join(f"{app} {then.get(app, '—')} → {now.get(app, '—')}" for app in changed)


def restore(
    connection: BaseDatabaseWrapper,
    directory: Path,
    *,
    dry_run: bool = False,
    actor: Any = "qinqing partitions restore",
) -> dict[str, Any]:
    """Load an archive back (parents first) in one transaction, recreating the month
    partitions it dropped; refuses (nothing changed) on a hash mismatch, a row already
    present or a reference that no longer resolves."""
    import psycopg
    from django.db import DatabaseError, transaction

    from qinqing.core import audit

    _require_postgres(connection)
    manifest = read_manifest(directory)
    if dry_run:
        return manifest
    with transaction.atomic(using=connection.alias):
        tables = [e["table"] for e in manifest["tables"]]
        _lock(connection, tables)
        existing = {t: {x.name for x in p.partitions(connection, t)} for t in tables}
        parents_first = sorted(manifest["partitions"], key=lambda x: tables.index(x["table"]))
        for part in parents_first:
            if part["name"] in existing.get(part["table"], set()):
                continue
            try:
                p._create_partition(
                    connection,
                    part["table"],
                    part["table"],
                    p.Month.parse(part["month"]),
                    part["lower"],
                    part["upper"],
                )
            except DatabaseError as exc:
                raise InvalidInput(
                    f"无法重建 {part['table']} 的 {part['month']} 分区：{exc}".strip()
                ) from exc
        cursor = _raw_cursor(connection)
        for entry in manifest["tables"]:
            file = directory / entry["file"]
            keys = _unique_by_trigger(connection, entry["table"])
            for index, *_key in keys:
                # the trigger takes an advisory lock per row: a year of rows would exhaust
                # the lock table; checked once for the whole table below instead
                _run(
                    connection,
                    f"ALTER TABLE {p.quote_ident(entry['table'])} DISABLE TRIGGER {p.quote_ident(index + '_unique')}",
                )
            with gzip.open(file, "rb") as source:
                header = source.readline()
                columns = next(csv.reader([header.decode()]))
                try:
                    with cursor.copy(
                        f"COPY {p.quote_ident(entry['table'])} ({', '.join(p.quote_ident(c) for c in columns)})"
                        " FROM STDIN WITH (FORMAT csv)"
                    ) as copy:
                        for chunk in iter(lambda: source.read(1 << 20), b""):
                            copy.write(chunk)
                except (DatabaseError, psycopg.Error) as exc:
                    raise InvalidInput(
                        f"恢复表 {entry['table']} 失败（数据库未被改动）：{exc}".strip()
                    ) from exc
            for index, key_columns, predicate in keys:
                _run(
                    connection,
                    f"ALTER TABLE {p.quote_ident(entry['table'])} ENABLE TRIGGER {p.quote_ident(index + '_unique')}",
                )
                cols = ", ".join(p.quote_ident(c) for c in key_columns)
                duplicate = _rows(
                    connection,
                    f"SELECT count(*) FROM (SELECT 1 FROM {p.quote_ident(entry['table'])}"
                    f" WHERE {predicate or 'true'} GROUP BY {cols} HAVING count(*) > 1) d",
                )[0][0]
                if duplicate:
                    raise InvalidInput(
                        f"恢复表 {entry['table']} 失败（数据库未被改动）：{duplicate} 个"
                        f"唯一键（{index}）在恢复后重复，归档之后可能已有相同的记录。"
                    )
        try:
            _run(connection, "SET CONSTRAINTS ALL IMMEDIATE")
            _run(connection, "SET CONSTRAINTS ALL DEFERRED")
        except DatabaseError as exc:
            raise InvalidInput(f"恢复后外键检查失败（数据库未被改动）：{exc}".strip()) from exc
        audit.record(
            actor,
            "partitions.restored",
            ("partition", manifest["parent"], f"{manifest['parent']} {manifest['before']} 之前"),
            after={
                "table": manifest["parent"],
                "before": manifest["before"],
                "months": manifest["months"],
                "rows": {e["table"]: e["rows"] for e in manifest["tables"]},
                "directory": str(directory),
                "manifest_sha256": _sha256(directory / MANIFEST),
            },
        )
    return manifest
