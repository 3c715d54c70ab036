"""Hole 6: anyone could submit in any enterprise's name on the public QR form by typing its
credit code, and the submission appeared in that enterprise's own list. Such submissions are
now marked 未核验 and stay out of the enterprise's account until the submitter confirms,
by logging in as the enterprise's user or with a code sent to its registered phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from qinqing.appeals import service
from qinqing.appeals.choices import AppealState, AppealType, QrKind
from qinqing.appeals.models import Appeal, IdentityCode, ServiceRating
from qinqing.core.audit.models import AuditEvent
from tests.appeals.conftest import NOW
from tests.appeals.factories import appeal_data

FORGED_TITLE = "冒名提交的诉求标题"
REGISTERED_PHONE = "13900001111"


class CapturedSms:
    """The SMS adapter of these tests: keeps what would have been sent."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str, *, kind: str = "", now=None) -> str:
        self.sent.append((phone, text))
        return f"captured:{len(self.sent)}"


@pytest.fixture
def sms(settings):
    settings.QINQING_SMS_ADAPTER = f"{__name__}.CapturedSms"
    CapturedSms.sent = []
    return CapturedSms.sent


@pytest.fixture
def qr_url(world):
    entry = service.create_qr_entry(
        actor=None, now=NOW, locality=world.city, kind=QrKind.DEPARTMENT, unit=world.market
    )
    return reverse("appeals:public_form", args=[entry.token])


@pytest.fixture
def registered(world):
    """Enterprise A's account carries its registered mobile number."""
    profile = world.enterprise_a.profile
    profile.phone = REGISTERED_PHONE
    profile.save()
    return profile


def _submit(browser: Client, qr_url: str, **data) -> Appeal:
    assert browser.post(qr_url, appeal_data(title=FORGED_TITLE, **data)).status_code == 200
    return Appeal.objects.latest("pk")


def _confirm_url(appeal: Appeal) -> str:
    return reverse("appeals:confirm_identity", args=[appeal.pk])


def _code(sms) -> str:
    return re.search(r"验证码 (\d{6})", sms[-1][1]).group(1)


def _in_account(world, appeal: Appeal) -> bool:
    client = Client()
    client.force_login(world.enterprise_a)
    listing = client.get(reverse("appeals:list")).content.decode()
    detail = client.get(appeal.get_absolute_url())
    return FORGED_TITLE in listing and detail.status_code == 200


def test_an_anonymous_qr_submission_does_not_enter_the_enterprises_account(world, client, qr_url):
    appeal = _submit(Client(), qr_url)
    assert appeal.identity_confirmed is False
    assert AuditEvent.objects.get(verb="appeal.received").after["identity_confirmed"] is False
    client.force_login(world.enterprise_a)
    mine = client.get(reverse("appeals:list"))
    assert FORGED_TITLE not in mine.content.decode()
    assert client.get(reverse("appeals:detail", args=[appeal.pk])).status_code == 404
    # the office still receives and handles it
    client.force_login(world.office_admin)
    assert FORGED_TITLE in client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()


def test_the_enterprises_own_signed_in_qr_submission_is_its_own(world, client, qr_url):
    client.force_login(world.enterprise_a)
    client.post(qr_url, appeal_data(title="自己提交"))
    appeal = Appeal.objects.get()
    assert appeal.identity_confirmed is True
    assert "自己提交" in client.get(reverse("appeals:list")).content.decode()


def test_a_stranger_can_neither_see_nor_rate_nor_claim_it(world, qr_url, sms, registered):
    stranger = Client()
    appeal = _submit(stranger, qr_url, appeal_type=AppealType.CONSULTATION)
    stranger.force_login(world.enterprise_b)  # then signs in, but as another enterprise
    assert appeal.identity_confirmed is False
    service.answer_on_the_spot(
        appeal, actor=world.office_admin, now=NOW, answer="可以到政务服务中心办理。"
    )
    # enterprise B's login does not vouch for enterprise A
    refused = stranger.post(_confirm_url(appeal), {"action": "login"})
    assert refused.status_code == 400
    assert "不是“甲企业" in refused.content.decode()
    assert not Appeal.objects.get(pk=appeal.pk).identity_confirmed
    assert not AuditEvent.objects.filter(verb="appeal.identity_confirmed").exists()
    # enterprise A's own account neither lists it nor lets anyone rate it there
    owner = Client()
    owner.force_login(world.enterprise_a)
    assert owner.get(reverse("appeals:list")).content.decode().count(FORGED_TITLE) == 0
    assert owner.post(reverse("appeals:rate", args=[appeal.pk]), {"level": 5}).status_code == 404
    assert stranger.post(reverse("appeals:rate", args=[appeal.pk]), {"level": 5}).status_code == 404
    assert not ServiceRating.objects.exists()
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.ANSWERED


def test_only_the_submitting_browser_reaches_the_confirmation(world, qr_url, registered, sms):
    appeal = _submit(Client(), qr_url)
    other = Client()
    assert other.get(_confirm_url(appeal)).status_code == 404
    assert other.post(_confirm_url(appeal), {"action": "send"}).status_code == 404
    assert sms == [] and not IdentityCode.objects.exists()


def test_wrong_codes_are_refused_and_nothing_moves(world, qr_url, registered, sms, clock):
    browser = Client()
    appeal = _submit(browser, qr_url)
    sent = browser.post(_confirm_url(appeal), {"action": "send"})
    assert sent.status_code == 302
    assert sms[-1][0] == REGISTERED_PHONE
    right = _code(sms)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _attempt in range(5):
        page = browser.post(_confirm_url(appeal), {"action": "verify", "code": wrong})
        assert page.status_code == 400
        text = page.content.decode()
        assert "验证码不正确" in text and f'value="{wrong}"' in text  # what was typed stays
    assert "错误次数过多" in text
    # five wrong entries spend the code: even the right one is refused now
    late = browser.post(_confirm_url(appeal), {"action": "verify", "code": right})
    assert late.status_code == 400 and "错误次数过多" in late.content.decode()
    assert not Appeal.objects.get(pk=appeal.pk).identity_confirmed
    assert not _in_account(world, appeal)
    assert AuditEvent.objects.filter(verb="appeal.identity_code_refused").count() == 5
    assert not AuditEvent.objects.filter(verb="appeal.identity_confirmed").exists()


def test_an_expired_code_is_refused(world, qr_url, registered, sms, clock):
    browser = Client()
    appeal = _submit(browser, qr_url)
    browser.post(_confirm_url(appeal), {"action": "send"})
    clock.advance(minutes=11)
    page = browser.post(_confirm_url(appeal), {"action": "verify", "code": _code(sms)})
    assert page.status_code == 400 and "验证码已过期" in page.content.decode()
    assert not Appeal.objects.get(pk=appeal.pk).identity_confirmed


def test_codes_are_rate_limited_and_stored_only_as_a_hash(world, qr_url, registered, sms, clock):
    browser = Client()
    appeal = _submit(browser, qr_url)
    browser.post(_confirm_url(appeal), {"action": "send"})
    again = browser.post(_confirm_url(appeal), {"action": "send"}, follow=True)
    assert "秒后再重新获取" in again.content.decode()
    assert len(sms) == 1 and IdentityCode.objects.count() == 1
    for _ in range(2):
        clock.advance(minutes=2)
        browser.post(_confirm_url(appeal), {"action": "send"})
    clock.advance(minutes=2)
    fourth = browser.post(_confirm_url(appeal), {"action": "send"}, follow=True)
    assert "次数过多" in fourth.content.decode() and len(sms) == 3
    row = IdentityCode.objects.latest("pk")
    assert _code(sms) not in row.code_hash and row.phone == "139****1111"


def test_the_right_code_moves_the_appeal_into_the_account(world, qr_url, registered, sms, clock):
    browser = Client()
    appeal = _submit(browser, qr_url)
    assert not _in_account(world, appeal)
    browser.post(_confirm_url(appeal), {"action": "send"})
    clock.advance(minutes=3)
    done = browser.post(_confirm_url(appeal), {"action": "verify", "code": _code(sms)})
    assert done.status_code == 200 and "已确认" in done.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).identity_confirmed
    assert _in_account(world, appeal)
    event = AuditEvent.objects.get(verb="appeal.identity_confirmed")
    assert event.after == {"identity_confirmed": True, "method": "sms"}


def test_the_sms_outbox_keeps_the_code_unreadable_to_the_database(world, qr_url, registered, clock):
    """等保/密评: with no gateway, the code sits in the outbox; a DBA must not read it there."""
    from django.db import connection

    from qinqing.core.notifications.models import SmsOutbox

    browser = Client()
    appeal = _submit(browser, qr_url)
    browser.post(_confirm_url(appeal), {"action": "send"})  # the default outbox adapter
    sent = SmsOutbox.objects.get()
    code = re.search(r"验证码 (\d{6})", sent.text).group(1)  # the application reads it back
    assert sent.phone == "139****1111"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT text FROM {SmsOutbox._meta.db_table} WHERE id = %s", [sent.pk])
        (stored,) = cursor.fetchone()
    assert code not in stored and "验证码" not in stored and stored.startswith("sm4")
    # and the code read back from the outbox still confirms the submission
    clock.advance(minutes=1)
    done = browser.post(_confirm_url(appeal), {"action": "verify", "code": code})
    assert done.status_code == 200 and Appeal.objects.get(pk=appeal.pk).identity_confirmed


def test_logging_in_as_the_enterprise_confirms_it(world, qr_url, clock):
    browser = Client()
    appeal = _submit(browser, qr_url)
    browser.force_login(world.enterprise_a)  # the same browser signs in
    page = browser.get(_confirm_url(appeal)).content.decode()
    assert "确认这件诉求由本企业提交" in page
    response = browser.post(_confirm_url(appeal), {"action": "login"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.identity_confirmed and appeal.submitted_by == world.enterprise_a
    assert _in_account(world, appeal)


def test_staff_pages_badge_unverified_appeals_until_confirmed(
    world, qr_url, registered, sms, clock
):
    browser = Client()
    appeal = _submit(browser, qr_url)
    service.dispatch_appeal(
        appeal,
        actor=world.office_admin,
        now=NOW + dt.timedelta(minutes=5),
        primary_unit=world.market,
    )
    office, unit = Client(), Client()
    office.force_login(world.office_admin)
    unit.force_login(world.market_clerk)
    pages = [
        (office, reverse("appeals:list")),
        (office, appeal.get_absolute_url()),
        (unit, reverse("appeals:tickets")),
        (unit, appeal.get_absolute_url()),
    ]
    for client, url in pages:
        assert "未核验" in client.get(url).content.decode(), url
    browser.post(_confirm_url(appeal), {"action": "send"})
    browser.post(_confirm_url(appeal), {"action": "verify", "code": _code(sms)})
    for client, url in pages:
        assert "未核验" not in client.get(url).content.decode(), url
