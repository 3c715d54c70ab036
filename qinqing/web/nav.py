"""Navigation by capability. Each domain's AppConfig may declare ``nav_items``:

    nav_items = [NavItem("任务台账", "plans:ledger", "plans.view"), ...]

The shell shows an entry when the user's role has its capability (``None``: everyone
logged in). Order follows INSTALLED_APPS, then the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capability: str | None = None
    section: str = ""


CORE_NAV = [
    NavItem("机构库", "orgs:directory", "directory.view", "基础"),
    NavItem("审计日志", "audit:list", "audit.view", "基础"),
]


def nav_for(user) -> list[dict]:
    from qinqing.core.accounts.access import has_capability

    items: list[NavItem] = list(CORE_NAV)
    for config in apps.get_app_configs():
        items.extend(getattr(config, "nav_items", []))
    # one block per section, in order of first appearance
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
