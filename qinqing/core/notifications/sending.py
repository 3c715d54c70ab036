"""Sending e-mail and SMS deliveries: claim, send, record; failures are recorded, not raised."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q

from qinqing.core.notifications.models import Delivery, DeliveryStatus

log = logging.getLogger(__name__)


def max_attempts() -> int:
    return int(getattr(settings, "QINQING_NOTIFY_MAX_ATTEMPTS", 5))


def _claim(delivery_ids: list[int], now: dt.datetime) -> list[int]:
    """Mark sendable deliveries as being sent; another process's claim is skipped."""
    claimed = []
    sendable = Q(status=DeliveryStatus.QUEUED) | Q(
        status=DeliveryStatus.FAILED, attempts__lt=max_attempts()
    )
    for pk in delivery_ids:
        if Delivery.objects.filter(sendable, pk=pk).update(
            status=DeliveryStatus.SENDING, attempted_at=now
        ):
            claimed.append(pk)
    return claimed


def _finish(d: Delivery, status: str, now: dt.datetime, *, error: str = "", ref: str = "",
            note: str = "", not_before: dt.datetime | None = None) -> None:  # fmt: skip
    d.status = status
    d.attempted_at = now
    fields = ["status", "attempted_at"]
    if status in (DeliveryStatus.SENT, DeliveryStatus.FAILED):
        d.attempts += 1
        fields.append("attempts")
    if status == DeliveryStatus.SENT:
        d.sent_at, d.provider_ref, d.last_error = now, ref[:100], ""
        fields += ["sent_at", "provider_ref", "last_error"]
    if error:
        d.last_error = error[:500]
        fields.append("last_error")
    if note:
        d.note = note[:100]
        fields.append("note")
    if not_before is not None:
        d.not_before = not_before
        fields.append("not_before")
    d.save(update_fields=fields)


def send_deliveries(delivery_ids: list[int], *, now: dt.datetime) -> dict[str, int]:
    """Send the given e-mail/SMS deliveries that are queued (or failed, to retry)."""
    from qinqing.core.notifications.api import is_enterprise, quiet_hours
    from qinqing.core.notifications.rules import quiet_hours_end
    from qinqing.core.notifications.sms import SmsError, get_sms_adapter

    counts = {"sent": 0, "failed": 0, "held": 0, "skipped": 0}
    claimed = _claim(list(delivery_ids), now)
    if not claimed:
        return counts
    rows = Delivery.objects.filter(pk__in=claimed).select_related(
        "notification__recipient__profile__role"
    )
    connection = None
    mail_down = ""  # after one failure, the batch's other e-mails wait for the next run
    sms = None
    quiet = quiet_hours()
    try:
        for d in rows.order_by("pk"):
            user = d.notification.recipient
            profile = getattr(user, "profile", None)
            person = {"profile__role__scope": profile.role.scope if profile else ""}
            if d.channel == "email":
                if not user.email or not user.is_active:
                    _finish(d, DeliveryStatus.SKIPPED, now, note="未登记邮箱或账号已停用")
                    counts["skipped"] += 1
                    continue
                if mail_down:
                    _finish(d, DeliveryStatus.QUEUED, now, error=mail_down)
                    continue
                try:
                    if connection is None:
                        connection = get_connection(fail_silently=False)
                    _email(d, user.email, connection).send()
                except Exception as exc:  # SMTP down, refused, timed out: recorded, retried
                    log.warning("e-mail delivery %s failed: %s", d.pk, type(exc).__name__)
                    mail_down = f"{type(exc).__name__}: {exc}"
                    _finish(d, DeliveryStatus.FAILED, now, error=mail_down)
                    counts["failed"] += 1
                    connection = None
                    continue
                _finish(d, DeliveryStatus.SENT, now)
                counts["sent"] += 1
            elif d.channel == "sms":
                phone = profile.phone if profile else ""
                if not phone or not user.is_active:
                    _finish(d, DeliveryStatus.SKIPPED, now, note="未登记手机号或账号已停用")
                    counts["skipped"] += 1
                    continue
                until = quiet_hours_end(now, *quiet) if is_enterprise(person) else None
                if until is not None:
                    _finish(
                        d, DeliveryStatus.HELD, now, note="夜间不向企业发短信", not_before=until
                    )
                    counts["held"] += 1
                    continue
                try:
                    if sms is None:
                        sms = get_sms_adapter()
                    ref = sms.send(phone, d.sms_text, kind=d.notification.kind, now=now)
                except (SmsError, Exception) as exc:  # provider refused or unreachable
                    log.warning("sms delivery %s failed: %s", d.pk, exc)
                    _finish(d, DeliveryStatus.FAILED, now, error=str(exc) or type(exc).__name__)
                    counts["failed"] += 1
                    continue
                _finish(d, DeliveryStatus.SENT, now, ref=ref or "")
                counts["sent"] += 1
            else:  # inbox rows are never claimed; be safe
                _finish(d, DeliveryStatus.SENT, now)
    finally:
        if connection is not None:
            try:
                connection.close()
            except Exception:  # closing a broken SMTP session must not hide the results
                log.warning("closing the mail connection failed")
    return counts


def _email(d: Delivery, address: str, connection: Any) -> EmailMessage:
    n = d.notification
    site = getattr(settings, "QINQING_SITE_URL", "").rstrip("/")
    parts = [n.body.strip()] if n.body.strip() else []
    if n.url:
        parts.append(f"详情：{site}{n.url}" if n.url.startswith("/") else f"详情：{n.url}")
    parts.append("——亲清营商环境工作平台（如不希望收到此类邮件，可在“消息设置”中关闭）")
    return EmailMessage(
        subject=n.title,
        body="\n\n".join(parts),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        connection=connection,
    )
