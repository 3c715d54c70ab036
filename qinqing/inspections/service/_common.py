"""Shared pieces of the inspections service modules: defaults from settings, today."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

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


def _today(now: datetime) -> date:
    return timezone.localdate(now)


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None
