"""数据备份恢复: one archive with the database, the uploads and the audit checkpoints.

The database is dumped with Django's ``dumpdata`` (format ``qjson``: JSON with datetimes to
the microsecond, which the audit chain hashes; natural keys, content types and
permissions left out; PostgreSQL reads it in one REPEATABLE READ snapshot), so a backup taken
on PostgreSQL restores into SQLite and the other way round. Personal data stays SM4-encrypted
inside the dump (``EncryptedTextField.value_to_string``). The keys are *not* in the archive:
the data key, the blind-index key and the checkpoint signing key are backed up separately
(docs/security.md), so that a stolen backup reveals neither the personal data nor a way to
forge checkpoints.

Restoring needs an empty database (after ``migrate``): it refuses one that already holds audit
events or users, then loads the dump, copies the uploads and, if the configured checkpoint
file does not exist yet, the checkpoints, and verifies the audit chain against them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

from qinqing.core.errors import QinqingError

FORMAT = 1
# Rebuilt by ``migrate`` on the target, and referred to by natural keys in the dump.
KEPT_TABLES = {"django_content_type", "auth_permission"}
AUDIT_TABLES = {"audit_auditevent", "audit_audithead"}
EXCLUDE = ["contenttypes", "auth.permission", "sessions"]
DUMP_NAME = "database.qjson"  # qinqing.core.backup.serializer: datetimes to the microsecond


def _register_format() -> None:
    from django.core import serializers

    serializers.register_serializer("qjson", "qinqing.core.backup.serializer")


@dataclass(frozen=True)
class RestoreResult:
    objects: int
    files: int
    chain_ok: bool
    chain_problem: str
    checkpoints: int


def uploads_dir() -> Path:
    storages: dict[str, Any] = settings.STORAGES
    return Path(storages["default"]["OPTIONS"]["location"])


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def create_backup(directory: Path, *, now: dt.datetime) -> Path:
    """Write ``qinqing-backup-<time>.tar.gz`` into ``directory`` and return its path."""
    from qinqing.core.audit.checkpoints import checkpoint_dir
    from qinqing.core.audit.models import AuditHead
    from qinqing.core.audit.service import chain_heads

    directory.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%d-%H%M%S")
    target = directory / f"qinqing-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / DUMP_NAME
        _register_format()
        outermost = not connection.in_atomic_block  # (tests run inside a transaction)
        with transaction.atomic():
            if connection.vendor == "postgresql" and outermost:
                with connection.cursor() as cursor:  # one consistent snapshot of every table
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            head: dict[str, Any] = dict(
                AuditHead.objects.filter(pk=1).values("seq", "hash").first() or {}
            )
            # every shard of the chain (core/audit/service.py), so that a restored trail can
            # be compared head by head, not only shard 0's
            heads = {str(s): {"seq": q, "hash": h} for s, (q, h) in chain_heads().items()}
            call_command(
                "dumpdata",
                format="qjson",
                natural_foreign=True,
                exclude=EXCLUDE,
                output=str(dump),
                verbosity=0,
            )
        manifest = {
            "format": FORMAT,
            "created_at": now.astimezone(dt.UTC).isoformat(),
            "database_vendor": connection.vendor,
            "database_sha256": _sha256(dump),
            "audit_head": head,
            "audit_heads": heads,
        }
        (Path(tmp) / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        with tarfile.open(target, "w:gz") as archive:
            archive.add(Path(tmp) / "manifest.json", arcname="manifest.json")
            archive.add(dump, arcname=DUMP_NAME)
            if uploads_dir().is_dir():
                archive.add(uploads_dir(), arcname="uploads")
            if checkpoint_dir().is_dir():
                archive.add(checkpoint_dir(), arcname="audit-checkpoints")
    target.chmod(0o600)
    return target


def _safe_extract(archive: tarfile.TarFile, into: Path) -> None:
    for member in archive.getmembers():
        if not (member.isfile() or member.isdir()):
            raise QinqingError(f"备份文件中有不允许的条目“{member.name}”，已停止恢复。")
    archive.extractall(into, filter="data")


def _database_is_empty() -> bool:
    from django.contrib.auth import get_user_model

    from qinqing.core.audit.models import AuditEvent

    return not AuditEvent.objects.exists() and not get_user_model().objects.exists()


def _clear_rows_left_by_migrate() -> None:
    """Empty every table but the audit tables (which must be empty already) and those the
    dump refers to by natural key: ``migrate`` fills some (roles, schedules)."""
    tables = [
        t
        for t in connection.introspection.django_table_names(only_existing=True)
        if t not in KEPT_TABLES | AUDIT_TABLES
    ]
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))


def restore_backup(archive_path: Path) -> RestoreResult:
    from django.db.migrations.executor import MigrationExecutor

    from qinqing.core.audit.checkpoints import checkpoint_dir
    from qinqing.core.audit.service import verify_chain

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)
    if not _database_is_empty():
        raise QinqingError(
            "目标数据库已有用户或审计记录，不能恢复到非空数据库。请新建空数据库（执行 migrate）后再恢复。"
        )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with tarfile.open(archive_path, "r:gz") as archive:
            _safe_extract(archive, root)
        manifest = json.loads((root / "manifest.json").read_text())
        dump = root / DUMP_NAME
        _register_format()
        if manifest.get("format") != FORMAT or _sha256(dump) != manifest.get("database_sha256"):
            raise QinqingError("备份文件不完整或已被改动（数据库部分的校验值不符），已停止恢复。")
        with transaction.atomic():
            _clear_rows_left_by_migrate()
            call_command("loaddata", str(dump), verbosity=0)
        objects = sum(1 for _ in json.loads(dump.read_text()))
        files = 0
        if (root / "uploads").is_dir():
            for source in (root / "uploads").rglob("*"):
                if source.is_file():
                    dest = uploads_dir() / source.relative_to(root / "uploads")
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, dest)
                    files += 1
        restored_checkpoints = root / "audit-checkpoints"
        if restored_checkpoints.is_dir():
            for source in restored_checkpoints.iterdir():
                dest = checkpoint_dir() / source.name
                if not dest.exists():  # never replace the live append-only file
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, dest)
    result = verify_chain()
    return RestoreResult(objects, files, result.ok, result.problem, result.checkpoints)
