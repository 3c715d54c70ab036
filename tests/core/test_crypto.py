"""数据保密性: personal data SM4-encrypted at rest, key outside the database, key rotation."""

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import FieldError
from django.db import connection

from qinqing.cli.main import main as qinqing_main
from qinqing.core.accounts.models import Profile
from qinqing.core.audit.models import AuditEvent
from qinqing.core.crypto import sm4
from qinqing.core.crypto.rotation import encrypted_columns, key_usage
from qinqing.core.privacy import mask_phone


@pytest.fixture
def key_file(settings, tmp_path):
    # the new key file starts with the keys the world's data (TOTP secrets) was written under
    settings.QINQING_DATA_KEY = ""
    existing = list(sm4.key_ring().keys.values())
    settings.QINQING_DATA_KEY_FILE = tmp_path / "keys" / "data.key"
    sm4.write_key_file(existing)
    return settings.QINQING_DATA_KEY_FILE


def _raw_phone(profile):
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM accounts_profile WHERE id = %s", [profile.pk])
        return cur.fetchone()[0]


def test_sm4_is_the_national_standard_cipher():
    """GB/T 32907-2016 appendix A, example 1 (one block)."""
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 (test vector)
    assert encryptor.update(key).hex() == "681edf34d206965e86b3e94f536e4246"


def test_the_personal_data_columns_are_encrypted():
    names = {f"{m._meta.label}.{f.name}" for m, f in encrypted_columns()}
    assert {
        "accounts.Profile.phone",
        "appeals.Appeal.contact_phone",
        "policies.Application.contact_phone",
        "policies.Application.bank_account",
    } <= names


def test_phone_is_stored_encrypted_and_read_back_in_the_clear(world, key_file):
    profile = world.enterprise_a.profile
    profile.phone = "13812345678"
    profile.save()
    raw = _raw_phone(profile)
    assert raw.startswith("sm4gcm:") and "13812345678" not in raw
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    fresh = Profile.objects.get(pk=profile.pk)
    assert fresh.phone == "13812345678"
    assert mask_phone(fresh.phone) == "138****5678"
    profile.save()
    assert _raw_phone(profile) != raw  # a fresh nonce each time: equal values do not show


def test_filtering_on_an_encrypted_column_fails_loudly(world):
    with pytest.raises(FieldError, match="SM4-encrypted"):
        list(Profile.objects.filter(phone="13812345678"))
    assert Profile.objects.filter(phone__isnull=False).exists()


def test_a_changed_ciphertext_is_refused(world, key_file):
    value = sm4.encrypt("6222000000000000")
    body = value.rsplit(":", 1)[1]
    forged = value[: -len(body)] + ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(Exception):  # noqa: B017 (cryptography's InvalidTag)
        sm4.decrypt(forged)


def test_migration_encrypts_rows_written_before(world, key_file):
    from django.apps import apps

    from qinqing.core.crypto.migration import encrypt_existing

    profile = world.market_clerk.profile
    with connection.cursor() as cur:
        cur.execute("UPDATE accounts_profile SET phone = '13900000000' WHERE id = %s", [profile.pk])
    assert Profile.objects.get(pk=profile.pk).phone == "13900000000"  # plain rows still read

    forwards, backwards = encrypt_existing("accounts", "Profile", ["phone"])
    forwards(apps, connection.schema_editor())
    encrypted = _raw_phone(profile)
    assert encrypted.startswith("sm4gcm:")
    forwards(apps, connection.schema_editor())  # a re-run changes nothing
    assert _raw_phone(profile) == encrypted
    backwards(apps, connection.schema_editor())
    assert _raw_phone(profile) == "13900000000"


def test_keys_rotate_reencrypts_everything_and_keeps_old_keys_for_old_backups(
    world, key_file, capsys
):
    profile = world.enterprise_a.profile
    profile.phone = "13812345678"
    profile.save()
    old_id = sm4.key_ring().current_id
    assert key_usage()["accounts.Profile.phone"][old_id] == 1

    assert qinqing_main(["keys", "rotate"]) == 0
    new_id = sm4.key_ring().current_id
    assert new_id != old_id and old_id in sm4.key_ring().keys
    assert sm4.stored_key_id(_raw_phone(profile)) == new_id
    assert Profile.objects.get(pk=profile.pk).phone == "13812345678"
    assert AuditEvent.objects.filter(verb="keys.rotated", object_id=new_id).exists()

    assert qinqing_main(["keys", "rotate", "--drop-old"]) == 0
    assert list(sm4.key_ring().keys) == [sm4.key_ring().current_id]
    assert Profile.objects.get(pk=profile.pk).phone == "13812345678"
    assert qinqing_main(["keys", "status"]) == 0
    assert sm4.key_ring().current_id in capsys.readouterr().out


def test_environment_key_with_old_keys(world, settings):
    old, new = "00112233445566778899aabbccddeeff", "ffeeddccbbaa99887766554433221100"
    world_keys = [k.hex() for k in sm4.key_ring().keys.values()]  # the world's TOTP secrets
    settings.QINQING_DATA_KEY, settings.QINQING_DATA_OLD_KEYS = old, ",".join(world_keys)
    profile = world.enterprise_b.profile
    profile.phone = "13700000000"
    profile.save()
    settings.QINQING_DATA_KEY = new
    settings.QINQING_DATA_OLD_KEYS = ",".join([old, *world_keys])
    assert Profile.objects.get(pk=profile.pk).phone == "13700000000"
    assert qinqing_main(["keys", "reencrypt"]) == 0
    assert sm4.stored_key_id(_raw_phone(profile)) == sm4.key_id(bytes.fromhex(new))
    assert qinqing_main(["keys", "rotate"]) == 2  # the operator changes environment keys


# --- TOTP secrets (django-otp) ------------------------------------------------------------


def _raw_totp_key(device):
    with connection.cursor() as cur:
        cur.execute("SELECT key FROM otp_totp_totpdevice WHERE id = %s", [device.pk])
        return cur.fetchone()[0]


def test_totp_secrets_are_stored_encrypted_and_still_give_the_right_codes(world, key_file):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=world.enterprise_b, name="手机", confirmed=True)
    raw = _raw_totp_key(device)
    assert raw.startswith("sm4k:") and device.key not in raw and len(raw) <= 80
    fresh = TOTPDevice.objects.get(pk=device.pk)
    assert fresh.key == device.key and len(fresh.key) == 40
    assert fresh.verify_token(totp(fresh.bin_key, step=fresh.step, digits=fresh.digits))


def test_a_backup_holds_totp_secrets_encrypted_and_restores_them(world, key_file):
    from django.core import serializers
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=world.enterprise_b, name="手机", confirmed=True)
    dumped = serializers.serialize("json", [device])
    assert "sm4k:" in dumped and device.key not in dumped
    (restored,) = serializers.deserialize("json", dumped)
    assert restored.object.key == device.key


def test_the_migration_encrypts_totp_secrets_written_before(world, key_file):
    import importlib

    from django.apps import apps
    from django_otp.plugins.otp_totp.models import TOTPDevice

    migration = importlib.import_module("qinqing.core.accounts.migrations.0007_encrypt_totp_keys")
    device = TOTPDevice.objects.create(user=world.enterprise_b, name="手机", confirmed=True)
    with connection.cursor() as cur:  # as django-otp wrote it before
        cur.execute(
            "UPDATE otp_totp_totpdevice SET key = %s WHERE id = %s", [device.key, device.pk]
        )
    assert TOTPDevice.objects.get(pk=device.pk).key == device.key  # plain rows still read

    migration.forwards(apps, connection.schema_editor())
    encrypted = _raw_totp_key(device)
    assert encrypted.startswith("sm4k:")
    migration.forwards(apps, connection.schema_editor())  # a re-run changes nothing
    assert _raw_totp_key(device) == encrypted
    migration.backwards(apps, connection.schema_editor())
    assert _raw_totp_key(device) == device.key


def test_keys_rotate_reencrypts_totp_secrets_too(world, key_file):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=world.enterprise_b, name="手机", confirmed=True)
    assert qinqing_main(["keys", "rotate", "--drop-old"]) == 0
    new_id = sm4.key_ring().current_id
    assert _raw_totp_key(device).startswith(f"sm4k:{new_id}:")
    assert set(key_usage()["otp_totp.TOTPDevice.key"]) == {new_id}
    assert TOTPDevice.objects.get(pk=device.pk).key == device.key
