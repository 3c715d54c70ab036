"""Defect 8: the unit handling an appeal sees the enterprise's phone number (and that view is
audited); a unit whose ticket is no longer open, the leader and others keep the mask."""

from __future__ import annotations

import datetime as dt

from qinqing.appeals import service
from qinqing.core.audit.models import AuditEvent
from tests.appeals.conftest import NOW
from tests.appeals.factories import PHONE_A, dispatched

MASKED = "138****5678"


def test_handling_unit_sees_the_number_and_the_view_is_audited(appeals_world, as_user, clock):
    w = appeals_world
    appeal, ticket = dispatched(w, NOW)
    page = as_user(w.market_clerk).get(appeal.get_absolute_url()).content.decode()
    assert PHONE_A in page
    event = AuditEvent.objects.get(verb="appeal.viewed_phone")
    assert event.object_id == str(appeal.pk)


def test_others_keep_the_mask(appeals_world, as_user, clock):
    w = appeals_world
    appeal, ticket = dispatched(w, NOW)
    page = as_user(w.leader).get(appeal.get_absolute_url()).content.decode()
    assert MASKED in page and PHONE_A not in page
    # once the unit's ticket is returned it no longer handles the appeal
    service.request_return(
        ticket, actor=w.market_clerk, now=NOW + dt.timedelta(hours=1), reason="不属于本单位职责"
    )
    service.review_return(
        ticket, actor=w.office_admin, now=NOW + dt.timedelta(hours=2), approve=True, note=""
    )
    page = as_user(w.market_clerk).get(appeal.get_absolute_url())
    body = page.content.decode()
    assert page.status_code == 200 and MASKED in body and PHONE_A not in body
    assert not AuditEvent.objects.filter(verb="appeal.viewed_phone").exists()
