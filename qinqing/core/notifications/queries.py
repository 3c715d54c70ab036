"""Reads of the inbox: a user sees only their own messages (same 404 for others')."""

from __future__ import annotations

from django.db.models import QuerySet

from qinqing.core.actor import AnyUser
from qinqing.core.errors import NotFound
from qinqing.core.notifications.models import Notification, Preference


def visible_notifications_for_user(user: AnyUser, kind_prefix: str = "") -> QuerySet[Notification]:
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=user)
    if kind_prefix:
        qs = qs.filter(kind__startswith=kind_prefix)
    return qs


def access_notification_for_user(user: AnyUser, notification_id: int) -> Notification:
    found = visible_notifications_for_user(user).filter(pk=notification_id).first()
    if found is None:
        raise NotFound("消息不存在，或不是发给您的。")
    return found


def unread_count(user: AnyUser) -> int:
    return visible_notifications_for_user(user).filter(read_at__isnull=True).count()


def preferences_for_user(user: AnyUser) -> dict[str, Preference]:
    return {p.kind: p for p in Preference.objects.filter(user_id=int(user.pk or 0))}
