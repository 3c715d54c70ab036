"""The 考评 line of the office's home page (``AppManifest.workbench``): rankings of the
province's evaluation that trigger a 督办 or 约谈 and are not yet acted on."""

from __future__ import annotations

import datetime as dt

from django.urls import NoReverseMatch, reverse

from qinqing.assessment import queries
from qinqing.core.accounts.access import has_capability, scope_area
from qinqing.core.manifest import WorkItem


def work_items(user, now: dt.datetime) -> list[WorkItem]:
    area = scope_area(user)
    if area is None or not has_capability(user, "supervision.issue"):
        return []
    try:
        url = reverse("supervision:notices") + "#h-triggers"
    except NoReverseMatch:
        return []
    n = queries.pending_external_triggers(area).count()
    return [WorkItem("外部评价触发、待签发的督办", n, url, overdue=n, section="营商环境评价")]
