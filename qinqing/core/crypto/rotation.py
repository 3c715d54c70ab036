"""Key rotation (密钥更新): re-encrypt every encrypted column under the current key."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction

from qinqing.core.crypto import sm4
from qinqing.core.crypto.fields import EncryptedTextField
from qinqing.core.errors import QinqingError


def encrypted_columns() -> list[tuple[type[models.Model], EncryptedTextField]]:
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def _rows(model: type[models.Model], field: EncryptedTextField) -> list[tuple[Any, str]]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(model._meta.pk.column)}, {quote(field.column)} "  # noqa: S608
            f"FROM {quote(model._meta.db_table)} WHERE {quote(field.column)} <> ''"
        )
        rows: list[tuple[Any, str]] = cursor.fetchall()
        return rows


TOTP_LABEL = "otp_totp.TOTPDevice.key"


def _totp_rows() -> list[tuple[Any, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, key FROM otp_totp_totpdevice WHERE key <> ''")
        rows: list[tuple[Any, str]] = cursor.fetchall()
        return rows


def key_usage() -> dict[str, Counter[str]]:
    """``"app.Model.field" -> Counter(key id or "明文" -> rows)``, TOTP secrets included."""
    from qinqing.core.accounts import totp_keys

    usage: dict[str, Counter[str]] = {}
    for model, field in encrypted_columns():
        counts = Counter(sm4.stored_key_id(value) or "明文" for _, value in _rows(model, field))
        usage[f"{model._meta.label}.{field.name}"] = counts
    usage[TOTP_LABEL] = Counter(totp_keys.stored_key_id(v) or "明文" for _, v in _totp_rows())
    return usage


def _reencrypt_totp_keys(ring: sm4.KeyRing) -> int:
    from qinqing.core.accounts import totp_keys

    changed = 0
    with transaction.atomic():
        for pk, value in _totp_rows():
            if totp_keys.stored_key_id(value) == ring.current_id:
                continue
            fresh = totp_keys.encrypt(totp_keys.decrypt(value, ring), ring)
            with connection.cursor() as cursor:
                cursor.execute("UPDATE otp_totp_totpdevice SET key = %s WHERE id = %s", [fresh, pk])
            changed += 1
    return changed


def reencrypt_all() -> int:
    """Re-encrypt (or first encrypt) every value not under the current key; returns rows changed."""
    ring = sm4.key_ring()
    quote = connection.ops.quote_name
    changed = 0
    for model, field in encrypted_columns():
        table, pk, column = (
            quote(model._meta.db_table),
            quote(model._meta.pk.column),
            quote(field.column),
        )
        with transaction.atomic():
            for row_pk, value in _rows(model, field):
                if sm4.stored_key_id(value) == ring.current_id:
                    continue
                fresh = sm4.encrypt(sm4.decrypt(value, ring), ring)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                        [fresh, row_pk],
                    )
                changed += 1
    return changed + _reencrypt_totp_keys(ring)


def rotate(*, drop_old: bool = False) -> tuple[str, int]:
    """New current key in the key file (old ones kept for decryption), then re-encrypt."""
    from django.conf import settings

    if getattr(settings, "QINQING_DATA_KEY", ""):
        raise QinqingError(
            "数据密钥由环境变量 QINQING_DATA_KEY 提供，不能在此更换：请把新密钥设为 QINQING_DATA_KEY、"
            "旧密钥加入 QINQING_DATA_OLD_KEYS，重启后运行 qinqing keys reencrypt。"
        )
    ring = sm4.key_ring()
    fresh = sm4.new_key()
    sm4.write_key_file([fresh, *ring.keys.values()])
    changed = reencrypt_all()
    if drop_old:
        leftover = {
            kid for counts in key_usage().values() for kid in counts if kid != sm4.key_id(fresh)
        }
        if leftover:
            raise QinqingError(f"仍有数据使用旧密钥 {sorted(leftover)}，旧密钥未删除。")
        sm4.write_key_file([fresh])
    return sm4.key_id(fresh), changed
