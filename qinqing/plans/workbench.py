"""The task-ledger lines of each role's home page (``AppManifest.workbench``): tasks past or
near their deadline, each count linking to the ledger filtered to exactly those tasks."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from qinqing.core.accounts.access import has_capability
from qinqing.core.manifest import WorkItem
from qinqing.plans import queries

SECTION = "任务台账"


def work_items(user, now: dt.datetime) -> list[WorkItem]:
    if not has_capability(user, "plans.view"):
        return []
    tasks = queries.visible_tasks_for_user(user)
    if not tasks.exists():
        return []
    today = timezone.localdate(now)
    ledger = reverse("plans:ledger")
    # what the ledger lists with ?status=overdue and ?due_soon=on, counted from one reading
    # of the tasks' reports (each filter read them again: issue 20)
    n_overdue, n_soon = queries.ledger_counts(tasks, today)
    return [
        WorkItem("逾期任务", n_overdue, f"{ledger}?status=overdue", overdue=n_overdue,
                 section=SECTION),
        WorkItem("临期任务", n_soon, f"{ledger}?due_soon=on", due_soon=n_soon, section=SECTION),
    ]  # fmt: skip
