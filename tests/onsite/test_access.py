"""One table of personas against the endpoints; every denial also proves nothing was written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qinqing.core.audit.models import AuditEvent
from qinqing.onsite.models import CheckRegistration, OnsiteSettings, RegistrationState
from tests.onsite.conftest import OPEN_DAY, enterprise, register

pytestmark = pytest.mark.django_db


def _form(ow, ent):
    return {
        "enterprise": ent.uscc, "category": "routine", "planned_on": OPEN_DAY.isoformat(),
        "reason": "日常检查", "legal_basis": "依据", "items": [ow.market_item.pk],
        "inspectors": [p.pk for p in ow.market_inspectors[:2]],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("persona", "status"),
    [("enterprise_a", 403), ("office_admin", 403), ("leader", 403), ("other_officer", 403),
     ("discipline", 403)],
)  # fmt: skip
def test_only_unit_staff_register(ow, client_for, persona, status):
    response = client_for(getattr(ow, persona)).post(
        reverse("onsite:register"), _form(ow, enterprise(ow, "B"))
    )
    assert response.status_code == status
    assert not CheckRegistration.objects.exists()
    assert not AuditEvent.objects.filter(verb="check.registered").exists()


def test_a_unit_cannot_register_with_another_units_item(ow, client_for):
    response = client_for(ow.tax_clerk).post(
        reverse("onsite:register"), _form(ow, enterprise(ow, "B"))
    )
    assert response.status_code == 400  # the market's item is not a choice for the tax unit
    assert "选择" in response.content.decode()
    assert not CheckRegistration.objects.exists()


def test_a_refused_registration_keeps_what_was_typed(ow, client_for):
    data = {**_form(ow, enterprise(ow, "B")), "planned_on": "2026-06-10", "reason": "我填写的事由"}
    response = client_for(ow.market_clerk).post(reverse("onsite:register"), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "宁静日" in page and "我填写的事由" in page
    assert not CheckRegistration.objects.exists()


def test_the_web_form_registers(ow, client_for):
    response = client_for(ow.market_clerk).post(
        reverse("onsite:register"), _form(ow, enterprise(ow, "B"))
    )
    assert response.status_code == 302
    assert CheckRegistration.objects.get().state == RegistrationState.REGISTERED


@pytest.mark.parametrize(
    ("persona", "status"),
    [("market_clerk", 200), ("office_admin", 200), ("leader", 200), ("tax_clerk", 404),
     ("county_clerk", 404), ("other_officer", 404), ("enterprise_a", 403), ("enterprise_b", 403)],
)  # fmt: skip
def test_who_sees_a_registration(ow, client_for, persona, status):
    r = register(ow)
    response = client_for(getattr(ow, persona)).get(reverse("onsite:detail", args=[r.pk]))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [("market_clerk", 403), ("tax_clerk", 403), ("other_officer", 404), ("county_officer", 404),
     ("leader", 403), ("enterprise_a", 403)],
)  # fmt: skip
def test_only_the_areas_office_approves(ow, client_for, persona, status):
    from qinqing.onsite import service
    from tests.inspections.conftest import NOW

    service.save_settings(actor=ow.office_admin, now=NOW, area=ow.city, approval_required=True)
    r = register(ow)
    response = client_for(getattr(ow, persona)).post(
        reverse("onsite:decide", args=[r.pk, "approve"])
    )
    assert response.status_code == status
    r.refresh_from_db()
    assert r.state == RegistrationState.PENDING
    assert not AuditEvent.objects.filter(verb="check.approved").exists()
    ok = client_for(ow.office_admin).post(reverse("onsite:decide", args=[r.pk, "approve"]))
    assert ok.status_code == 302


@pytest.mark.parametrize("persona", ["tax_clerk", "office_admin", "enterprise_a"])
def test_only_the_own_unit_cancels(ow, client_for, persona):
    r = register(ow)
    response = client_for(getattr(ow, persona)).post(
        reverse("onsite:unit_action", args=[r.pk, "cancel"]), {"reason": "x"}
    )
    assert response.status_code in (403, 404)
    r.refresh_from_db()
    assert r.state == RegistrationState.REGISTERED


@pytest.mark.parametrize("persona", ["market_clerk", "office_admin", "leader"])
def test_only_enterprises_use_the_enterprise_pages(ow, client_for, persona):
    from qinqing.onsite.models import UnregisteredVisitReport

    client = client_for(getattr(ow, persona))
    assert client.get(reverse("onsite:mine")).status_code == 403
    response = client.post(reverse("onsite:report"), {
        "visited_on": "2026-05-29", "visitor_unit": "某局", "description": "x",
        "contact_name": "张", "contact_phone": "13800000000"})  # fmt: skip
    assert response.status_code == 403
    assert not UnregisteredVisitReport.objects.exists()


@pytest.mark.parametrize("persona", ["market_clerk", "leader", "enterprise_a"])
def test_only_the_office_changes_the_rules(ow, client_for, persona):
    response = client_for(getattr(ow, persona)).post(
        reverse("onsite:settings"), {"approval_required": "on", "annual_cap": 1, "annual_cap_a": 1,
                                     "recognition_months": 12, "minor_publication_months": 3,
                                     "publication_months": 36})  # fmt: skip
    assert response.status_code == 403
    assert not OnsiteSettings.objects.exists()


def test_a_bad_settings_form_writes_nothing(ow, client_for):
    response = client_for(ow.office_admin).post(
        reverse("onsite:settings"), {"approval_required": "on", "annual_cap": 2, "annual_cap_a": 5,
                                     "recognition_months": 12, "minor_publication_months": 3,
                                     "publication_months": 36})  # fmt: skip
    assert response.status_code == 400
    assert "不能高于" in response.content.decode()
    assert not OnsiteSettings.objects.exists()


def test_public_pages_need_no_login_and_internal_pages_do(ow, client):
    for name in ("onsite:public_lists", "onsite:public_matters", "onsite:public_lists_xlsx"):
        assert client.get(reverse(name)).status_code == 200
    for name in ("onsite:list", "onsite:mine", "onsite:proposals", "onsite:lists", "onsite:cases"):
        assert client.get(reverse(name)).status_code == 302


@pytest.mark.parametrize(
    "persona", ["office_admin", "market_clerk", "leader", "enterprise_a", "site_admin"]
)
def test_every_page_renders_and_escapes(ow, client_for, persona):
    from tests.world import USCC_A

    ent = next(e for e in ow.enterprises if e.uscc == USCC_A)
    register(ow, ent=ent)
    client = client_for(getattr(ow, persona))
    for name in ("onsite:list", "onsite:mine", "onsite:proposals", "onsite:lists", "onsite:cases",
                 "onsite:settings", "onsite:register", "onsite:afterwards", "onsite:public_lists",
                 "onsite:public_matters"):  # fmt: skip
        response = client.get(reverse(name))
        assert response.status_code in (200, 403, 404), name
        assert "<script>alert(1)</script>" not in response.content.decode(), name


def test_joining_through_the_form_needs_the_same_enterprise_and_day(ow, client_for):
    ent = enterprise(ow, "C")
    first = register(ow, unit="market", ent=ent)
    page = client_for(ow.tax_clerk).get(reverse("onsite:register") + f"?join={first.pk}")
    assert ent.uscc not in page.content.decode()  # another unit's registration is not shown
    data = {**_form(ow, ent), "items": [ow.tax_item.pk],
            "inspectors": [p.pk for p in ow.tax_inspectors[:2]], "join": first.pk,
            "planned_on": "2026-06-23"}  # fmt: skip
    response = client_for(ow.tax_clerk).post(reverse("onsite:register"), data)
    assert response.status_code == 400 and "同一企业、同一天" in response.content.decode()
    data["planned_on"] = OPEN_DAY.isoformat()
    assert client_for(ow.tax_clerk).post(reverse("onsite:register"), data).status_code == 302
    first.refresh_from_db()
    assert first.joint_id is not None
