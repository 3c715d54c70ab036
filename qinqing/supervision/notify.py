"""Reminders and notices by e-mail (Django's mail API, SMTP in production) and SMS.

SMS goes through an adapter (:class:`SmsSender`); the platform ships no gateway: the
default :class:`OutboxSmsSender` stores each message in the SMS outbox table and logs it,
for a locality to connect its own gateway (setting ``QINQING_SMS_SENDER``, a dotted path to
a class with the same ``send`` method).

Who is told: the active members of the unit concerned (any role) — e-mail to those with an
address who have not turned e-mail reminders off, SMS to those with a phone number.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string

from qinqing.core.privacy import mask_phone

log = logging.getLogger(__name__)


class SmsSender(Protocol):
    """Anything that can send one text message."""

    def send(self, phone: str, text: str, *, purpose: str = "") -> None: ...


class LoggingSmsSender:
    """Logs the message (masked) and sends nothing."""

    def send(self, phone: str, text: str, *, purpose: str = "") -> None:
        log.info("sms %s to %s: %d chars", purpose, mask_phone(phone), len(text))


class OutboxSmsSender(LoggingSmsSender):
    """Stores the message in the SMS outbox (``SmsMessage``) and logs it."""

    def send(self, phone: str, text: str, *, purpose: str = "") -> None:
        from qinqing.supervision.models import SmsMessage

        SmsMessage.objects.create(phone=phone, text=text[:500], purpose=purpose[:60])
        super().send(phone, text, purpose=purpose)


def get_sms_sender() -> SmsSender:
    dotted = getattr(settings, "QINQING_SMS_SENDER", "qinqing.supervision.notify.OutboxSmsSender")
    return import_string(dotted)()


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    phone: str
    wants_email: bool


def unit_recipients(unit_ids) -> dict[int, list[Recipient]]:
    """Active members of each unit, in one query."""
    from qinqing.core.accounts.models import Profile

    out: dict[int, list[Recipient]] = defaultdict(list)
    rows = (
        Profile.objects.filter(unit_id__in=list(unit_ids), user__is_active=True)
        .exclude(role__code__in=["enterprise", "site_admin"])
        .values_list(
            "unit_id",
            "user__first_name",
            "user__username",
            "user__email",
            "phone",
            "email_notifications",
        )
        .order_by("unit_id", "user__username")
    )
    for unit_id, full_name, username, email, phone, wants in rows:
        out[unit_id].append(Recipient(full_name or username, email or "", phone or "", wants))
    return out


@dataclass
class Delivery:
    emails: int = 0
    sms: int = 0


def deliver(
    recipients: list[Recipient],
    *,
    subject: str,
    body: str,
    sms_text: str,
    purpose: str,
    connection=None,
    sms: SmsSender | None = None,
) -> Delivery:
    """One e-mail to every recipient who takes e-mail, one SMS to every phone."""
    result = Delivery()
    to = sorted({r.email for r in recipients if r.email and r.wants_email})
    if to:
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=to,
            connection=connection,
        )
        message.send()
        result.emails = len(to)
    phones = sorted({r.phone for r in recipients if r.phone})
    if phones:
        sender = sms or get_sms_sender()
        for phone in phones:
            sender.send(phone, sms_text, purpose=purpose)
        result.sms = len(phones)
    return result


def _safely(what: str, fn) -> None:
    """Notifications after commit must never undo or break the action that caused them."""
    try:
        fn()
    except Exception:  # the action is committed; the failure is logged for the operators
        log.exception("supervision notification failed: %s", what)


def notice_issued(notice_id: int) -> None:
    from qinqing.supervision.models import SupervisionNotice

    def run():
        notice = SupervisionNotice.objects.select_related("unit", "issuing_unit", "task").get(
            pk=notice_id
        )
        task_line = f"督办任务：{notice.task}\n" if notice.task_id else ""
        body = (
            f"{notice.unit.name}：\n\n"
            f"{notice.issuing_unit.name}向你单位签发{notice.get_level_display()}通知（{notice.number}）。\n"
            f"{task_line}督办事由：{notice.reason}\n"
            + (f"办理要求：{notice.requirement}\n" if notice.requirement else "")
            + f"请于 {notice.response_due_on:%Y年%m月%d日} 前登录亲清平台反馈办理情况。\n"
        )
        deliver(
            unit_recipients([notice.unit_id]).get(notice.unit_id, []),
            subject=f"【{notice.get_level_display()}】{notice.number} {notice.issuing_unit.name}督办通知",
            body=body,
            sms_text=(
                f"【亲清】{notice.issuing_unit.name}向你单位签发{notice.get_level_display()}"
                f"（{notice.number}），请于{notice.response_due_on:%m月%d日}前登录平台反馈。"
            ),
            purpose="督办单",
        )

    _safely(f"notice {notice_id}", run)


def report_returned(report_id: int) -> None:
    from qinqing.supervision.models import ProgressReport

    def run():
        report = ProgressReport.objects.select_related("unit", "task", "cycle").get(pk=report_id)
        body = (
            f"{report.unit.name}：\n\n"
            f"你单位报送的“{report.task}”{report.cycle.label}进度被退回。\n"
            f"退回理由：{report.return_reason}\n"
            "请登录亲清平台修改后重新报送。\n"
        )
        deliver(
            unit_recipients([report.unit_id]).get(report.unit_id, []),
            subject=f"【进度报送退回】{str(report.task)[:40]}",
            body=body,
            sms_text=f"【亲清】你单位{report.cycle.label}进度报送被退回，请登录平台修改后重新报送。",
            purpose="报送退回",
        )

    _safely(f"report {report_id}", run)


def open_connection():
    """One SMTP connection for a batch (the sweep sends many messages)."""
    return get_connection()
