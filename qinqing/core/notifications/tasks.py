"""The notification job (发送待发消息) and the delivery health figures for 系统运行."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Min, Q

from qinqing.core.notifications.models import Delivery, DeliveryStatus
from qinqing.core.notifications.sending import max_attempts, send_deliveries

STALE_SENDING = dt.timedelta(minutes=30)  # a process killed mid-send leaves "sending" rows
BATCH = 500


def send_pending(now: dt.datetime) -> dict[str, int]:
    """Release SMS held for quiet hours whose morning has come, then send every queued (and
    retry every failed, up to ``QINQING_NOTIFY_MAX_ATTEMPTS``) e-mail and SMS delivery.

    Idempotent: a second run with the same ``now`` sends nothing new.
    """
    released = Delivery.objects.filter(status=DeliveryStatus.HELD, not_before__lte=now).update(
        status=DeliveryStatus.QUEUED, note="夜间暂缓后发送"
    )
    Delivery.objects.filter(
        status=DeliveryStatus.SENDING, attempted_at__lt=now - STALE_SENDING
    ).update(status=DeliveryStatus.FAILED, last_error="发送中断（进程退出），将重试")
    due = (
        Delivery.objects.filter(
            Q(status=DeliveryStatus.QUEUED)
            | Q(status=DeliveryStatus.FAILED, attempts__lt=max_attempts())
        )
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .exclude(channel="inbox")
        .order_by("pk")
    )
    totals = {"released": released, "sent": 0, "failed": 0, "held": 0, "skipped": 0}
    last = 0
    while True:
        ids = list(due.filter(pk__gt=last).values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        last = ids[-1]
        for name, count in send_deliveries(ids, now=now).items():
            totals[name] += count
    return totals


def delivery_health(now: dt.datetime) -> dict[str, Any]:
    """Figures for the 系统运行 page: failed deliveries in the last 24 hours, what waits.

    Returns ``{"failed_24h": int, "given_up": int, "queued": int, "held": int,
    "oldest_queued_at": datetime | None, "last_error": str, "ok": bool}``; ``ok`` is false
    when a delivery failed in the last day or something has waited more than an hour.
    """
    since = now - dt.timedelta(hours=24)
    failed = Delivery.objects.filter(status=DeliveryStatus.FAILED, attempted_at__gte=since)
    waiting = Delivery.objects.filter(
        Q(status=DeliveryStatus.QUEUED)
        | Q(status=DeliveryStatus.FAILED, attempts__lt=max_attempts())
    ).exclude(channel="inbox")
    oldest = waiting.aggregate(at=Min("queued_at"))["at"]
    last = failed.order_by("-attempted_at", "-pk").values_list("last_error", flat=True).first()
    figures = {
        "failed_24h": failed.count(),
        "given_up": failed.filter(attempts__gte=max_attempts()).count(),
        "queued": waiting.count(),
        "held": Delivery.objects.filter(status=DeliveryStatus.HELD).count(),
        "oldest_queued_at": oldest,
        "last_error": last or "",
    }
    figures["ok"] = not figures["failed_24h"] and (
        oldest is None or now - oldest < dt.timedelta(hours=1)
    )
    return figures
