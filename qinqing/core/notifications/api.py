"""Storing notifications in the caller's transaction and sending them after it commits.

:func:`notify` writes the inbox row and one :class:`Delivery` per channel inside the
caller's transaction (a rollback leaves nothing), and registers an ``on_commit`` callback
that tries the e-mail and SMS deliveries at once; whatever that callback does not send (a
failing server, more than ``IMMEDIATE_LIMIT`` deliveries, quiet hours) is sent by the
``notifications.send_pending`` job. The callback never raises: a failing mail server
becomes a failed delivery, visible on the 系统运行 page, not a broken page.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

if TYPE_CHECKING:
    from qinqing.core.notifications.models import Delivery, Notification

T = TypeVar("T")
log = logging.getLogger(__name__)

CHANNELS = ("inbox", "email", "sms")
IMMEDIATE_LIMIT = 50  # larger batches (a policy push to thousands) wait for the job


@dataclass(frozen=True)
class Message:
    kind: str
    title: str
    body: str = ""
    url: str = ""
    key: str = ""
    channels: tuple[str, ...] = CHANNELS
    sms_text: str = ""


def _users(recipients: Any) -> list[Any]:
    if recipients is None:
        return []
    if hasattr(recipients, "pk") and not isinstance(recipients, Iterable | str):
        return [recipients]
    return [u for u in recipients if u is not None]


def _message(
    *, kind: str, title: str, body: str = "", url: str = "", key: str = "",
    channels: Iterable[str] = CHANNELS, sms_text: str = "",
) -> Message:  # fmt: skip
    chosen = tuple(c for c in CHANNELS if c in set(channels))
    unknown = set(channels) - set(CHANNELS)
    if unknown:
        raise ValueError(f"unknown notification channels: {sorted(unknown)}")
    return Message(kind, title, body, url, key, chosen, sms_text)


def notify(
    recipients: Any,
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    key: str = "",
    channels: Iterable[str] = CHANNELS,
    now: dt.datetime | None = None,
    sms_text: str = "",
) -> int:
    """Send one message to each user in ``recipients`` (a user or an iterable of users).

    The rows are written now, in the caller's transaction; e-mail and SMS go out after it
    commits. With a ``key``, a recipient who already has a message with that key gets
    nothing new. ``sms_text`` replaces the default SMS text (``【亲清】`` + title). Returns
    how many recipients got a new message.
    """
    message = _message(kind=kind, title=title, body=body, url=url, key=key,
                       channels=channels, sms_text=sms_text)  # fmt: skip
    users = _users(recipients)
    return notify_many([(u.pk, message) for u in users], now=now)


def notify_many(items: Sequence[tuple[int, Message]], *, now: dt.datetime | None = None) -> int:
    """Store many messages at once (``(user_id, Message)`` pairs): bulk queries for big
    fan-outs such as a policy push. Same semantics as :func:`notify`."""
    if not items:
        return 0
    when = now or timezone.now()
    new, to_send = store(items, now=when)
    if to_send:
        ids = to_send[:IMMEDIATE_LIMIT]
        transaction.on_commit(lambda: send_after_commit(ids, when))
    return new


def store(items: Sequence[tuple[int, Message]], *, now: dt.datetime) -> tuple[int, list[int]]:
    """Write inbox rows and deliveries; return how many messages are new and the ids of
    the deliveries to try now."""
    from qinqing.core.notifications.models import Delivery, Notification, Preference

    items = [(uid, m) for uid, m in items if uid is not None]
    user_ids = sorted({uid for uid, _ in items})
    keyed = {m.key for _, m in items if m.key}
    existing: set[tuple[int, str]] = set()
    if keyed:
        for chunk in _chunks(user_ids):
            existing |= set(
                Notification.objects.filter(recipient_id__in=chunk, key__in=keyed).values_list(
                    "recipient_id", "key"
                )
            )
    fresh: list[tuple[int, Message]] = []
    seen: set[tuple[int, str]] = set()
    for uid, m in items:
        if m.key:
            if (uid, m.key) in existing or (uid, m.key) in seen:
                continue
            seen.add((uid, m.key))
        fresh.append((uid, m))
    if not fresh:
        return 0, []
    people = _people([uid for uid, _ in fresh])
    kinds = {m.kind for _, m in fresh}
    prefs = {
        (p.user_id, p.kind): p
        for chunk in _chunks(sorted({uid for uid, _ in fresh}))
        for p in Preference.objects.filter(user_id__in=chunk, kind__in=kinds)
    }
    rows = [
        Notification(
            recipient_id=uid,
            kind=m.kind[:60],
            title=m.title[:200],
            body=m.body,
            url=m.url[:300],
            key=m.key[:200],
            created_at=now,
        )  # fmt: skip
        for uid, m in fresh
    ]
    inserted = _insert_notifications(rows)
    quiet = quiet_hours()
    deliveries: list[Delivery] = []
    for row, (uid, m) in zip(inserted, fresh, strict=True):
        if row is None:  # a concurrent writer stored the same key first
            continue
        person = people.get(uid, {})
        pref = prefs.get((uid, m.kind))
        for channel in m.channels:
            d = _new_delivery(row, channel, m, person, pref, now, quiet)
            if d is not None:
                deliveries.append(d)
    inbox_off = [
        d.notification.pk for d in deliveries if d.channel == "inbox" and d.status == "skipped"
    ]
    if inbox_off:
        Notification.objects.filter(pk__in=inbox_off).update(read_at=now)
    Delivery.objects.bulk_create(deliveries, batch_size=2000)
    new = sum(1 for row in inserted if row is not None)
    return new, [d.pk for d in deliveries if d.status == "queued" and d.channel != "inbox" and d.pk]


def _insert_notifications(rows: list[Notification]) -> list[Notification | None]:
    from qinqing.core.notifications.models import Notification

    try:
        with transaction.atomic():
            return list(Notification.objects.bulk_create(rows, batch_size=2000))
    except IntegrityError:  # the same key raced in from another process: one at a time
        out: list[Notification | None] = []
        for row in rows:
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
                out.append(row)
            except IntegrityError:
                out.append(None)
        return out


def _chunks(ids: list[T], size: int = 2000) -> Iterator[list[T]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _people(user_ids: list[int]) -> dict[int, dict[str, Any]]:
    from django.contrib.auth import get_user_model

    out: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(sorted(set(user_ids))):
        for row in get_user_model().objects.filter(pk__in=chunk).values(
            "pk", "email", "is_active", "profile__phone", "profile__email_notifications",
            "profile__role__scope",
        ):  # fmt: skip
            out[row["pk"]] = dict(row)
    return out


def is_enterprise(person: dict[str, Any]) -> bool:
    return person.get("profile__role__scope") == "enterprise"


def quiet_hours() -> tuple[dt.time, dt.time]:
    from qinqing.core.notifications.rules import parse_hhmm

    start, end = getattr(settings, "QINQING_SMS_QUIET_HOURS", ("21:00", "08:00"))
    return parse_hhmm(start), parse_hhmm(end)


def _new_delivery(
    row: Notification,
    channel: str,
    m: Message,
    person: dict[str, Any],
    pref: Any,
    now: dt.datetime,
    quiet: tuple[dt.time, dt.time],
) -> Delivery | None:
    from qinqing.core.notifications.mail import mask_email
    from qinqing.core.notifications.models import Delivery, DeliveryStatus
    from qinqing.core.notifications.rules import quiet_hours_end
    from qinqing.core.privacy import mask_phone

    d = Delivery(notification=row, channel=channel, queued_at=now)
    if pref is not None and not pref.allows(channel):
        d.status, d.note = DeliveryStatus.SKIPPED, "接收人已在消息设置中关闭"
        return d
    if channel == "inbox":
        d.status, d.sent_at = DeliveryStatus.SENT, now
        return d
    if not person.get("is_active", False):
        d.status, d.note = DeliveryStatus.SKIPPED, "账号已停用"
        return d
    if channel == "email":
        email = person.get("email") or ""
        if not email:
            d.status, d.note = DeliveryStatus.SKIPPED, "未登记邮箱"
        elif person.get("profile__email_notifications") is False:
            d.status, d.note = DeliveryStatus.SKIPPED, "接收人已关闭邮件提醒"
        else:
            d.address = mask_email(email)
        return d
    phone = person.get("profile__phone") or ""
    d.sms_text = (m.sms_text or f"【亲清】{m.title}")[:300]
    if not phone:
        d.status, d.note = DeliveryStatus.SKIPPED, "未登记手机号"
        return d
    d.address = mask_phone(phone)
    if is_enterprise(person):
        until = quiet_hours_end(now, *quiet)
        if until is not None:
            d.status, d.not_before, d.note = DeliveryStatus.HELD, until, "夜间不向企业发短信"
    return d


def send_after_commit(delivery_ids: list[int], now: dt.datetime) -> None:
    """The ``on_commit`` callback: try e-mail and SMS now; never raise into the page."""
    try:
        from qinqing.core.notifications.sending import send_deliveries

        send_deliveries(delivery_ids, now=now)
    except Exception:  # the action is committed; the job retries what is left
        log.exception("sending notifications after commit failed")


def unit_users(unit: Any, capability: str | None = None) -> list[Any]:
    """Active users whose profile is in ``unit`` (and whose role has ``capability``)."""
    from django.contrib.auth import get_user_model

    from qinqing.core.accounts.access import has_capability

    if unit is None:
        return []
    unit_id = getattr(unit, "pk", unit)
    users = get_user_model().objects.filter(is_active=True, profile__unit_id=unit_id)
    users = users.select_related("profile__role").order_by("pk")
    return [u for u in users if capability is None or has_capability(u, capability)]


def enterprise_users(uscc: str) -> list[Any]:
    from django.contrib.auth import get_user_model

    if not uscc:
        return []
    return list(
        get_user_model()
        .objects.filter(is_active=True, profile__uscc=uscc, profile__role__scope="enterprise")
        .order_by("pk")
    )


def notify_unit(unit: Any, *, capability: str | None = None, **message: Any) -> int:
    """:func:`notify` every user of ``unit`` (optionally only those with ``capability``)."""
    return notify(unit_users(unit, capability), **message)


def notify_enterprise(uscc: str, **message: Any) -> int:
    """:func:`notify` every account bound to the enterprise with credit code ``uscc``."""
    return notify(enterprise_users(uscc), **message)


def notify_enterprises(
    messages: Iterable[tuple[str, dict[str, Any]]], *, now: dt.datetime | None = None
) -> int:
    """:func:`notify_enterprise` for many enterprises in a few queries:
    ``messages`` is ``(uscc, {kind, title, body, url, key, channels, sms_text})`` pairs.
    Enterprises without an account on the platform get nothing."""
    from django.contrib.auth import get_user_model

    pairs = [(uscc, _message(**fields)) for uscc, fields in messages if uscc]
    if not pairs:
        return 0
    accounts: dict[str, list[int]] = {}
    for chunk in _chunks(sorted({u for u, _ in pairs})):
        for uid, uscc in (
            get_user_model()
            .objects.filter(
                is_active=True, profile__uscc__in=chunk, profile__role__scope="enterprise"
            )
            .values_list("pk", "profile__uscc")
        ):
            accounts.setdefault(uscc, []).append(uid)
    items = [(uid, m) for uscc, m in pairs for uid in sorted(accounts.get(uscc, []))]
    return notify_many(items, now=now)
