"""Scheduled jobs of the problem ledger: plain functions of ``now``, idempotent."""

from __future__ import annotations

import datetime as dt

from qinqing.problems import service


def schedule_follow_up_checks(now: dt.datetime) -> dict[str, int]:
    """回头看 checks that fall due (one per problem and round, never twice)."""
    return service.schedule_follow_up_checks(now)


def notify_overdue_problems(now: dt.datetime) -> dict[str, int]:
    """Remind lead units of problems past their deadline (once a day per problem)."""
    return service.notify_overdue_problems(now)


def propose_monthly_themes(now: dt.datetime) -> dict[str, int]:
    """每月一题: last month's appeals grouped into themes; the rising ones proposed."""
    return service.propose_monthly_themes(now)
