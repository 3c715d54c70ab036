"""派单 tells the handling unit; the lead unit's answer tells the enterprise; each once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from qinqing.appeals import service
from qinqing.core.errors import QinqingError
from qinqing.core.notifications.models import Delivery, Notification
from tests.appeals.conftest import NOW
from tests.appeals.factories import dispatched, replied


def test_dispatch_tells_the_units_handlers_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appeal, ticket = dispatched(world, NOW, assisting=[world.tax])
    to_market = Notification.objects.get(recipient=world.market_clerk)
    assert to_market.kind == "appeals.ticket_dispatched"
    assert appeal.number in to_market.title and "主办" in to_market.title
    assert to_market.url == f"/appeals/{appeal.pk}/"
    assert "协办" in Notification.objects.get(recipient=world.tax_clerk).title
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.market_clerk.email, world.tax_clerk.email]
    )
    # the enterprise and the office are not told about the dispatch
    assert not Notification.objects.filter(recipient=world.enterprise_a).exists()


def test_refused_dispatch_writes_no_message(world):
    appeal, _ = dispatched(world, NOW)
    before = Notification.objects.count(), Delivery.objects.count()
    with pytest.raises(QinqingError):
        service.dispatch_appeal(appeal, actor=world.office_admin, now=NOW,
                                primary_unit=world.tax, assisting_units=[])  # fmt: skip
    assert (Notification.objects.count(), Delivery.objects.count()) == before
    assert not Notification.objects.filter(recipient=world.tax_clerk).exists()


def test_lead_units_answer_reaches_the_enterprise(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appeal, ticket = replied(world, NOW)
    answer = Notification.objects.get(recipient=world.enterprise_a)
    assert answer.kind == "appeals.answered" and appeal.number in answer.title
    assert "合并检查事项" in answer.body
    assert any(m.to == [world.enterprise_a.email] for m in mail.outbox)
    assert Notification.objects.filter(recipient=world.enterprise_a, read_at=None).count() == 1
    assert ticket.replied_at == NOW + dt.timedelta(days=1)
