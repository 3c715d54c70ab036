"""A role's home page is its work queue: the ``WorkItem`` lines every app's manifest
contributes (``AppManifest.workbench``), grouped by section in manifest order.

A provider that fails is logged and left out, so one broken app does not take the home page
down with it (as the assessment registry does for a failing drill-down link).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.utils.module_loading import import_string

from qinqing.core.manifest import WorkItem, manifests

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Section:
    title: str
    items: list[WorkItem]


def work_items_for(user, now: dt.datetime) -> list[WorkItem]:
    out: list[WorkItem] = []
    for manifest in manifests():
        if not manifest.workbench:
            continue
        try:
            provider = import_string(manifest.workbench)
            out.extend(provider(user, now))
        except Exception:  # a broken provider must not break every home page
            log.exception("workbench provider %s failed", manifest.workbench)
    return out


def sections_for(user, now: dt.datetime) -> list[Section]:
    grouped: dict[str, list[WorkItem]] = {}
    for item in work_items_for(user, now):
        grouped.setdefault(item.section or "其他", []).append(item)
    return [Section(title, items) for title, items in grouped.items()]
