"""Log retention (网络安全法第二十一条: 留存相关的网络日志不少于六个月).

Audit events are never deleted (append-only, refused in the database). Any purge of other
logs (access attempts, job runs, delivery logs) must ask :func:`check_purge_allowed` first,
so no purge can go below ``QINQING_AUDIT_RETENTION_DAYS`` (at least 180, checked at start).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from qinqing.core.errors import QinqingError

MINIMUM_DAYS = 180


def retention_days() -> int:
    return max(MINIMUM_DAYS, int(getattr(settings, "QINQING_AUDIT_RETENTION_DAYS", 365)))


def check_purge_allowed(older_than: dt.datetime, *, now: dt.datetime) -> None:
    """Refuse a purge of records newer than the retention period.

    Examples:
        >>> now = dt.datetime(2026, 6, 15, tzinfo=dt.UTC)
        >>> check_purge_allowed(now - dt.timedelta(days=400), now=now)
        >>> check_purge_allowed(now - dt.timedelta(days=30), now=now)
        Traceback (most recent call last):
        ...
        qinqing.core.errors.QinqingError: 日志至少保存 365 天，不能删除 2026-05-16 之后的记录。
    """
    limit = now - dt.timedelta(days=retention_days())
    if older_than > limit:
        raise QinqingError(
            f"日志至少保存 {retention_days()} 天，不能删除 {older_than:%Y-%m-%d} 之后的记录。"
        )
