"""码上监督: the enterprise's code, the scan on arrival, the enterprise's view, reports."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from qinqing.core.audit.models import AuditEvent
from qinqing.onsite.models import CheckScan, RegistrationState, UnregisteredVisitReport
from tests.inspections.conftest import NOW
from tests.onsite.conftest import enterprise, register
from tests.world import USCC_A

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 22)


def _ent_a(ow):
    return next(e for e in ow.enterprises if e.uscc == USCC_A)


def test_an_unregistered_visit_report_becomes_an_appeal(ow, client_for):
    from qinqing.appeals.models import Appeal

    client = client_for(ow.enterprise_a)
    response = client.post(
        reverse("onsite:report"),
        {"visited_on": "2026-05-29", "visitor_unit": "某执法大队", "description": "两人入企，未出示证件",
         "contact_name": "张经理", "contact_phone": "13800000000"},
    )  # fmt: skip
    assert response.status_code == 302
    report = UnregisteredVisitReport.objects.get()
    appeal = Appeal.objects.get(pk=report.appeal_id)
    assert appeal.channel == "onsite"
    assert appeal.enterprise_uscc == USCC_A
    assert appeal.appeal_type == "complaint"
    assert "某执法大队" in appeal.title
    assert appeal.state != "referred"


def test_a_conduct_matter_is_also_referred_to_discipline(ow):
    from qinqing.appeals.models import DisciplineLead
    from qinqing.onsite import service

    report = service.report_unregistered_visit(
        actor=ow.enterprise_a, now=NOW, enterprise=_ent_a(ow), visited_on=date(2026, 5, 29),
        visitor_unit="某局", description="索要土特产", conduct=True, contact_name="张经理",
        contact_phone="13800000000",
    )  # fmt: skip
    report.appeal.refresh_from_db()
    assert report.appeal.state == "referred"
    assert DisciplineLead.objects.filter(appeal=report.appeal).exists()
    assert AuditEvent.objects.filter(verb="appeal.referred").exists()


def test_a_bad_report_keeps_what_was_typed_and_writes_nothing(ow, client_for):
    from qinqing.appeals.models import Appeal

    client = client_for(ow.enterprise_a)
    response = client.post(
        reverse("onsite:report"),
        {"visited_on": "2026-06-30", "visitor_unit": "某执法大队", "description": "说明文字",
         "contact_name": "张经理", "contact_phone": "13800000000"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "还没到" in response.content.decode()
    assert "某执法大队" in response.content.decode()
    assert not Appeal.objects.exists() and not UnregisteredVisitReport.objects.exists()


def test_the_enterprise_sees_only_its_own_checks(ow, client_for):
    mine = register(ow, ent=_ent_a(ow))
    other = register(ow, ent=enterprise(ow, "B"), reason="其他企业的检查事由")
    page = client_for(ow.enterprise_a).get(reverse("onsite:mine")).content.decode()
    assert mine.reason in page
    assert "其他企业的检查事由" not in page
    assert other.pk
    page_b = client_for(ow.enterprise_b).get(reverse("onsite:mine")).content.decode()
    assert "年度日常监督检查" not in page_b


def test_the_inspector_scans_the_code_on_the_planned_day(ow, client_for, monkeypatch):
    from django.utils import timezone

    from qinqing.onsite import service
    from tests.inspections.conftest import at

    r = register(ow, ent=_ent_a(ow), day=TODAY)
    inspector = ow.market_inspectors[0]
    code = service.code_for_enterprise(_ent_a(ow), now=NOW)
    url = reverse("onsite:scan", args=[code.token])
    # before the day: nothing to confirm
    page = client_for(ow.login_of(inspector)).get(url).content.decode()
    assert "没有您所在单位或由您参加的对该企业的检查备案" in page
    monkeypatch.setattr(timezone, "now", lambda: at(TODAY))
    client = client_for(ow.login_of(inspector))
    assert 'name="registration"' in client.get(url).content.decode()
    # another unit's inspector cannot confirm the market's check
    tax = client_for(ow.login_of(ow.tax_inspectors[0]))
    assert tax.post(url, {"registration": r.pk}).status_code == 404
    assert not CheckScan.objects.exists()
    client = client_for(ow.login_of(inspector))
    assert client.post(url, {"registration": r.pk}).status_code == 302
    r.refresh_from_db()
    assert r.state == RegistrationState.ARRIVED
    scan = CheckScan.objects.get()
    assert scan.inspector == inspector and scan.scanned_by == ow.login_of(inspector)
    event = AuditEvent.objects.get(verb="check.arrived")
    assert event.after["inspector"] == inspector.certificate_number
    # the enterprise scanning its own code lands on its own page and sees who came
    assert client_for(ow.enterprise_a).get(url).url == reverse("onsite:mine")


def test_an_inspector_not_on_the_team_cannot_scan_and_nothing_is_written(
    ow, client_for, monkeypatch
):
    from django.utils import timezone

    from qinqing.onsite import service
    from tests.inspections.conftest import at

    r = register(ow, ent=_ent_a(ow), day=TODAY)  # team: the first two market inspectors
    outsider = ow.market_inspectors[2]  # same unit, not on this check
    code = service.code_for_enterprise(_ent_a(ow), now=NOW)
    url = reverse("onsite:scan", args=[code.token])
    monkeypatch.setattr(timezone, "now", lambda: at(TODAY))
    client = client_for(ow.login_of(outsider))
    page = client.get(url).content.decode()
    assert "您不是本次检查登记的检查人员" in page and 'name="registration"' not in page
    response = client.post(url, {"registration": r.pk})
    assert response.status_code == 400
    assert f"{outsider.name}不是该检查备案登记的检查人员" in response.content.decode()
    r.refresh_from_db()
    assert r.state == RegistrationState.REGISTERED and r.arrived_at is None
    assert not CheckScan.objects.exists()
    assert not AuditEvent.objects.filter(verb="check.arrived").exists()


def test_a_unit_clerk_without_an_inspector_identity_cannot_scan(ow, client_for, monkeypatch):
    from django.utils import timezone

    from qinqing.onsite import service
    from tests.inspections.conftest import at

    r = register(ow, ent=_ent_a(ow), day=TODAY)
    code = service.code_for_enterprise(_ent_a(ow), now=NOW)
    url = reverse("onsite:scan", args=[code.token])
    monkeypatch.setattr(timezone, "now", lambda: at(TODAY))
    client = client_for(ow.market_clerk)
    response = client.post(url, {"registration": r.pk})
    assert response.status_code == 403
    assert "执法检查人员本人" in response.content.decode()
    r.refresh_from_db()
    assert r.state == RegistrationState.REGISTERED
    assert not CheckScan.objects.exists()


def test_the_code_image_is_a_png_for_the_enterprise_only(ow, client_for):
    response = client_for(ow.enterprise_a).get(reverse("onsite:my_code"))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client_for(ow.market_clerk).get(reverse("onsite:my_code")).status_code == 403


def test_an_unknown_code_is_not_found(ow, client_for):
    client = client_for(ow.login_of(ow.market_inspectors[0]))
    assert client.get(reverse("onsite:scan", args=["nope"])).status_code == 404
