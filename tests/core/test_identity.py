"""身份鉴别 and 访问控制 (等保 2.0 level 3): second factor, idle timeout, password rules,
self-service password change, and the read-only guard at the audit choke point."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from qinqing.core.accounts.models import PasswordState
from qinqing.core.accounts.passwords import ComplexityValidator
from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import PermissionDenied
from tests.totp import next_code, totp_from_uri

PASSWORD = "Qinqing-test-2026"


def _password_login(username, password=PASSWORD):
    client = Client()
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:300]
    return client


@pytest.mark.parametrize("username", ["office_admin", "market_clerk", "leader", "site_admin"])
def test_staff_need_the_totp_code_after_the_password(world, username):
    client = _password_login(username)
    page = client.get("/plans/")
    assert page.status_code == 302 and page.url.startswith("/account/otp/?next=/plans/")
    wrong = client.post("/account/otp/", {"otp_token": "000000", "next": "/plans/"})
    assert "动态口令不正确" in wrong.content.decode()
    assert client.get("/").status_code == 302
    device = TOTPDevice.objects.get(user=world.users[username], confirmed=True)
    device.throttle_reset()  # a wrong code makes the device wait a second (tested below)
    right = client.post("/account/otp/", {"otp_token": next_code(device), "next": "/plans/"})
    assert right.status_code == 302 and right.url == "/plans/"
    assert client.get("/").status_code == 200


def test_wrong_codes_slow_down_further_tries(world):
    client = _password_login("office_admin")
    client.post("/account/otp/", {"otp_token": "000000"})
    device = TOTPDevice.objects.get(user=world.office_admin, confirmed=True)
    refused = client.post("/account/otp/", {"otp_token": next_code(device)})
    assert "输错次数过多" in refused.content.decode()
    assert client.get("/").status_code == 302


def test_a_code_is_accepted_only_once(world):
    device = TOTPDevice.objects.get(user=world.office_admin, confirmed=True)
    code = next_code(device)
    first = _password_login("office_admin")
    assert first.post("/account/otp/", {"otp_token": code}).status_code == 302
    second = _password_login("office_admin")
    assert "动态口令不正确" in second.post("/account/otp/", {"otp_token": code}).content.decode()


def test_json_endpoints_answer_401_until_the_second_factor(world):
    client = _password_login("office_admin")
    response = client.get("/appeals/api/v1/appeals/")
    assert response.status_code == 401


def test_enterprises_sign_in_with_the_password_alone_unless_they_enrolled(world):
    client = _password_login("enterprise_a")
    assert client.get("/").status_code == 200
    TOTPDevice.objects.create(user=world.enterprise_b, name="自愿绑定", confirmed=True)
    client_b = _password_login("enterprise_b")
    assert client_b.get("/").url.startswith("/account/otp/")


def test_staff_without_a_device_enrol_by_scanning_and_confirming(world):
    TOTPDevice.objects.filter(user=world.tax_clerk).delete()
    client = _password_login("tax_clerk")
    assert client.get("/").url.startswith("/account/otp/setup/")
    page = client.get("/account/otp/setup/").content.decode()
    assert "<svg" in page and "data-otp-secret" in page
    device = TOTPDevice.objects.get(user=world.tax_clerk, confirmed=False)
    assert totp_from_uri(device.config_url)  # the URI a phone scans carries the secret
    response = client.post("/account/otp/setup/", {"otp_token": next_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(
        verb="user.otp_confirmed", actor_id=world.tax_clerk.pk
    ).exists()


def test_the_setting_turns_the_second_factor_off(world, settings):
    settings.QINQING_REQUIRE_2FA = False
    assert _password_login("office_admin").get("/").status_code == 200


def test_force_login_in_tests_counts_as_fully_signed_in(world, client):
    client.force_login(world.leader)
    assert client.get("/").status_code == 200
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    del session[DEVICE_ID_SESSION_KEY]
    session.save()
    assert client.get("/").url.startswith("/account/otp/")


def test_idle_session_is_logged_out(world, client, settings):
    settings.QINQING_IDLE_TIMEOUT_MINUTES = 30
    client.force_login(world.office_admin)
    assert client.get("/").status_code == 200
    session = client.session
    session["qinqing_last_seen"] = timezone.now().timestamp() - 31 * 60
    session.save()
    response = client.get("/plans/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert client.get("/").url.startswith("/login/")


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Qinqing-test-2026", True),
        ("qinqing2026x", False),  # two classes
        ("Qq-9", False),  # too short
        ("QINQING2026ab", True),
    ],
)
def test_password_complexity(password, ok):
    validator = ComplexityValidator(min_length=10, min_classes=3)
    if ok:
        validator.validate(password)
    else:
        with pytest.raises(Exception, match="至少 10 位"):
            validator.validate(password)


def test_old_password_must_be_changed_and_change_is_audited(world, client, settings):
    settings.QINQING_PASSWORD_MAX_AGE_DAYS = 90
    user = world.market_clerk
    PasswordState.objects.filter(user=user).update(
        changed_at=timezone.now() - dt.timedelta(days=91)
    )
    client.force_login(user)
    response = client.get("/plans/")
    assert response.status_code == 302 and response.url.startswith("/account/password/")
    weak = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "abcdefgh12", "new_password2": "abcdefgh12"},
    )
    assert weak.status_code == 200 and "至少 10 位" in weak.content.decode()
    strong = "Huaihe-River-2027!"
    done = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(strong)
    assert PasswordState.objects.get(user=user).changed_at > timezone.now() - dt.timedelta(
        minutes=1
    )
    assert client.get("/plans/").status_code == 200
    assert AuditEvent.objects.filter(verb="user.password_changed", actor_id=user.pk).exists()


def test_leader_cannot_write_through_any_service_even_unchecked(world):
    """The read-only flag is enforced where every write passes: audit.record."""
    from qinqing.core.orgs.models import UnitAlias
    from qinqing.core.orgs.service import add_alias

    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied, match="只读"):
        add_alias(world.ndrc, "发改委", actor=world.leader)
    assert not UnitAlias.objects.filter(alias="发改委").exists()
    assert AuditEvent.objects.count() == before
    add_alias(world.ndrc, "发改委", actor=world.office_admin)  # a writer may
    assert UnitAlias.objects.filter(alias="发改委").exists()


def test_leader_may_still_change_own_password(world, client):
    client.force_login(world.leader)
    strong = "Yangtze-Delta-2027!"
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong},
    )
    assert response.status_code == 302


def test_accounts_are_unique(world):
    from django.contrib.auth import get_user_model
    from django.db import IntegrityError, transaction

    from qinqing.core.accounts.service import create_user_with_role
    from qinqing.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="已被使用"):
        create_user_with_role(
            actor="test", username="market_clerk", password=PASSWORD, role_code="unit_staff",
            unit=world.market,
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        get_user_model().objects.create(username="market_clerk")
