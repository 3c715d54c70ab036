"""`qinqing demo` builds a world every capability shows something in, and can run twice."""

import pytest
from django.apps import apps

from qinqing.core.audit.service import verify_chain
from qinqing.web.demo import PERSONAS, build_demo
from tests.totp import totp_from_uri

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_demo_world_loads_twice_and_every_persona_can_log_in(client, tmp_path, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    lines: list[str] = []
    credentials = build_demo(lines.append)
    assert {c[0] for c in credentials} == {p[0] for p in PERSONAS}
    counts = {m._meta.label: m.objects.count() for m in apps.get_models()}
    # every domain's demo left data behind
    for label in ("plans.Plan", "appeals.Appeal", "policies.Policy", "inspections.Campaign"):
        if label in counts:
            assert counts[label] > 0, f"{label} is empty after the demo"
    # a second run changes no domain table (seeds are idempotent) and reissues passwords
    credentials_again = build_demo(lines.append)
    counts_again = {m._meta.label: m.objects.count() for m in apps.get_models()}
    changed = {
        k: (counts[k], counts_again[k])
        for k in counts
        if counts[k] != counts_again[k]
        and not k.startswith(("audit.", "axes.", "sessions.", "admin."))
    }
    assert not changed, changed
    passwords = {u: p for u, _, p, _ in credentials_again}
    uris = {u: uri for u, _, _, uri in credentials_again}
    assert uris == {u: uri for u, _, _, uri in credentials}  # the TOTP secret stays put
    for username, _name, role, *_ in PERSONAS:
        assert uris[username].startswith("otpauth://totp/") == (role != "enterprise"), username
        response = client.post("/login/", {"username": username, "password": passwords[username]})
        assert response.status_code == 302, username
        if uris[username]:  # staff: the code from the printed URI completes the login
            assert client.get("/").url.startswith("/account/otp/")
            code = totp_from_uri(uris[username])
            response = client.post("/account/otp/", {"otp_token": code})
            assert response.status_code == 302, username
        assert client.get("/").status_code == 200, username
        client.post("/logout/")
    assert verify_chain().ok
