"""Navigation by capability, built from the apps' manifests (``AppManifest.nav``).

The shell shows an entry when the user's role has its capability (``None``: everyone
logged in). Entries are grouped by section, in order of first appearance; apps follow
INSTALLED_APPS.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from qinqing.core.manifest import NavItem, all_nav

__all__ = ["NavItem", "nav_for"]


def nav_for(user) -> list[dict]:
    from qinqing.core.accounts.access import role_of

    role = role_of(user)
    capabilities = frozenset(role.capabilities or []) if role is not None else frozenset()
    # every page draws the menu: built once per set of capabilities (and URL
    # configuration), not reversed entry by entry on every request (issue 20)
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return [dict(entry) for entry in _nav(capabilities, urlconf, get_script_prefix())]


@lru_cache(maxsize=512)
def _nav(capabilities: frozenset[str], urlconf: str, script_prefix: str) -> tuple[dict, ...]:
    items: list[NavItem] = all_nav()
    order = {section: i for i, section in reversed(list(enumerate(i.section for i in items)))}
    items.sort(key=lambda i: order[i.section])
    out = []
    for item in items:
        if item.capability and item.capability not in capabilities:
            continue
        try:
            url = reverse(item.url_name, urlconf=urlconf)
        except NoReverseMatch:
            continue
        out.append({"label": item.label, "url": url, "section": item.section})
    return tuple(out)
