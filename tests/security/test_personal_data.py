"""数据保密性: personal data is SM4-encrypted at rest and never enters the audit trail in the
clear — the engagement cadre's phone, phone and ID numbers in audit before/after values."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from qinqing.core import audit
from qinqing.core.audit.models import AuditEvent
from qinqing.core.audit.service import verify_chain
from qinqing.core.crypto import sm4
from qinqing.engagement import service as engagement
from qinqing.engagement.models import Cadre

PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def key_file(settings, tmp_path):
    # the new key file starts with the keys the world's data (TOTP secrets) was written under
    settings.QINQING_DATA_KEY = ""
    existing = list(sm4.key_ring().keys.values())
    settings.QINQING_DATA_KEY_FILE = tmp_path / "keys" / "data.key"
    sm4.write_key_file(existing)


def _raw(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()


def _raw_audit_text(event):
    before, after, repr_ = _raw(
        "SELECT before, after, object_repr FROM audit_auditevent WHERE seq = %s", [event.seq]
    )
    return f"{before} {after} {repr_}"


def test_a_cadres_phone_is_stored_encrypted(world, key_file):
    now = dt.datetime(2026, 6, 15, 10, tzinfo=dt.UTC)
    cadre = engagement.register_cadre(
        world.market_clerk, actor=world.office_admin, now=now, level="department", phone=PHONE
    )
    (raw,) = _raw("SELECT phone FROM engagement_cadre WHERE id = %s", [cadre.pk])
    assert raw.startswith("sm4gcm:") and PHONE not in raw
    assert Cadre.objects.get(pk=cadre.pk).phone == PHONE


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_cadre_phones_already_in_the_database(world, key_file):
    """Migrate a populated table: the phones written before the change come out encrypted."""
    old = [("engagement", "0002_visit_covering_indexes")]
    new = [("engagement", "0003_cadre_phone_encrypted")]
    executor = MigrationExecutor(connection)
    executor.migrate(old)
    old_cadre = executor.loader.project_state(old).apps.get_model("engagement", "Cadre")
    unit = world.market_clerk.profile.unit
    row = old_cadre.objects.create(
        user_id=world.market_clerk.pk, name="张三", unit_id=unit.pk, area_id=unit.pk,
        level="department", phone="0571-88880001",
    )  # fmt: skip
    assert _raw("SELECT phone FROM engagement_cadre WHERE id = %s", [row.pk]) == ("0571-88880001",)

    executor = MigrationExecutor(connection)
    executor.migrate(new)
    (raw,) = _raw("SELECT phone FROM engagement_cadre WHERE id = %s", [row.pk])
    assert raw.startswith("sm4gcm:") and "88880001" not in raw
    assert Cadre.objects.get(pk=row.pk).phone == "0571-88880001"


def test_a_phone_changed_in_the_admin_reaches_the_audit_trail_masked(world, client_for):
    profile = world.enterprise_a.profile
    client = client_for(world.site_admin)
    form = {
        "user": profile.user_id, "role": profile.role_id, "unit": profile.unit_id or "",
        "uscc": profile.uscc, "enterprise_name": profile.enterprise_name, "phone": PHONE,
        "id_number": ID_NUMBER, "email_notifications": "on",
    }  # fmt: skip
    response = client.post(f"/admin/accounts/profile/{profile.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.filter(verb="admin.changed", object_id=str(profile.pk)).get()
    stored = _raw_audit_text(event)
    assert PHONE not in stored and "138****5678" in stored
    assert ID_NUMBER not in stored and "110105********002X" in stored
    assert verify_chain().ok  # the masked value is what was hashed

    page = client.get("/audit/").content.decode()
    assert "138****5678" in page and PHONE not in page


def test_phone_numbers_inside_free_text_are_masked_too(world):
    event = audit.record(
        world.office_admin, "appeal.updated", ("appeals.appeal", "1", "诉求"),
        before={"contact_phone": "0571-86001234"},
        after={"content": f"请回电{PHONE}", "uscc": world.enterprise_a.profile.uscc},
    )  # fmt: skip
    stored = _raw_audit_text(event)
    assert PHONE not in stored and "86001234" not in stored
    assert world.enterprise_a.profile.uscc in stored  # a credit code is not personal data
