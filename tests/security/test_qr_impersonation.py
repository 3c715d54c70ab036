"""Hole 6: anyone could submit in any enterprise's name on the public QR form by typing its
credit code, and the submission appeared in that enterprise's own list. Such submissions are
now marked 未核验 and stay out of the enterprise's account."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from qinqing.appeals import service
from qinqing.appeals.choices import QrKind
from qinqing.appeals.models import Appeal
from qinqing.core.audit.models import AuditEvent
from tests.appeals.conftest import NOW
from tests.appeals.factories import appeal_data

FORGED_TITLE = "冒名提交的诉求标题"


def test_an_anonymous_qr_submission_does_not_enter_the_enterprises_account(world, client):
    entry = service.create_qr_entry(
        actor=None, now=NOW, locality=world.city, kind=QrKind.DEPARTMENT, unit=world.market
    )
    url = reverse("appeals:public_form", args=[entry.token])
    assert Client().post(url, appeal_data(title=FORGED_TITLE)).status_code == 200
    appeal = Appeal.objects.get()
    assert appeal.identity_confirmed is False
    assert AuditEvent.objects.get(verb="appeal.received").after["identity_confirmed"] is False
    client.force_login(world.enterprise_a)
    mine = client.get(reverse("appeals:list"))
    assert FORGED_TITLE not in mine.content.decode()
    assert client.get(reverse("appeals:detail", args=[appeal.pk])).status_code == 404
    # the office still receives and handles it
    client.force_login(world.office_admin)
    assert FORGED_TITLE in client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()


def test_the_enterprises_own_signed_in_qr_submission_is_its_own(world, client):
    entry = service.create_qr_entry(
        actor=None, now=NOW, locality=world.city, kind=QrKind.DEPARTMENT, unit=world.market
    )
    client.force_login(world.enterprise_a)
    client.post(reverse("appeals:public_form", args=[entry.token]), appeal_data(title="自己提交"))
    appeal = Appeal.objects.get()
    assert appeal.identity_confirmed is True
    assert "自己提交" in client.get(reverse("appeals:list")).content.decode()
