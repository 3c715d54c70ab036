"""Supervision's messages (督办通知, 报送退回, 调度提醒), sent through the core notification centre.

Called inside the service transaction: the centre writes the inbox rows and deliveries with
the action and sends e-mail and SMS after commit (see qinqing.core.notifications). Who is
told: the active members of the unit concerned (not enterprise or site-admin accounts).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

from qinqing.core.notifications import notify
from qinqing.core.notifications.api import unit_users
from qinqing.core.notifications.models import Delivery as Row

NOT_TOLD = {"enterprise", "site_admin"}


@dataclass
class Delivery:
    """How many e-mails and SMS a batch of reminders queued (the sweep's figures)."""

    emails: int = 0
    sms: int = 0


def _members(unit_id: int) -> list:
    return [u for u in unit_users(unit_id) if u.profile.role.code not in NOT_TOLD]


def _queued(key: str) -> Delivery:
    rows = Row.objects.filter(notification__key=key).exclude(status="skipped")
    return Delivery(
        emails=rows.filter(channel="email").count(), sms=rows.filter(channel="sms").count()
    )


def notice_issued(notice, *, now: datetime) -> None:
    """督办通知 to the unit that must respond."""
    task_line = f"督办任务：{notice.task}\n" if notice.task_id else ""
    level = notice.get_level_display()
    body = (
        f"{notice.unit.name}：\n\n"
        f"{notice.issuing_unit.name}向你单位签发{level}通知（{notice.number}）。\n"
        f"{task_line}督办事由：{notice.reason}\n"
        + (f"办理要求：{notice.requirement}\n" if notice.requirement else "")
        + f"请于 {notice.response_due_on:%Y年%m月%d日} 前登录亲清平台反馈办理情况。\n"
    )
    notify(
        _members(notice.unit_id),
        kind="supervision.notice",
        title=f"【{level}】{notice.number} {notice.issuing_unit.name}督办通知",
        body=body,
        url=notice.get_absolute_url(),
        key=f"supervision-notice:{notice.pk}",
        sms_text=(
            f"【亲清】{notice.issuing_unit.name}向你单位签发{level}"
            f"（{notice.number}），请于{notice.response_due_on:%m月%d日}前登录平台反馈。"
        ),
        now=now,
    )


def report_returned(report, *, now: datetime) -> None:
    """进度报送退回: the unit must correct and resubmit."""
    body = (
        f"{report.unit.name}：\n\n"
        f"你单位报送的“{report.task}”{report.cycle.label}进度被退回。\n"
        f"退回理由：{report.return_reason}\n"
        "请登录亲清平台修改后重新报送。\n"
    )
    notify(
        _members(report.unit_id),
        kind="supervision.report_returned",
        title=f"【进度报送退回】{str(report.task)[:40]}",
        body=body,
        url=report.get_absolute_url(),
        key=f"supervision-report-returned:{report.pk}:{report.return_count}",
        sms_text=f"【亲清】你单位{report.cycle.label}进度报送被退回，请登录平台修改后重新报送。",
        now=now,
    )


def unit_reminders(
    unit_id: int, reminder_ids: list[int], *, subject: str, body: str, sms_text: str,
    now: datetime,
) -> Delivery:  # fmt: skip
    """调度提醒: one message per unit for a batch of reminders, keyed by the batch."""
    digest = hashlib.sha256(",".join(map(str, sorted(reminder_ids))).encode()).hexdigest()[:16]
    key = f"supervision-reminders:{unit_id}:{digest}"
    notify(
        _members(unit_id),
        kind="supervision.reminder",
        title=subject,
        body=body,
        url=reverse("supervision:my_tasks"),
        key=key,
        sms_text=sms_text,
        now=now,
    )
    return _queued(key)
