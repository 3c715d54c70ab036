"""TOTP secrets (django-otp's ``TOTPDevice.key``) stored SM4-encrypted (数据保密性).

django-otp keeps the shared secret as 40 hex digits in ``otp_totp_totpdevice.key``
(``varchar(80)``): anyone who reads the table or a backup could compute every staff member's
codes. Rather than replace django-otp's device model (and every place that names it), the
column's conversion at the database boundary is changed, the way ``EncryptedTextField``
does it: on the way in the binary key is SM4-GCM-encrypted under the data key, on the way out
decrypted back to hex. The model, its migrations (``deconstruct`` is untouched, so no
migration of django-otp's app is generated), its admin and its verification code see the
hex key as before; only the stored value changes.

Stored form: ``sm4k:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`` — 78 characters for
django-otp's 20-byte keys, inside the column's 80. A value without the prefix (written before
this change) is read as it is; migration ``accounts/0007`` encrypts those rows, and
``qinqing keys rotate`` re-encrypts them with the other personal data.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from django.db import models

from qinqing.core.crypto import sm4

PREFIX = "sm4k:"
COLUMN_LENGTH = 80


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def stored_key_id(value: str) -> str:
    return value[len(PREFIX) :].split(":", 1)[0] if is_encrypted(value) else ""


def encrypt(hex_key: str, ring: sm4.KeyRing | None = None) -> str:
    """The stored form of a hex TOTP key; refuses a key whose stored form would not fit."""
    ring = ring or sm4.key_ring()
    nonce = secrets.token_bytes(sm4.NONCE_BYTES)
    encryptor = sm4._gcm(ring.keys[ring.current_id], nonce).encryptor()
    body = encryptor.update(bytes.fromhex(hex_key)) + encryptor.finalize()
    blob = base64.b64encode(nonce + body + encryptor.tag).decode("ascii")
    stored = f"{PREFIX}{ring.current_id}:{blob}"
    if len(stored) > COLUMN_LENGTH:
        raise ValueError(f"a TOTP key of {len(hex_key) // 2} bytes does not fit encrypted")
    return stored


def decrypt(value: str, ring: sm4.KeyRing | None = None) -> str:
    """The hex key of a stored value; unencrypted (older) values pass through.

    Examples:
        >>> decrypt("3132333435363738393031323334353637383930")
        '3132333435363738393031323334353637383930'
    """
    if not is_encrypted(value):
        return value
    ring = ring or sm4.key_ring()
    kid, blob = value[len(PREFIX) :].split(":", 1)
    key = ring.keys.get(kid)
    if key is None:
        raise sm4.DataKeyError(f"TOTP key encrypted under key {kid}, which is not in the ring")
    raw = base64.b64decode(blob)
    nonce, body, tag = raw[: sm4.NONCE_BYTES], raw[sm4.NONCE_BYTES : -sm4.TAG_BYTES], raw[-16:]
    decryptor = sm4._gcm(key, nonce, tag).decryptor()
    plain: bytes = decryptor.update(body) + decryptor.finalize()
    return plain.hex()


def key_field() -> models.Field[Any, Any]:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    field: models.Field[Any, Any] = TOTPDevice._meta.get_field("key")
    return field


def install() -> None:
    """Make ``TOTPDevice.key`` encrypt on save and decrypt on load (``AppConfig.ready``)."""
    field = key_field()
    if getattr(field, "_qinqing_encrypted", False):
        return
    plain_prep = field.get_prep_value

    def from_db_value(value: str | None, expression: Any, connection: Any) -> str | None:
        return decrypt(value) if value else value

    def get_prep_value(value: Any) -> Any:
        value = plain_prep(value)
        return encrypt(value) if value and not is_encrypted(value) else value

    def to_python(value: Any) -> Any:  # loaddata (restore) reads the stored form
        return decrypt(value) if isinstance(value, str) and value else value

    def value_to_string(obj: models.Model) -> str:  # dumpdata (backup) writes it encrypted
        value = field.value_from_object(obj)
        return encrypt(value) if value else ""

    # instance attributes: the field's class, and so its migrations, stay django-otp's
    field.from_db_value = from_db_value  # type: ignore[attr-defined]
    field.get_prep_value = get_prep_value  # type: ignore[method-assign]
    field.to_python = to_python  # type: ignore[method-assign]
    field.value_to_string = value_to_string  # type: ignore[method-assign]
    field._qinqing_encrypted = True  # type: ignore[attr-defined]
