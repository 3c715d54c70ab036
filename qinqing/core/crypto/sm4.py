"""SM4-GCM (GB/T 32907 block cipher, authenticated mode) under a key ring kept outside the DB.

Keys come from ``QINQING_DATA_KEY`` (32 hex digits; older keys, still used to decrypt, in
``QINQING_DATA_OLD_KEYS``, comma-separated) or else from the key file
``QINQING_DATA_KEY_FILE`` (default ``var/keys/data.key``, created on first use, mode 0600):
one key per line as ``<key id> <32 hex digits>``, the first line being the current key.

A stored value is ``sm4gcm:<key id>:<base64(12-byte nonce ‖ ciphertext ‖ 16-byte tag)>``.
The key id is the first 8 hex digits of SM3 of the key, so the right key is found without
trying them all, and ``qinqing keys rotate`` can tell which rows still use an old key.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

PREFIX = "sm4gcm:"
NONCE_BYTES = 12
TAG_BYTES = 16


class DataKeyError(Exception):
    """No usable key, or a value encrypted under a key that is not in the ring."""


@dataclass(frozen=True)
class KeyRing:
    current_id: str
    keys: dict[str, bytes]  # id -> 16-byte key, current first


def key_id(key: bytes) -> str:
    return hashlib.new("sm3", b"qinqing-data-key:" + key).hexdigest()[:8]


def _parse_hex_key(text: str) -> bytes:
    key = bytes.fromhex(text.strip())
    if len(key) != 16:
        raise DataKeyError("SM4 keys are 16 bytes (32 hex digits)")
    return key


def key_file() -> Path:
    return Path(settings.QINQING_DATA_KEY_FILE)


def new_key() -> bytes:
    return secrets.token_bytes(16)


def write_key_file(keys: list[bytes], path: Path | None = None) -> None:
    """Write the ring (current key first) atomically, readable by its owner only."""
    path = path or key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(f"{key_id(k)} {k.hex()}\n" for k in keys)
    os.replace(tmp, path)


_cache: dict[tuple[str, int, int], KeyRing] = {}


def key_ring() -> KeyRing:
    env_key = getattr(settings, "QINQING_DATA_KEY", "")
    if env_key:
        keys = [_parse_hex_key(env_key)]
        old = getattr(settings, "QINQING_DATA_OLD_KEYS", "")
        keys += [_parse_hex_key(k) for k in old.split(",") if k.strip()]
        return KeyRing(key_id(keys[0]), {key_id(k): k for k in keys})
    path = key_file()
    if not path.exists():
        write_key_file([new_key()], path)
    stat = path.stat()
    cache_key = (str(path), stat.st_mtime_ns, stat.st_size)
    ring = _cache.get(cache_key)
    if ring is None:
        keys = [_parse_hex_key(line.split()[-1]) for line in path.read_text().splitlines() if line]
        if not keys:
            raise DataKeyError(f"data key file {path} is empty")
        ring = KeyRing(key_id(keys[0]), {key_id(k): k for k in keys})
        _cache.clear()
        _cache[cache_key] = ring
    return ring


def _gcm(key: bytes, nonce: bytes, tag: bytes | None = None) -> Cipher[modes.GCM]:
    return Cipher(algorithms.SM4(key), modes.GCM(nonce, tag))


def encrypt(plaintext: str, ring: KeyRing | None = None) -> str:
    ring = ring or key_ring()
    nonce = secrets.token_bytes(NONCE_BYTES)
    encryptor = _gcm(ring.keys[ring.current_id], nonce).encryptor()
    body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
    blob = base64.b64encode(nonce + body + encryptor.tag).decode("ascii")
    return f"{PREFIX}{ring.current_id}:{blob}"


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def stored_key_id(value: str) -> str:
    return value[len(PREFIX) :].split(":", 1)[0] if is_encrypted(value) else ""


def decrypt(value: str, ring: KeyRing | None = None) -> str:
    """Plain text of a stored value; values written before encryption pass through as they are.

    Examples:
        >>> decrypt("13800000000")  # a row not yet encrypted
        '13800000000'
    """
    if not is_encrypted(value):
        return value
    ring = ring or key_ring()
    kid, blob = value[len(PREFIX) :].split(":", 1)
    key = ring.keys.get(kid)
    if key is None:
        raise DataKeyError(f"value encrypted under key {kid}, which is not in the key ring")
    raw = base64.b64decode(blob)
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = _gcm(key, nonce, tag).decryptor()
    plain: bytes = decryptor.update(body) + decryptor.finalize()
    return plain.decode("utf-8")
