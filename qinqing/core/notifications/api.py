"""Sending notifications: after commit, deduplicated by key."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def _users(recipients: Any) -> list:
    if recipients is None:
        return []
    if hasattr(recipients, "pk") and not isinstance(recipients, Iterable | str):
        return [recipients]
    return [u for u in recipients if u is not None]


def notify(
    recipients: Any,
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    key: str = "",
    channels: Iterable[str] = ("inbox", "email", "sms"),
    now: dt.datetime | None = None,
) -> None:
    """Send one message to each user in ``recipients`` (a user or an iterable of users).

    Runs after the current transaction commits (at once outside a transaction). With a
    ``key``, a recipient who already has a message with that key gets nothing new.
    """
    users = _users(recipients)
    if not users:
        return
    when = now or timezone.now()
    user_ids = [u.pk for u in users]
    channels = tuple(channels)

    def send() -> None:
        deliver(user_ids, kind=kind, title=title, body=body, url=url, key=key,
                channels=channels, now=when)  # fmt: skip

    transaction.on_commit(send)


def deliver(
    user_ids: list[int],
    *,
    kind: str,
    title: str,
    body: str,
    url: str,
    key: str,
    channels: tuple[str, ...],
    now: dt.datetime,
) -> int:
    """Store the inbox rows (and queue e-mail/SMS); returns how many recipients were new."""
    from qinqing.core.notifications.models import Notification

    sent = 0
    for user_id in user_ids:
        if key and Notification.objects.filter(recipient_id=user_id, key=key).exists():
            continue
        try:
            with transaction.atomic():
                Notification.objects.create(
                    recipient_id=user_id, kind=kind, title=title[:200], body=body,
                    url=url[:300], key=key[:200], created_at=now,
                )  # fmt: skip
        except IntegrityError:  # the same key raced in from another process
            continue
        sent += 1
    return sent


def unit_users(unit: Any, capability: str | None = None) -> list:
    """Active users whose profile is in ``unit`` (and whose role has ``capability``)."""
    from django.contrib.auth import get_user_model

    from qinqing.core.accounts.access import has_capability

    users = get_user_model().objects.filter(is_active=True, profile__unit=unit)
    users = users.select_related("profile__role")
    return [u for u in users if capability is None or has_capability(u, capability)]


def enterprise_users(uscc: str) -> list:
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(is_active=True, profile__uscc=uscc))


def notify_unit(unit: Any, *, capability: str | None = None, **message: Any) -> None:
    """:func:`notify` every user of ``unit`` (optionally only those with ``capability``)."""
    notify(unit_users(unit, capability), **message)


def notify_enterprise(uscc: str, **message: Any) -> None:
    """:func:`notify` every account bound to the enterprise with credit code ``uscc``."""
    notify(enterprise_users(uscc), **message)
