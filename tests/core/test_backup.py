"""数据备份恢复: back up, lose everything, restore into an empty database, verify the chain."""

import datetime as dt
import json
import tarfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from qinqing.cli.main import main as qinqing_main
from qinqing.core import audit
from qinqing.core.accounts.models import Profile
from qinqing.core.audit import checkpoints
from qinqing.core.audit.models import AuditEvent
from qinqing.core.audit.service import chain_heads
from qinqing.core.backup.service import create_backup, restore_backup, uploads_dir
from qinqing.core.errors import QinqingError
from qinqing.core.orgs.models import Unit

NOW = dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def uploads(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
    }
    return tmp_path / "uploads"


def _lose_everything(uploads):
    """The disaster: an empty database (schema only), no uploads, no checkpoint file."""
    call_command("flush", interactive=False, verbosity=0)
    for path in sorted(uploads.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    checkpoints.checkpoint_file().unlink()


# transactional: PostgreSQL truncates only outside a transaction with pending FK checks, as a
# real restore runs
@pytest.mark.django_db(transaction=True)
def test_restore_into_an_empty_database_verifies_the_chain(world, uploads, tmp_path, capsys):
    profile = world.enterprise_a.profile
    profile.phone = "13812345678"
    profile.save()
    default_storage.save("appeals/2026/证明材料.pdf", ContentFile(b"%PDF-1.4 test"))
    audit.record(world.office_admin, "unit.updated", world.market, after={"n": 1})
    checkpoints.write_checkpoint(NOW)
    counts = (Unit.objects.count(), get_user_model().objects.count(), AuditEvent.objects.count())

    archive = create_backup(tmp_path / "backups", now=NOW)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        dump = tar.extractfile("database.qjson").read().decode()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert {"manifest.json", "database.qjson"} <= set(names)
    # the manifest names the head of every shard of the audit chain, matching the database
    assert {int(s): (h["seq"], h["hash"]) for s, h in manifest["audit_heads"].items()} == (
        chain_heads()
    )
    assert any(n.startswith("uploads/appeals/2026/") for n in names)
    assert "audit-checkpoints/audit-checkpoints.jsonl" in names
    assert "13812345678" not in dump  # personal data stays encrypted inside the backup

    _lose_everything(uploads)
    assert AuditEvent.objects.count() == 0 and not get_user_model().objects.exists()

    assert qinqing_main(["restore", str(archive)]) == 0
    out = capsys.readouterr().out
    assert "审计日志链校验通过（与 1 个校验点一致）" in out
    assert (
        Unit.objects.count(),
        get_user_model().objects.count(),
        AuditEvent.objects.count(),
    ) == counts
    assert Profile.objects.get(user__username="enterprise_a").phone == "13812345678"
    assert (uploads_dir() / "appeals/2026/证明材料.pdf").read_bytes() == b"%PDF-1.4 test"
    # the restored world works: new events extend the restored chain
    audit.record("test", "unit.updated", ("orgs.unit", "1", "x"))
    assert qinqing_main(["audit", "verify"]) == 0


def test_restore_refuses_a_database_in_use(world, uploads, tmp_path):
    archive = create_backup(tmp_path, now=NOW)
    with pytest.raises(QinqingError, match="非空数据库"):
        restore_backup(archive)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_changed_dump(world, uploads, tmp_path):
    archive = create_backup(tmp_path, now=NOW)
    altered = tmp_path / "altered.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(altered, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name == "database.qjson":
                data = data.replace(b"office_admin", b"office_admix")
                member.size = len(data)
            dst.addfile(member, __import__("io").BytesIO(data) if data is not None else None)
    _lose_everything(uploads) if checkpoints.checkpoint_file().exists() else call_command(
        "flush", interactive=False, verbosity=0
    )
    with pytest.raises(QinqingError, match="校验值不符"):
        restore_backup(altered)


def test_cli_backup_writes_an_archive(world, uploads, tmp_path, capsys):
    assert qinqing_main(["backup", "--dir", str(tmp_path / "b")]) == 0
    assert "已备份" in capsys.readouterr().out
    (archive,) = (tmp_path / "b").glob("qinqing-backup-*.tar.gz")
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
