"""Encrypt the TOTP secrets written before they were SM4-encrypted (data only; a re-run
changes nothing)."""

from django.db import migrations

from qinqing.core.accounts import totp_keys
from qinqing.core.crypto import sm4


def _rewrite(apps, schema_editor, *, encrypt: bool) -> None:
    connection = schema_editor.connection
    ring = sm4.key_ring()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, key FROM otp_totp_totpdevice")
        rows = cursor.fetchall()
    for pk, value in rows:
        if not value or totp_keys.is_encrypted(value) == encrypt:
            continue
        new = totp_keys.encrypt(value, ring) if encrypt else totp_keys.decrypt(value, ring)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE otp_totp_totpdevice SET key = %s WHERE id = %s", [new, pk])


def forwards(apps, schema_editor):
    _rewrite(apps, schema_editor, encrypt=True)


def backwards(apps, schema_editor):
    _rewrite(apps, schema_editor, encrypt=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_profile_id_number"),
        ("otp_totp", "0003_add_timestamps"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
