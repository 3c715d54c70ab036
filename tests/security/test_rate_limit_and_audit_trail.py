"""Hole 7 (rate limit and lockout per worker and per proxy address) and hole 3 (admin
changes, sign-ins, failed sign-ins, lockouts and downloads without an audit event)."""

from __future__ import annotations

import pytest
from django.core.cache.backends import locmem
from django.test import Client, RequestFactory
from django.urls import reverse

from qinqing.appeals import service
from qinqing.appeals.choices import QrKind
from qinqing.appeals.models import Appeal
from qinqing.core.accounts.models import Profile
from qinqing.core.audit.models import AuditEvent
from qinqing.core.client_address import client_ip
from tests.appeals.conftest import NOW
from tests.appeals.factories import appeal_data

PASSWORD = "Qinqing-test-2026"


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.QINQING_REQUIRE_2FA = False


# --- 7: client address behind the trusted proxy, shared counters ----------------------------


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(settings):
    settings.QINQING_TRUSTED_PROXIES = ("10.0.0.0/24",)
    rf = RequestFactory()
    spoofed = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(spoofed) == "203.0.113.9"
    proxied = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert client_ip(proxied) == "198.51.100.7"  # the hop the proxy saw; 1.2.3.4 was typed
    garbled = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="<script>")
    assert client_ip(garbled) == "10.0.0.1"


def test_one_attacker_behind_the_proxy_does_not_lock_the_account_for_everyone(world, settings):
    settings.QINQING_TRUSTED_PROXIES = ("10.0.0.1",)
    url = reverse("web:login")
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        attacker.post(url, {"username": "enterprise_a", "password": "wrong"})
    owner = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    response = owner.post(url, {"username": "enterprise_a", "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assert AuditEvent.objects.filter(verb="user.locked_out").exists()


def test_the_embedded_default_cache_is_shared_by_processes():
    import subprocess
    import sys

    code = "import qinqing.settings as s; print(s.CACHES['default']['BACKEND'])"
    env = {k: v for k, v in __import__("os").environ.items() if k != "QINQING_REDIS_URL"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "django.core.cache.backends.db.DatabaseCache", out.stderr


def test_the_qr_forms_limit_is_shared_by_every_worker(world, settings):
    from django.core.management import call_command

    per_process = settings.CACHES
    settings.CACHES = {"default": settings.SHARED_CACHE}  # the embedded default
    call_command("createcachetable", verbosity=0)
    try:
        _five_then_blocked(world)
    finally:
        settings.CACHES = per_process  # fixtures clear the cache after the database is gone


def _five_then_blocked(world):
    entry = service.create_qr_entry(
        actor=None, now=NOW, locality=world.city, kind=QrKind.DEPARTMENT, unit=world.market
    )
    url = reverse("appeals:public_form", args=[entry.token])
    client = Client()
    for n in range(5):
        data = appeal_data(title=f"第{n}件", content=f"内容{n}" * 20)
        assert client.post(url, data).status_code == 200
        locmem._caches.clear()  # the next request reaches a worker with fresh memory
    blocked = client.post(url, appeal_data(title="第六件"))
    assert blocked.status_code == 429 and "提交过于频繁" in blocked.content.decode()
    assert Appeal.objects.count() == 5


# --- 3: unaudited changes -------------------------------------------------------------------


def test_a_change_in_the_admin_is_audited_with_before_and_after(client, world):
    from tests.world import make_uscc

    world.site_admin.is_staff = True
    world.site_admin.save()
    client.force_login(world.site_admin)
    profile = Profile.objects.get(user=world.enterprise_b)
    url = reverse("admin:accounts_profile_change", args=[profile.pk])
    form = client.get(url).context["adminform"].form
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        data[bound.name] = value
    new = make_uscc("91110000MA01DDDD3")
    data["uscc"] = new
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(verb="admin.changed")
    assert event.before == {"uscc": profile.uscc} and event.after == {"uscc": new}
    assert event.actor_id == world.site_admin.pk


def test_sign_ins_and_failed_sign_ins_are_audited(world):
    url = reverse("web:login")
    Client().post(url, {"username": "enterprise_a", "password": "wrong"})
    failed = AuditEvent.objects.get(verb="user.login_failed")
    assert failed.object_repr == "enterprise_a" and "wrong" not in str(failed.after)
    Client().post(url, {"username": "enterprise_a", "password": PASSWORD})
    assert AuditEvent.objects.filter(verb="user.logged_in", actor_id=world.enterprise_a.pk).exists()


def test_an_attachment_download_is_audited(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    appeal = service.submit_appeal(
        actor=world.enterprise_a, now=NOW, channel="web", data=appeal_data(), locality=world.city,
        files=[SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)],
    )  # fmt: skip
    item = appeal.attachments.get()
    client.force_login(world.enterprise_a)
    response = client.get(reverse("appeals:attachment", args=[appeal.pk, item.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(verb="appeal.viewed_attachment")
    assert event.actor_id == world.enterprise_a.pk and event.unit_id == world.city.pk
