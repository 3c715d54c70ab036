"""The 双随机 lines of the office's home page (``AppManifest.workbench``)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from qinqing.core.manifest import WorkItem
from qinqing.inspections import queries
from qinqing.inspections.models import RepairState

OPEN_REPAIRS = (RepairState.SUBMITTED, RepairState.ACCEPTED)


def work_items(user, now: dt.datetime) -> list[WorkItem]:
    if not queries.can_view_credit(user):
        return []
    repairs = queries.visible_repairs_for_user(user).filter(state__in=OPEN_REPAIRS)
    today = timezone.localdate(now)
    late = repairs.filter(first_reviewed_at__isnull=True, first_review_due_on__lt=today).count()
    return [
        WorkItem("待办理的信用修复申请", repairs.count(), reverse("inspections:credit") + "#repairs-h",
                 overdue=late, section="双随机、一公开")
    ]  # fmt: skip
