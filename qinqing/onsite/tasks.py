"""Scheduled jobs of on-site checks (declared in the manifest): idempotent, take ``now``."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from qinqing.inspections import queries as inspections
from qinqing.onsite import rules, service

JOB_ACTOR = "onsite.register_drawn_visits"


def propose_joint_visits(now: dt.datetime) -> dict[str, int]:
    """Joint-visit proposals for this month and the next (a second run creates nothing)."""
    today = timezone.localdate(now)
    this_month = today.replace(day=1)
    next_month = rules.add_months(this_month, 1)
    created = 0
    for month in (this_month, next_month):
        created += service.propose_joint_visits(month=month, now=now)
    return {"created": created}


def register_drawn_visits(now: dt.datetime) -> dict[str, int]:
    """Catch up on drawn visits not yet registered (a lost signal, a failed receiver).

    Idempotent: visits already registered or refused are skipped.
    """
    totals = {"registered": 0, "refused": 0, "skipped": 0}
    for campaign_id in inspections.campaigns_with_visits_from(timezone.localdate(now)):
        outcome = service.register_drawn_visits(campaign_id, actor=JOB_ACTOR, now=now)
        for key, value in outcome.as_dict().items():
            totals[key] += value
    return totals
