"""`qinqing demo` builds a world every capability shows something in, and can run twice."""

import pytest
from django.apps import apps

from qinqing.core.audit.service import verify_chain
from qinqing.web.demo import PERSONAS, build_demo

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
    passwords = {u: p for u, _, p in credentials_again}
    for username, *_ in PERSONAS:
        response = client.post("/login/", {"username": username, "password": passwords[username]})
        assert response.status_code == 302, username
        client.post("/logout/")
    assert verify_chain().ok
