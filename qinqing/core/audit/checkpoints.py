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

Since the chain is sharded (``service.py``) a line signs every shard head at once, and,
when old partitions were detached for archive (``partitioning.py``), the anchors where the
remaining chain starts. Line formats (keys sorted; ``sig``/``mac`` covers every other key)::

    {"heads": {"0": [42, "…"], "3": [17, "…"]}, "key_id": "…", "sig": "…",
     "sig_alg": "sm2-sm3", "v": 3, "written_at": "2026-06-15T16:30:00Z"}
    (v 3 may also carry "archived": {"0": [40, "…"], …}, and is HMAC'd like v 1 under the
    hmac-sm3 setting)
    {"hash": "…", "key_id": "…", "seq": 42, "sig": "…", "sig_alg": "sm2-sm3", "v": 2,
     "written_at": "2026-06-15T16:30:00Z"}
    {"hash": "…", "key_id": "…", "mac": "…", "mac_alg": "hmac-sm3", "seq": 42, "v": 1,
     "written_at": "2026-06-15T16:30:00Z"}

Lines of format 1 and 2 were written when the chain had a single head: they are read as the
head of shard 0, which is what that chain became.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
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


Heads = dict[int, tuple[int, str]]  # shard -> (position, hash)


@dataclass(frozen=True)
class Checkpoint:
    heads: Heads
    written_at: dt.datetime
    line_no: int
    archived: Heads = field(default_factory=dict)

    @property
    def seq(self) -> int:
        """Events the checkpoint covers (all shards, counting archived ones)."""
        return sum(pos for pos, _ in self.heads.values())

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


def _encode(heads: Heads) -> dict[str, list[Any]]:
    return {str(shard): [pos, digest] for shard, (pos, digest) in sorted(heads.items())}


def _decode(value: Any) -> Heads:
    return {int(k): (int(v[0]), str(v[1])) for k, v in dict(value).items()}


def format_line(
    seq: int | Heads,
    head_hash: str = "",
    now: dt.datetime | None = None,
    key: bytes | None = None,
    *,
    archived: Heads | None = None,
) -> str:
    """One checkpoint line of the shard heads ``{shard: (position, hash)}`` (format 3), or of
    the single head ``seq, head_hash`` (the older formats: 2 SM2-signed, 1 HMAC-SM3). Signed
    with SM2, or HMAC-SM3 when ``key`` is given or the setting asks for it."""
    assert now is not None
    fields: dict[str, Any] = {"written_at": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if isinstance(seq, dict):
        fields.update(v=3, heads=_encode(seq))
        if archived:
            fields["archived"] = _encode(archived)
    else:
        fields.update(seq=seq, hash=head_hash)
    if key is not None or _signature_setting() == MAC_ALGORITHM:
        key = key if key is not None else _key()
        fields.setdefault("v", 1)
        fields.update(mac_alg=MAC_ALGORITHM, key_id=key_id(key))
        fields["mac"] = sign(fields, key)
    else:
        private, public = signing_key()
        fields.setdefault("v", 2)
        fields.update(sig_alg=SIGNATURE_ALGORITHM, key_id=sm2.key_id(public))
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
            if "heads" in fields:
                heads, archived = _decode(fields["heads"]), _decode(fields.get("archived", {}))
            else:  # a line of the single-head chain: shard 0
                heads, archived = {0: (int(fields["seq"]), str(fields["hash"]))}, {}
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
        if found and any(
            heads.get(shard, (0, ""))[0] < pos for shard, (pos, _) in found[-1].heads.items()
        ):
            return found, f"{where}的序号比上一行小，校验点被改动或顺序被调换。"
        found.append(Checkpoint(heads, written_at, line_no, archived))
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


def write_checkpoint(now: dt.datetime, *, archived: Heads | None = None) -> dict[str, int]:
    """Job ``audit.checkpoint``: append a signed checkpoint of every shard head.

    Idempotent: nothing is written while the heads equal the last checkpoint. Refuses (the
    job fails and shows as failed) when the chain does not verify, including against the
    earlier checkpoints. ``archived``: the anchors of a detach for archive, which the line
    then attests (``partitioning.detach``); the chain is not verified first then, because
    verify needs this very line to accept the archived start.
    """
    from qinqing.core.audit.service import chain_heads, verify_chain

    last = None
    if archived is None:
        result = verify_chain()
        if not result.ok:
            raise CheckpointRefused(f"审计日志校验失败，未写入校验点：{result.problem}")
        last = result.last_checkpoint
    heads = chain_heads()
    seq = sum(pos for pos, _ in heads.values())
    if last is not None and last.heads == heads:
        return {"written": 0, "seq": seq}
    line = format_line(heads, now=now, archived=archived)
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
