"""The in-app inbox (站内消息), one delivery row per channel, and users' channel choices."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from qinqing.core.crypto.fields import EncryptedTextField


class Channel(models.TextChoices):
    INBOX = "inbox", "站内消息"
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("类型", max_length=60)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    key = models.CharField("去重键", max_length=200, blank=True)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~models.Q(key=""),
                name="notifications_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return self.title


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    HELD = "held", "夜间暂缓"
    SKIPPED = "skipped", "未发送"


class Delivery(models.Model):
    """One channel of one message: its status, attempts and the last error.

    The address (e-mail, phone) is read from the recipient's profile when sending, so a
    corrected number reaches a held or failed message; only the masked form is kept here.
    """

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name="消息"
    )
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    status = models.CharField(
        "状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    sms_text = models.CharField("短信内容", max_length=300, blank=True)
    address = models.CharField("发送地址", max_length=120, blank=True)  # masked phone / e-mail
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    note = models.CharField("说明", max_length=100, blank=True)  # why skipped or held
    queued_at = models.DateTimeField("排队时间")
    not_before = models.DateTimeField("最早发送时间", null=True, blank=True)
    attempted_at = models.DateTimeField("最近尝试时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    provider_ref = models.CharField("服务商回执", max_length=100, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        verbose_name = "消息投递"
        verbose_name_plural = "消息投递"
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="notifications_one_delivery_per_channel"
            )
        ]
        indexes = [models.Index(fields=["status", "not_before"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_status_display()}"


class Preference(models.Model):
    """A user's channels for one kind of message (no row: every channel the sender uses)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name="用户",
    )
    kind = models.CharField("消息类型", max_length=60)
    inbox = models.BooleanField("站内消息", default=True)
    email = models.BooleanField("电子邮件", default=True)
    sms = models.BooleanField("短信", default=True)
    updated_at = models.DateTimeField("修改时间")

    class Meta:
        verbose_name = "消息设置"
        verbose_name_plural = "消息设置"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notifications_one_pref_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"

    def allows(self, channel: str) -> bool:
        return bool(getattr(self, channel))


class SmsOutbox(models.Model):
    """What the outbox SMS adapter was asked to send (the default: no gateway connected).

    The text may carry a one-time code (码上反映 核验), so it is stored SM4-encrypted: a DBA
    or a database dump sees ciphertext, only the application with the key reads it back.
    """

    phone = models.CharField("手机号（已脱敏）", max_length=20)
    text = EncryptedTextField("内容", max_length=300)  # SM4 at rest: may hold a one-time code
    kind = models.CharField("消息类型", max_length=60, blank=True)
    created_at = models.DateTimeField("时间")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "短信发件箱"
        verbose_name_plural = "短信发件箱"

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"
