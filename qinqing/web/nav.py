"""Navigation by capability, built from the apps' manifests (``AppManifest.nav``).

The shell shows an entry when the user's role has its capability (``None``: everyone
logged in). Entries are grouped by section, in order of first appearance; apps follow
INSTALLED_APPS.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from qinqing.core.manifest import NavItem, all_nav

__all__ = ["NavItem", "nav_for"]


def nav_for(user) -> list[dict]:
    from qinqing.core.accounts.access import has_capability

    items: list[NavItem] = all_nav()
    order = {section: i for i, section in reversed(list(enumerate(i.section for i in items)))}
    items.sort(key=lambda i: order[i.section])
    out = []
    for item in items:
        if item.capability and not has_capability(user, item.capability):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        out.append({"label": item.label, "url": url, "section": item.section})
    return out
