"""Hole 2 (audit scope): appeal events had no unit and events without a unit were shown to
everyone with audit access; a referred complaint's title was readable in the audit log."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from qinqing.appeals import service
from qinqing.core import audit
from qinqing.core.audit.models import AuditEvent
from qinqing.core.audit.restricted import REDACTED_TEXT
from tests.appeals.factories import make_appeal
from tests.world import USCC_A, make_uscc

NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
SECRET_TITLE = "某科长吃拿卡要索要好处费"
USCC_C = make_uscc("91110000MA01CCCC2")  # an enterprise with no account in the world


def audit_page(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_county_office_does_not_read_the_citys_appeals(client, world):
    appeal = make_appeal(world, NOW, title="市里的诉求标题甲")
    assert AuditEvent.objects.get(verb="appeal.received").unit_id == world.city.pk
    county = audit_page(client, world.county_officer)
    assert "市里的诉求标题甲" not in county and USCC_A not in county
    city = audit_page(client, world.office_admin)
    assert appeal.title in city


def test_events_without_a_unit_are_shown_to_global_roles_only(client, world):
    audit.record("系统任务", "thing.happened", ("x.thing", 1, "无单位的事件内容"))
    assert "无单位的事件内容" not in audit_page(client, world.county_officer)
    assert "无单位的事件内容" not in audit_page(client, world.office_admin)
    assert "无单位的事件内容" in audit_page(client, world.site_admin)


def test_a_referred_complaints_title_stays_hidden_in_the_audit_log(client, world):
    appeal = make_appeal(
        world, NOW, title=SECRET_TITLE, content="索要好处费", enterprise_uscc=USCC_C
    )
    service.dispatch_appeal(
        appeal, actor=world.office_admin, now=NOW, primary_unit=world.market, assisting_units=[]
    )
    appeal.refresh_from_db()
    service.refer_to_discipline(appeal, actor=world.office_admin, now=NOW)
    referred = AuditEvent.objects.get(verb="appeal.referred")
    assert referred.visibility == "restricted" and SECRET_TITLE not in referred.object_repr
    for user in (world.office_admin, world.leader, world.site_admin):
        page = audit_page(client, user)
        assert SECRET_TITLE not in page, user
        assert USCC_C not in page, user
        assert REDACTED_TEXT in page
