"""Changes a user makes to their own inbox and notification settings."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from qinqing.core import audit
from qinqing.core.actor import AnyUser
from qinqing.core.notifications import queries
from qinqing.core.notifications.models import Notification, Preference

CHANNEL_FIELDS = ("inbox", "email", "sms")


@transaction.atomic
def mark_read(user: AnyUser, notification_id: int, *, now: dt.datetime) -> Notification:
    """标为已读. Not audited: it changes only the user's own view of their inbox."""
    notification = queries.access_notification_for_user(user, notification_id)
    if notification.read_at is None:
        notification.read_at = now
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(user: AnyUser, *, now: dt.datetime) -> int:
    """全部标为已读; returns how many were unread."""
    return (
        queries.visible_notifications_for_user(user)
        .filter(read_at__isnull=True)
        .update(read_at=now)
    )


@transaction.atomic
def save_preferences(user: AnyUser, choices: dict[str, set[str]], *, now: dt.datetime) -> int:
    """消息设置: ``choices`` maps each kind shown on the page to the channels ticked.

    Returns how many kinds changed; the change is audited with before and after.
    """
    current = queries.preferences_for_user(user)
    before, after = {}, {}
    for kind, channels in choices.items():
        wanted = {c: c in channels for c in CHANNEL_FIELDS}
        pref = current.get(kind)
        had = {c: (pref.allows(c) if pref else True) for c in CHANNEL_FIELDS}
        if had == wanted:
            continue
        before[kind] = sorted(c for c, on in had.items() if on)
        after[kind] = sorted(c for c, on in wanted.items() if on)
        Preference.objects.update_or_create(
            user=user, kind=kind, defaults={**wanted, "updated_at": now}
        )
    if after:
        audit.record(
            user, "notification_preferences.updated",
            ("User", user.pk, user.get_username()), before=before, after=after, now=now,
        )  # fmt: skip
    return len(after)
