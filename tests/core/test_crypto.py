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
    settings.QINQING_DATA_KEY = ""
    settings.QINQING_DATA_KEY_FILE = tmp_path / "keys" / "data.key"
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
    settings.QINQING_DATA_KEY = old
    profile = world.enterprise_b.profile
    profile.phone = "13700000000"
    profile.save()
    settings.QINQING_DATA_KEY, settings.QINQING_DATA_OLD_KEYS = new, old
    assert Profile.objects.get(pk=profile.pk).phone == "13700000000"
    assert qinqing_main(["keys", "reencrypt"]) == 0
    assert sm4.stored_key_id(_raw_phone(profile)) == sm4.key_id(bytes.fromhex(new))
    assert qinqing_main(["keys", "rotate"]) == 2  # the operator changes environment keys
