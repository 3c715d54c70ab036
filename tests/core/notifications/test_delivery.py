"""Sending after commit, once per key, by the channels each user chose, never SMS to an
enterprise at night; e-mail through a real local SMTP server."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from qinqing.core.accounts.models import Profile
from qinqing.core.notifications import notify, notify_enterprise, notify_enterprises, notify_unit
from qinqing.core.notifications.models import Delivery, Notification, Preference, SmsOutbox
from qinqing.core.notifications.tasks import delivery_health, send_pending
from tests.core.notifications.conftest import at

KIND = "supervision.notice"


def statuses(user, channel):
    return list(
        Delivery.objects.filter(notification__recipient=user, channel=channel)
        .order_by("pk")
        .values_list("status", flat=True)
    )


@pytest.fixture
def phones(world):
    Profile.objects.filter(user=world.tax_clerk).update(phone="13800138000")
    Profile.objects.filter(user=world.enterprise_a).update(phone="13900139000")
    return world


def test_rolled_back_transaction_sends_nothing(phones, django_capture_on_commit_callbacks):
    world = phones
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(world.tax_clerk, kind=KIND, title="督办通知", key="n:1", now=at(10))
        raise RuntimeError("the action failed")
    assert callbacks == []
    assert not Notification.objects.exists() and not Delivery.objects.exists()
    assert mail.outbox == [] and not SmsOutbox.objects.exists()


def test_email_and_sms_go_out_only_after_commit(phones, django_capture_on_commit_callbacks):
    world = phones
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(world.tax_clerk, kind=KIND, title="督办通知<script>", body="请反馈",
               url="/supervision/notices/1/", key="n:1", now=at(10))  # fmt: skip
        assert mail.outbox == [] and not SmsOutbox.objects.exists()
        assert statuses(world.tax_clerk, "email") == ["queued"]
    assert statuses(world.tax_clerk, "email") == ["sent"]
    assert statuses(world.tax_clerk, "sms") == ["sent"]
    assert statuses(world.tax_clerk, "inbox") == ["sent"]
    (message,) = mail.outbox
    assert message.to == [world.tax_clerk.email] and message.subject == "督办通知<script>"
    assert "/supervision/notices/1/" in message.body
    sms = SmsOutbox.objects.get()
    assert sms.phone == "138****8000" and sms.text == "【亲清】督办通知<script>"
    email = Delivery.objects.get(channel="email")
    assert email.attempts == 1 and email.address == "t***@example.invalid"


def test_same_key_reaches_each_recipient_once_across_sweeps(
    phones, django_capture_on_commit_callbacks
):
    world = phones
    for hour in (9, 10, 11):  # a sweep that runs every hour finds the same overdue task
        with django_capture_on_commit_callbacks(execute=True):
            new = notify_unit(world.tax, kind=KIND, title="任务逾期", key="overdue:7",
                              now=at(hour))  # fmt: skip
        send_pending(at(hour, 5))
        assert new == (1 if hour == 9 else 0)
    assert Notification.objects.filter(recipient=world.tax_clerk, key="overdue:7").count() == 1
    assert len(mail.outbox) == 1 and SmsOutbox.objects.count() == 1


def test_preferences_turn_channels_off_per_kind(phones, django_capture_on_commit_callbacks):
    world = phones
    Preference.objects.create(user=world.tax_clerk, kind=KIND, inbox=False, email=False,
                              sms=True, updated_at=at(8))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        notify(world.tax_clerk, kind=KIND, title="督办通知", now=at(10))
        notify(world.tax_clerk, kind="appeals.ticket_dispatched", title="新工单", now=at(10))
    assert statuses(world.tax_clerk, "email") == ["skipped", "sent"]
    assert [m.subject for m in mail.outbox] == ["新工单"]
    assert statuses(world.tax_clerk, "sms") == ["sent", "sent"]
    # the inbox keeps the message but it does not count as unread
    muted = Notification.objects.get(title="督办通知")
    assert muted.read_at is not None
    assert statuses(world.tax_clerk, "inbox") == ["skipped", "sent"]


def test_profile_switch_turns_email_off(phones, django_capture_on_commit_callbacks):
    world = phones
    Profile.objects.filter(user=world.tax_clerk).update(email_notifications=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify(world.tax_clerk, kind=KIND, title="督办通知", now=at(10))
    assert mail.outbox == []
    assert Delivery.objects.get(channel="email").note == "接收人已关闭邮件提醒"


def test_channels_argument_limits_what_is_sent(phones, django_capture_on_commit_callbacks):
    world = phones
    with django_capture_on_commit_callbacks(execute=True):
        notify(world.tax_clerk, kind=KIND, title="仅站内", channels=("inbox",), now=at(10))
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["inbox"]
    assert mail.outbox == []
    with pytest.raises(ValueError, match="fax"):
        notify(world.tax_clerk, kind=KIND, title="x", channels=("fax",))


def test_enterprise_sms_at_night_waits_until_eight_and_is_sent_once(
    phones, django_capture_on_commit_callbacks
):
    world = phones
    with django_capture_on_commit_callbacks(execute=True):
        notify_enterprise(world.enterprise_a.profile.uscc, kind="policies.push",
                          title="您的企业符合政策", now=at(22, 30))  # fmt: skip
        notify(world.tax_clerk, kind=KIND, title="督办通知", now=at(22, 30))
    held = Delivery.objects.get(notification__recipient=world.enterprise_a, channel="sms")
    assert held.status == "held" and held.not_before == at(8, day=2)
    assert statuses(world.enterprise_a, "email") == ["sent"]  # e-mail is not held
    assert statuses(world.tax_clerk, "sms") == ["sent"]  # staff get SMS at night
    assert SmsOutbox.objects.count() == 1

    assert send_pending(at(7, 59, day=2))["released"] == 0
    assert SmsOutbox.objects.count() == 1
    first = send_pending(at(8, 0, day=2))
    assert (first["released"], first["sent"]) == (1, 1)
    assert statuses(world.enterprise_a, "sms") == ["sent"]
    assert send_pending(at(8, 5, day=2)) == {
        "released": 0, "sent": 0, "failed": 0, "held": 0, "skipped": 0,
    }  # fmt: skip
    assert SmsOutbox.objects.filter(phone="139****9000").count() == 1


def test_quiet_hours_are_configurable(phones, settings, django_capture_on_commit_callbacks):
    world = phones
    settings.QINQING_SMS_QUIET_HOURS = ("22:00", "07:00")
    with django_capture_on_commit_callbacks(execute=True):
        notify(world.enterprise_a, kind="policies.push", title="晚九点半", now=at(21, 30))
        notify(world.enterprise_a, kind="policies.push", title="晚十点", now=at(22, 0))
    assert statuses(world.enterprise_a, "sms") == ["sent", "held"]
    assert Delivery.objects.get(status="held").not_before == at(7, day=2)


def test_missing_phone_is_recorded_as_skipped(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(world.market_clerk, kind=KIND, title="督办通知", now=at(10))
    sms = Delivery.objects.get(channel="sms")
    assert sms.status == "skipped" and sms.note == "未登记手机号"


def test_fan_out_to_enterprises_without_accounts_sends_to_those_with_one(world):
    uscc_a, uscc_b = world.enterprise_a.profile.uscc, world.enterprise_b.profile.uscc
    new = notify_enterprises(
        [(u, {"kind": "policies.push", "title": f"推送 {u}", "key": f"push:{u}"})
         for u in (uscc_a, uscc_b, "91110000MA0NOACCT0")],
        now=at(10),
    )  # fmt: skip
    assert new == 2
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "enterprise_a", "enterprise_b",
    }  # fmt: skip


def test_smtp_server_receives_the_mail(phones, smtp_server, django_capture_on_commit_callbacks):
    world = phones
    with django_capture_on_commit_callbacks(execute=True):
        notify_unit(world.tax, kind=KIND, title="督办通知", body="请于三日内反馈", now=at(10))
    ((rcpt, message),) = smtp_server.messages
    assert rcpt == [world.tax_clerk.email] and message["Subject"] == "督办通知"
    assert "请于三日内反馈" in message.get_content()


def test_smtp_down_is_recorded_then_retried_by_the_job(
    phones, settings, closed_smtp_port, django_capture_on_commit_callbacks
):
    world = phones
    with django_capture_on_commit_callbacks(execute=True):
        notify([world.tax_clerk, world.market_clerk], kind=KIND, title="督办通知", now=at(10))
    failed = Delivery.objects.filter(channel="email", status="failed")
    assert failed.count() == 1  # the first failure; the second waits for the job
    assert "Connection" in failed.get().last_error or "refused" in failed.get().last_error
    assert Delivery.objects.filter(channel="email", status="queued").count() == 1
    health = delivery_health(at(10, 1))
    assert health["failed_24h"] == 1 and health["queued"] == 2 and not health["ok"]
    assert health["oldest_queued_at"] == at(10)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    result = send_pending(at(10, 5))
    assert result["sent"] == 2  # both e-mails; the SMS had gone out after commit
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.tax_clerk.email, world.market_clerk.email]
    )
    assert not Delivery.objects.filter(status__in=["failed", "queued"]).exists()
    assert delivery_health(at(10, 6))["queued"] == 0
