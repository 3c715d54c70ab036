"""The 惠企政策 lines of each role's home page (``AppManifest.workbench``)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from qinqing.core.accounts.access import has_capability
from qinqing.core.manifest import WorkItem
from qinqing.policies import queries
from qinqing.policies.models import ApplicationState, GrantBatchState

SECTION = "惠企政策"


def work_items(user, now: dt.datetime) -> list[WorkItem]:
    items: list[WorkItem] = []
    applications = reverse("policies:applications")
    if has_capability(user, "policies.approve"):
        batches = queries.visible_batches_for_user(user).filter(state=GrantBatchState.PREPARED)
        items.append(
            WorkItem("待审批的免申即享批次", batches.count(),
                     reverse("policies:grants") + "?state=prepared", section=SECTION)
        )  # fmt: skip
    if has_capability(user, "policies.review"):
        waiting = queries.visible_applications_for_user(user).filter(
            state=ApplicationState.SUBMITTED
        )
        items.append(
            WorkItem("待审核的政策申报", waiting.count(), f"{applications}?state=submitted",
                     overdue=waiting.filter(review_due_at__lt=now).count(), section=SECTION)
        )  # fmt: skip
    if has_capability(user, "policies.mine"):
        eligible = queries.own_results_for_user(user).filter(eligible=True)
        mine = queries.visible_applications_for_user(user)
        returned = mine.filter(state=ApplicationState.RETURNED).count()
        items += [
            WorkItem("可以享受的政策", eligible.count(), reverse("policies:mine") + "#eligible",
                     section=SECTION),
            WorkItem("退回待补正的申报", returned, f"{applications}?state=returned",
                     overdue=returned, section=SECTION),
            WorkItem("审核中的申报", mine.filter(state=ApplicationState.SUBMITTED).count(),
                     f"{applications}?state=submitted", section=SECTION),
        ]  # fmt: skip
    return items
