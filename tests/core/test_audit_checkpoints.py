"""The audit chain against someone who can write the database (issue 14, hole 4).

Each attack below passes the hash chain alone (the first assertion proves it) and is caught
by the signed checkpoints kept outside the database.
"""

import datetime as dt
import json
import os

import pytest
from django.conf import settings
from django.db import connection

from qinqing.cli.main import main as qinqing_main
from qinqing.core import audit
from qinqing.core.audit import checkpoints
from qinqing.core.audit.models import AuditEvent
from qinqing.core.audit.service import chain_heads, event_hash, position, verify_chain
from qinqing.core.manifest import all_jobs

NOW = dt.datetime(2026, 6, 15, 16, 30, tzinfo=dt.UTC)


def _events(world, n=4):
    for i in range(n):
        audit.record(world.office_admin, "unit.updated", world.market, after={"n": i})


def _as_dba(statements):
    """Run SQL with the triggers out of the way, as a database superuser could."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = replica")
        else:
            for name in ("audit_event_no_update", "audit_event_no_delete", "audit_head_no_delete"):
                cur.execute(f"DROP TRIGGER IF EXISTS {name}")
        for sql, params in statements:
            cur.execute(sql, params)
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = DEFAULT")


def _rehash(ev, prev):
    return event_hash(
        seq=ev.seq, created_at=ev.created_at, actor_id=ev.actor_id, actor_label=ev.actor_label,
        verb=ev.verb, object_type=ev.object_type, object_id=ev.object_id,
        object_repr=ev.object_repr, unit_id=ev.unit_id, before=ev.before, after=ev.after,
        visibility=ev.visibility, prev_hash=prev, hash_algorithm=ev.hash_algorithm,
        shard=ev.shard, shard_seq=ev.shard_seq,
    )  # fmt: skip


def _covered():
    """Events the heads cover, as a checkpoint reports them."""
    return sum(pos for pos, _ in chain_heads().values())


def _shard_rows(ev, since):
    """The rows of ``ev``'s shard from position ``since`` on, in chain order."""
    shard = position(ev)[0]
    rows = sorted(
        (e for e in AuditEvent.objects.all() if position(e)[0] == shard), key=lambda e: position(e)
    )
    return [e for e in rows if position(e)[1] >= since]


def _rewrite_from(seq, **changes):
    """Change the row ``seq`` and recompute every hash after it in its shard, and the head."""
    target = AuditEvent.objects.get(seq=seq)
    shard, pos = position(target)
    rows = _shard_rows(target, pos)
    prev = rows[0].prev_hash
    statements = []
    for ev in rows:
        if ev.seq == seq:
            for name, value in changes.items():
                setattr(ev, name, value)
        digest = _rehash(ev, prev)
        statements.append(
            (
                "UPDATE audit_auditevent SET verb = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [ev.verb, prev, digest, ev.pk],
            )
        )
        prev = digest
    statements.append(("UPDATE audit_audithead SET hash = %s WHERE id = %s", [prev, shard + 1]))
    _as_dba(statements)


def test_job_is_declared_daily_at_half_past_midnight():
    job = next(j for j in all_jobs() if j.name == "audit.checkpoint")
    assert (job.label, job.schedule) == ("审计日志链校验点", "daily 00:30")
    assert job.func == "qinqing.core.audit.checkpoints.write_checkpoint"


def test_checkpoint_is_one_signed_line_appended_outside_the_database(world):
    _events(world)
    assert checkpoints.write_checkpoint(NOW) == {"written": 1, "seq": _covered()}
    assert checkpoints.write_checkpoint(NOW) == {"written": 0, "seq": _covered()}
    _events(world, 1)
    checkpoints.write_checkpoint(NOW + dt.timedelta(days=1))
    path = checkpoints.checkpoint_file()
    assert path.parent == settings.QINQING_AUDIT_CHECKPOINT_DIR
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["sig_alg"] == "sm2-sm3" and len(first["sig"]) == 128
    assert first["v"] == 3 and first["heads"] != json.loads(lines[1])["heads"]  # not rewritten
    assert {int(k): tuple(v) for k, v in json.loads(lines[1])["heads"].items()} == chain_heads()
    key_file = settings.QINQING_AUDIT_SM2_PRIVATE_KEY_FILE
    assert os.stat(key_file).st_mode & 0o077 == 0  # key readable by its owner only
    result = verify_chain()
    assert result.ok and result.checkpoints == 2


def test_rewritten_row_with_recomputed_hashes_is_caught(world, capsys):
    _events(world)
    checkpoints.write_checkpoint(NOW)
    target = AuditEvent.objects.order_by("seq")[2]
    _rewrite_from(target.seq, verb="unit.forged")
    assert verify_chain(checkpoints=[]).ok  # the chain alone is fooled
    result = verify_chain()
    assert not result.ok
    assert "校验点不符" in result.problem
    assert qinqing_main(["audit", "verify"]) == 1
    assert "改写" in capsys.readouterr().out


def test_deleted_tail_with_rolled_back_head_is_caught(world):
    _events(world)
    checkpoints.write_checkpoint(NOW)
    newest = AuditEvent.objects.order_by("-seq")[0]
    shard, pos = position(newest)
    keep = _shard_rows(newest, pos - 2)[0]  # the two newest rows of the shard go
    gone = [e.pk for e in _shard_rows(newest, pos - 1)]
    _as_dba(
        [
            ("DELETE FROM audit_auditevent WHERE id = ANY(%s)" if connection.vendor ==
             "postgresql" else f"DELETE FROM audit_auditevent WHERE id IN ({','.join(['%s'] * len(gone))})",
             [gone] if connection.vendor == "postgresql" else gone),
            ("UPDATE audit_audithead SET seq = %s, hash = %s WHERE id = %s",
             [pos - 2, keep.hash, shard + 1]),
        ]
    )  # fmt: skip
    assert verify_chain(checkpoints=[]).ok
    result = verify_chain()
    assert not result.ok
    assert f"只有 {pos - 2} 条" in result.problem and "短" in result.problem


def test_emptied_tables_are_caught(world, capsys):
    _events(world)
    checkpoints.write_checkpoint(NOW)
    _as_dba([("DELETE FROM audit_auditevent", []), ("DELETE FROM audit_audithead", [])])
    assert verify_chain(checkpoints=[]).ok
    assert qinqing_main(["audit", "verify"]) == 1
    assert "清空" in capsys.readouterr().out


def test_edited_checkpoint_line_is_caught(world):
    _events(world)
    checkpoints.write_checkpoint(NOW)
    path = checkpoints.checkpoint_file()
    fields = json.loads(path.read_text())
    fields["seq"] = 1  # move the checkpoint back to hide the later rows
    path.write_text(json.dumps(fields) + "\n")
    result = verify_chain()
    assert not result.ok and "签名不符" in result.problem


def test_no_checkpoint_over_a_tampered_chain(world):
    _events(world)
    checkpoints.write_checkpoint(NOW)
    _as_dba([("DELETE FROM audit_auditevent", []), ("DELETE FROM audit_audithead", [])])
    with pytest.raises(checkpoints.CheckpointRefused):
        checkpoints.write_checkpoint(NOW + dt.timedelta(days=1))
    assert len(checkpoints.checkpoint_file().read_text().splitlines()) == 1


def test_cli_writes_and_reports_checkpoints(world, capsys):
    _events(world)
    assert qinqing_main(["audit", "verify"]) == 0
    assert "尚无校验点" in capsys.readouterr().out
    assert qinqing_main(["audit", "checkpoint"]) == 0
    assert "已写入校验点" in capsys.readouterr().out
    assert qinqing_main(["audit", "verify"]) == 0
    assert "与 1 个签名校验点一致" in capsys.readouterr().out


def test_checkpoint_mailed_when_an_address_is_configured(world, settings, mailoutbox):
    settings.QINQING_AUDIT_CHECKPOINT_EMAIL = "audit-archive@example.invalid"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _events(world)
    checkpoints.write_checkpoint(NOW)
    assert mailoutbox[-1].to == ["audit-archive@example.invalid"]
    assert checkpoints.checkpoint_file().read_text().strip() in mailoutbox[-1].body


def test_new_events_are_hashed_with_sm3_and_old_sha256_rows_still_verify(world, monkeypatch):
    import hashlib

    from qinqing.core.audit import service

    monkeypatch.setattr(service, "current_algorithm", lambda: None)  # as before the switch
    audit.record(world.office_admin, "unit.updated", world.market, after={"n": "old"})
    monkeypatch.undo()
    audit.record(world.office_admin, "unit.updated", world.market, after={"n": "new"})
    old, new = AuditEvent.objects.order_by("-seq")[1], AuditEvent.objects.order_by("-seq")[0]
    assert old.hash_algorithm is None and new.hash_algorithm == "sm3"
    assert hashlib.new("sm3", b"abc").hexdigest().startswith("66c7f0f4")  # GB/T 32905 vector
    assert verify_chain().ok
    # relabelling a row's algorithm breaks it
    _as_dba([("UPDATE audit_auditevent SET hash_algorithm = 'sha256' WHERE id = %s", [new.pk])])
    assert not verify_chain().ok


# --- SM2 signatures (GB/T 32918) ---------------------------------------------------------


@pytest.fixture
def sm2_keys(settings, tmp_path):
    settings.QINQING_AUDIT_SM2_PRIVATE_KEY = ""
    settings.QINQING_AUDIT_SM2_PRIVATE_KEY_FILE = tmp_path / "signer" / "audit-sm2.key"
    settings.QINQING_AUDIT_SM2_PUBLIC_KEYS = ""
    settings.QINQING_AUDIT_SM2_PUBLIC_KEY_FILE = tmp_path / "signer" / "audit-sm2.pub"
    return settings


def test_verification_needs_only_the_public_key(world, sm2_keys, tmp_path, capsys):
    _events(world)
    checkpoints.write_checkpoint(NOW)
    public = sm2_keys.QINQING_AUDIT_SM2_PUBLIC_KEY_FILE.read_text().split()[-1]
    # the auditor's machine: the public key in the environment, no private key anywhere
    sm2_keys.QINQING_AUDIT_SM2_PUBLIC_KEYS = public
    sm2_keys.QINQING_AUDIT_SM2_PUBLIC_KEY_FILE = tmp_path / "auditor" / "none.pub"
    sm2_keys.QINQING_AUDIT_SM2_PRIVATE_KEY_FILE = tmp_path / "auditor" / "none.key"
    assert qinqing_main(["audit", "verify"]) == 0
    assert "与 1 个签名校验点一致" in capsys.readouterr().out
    assert not (tmp_path / "auditor").exists()  # verifying created no key


def test_a_line_signed_with_another_sm2_key_is_refused(world, sm2_keys):
    from qinqing.core.crypto import sm2

    _events(world)
    checkpoints.write_checkpoint(NOW)
    path = checkpoints.checkpoint_file()
    genuine = path.read_text()
    # someone who can write the file but holds only their own key: a "checkpoint" of an
    # emptied log, properly signed, but not by the platform's key
    forger = sm2.generate_keypair()[0]
    sm2_keys.QINQING_AUDIT_SM2_PRIVATE_KEY = forger
    forged = checkpoints.format_line(0, "0" * 64, NOW)
    sm2_keys.QINQING_AUDIT_SM2_PRIVATE_KEY = ""
    path.write_text(genuine + forged + "\n")
    result = verify_chain()
    assert not result.ok and "另一把密钥" in result.problem


def test_old_hmac_lines_still_verify_next_to_sm2_lines(world, sm2_keys):
    sm2_keys.QINQING_AUDIT_CHAIN_SHARDS = 1  # as before sharding: one chain, shard 0
    _events(world, 2)
    seq, digest = chain_heads()[0]
    old = checkpoints.format_line(seq, digest, NOW, checkpoints._key())
    checkpoints._append(checkpoints.checkpoint_file(), old)
    old2 = checkpoints.format_line(seq, digest, NOW)
    checkpoints._append(checkpoints.checkpoint_file(), old2)
    sm2_keys.QINQING_AUDIT_CHAIN_SHARDS = 8  # sharding switched on
    _events(world, 2)
    checkpoints.write_checkpoint(NOW + dt.timedelta(days=1))
    lines = [json.loads(x) for x in checkpoints.checkpoint_file().read_text().splitlines()]
    assert [x["v"] for x in lines] == [1, 2, 3]
    result = verify_chain()
    assert result.ok and result.checkpoints == 3
    # and the old line is still checked: a changed HMAC line is caught
    lines[0]["seq"] = 1
    checkpoints.checkpoint_file().write_text(
        "\n".join(json.dumps(x, sort_keys=True) for x in lines) + "\n"
    )
    assert "签名不符" in verify_chain().problem


def test_a_rotated_signing_key_keeps_old_lines_verifiable(world, sm2_keys):
    _events(world)
    checkpoints.write_checkpoint(NOW)
    sm2_keys.QINQING_AUDIT_SM2_PRIVATE_KEY_FILE.unlink()  # a new key pair on next use
    _events(world, 1)
    checkpoints.write_checkpoint(NOW + dt.timedelta(days=1))
    key_ids = {
        json.loads(x)["key_id"] for x in checkpoints.checkpoint_file().read_text().splitlines()
    }
    assert len(key_ids) == 2
    assert verify_chain().ok
