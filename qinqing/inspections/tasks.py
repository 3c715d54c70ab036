"""Scheduled jobs of 双随机、一公开 and credit: idempotent, take ``now``.

``flag_overdue(now)`` marks, once each, what passed its deadline:

* a visit item whose result was not published by its 公示截止日 (``publish_due_on``:
  the campaign's 结果公示时限 in working days after the planned visit day);
* a credit-repair request whose first review (初审) is past its due day.

Due dates that could not be computed when the work was created (the working-day
calendar had no data for the year yet) are filled in first, once the data is there.

A second run (same minute or later) flags nothing new and writes no audit event.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.workdays import get_calendar
from qinqing.inspections.models import (
    CampaignState,
    CreditRepairRequest,
    RepairState,
    VisitItem,
)
from qinqing.inspections.service import publish_due_on, repair_due_on

SWEEP_ACTOR = "system:sweep"


def _fill_missing_due_dates() -> None:
    """Compute the due dates left empty for lack of calendar data, where the data now exists."""

    calendar = get_calendar()
    pending = (
        VisitItem.objects.filter(publish_due_on__isnull=True)
        .select_related("visit", "visit__campaign")
        .order_by("pk")
    )
    for vi in pending:
        due = publish_due_on(
            calendar, vi.visit.planned_on, vi.visit.campaign.publish_within_workdays
        )
        if due is not None:
            vi.publish_due_on = due
            vi.save(update_fields=["publish_due_on"])
    for repair in CreditRepairRequest.objects.filter(first_review_due_on__isnull=True):
        due = repair_due_on(calendar, repair.submitted_on, repair.review_workdays)
        if due is not None:
            repair.first_review_due_on = due
            repair.save(update_fields=["first_review_due_on"])


@transaction.atomic
def flag_overdue(now: datetime) -> dict[str, int]:
    """Flag overdue result publications and credit-repair first reviews; returns counts."""
    today = timezone.localdate(now)
    _fill_missing_due_dates()
    results = list(
        VisitItem.objects.select_for_update()
        .filter(
            published_at__isnull=True,
            overdue_flagged_at__isnull=True,
            publish_due_on__lt=today,
            visit__campaign__state__in=(CampaignState.DRAWN, CampaignState.PUBLISHED),
        )
        .select_related("visit", "item")
        .order_by("pk")
    )
    for vi in results:
        vi.overdue_flagged_at = now
        vi.save(update_fields=["overdue_flagged_at"])
        audit.record(
            SWEEP_ACTOR,
            "visit.result_overdue",
            vi,
            after={
                "uscc": vi.visit.uscc,
                "item": vi.item.code,
                "publish_due_on": vi.publish_due_on,
            },
            unit=vi.item.unit_id,
            now=now,
        )
    repairs = list(
        CreditRepairRequest.objects.select_for_update()
        .filter(
            state=RepairState.SUBMITTED,
            overdue_flagged_at__isnull=True,
            first_review_due_on__lt=today,
        )
        .order_by("pk")
    )
    for repair in repairs:
        repair.overdue_flagged_at = now
        repair.save(update_fields=["overdue_flagged_at"])
        audit.record(
            SWEEP_ACTOR,
            "credit_repair.overdue",
            repair,
            after={"first_review_due_on": repair.first_review_due_on},
            unit=repair.area_id,
            now=now,
        )
    return {"results": len(results), "credit_repairs": len(repairs)}
