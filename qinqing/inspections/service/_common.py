"""Shared pieces of the inspections service modules: defaults from settings, today."""

from __future__ import annotations

from django.conf import settings

from qinqing.core.actor import local_date
from qinqing.inspections import rules

TIERS = ("A", "B", "C", "D")


def publish_workdays_default() -> int:
    return int(
        getattr(settings, "QINQING_INSPECTION_PUBLISH_WORKDAYS", rules.DEFAULT_PUBLISH_WORKDAYS)
    )


def repair_review_workdays_default() -> int:
    return int(
        getattr(
            settings,
            "QINQING_CREDIT_REPAIR_REVIEW_WORKDAYS",
            rules.DEFAULT_REPAIR_REVIEW_WORKDAYS,
        )
    )


_today = local_date  # the calendar date of ``now`` in Shanghai


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None
