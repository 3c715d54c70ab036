"""The cloud-SMS-shaped HTTP adapter against a local fake provider on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from qinqing.core.accounts.models import Profile
from qinqing.core.notifications import notify
from qinqing.core.notifications.models import Delivery, SmsOutbox
from qinqing.core.notifications.sms import HttpSmsAdapter, SmsError
from qinqing.core.notifications.tasks import send_pending
from tests.core.notifications.conftest import at


@pytest.fixture
def clerk(world):
    Profile.objects.filter(user=world.tax_clerk).update(phone="13800138000")
    return world.tax_clerk


def test_provider_accepts_the_message(clerk, sms_provider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(clerk, kind="supervision.notice", title="督办通知", sms_text="【亲清】请反馈督办单",
               channels=("sms",), now=at(10))  # fmt: skip
    (request,) = sms_provider.requests
    assert request["path"] == "/sms/send"
    assert request["json"]["PhoneNumbers"] == "13800138000"
    assert request["json"]["SignName"] == "亲清"
    assert request["json"]["TemplateCode"] == "SMS_0001"
    assert json.loads(request["json"]["TemplateParam"]) == {"content": "【亲清】请反馈督办单"}
    assert request["headers"]["Authorization"] == "Bearer key-123"
    expected = hmac.new(b"secret-456", request["raw"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Qinqing-Signature"] == expected
    sms = Delivery.objects.get(channel="sms")
    assert (sms.status, sms.provider_ref, sms.attempts) == ("sent", "biz-1", 1)
    assert sms.address == "138****8000"
    assert not SmsOutbox.objects.exists()  # the outbox adapter was not used


def test_template_chosen_by_kind(sms_provider):
    HttpSmsAdapter().send("13800138000", "急", kind="tests.urgent")
    assert sms_provider.requests[0]["json"]["TemplateCode"] == "SMS_0099"


def test_provider_error_is_recorded_and_retried(
    clerk, sms_provider, django_capture_on_commit_callbacks
):
    sms_provider.reply = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"}
    with django_capture_on_commit_callbacks(execute=True):
        notify(clerk, kind="supervision.notice", title="督办通知", channels=("sms",), now=at(10))
    sms = Delivery.objects.get(channel="sms")
    assert sms.status == "failed" and sms.attempts == 1
    assert sms.last_error == "provider refused: isv.BUSINESS_LIMIT_CONTROL 触发分钟级流控"

    sms_provider.reply = {"Code": "OK", "BizId": "biz-2"}
    assert send_pending(at(10, 5))["sent"] == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.provider_ref, sms.last_error) == ("sent", 2, "biz-2", "")
    assert len(sms_provider.requests) == 2


def test_http_error_status_with_json_body_is_a_provider_error(sms_provider):
    sms_provider.status, sms_provider.reply = 400, {"Code": "InvalidParameter", "Message": "号码"}
    with pytest.raises(SmsError, match="InvalidParameter"):
        HttpSmsAdapter().send("13800138000", "x")


def test_unreachable_provider(settings):
    with pytest.raises(SmsError, match="unreachable"):
        HttpSmsAdapter({"URL": "http://127.0.0.1:1/sms", "TIMEOUT": 2}).send("13800138000", "x")


def test_only_http_addresses():
    with pytest.raises(SmsError, match="http"):
        HttpSmsAdapter({"URL": "file:///etc/passwd"})


def test_gives_up_after_max_attempts(clerk, settings, sms_provider):
    settings.QINQING_NOTIFY_MAX_ATTEMPTS = 2
    sms_provider.reply = {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "号码格式错误"}
    notify(clerk, kind="supervision.notice", title="督办通知", channels=("sms",), now=at(10))
    for minute in (5, 10, 15, 20):
        send_pending(at(10, minute))
    assert len(sms_provider.requests) == 2
    assert Delivery.objects.get(channel="sms").attempts == 2
