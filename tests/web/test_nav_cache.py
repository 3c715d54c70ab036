"""The menu is built once per set of capabilities (issue 20: it was reversed entry by entry
on every request); a role given or denied a capability sees its menu change at once."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from qinqing.core.accounts.access import profile_of
from qinqing.web.nav import nav_for


def _fresh(user):
    # a new request's user object (the profile is cached on the object)
    return get_user_model().objects.get(pk=user.pk)


def test_menu_follows_the_roles_capabilities(world, client):
    clerk = world.market_clerk
    labels = [item["label"] for item in nav_for(_fresh(clerk))]
    assert "派单" not in labels
    role = profile_of(_fresh(clerk)).role
    role.capabilities = [*role.capabilities, "appeals.dispatch"]
    role.save()
    menu = nav_for(_fresh(clerk))
    assert {"label": "派单", "url": "/appeals/queue/", "section": "涉企诉求"} in menu
    client.force_login(clerk)
    assert 'href="/appeals/queue/"' in client.get("/").content.decode()
    role.capabilities = [c for c in role.capabilities if c != "appeals.dispatch"]
    role.save()
    assert "派单" not in [item["label"] for item in nav_for(_fresh(clerk))]
    assert 'href="/appeals/queue/"' not in client.get("/").content.decode()


def test_a_changed_menu_entry_does_not_leak_into_the_cache(world):
    office = world.office_admin
    first = nav_for(_fresh(office))
    first[0]["label"] = "改过的"
    assert nav_for(_fresh(office))[0]["label"] != "改过的"
