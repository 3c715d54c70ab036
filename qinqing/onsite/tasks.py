"""Scheduled jobs of on-site checks (declared in the manifest): idempotent, take ``now``."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from qinqing.onsite import rules, service


def propose_joint_visits(now: dt.datetime) -> dict[str, int]:
    """Joint-visit proposals for this month and the next (a second run creates nothing)."""
    today = timezone.localdate(now)
    this_month = today.replace(day=1)
    next_month = rules.add_months(this_month, 1)
    created = 0
    for month in (this_month, next_month):
        created += service.propose_joint_visits(month=month, now=now)
    return {"created": created}
