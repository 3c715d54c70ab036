"""Recompute publication and credit-repair deadlines when the calendar changes."""

from __future__ import annotations

import datetime as dt

from qinqing.core.workdays.changes import Moved, Result
from qinqing.inspections.models import CreditRepairRequest, RepairState, VisitItem
from qinqing.inspections.service import publish_due_on, repair_due_on


def recompute_deadlines(*, now: dt.datetime, calendar) -> Result:
    moved: list[Moved] = []
    checked = 0
    open_items = (
        VisitItem.objects.filter(result="", published_at__isnull=True)
        .select_related("visit__campaign", "item")
        .order_by("pk")
    )
    for vi in open_items.iterator(chunk_size=2000):
        checked += 1
        visit = vi.visit
        due = publish_due_on(calendar, visit.planned_on, visit.campaign.publish_within_workdays)
        if due == vi.publish_due_on:
            continue
        old = vi.publish_due_on
        vi.publish_due_on = due
        vi.save(update_fields=["publish_due_on"])
        moved.append(
            Moved(
                f"抽查结果公示：{visit.enterprise_name} {vi.item.name}",
                "公示截止",
                old,
                due,
                url=f"/inspections/visits/{visit.pk}/",
                unit_id=vi.item.unit_id,
            )  # fmt: skip
        )
    repairs = CreditRepairRequest.objects.filter(state=RepairState.SUBMITTED).select_related(
        "enterprise"
    )
    for repair in repairs.order_by("pk"):
        checked += 1
        due = repair_due_on(calendar, repair.submitted_on, repair.review_workdays)
        if due == repair.first_review_due_on:
            continue
        old = repair.first_review_due_on
        repair.first_review_due_on = due
        repair.save(update_fields=["first_review_due_on"])
        moved.append(
            Moved(
                f"信用修复申请（{repair.enterprise.name}）",
                "初审截止",
                old,
                due,
                url=f"/inspections/credit/enterprises/{repair.enterprise.uscc}/",
                uscc=repair.enterprise.uscc,
            )  # fmt: skip
        )
    return Result(checked, moved)
