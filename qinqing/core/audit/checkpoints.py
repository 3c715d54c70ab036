"""Signed checkpoints of the audit chain head, kept outside the database (审计日志链校验点).

The hash chain alone proves nothing against someone who can write the database: they can
change a row and recompute every hash after it, cut the tail and roll the head back, or
empty both tables. A checkpoint is the chain head ``(seq, hash)`` at a moment, signed with
SM2 (GB/T 32918, SM3withSM2; ``qinqing.core.crypto.sm2``) under a private key that is *not*
in the database, and appended as one JSON line to ``QINQING_AUDIT_CHECKPOINT_DIR/audit-checkpoints.jsonl``
with ``O_APPEND`` (mount the directory on other storage, or ``chattr +a`` the file, so the
database administrator cannot rewrite it). ``qinqing audit verify`` then reports a chain that
is shorter than, or differs from, any checkpoint.

Verification needs only the public key(s) (``QINQING_AUDIT_SM2_PUBLIC_KEYS`` or the public key
file): an auditor can check the file on another machine and nobody holding only the public
key can forge a line. Older lines authenticated with HMAC-SM3 (format 1, under
``QINQING_AUDIT_CHECKPOINT_KEY``/``_KEY_FILE``) still verify, and
``QINQING_AUDIT_CHECKPOINT_SIGNATURE=hmac-sm3`` keeps writing them where no SM2 key may be kept.

The job ``audit.checkpoint`` (daily 00:30, see ``manifest.py``) writes one; it refuses to
write when the chain no longer verifies, so a tampered chain never gets blessed. With
``QINQING_AUDIT_CHECKPOINT_EMAIL`` set, each new line is also mailed to that address.

Line formats (keys sorted; ``sig``/``mac`` covers every other key)::

    {"hash": "…", "key_id": "…", "seq": 42, "sig": "…", "sig_alg": "sm2-sm3", "v": 2,
     "written_at": "2026-06-15T16:30:00Z"}
    {"hash": "…", "key_id": "…", "mac": "…", "mac_alg": "hmac-sm3", "seq": 42, "v": 1,
     "written_at": "2026-06-15T16:30:00Z"}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from qinqing.core.crypto import sm2
from qinqing.core.errors import QinqingError

FILE_NAME = "audit-checkpoints.jsonl"
MAC_ALGORITHM = "hmac-sm3"
SIGNATURE_ALGORITHM = "sm2-sm3"


class CheckpointRefused(QinqingError):
    """The chain does not verify; no checkpoint is written over a tampered chain."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    written_at: dt.datetime
    line_no: int

    def local_time(self) -> str:
        return self.written_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


def checkpoint_dir() -> Path:
    return Path(settings.QINQING_AUDIT_CHECKPOINT_DIR)


def checkpoint_file() -> Path:
    return checkpoint_dir() / FILE_NAME


def _key() -> bytes:
    """The MAC key: ``QINQING_AUDIT_CHECKPOINT_KEY`` (hex), else the key file (created on first
    use, mode 0600). Never stored in the database."""
    value = getattr(settings, "QINQING_AUDIT_CHECKPOINT_KEY", "")
    if value:
        return bytes.fromhex(value)
    path = Path(settings.QINQING_AUDIT_CHECKPOINT_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def key_id(key: bytes) -> str:
    return hashlib.new("sm3", b"qinqing-audit-checkpoint:" + key).hexdigest()[:16]


def _write_new(path: Path, text: str, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def _public_key_file() -> Path:
    return Path(settings.QINQING_AUDIT_SM2_PUBLIC_KEY_FILE)


def signing_key() -> tuple[str, str]:
    """``(private, public)`` SM2 key: ``QINQING_AUDIT_SM2_PRIVATE_KEY`` (hex), else the key file
    (created on first use, mode 0600, its public key added to the public key file)."""
    value = getattr(settings, "QINQING_AUDIT_SM2_PRIVATE_KEY", "")
    if value:
        return value.strip(), sm2.public_key_of(value)
    path = Path(settings.QINQING_AUDIT_SM2_PRIVATE_KEY_FILE)
    if not path.exists():
        private, public = sm2.generate_keypair()
        _write_new(path, private + "\n", 0o600)
        pub_path = _public_key_file()
        pub_path.parent.mkdir(parents=True, exist_ok=True)
        with pub_path.open("a", encoding="ascii") as handle:  # older public keys stay
            handle.write(f"{sm2.key_id(public)} {public}\n")
    private = path.read_text().strip()
    return private, sm2.public_key_of(private)


def public_keys() -> dict[str, str]:
    """Every public key a checkpoint may be signed with (key id -> hex): the configured ones
    (``QINQING_AUDIT_SM2_PUBLIC_KEYS``, comma-separated), the public key file (current and
    retired keys), and the configured private key's."""
    found = [k.strip() for k in getattr(settings, "QINQING_AUDIT_SM2_PUBLIC_KEYS", "").split(",")]
    path = _public_key_file()
    if path.exists():
        found += [line.split()[-1] for line in path.read_text().splitlines() if line.strip()]
    private = getattr(settings, "QINQING_AUDIT_SM2_PRIVATE_KEY", "")
    if private:
        found.append(sm2.public_key_of(private))
    return {sm2.key_id(k): k for k in found if k}


def _canonical(fields: dict[str, Any]) -> bytes:
    body = {k: v for k, v in fields.items() if k not in ("mac", "sig")}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign(fields: dict[str, Any], key: bytes) -> str:
    """HMAC-SM3 of a format-1 line (kept for old lines and the hmac-sm3 setting)."""
    return hmac.new(key, _canonical(fields), "sm3").hexdigest()


def _signature_setting() -> str:
    value = getattr(settings, "QINQING_AUDIT_CHECKPOINT_SIGNATURE", "sm2")
    if value not in ("sm2", MAC_ALGORITHM):
        raise QinqingError("QINQING_AUDIT_CHECKPOINT_SIGNATURE 只能是 sm2 或 hmac-sm3。")
    return value


def format_line(seq: int, head_hash: str, now: dt.datetime, key: bytes | None = None) -> str:
    """One checkpoint line: SM2-signed (format 2), or HMAC-SM3 (format 1) when ``key`` is
    given or the setting asks for it."""
    fields: dict[str, Any] = {
        "seq": seq,
        "hash": head_hash,
        "written_at": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if key is not None or _signature_setting() == MAC_ALGORITHM:
        key = key if key is not None else _key()
        fields.update(v=1, mac_alg=MAC_ALGORITHM, key_id=key_id(key))
        fields["mac"] = sign(fields, key)
    else:
        private, public = signing_key()
        fields.update(v=2, sig_alg=SIGNATURE_ALGORITHM, key_id=sm2.key_id(public))
        fields["sig"] = sm2.sign(_canonical(fields), private, public)
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def _check_line(fields: dict[str, Any], where: str, publics: dict[str, str]) -> str:
    """ "" when the line's signature or MAC is good, else the problem."""
    if "sig" in fields:
        public = publics.get(fields.get("key_id", ""))
        if fields.get("sig_alg") != SIGNATURE_ALGORITHM or public is None:
            return (
                f"{where}由另一把密钥签名（{fields.get('key_id')}），"
                "请把签名用的 SM2 公钥加入公钥文件后再核对。"
            )
        if not sm2.verify(_canonical(fields), str(fields["sig"]), public):
            return f"{where}签名不符，校验点被改动。"
        return ""
    key = _key()
    if fields.get("key_id") != key_id(key):
        return f"{where}由另一把密钥签名（{fields.get('key_id')}），无法用当前密钥核对。"
    if not hmac.compare_digest(str(fields["mac"]), sign(fields, key)):
        return f"{where}签名不符，校验点被改动。"
    return ""


def read_checkpoints(path: Path | None = None) -> tuple[list[Checkpoint], str]:
    """The checkpoints in the file, oldest first, and the first problem found ("" if none)."""
    path = path or checkpoint_file()
    if not path.exists():
        return [], ""
    publics = public_keys()
    found: list[Checkpoint] = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"审计校验点文件 {path} 第 {line_no} 行"
        try:
            fields = json.loads(line)
            seq, head_hash = int(fields["seq"]), str(fields["hash"])
            written_at = dt.datetime.strptime(
                fields["written_at"] + "+0000", "%Y-%m-%dT%H:%M:%SZ%z"
            )
            if "sig" not in fields and "mac" not in fields:
                raise KeyError("sig")
        except (ValueError, KeyError, TypeError, AttributeError):
            return found, f"{where}格式错误，文件可能被改动。"
        problem = _check_line(fields, where, publics)
        if problem:
            return found, problem
        if found and seq < found[-1].seq:
            return found, f"{where}的序号比上一行小，校验点被改动或顺序被调换。"
        found.append(Checkpoint(seq, head_hash, written_at, line_no))
    return found, ""


def _append(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: each write lands at the end, whoever else has the file open; never rewritten
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def write_checkpoint(now: dt.datetime) -> dict[str, int]:
    """Job ``audit.checkpoint``: append a signed checkpoint of the chain head.

    Idempotent: nothing is written while the head equals the last checkpoint. Refuses (the
    job fails and shows as failed) when the chain does not verify, including against the
    earlier checkpoints.
    """
    from qinqing.core.audit.models import AuditHead
    from qinqing.core.audit.service import GENESIS, verify_chain

    result = verify_chain()
    if not result.ok:
        raise CheckpointRefused(f"审计日志校验失败，未写入校验点：{result.problem}")
    head = AuditHead.objects.filter(pk=1).first()
    seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    last = result.last_checkpoint
    if last is not None and (last.seq, last.hash) == (seq, head_hash):
        return {"written": 0, "seq": seq}
    line = format_line(seq, head_hash, now)
    _append(checkpoint_file(), line)
    address = getattr(settings, "QINQING_AUDIT_CHECKPOINT_EMAIL", "")
    if address:
        from django.core.mail import send_mail

        send_mail(
            f"亲清审计日志校验点：第 {seq} 条",
            "请原样保存下面这一行，用于核对审计日志是否被改写：\n\n" + line + "\n",
            None,
            [address],
        )
    return {"written": 1, "seq": seq}
