"""清欠 pages: the repayment plan by year and disputes (office of the area or the debtor unit
only, audited, refused forms keep what was typed), and the 监督员 QR image."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import qrcode
from django.urls import reverse

from qinqing.core.audit.models import AuditEvent
from qinqing.problems import service, views
from qinqing.problems.models import Arrears, RepaymentPlan, Supervisor
from tests.problems.conftest import NOW
from tests.world import USCC_A


@pytest.fixture
def arrears(world):
    return service.register_arrears(
        actor=world.office_admin, kind="arrears", creditor_uscc=USCC_A, creditor_name="甲公司",
        debtor_name=world.market.name, debtor_unit=world.market, county=world.county,
        principal="1000.00", incurred_on=dt.date(2024, 3, 1), now=NOW,
        plan={2025: Decimal("400")},
    )  # fmt: skip


@pytest.fixture
def pages(client, monkeypatch):
    monkeypatch.setattr(views, "_now", lambda: NOW)
    return client


def _plan(arrears) -> dict[int, Decimal]:
    return dict(RepaymentPlan.objects.filter(arrears=arrears).values_list("year", "amount"))


def test_office_replaces_the_plan_by_year_and_the_change_is_audited(world, pages, arrears):
    pages.force_login(world.office_admin)
    page = pages.get(reverse("problems:arrears", args=[arrears.pk])).content.decode()
    assert "修改还款计划" in page and "2025 400.00" in page  # the form starts from the plan
    response = pages.post(
        reverse("problems:arrears_plan", args=[arrears.pk]), {"plan": "2026 300\n2027年：700元"}
    )
    assert response.status_code == 302
    assert _plan(arrears) == {2026: Decimal("300.00"), 2027: Decimal("700.00")}
    event = AuditEvent.objects.get(verb="arrears.plan_changed")
    assert event.before == {"plan": {"2025": "400.00"}}
    assert event.after == {"plan": {"2026": "300.00", "2027": "700.00"}}
    page = pages.get(reverse("problems:arrears", args=[arrears.pk])).content.decode()
    assert "2027 年：计划 700.00 元" in page and "2025 年" not in page


def test_the_debtor_unit_may_set_its_own_plan(world, pages, arrears):
    pages.force_login(world.market_clerk)
    response = pages.post(
        reverse("problems:arrears_plan", args=[arrears.pk]), {"plan": "2026 1000"}
    )
    assert response.status_code == 302
    assert _plan(arrears) == {2026: Decimal("1000.00")}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2026 600\n2027 500", "超过欠款金额"),
        ("2026 5万", "第 1 行"),
        ("明年还一半", "看不懂"),
        ("2026 100\n2026 200", "重复"),
    ],
)
def test_a_refused_plan_keeps_what_was_typed_and_changes_nothing(
    world, pages, arrears, typed, message
):
    pages.force_login(world.office_admin)
    response = pages.post(reverse("problems:arrears_plan", args=[arrears.pk]), {"plan": typed})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert typed.split("\n")[0] in page  # the textarea still holds the typed plan
    assert _plan(arrears) == {2025: Decimal("400.00")}
    assert not AuditEvent.objects.filter(verb="arrears.plan_changed").exists()


@pytest.mark.parametrize("who", ["tax_clerk", "other_officer", "leader", "county_clerk"])
def test_others_may_not_change_the_plan_or_the_dispute(world, pages, arrears, who):
    pages.force_login(getattr(world, who))
    plan = pages.post(reverse("problems:arrears_plan", args=[arrears.pk]), {"plan": "2026 1"})
    dispute = pages.post(
        reverse("problems:arrears_dispute", args=[arrears.pk]),
        {"disputed": "on", "note": "金额有异议"},
    )
    assert plan.status_code in (403, 404) and dispute.status_code in (403, 404)
    assert _plan(arrears) == {2025: Decimal("400.00")}
    fresh = Arrears.objects.get(pk=arrears.pk)
    assert not fresh.disputed and fresh.dispute_note == ""
    assert not AuditEvent.objects.filter(
        verb__in=["arrears.plan_changed", "arrears.dispute_recorded"]
    ).exists()
    page = pages.get(reverse("problems:arrears", args=[arrears.pk]))
    assert "修改还款计划" not in page.content.decode()


def test_recording_and_settling_a_dispute(world, pages, arrears):
    pages.force_login(world.office_admin)
    url = reverse("problems:arrears_dispute", args=[arrears.pk])
    refused = pages.post(url, {"disputed": "on", "note": "  "})
    assert refused.status_code == 400 and "请填写争议情况" in refused.content.decode()
    assert 'name="disputed"' in refused.content.decode() and "checked" in refused.content.decode()
    assert not Arrears.objects.get(pk=arrears.pk).disputed
    assert pages.post(url, {"disputed": "on", "note": "债务人认为只欠 800 元"}).status_code == 302
    page = pages.get(reverse("problems:arrears", args=[arrears.pk])).content.decode()
    assert "存在争议：债务人认为只欠 800 元" in page
    pages.force_login(world.market_clerk)  # the debtor unit reports the dispute settled
    assert pages.post(url, {"note": ""}).status_code == 302
    fresh = Arrears.objects.get(pk=arrears.pk)
    assert not fresh.disputed and fresh.dispute_note == "债务人认为只欠 800 元"
    events = AuditEvent.objects.filter(verb="arrears.dispute_recorded").order_by("pk")
    assert [e.after["disputed"] for e in events] == [True, False]


def _png_of(url: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(url, box_size=8, border=2).save(buffer, format="PNG")
    return buffer.getvalue()


def test_supervisor_qr_image_opens_their_own_page(world, client, supervisor):
    sv = Supervisor.objects.get(user=supervisor)
    image_url = reverse("problems:supervisor_qr_image", args=[sv.pk])
    page_url = "http://testserver" + reverse("problems:supervisor_qr", args=[sv.qr_token])
    client.force_login(world.office_admin)
    response = client.get(image_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content == _png_of(page_url)  # the code holds the supervisor's page
    assert image_url in client.get(reverse("problems:supervisors")).content.decode()
    client.force_login(supervisor)
    assert client.get(image_url).content == _png_of(page_url)
    assert image_url in client.get(reverse("problems:supervisor_home")).content.decode()
    for who in ("other_officer", "market_clerk"):
        client.force_login(getattr(world, who))
        assert client.get(image_url).status_code == 404


def test_refused_appointment_keeps_what_was_typed(world, client):
    client.force_login(world.office_admin)
    response = client.post(
        reverse("problems:supervisors"),
        {"username": "no_such_user", "name": "李监督", "beat": "工程建设",
         "term_start": "2025-01-01", "term_end": "2026-12-31"},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400 and "没有这个账号" in page
    assert 'value="李监督"' in page and 'value="工程建设"' in page and 'value="2026-12-31"' in page
    assert not Supervisor.objects.exists()
