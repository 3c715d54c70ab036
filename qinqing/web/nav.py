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

    items: list[NavItem] = []
    for config in apps.get_app_configs():
        items.extend(getattr(config, "nav_items", []))
    items.extend(CORE_NAV)
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
