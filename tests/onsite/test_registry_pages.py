"""Pages for the registries that had only service functions: 执法事项与裁量基准, 执法结果互认,
行政处罚公示. A unit keeps its own; nobody else writes to them (and nothing is written)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qinqing.core.audit.models import AuditEvent
from qinqing.onsite import service
from qinqing.onsite.models import (
    DiscretionStandard,
    EnforcementMatter,
    PenaltyNotice,
    RecognitionLink,
)
from tests.inspections.conftest import NOW
from tests.world import USCC_A

pytestmark = pytest.mark.django_db

MATTER = {
    "code": "SCJG-XC-001",
    "name": "对企业公示信息的检查<script>",
    "kind": "inspection",
    "legal_basis": "《企业信息公示暂行条例》第十四条",
}


def _matter(ow, **kw):
    fields = {**MATTER, "inspection_items": [ow.market_item], **kw}
    return service.create_matter(actor=ow.market_clerk, now=NOW, unit=ow.market, **fields)


def test_a_unit_adds_a_matter_and_its_discretion_standards_on_pages(ow, client_for):
    client = client_for(ow.market_clerk)
    response = client.post(
        reverse("onsite:matters"), {**MATTER, "inspection_items": [ow.market_item.pk]}
    )
    assert response.status_code == 302
    matter = EnforcementMatter.objects.get(code="SCJG-XC-001")
    assert matter.unit == ow.market and list(matter.inspection_items.all()) == [ow.market_item]
    url = reverse("onsite:matter", args=[matter.pk])
    response = client.post(url, {"action": "standard", "severity": "minor",
                                 "circumstance": "首次未按时公示，及时改正", "outcome": "不予处罚"})  # fmt: skip
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "首次未按时公示，及时改正" in page and "不予处罚" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert AuditEvent.objects.filter(verb="discretion_standard.added").count() == 1
    # on the public page once active
    public = client.get(reverse("onsite:public_matters")).content.decode()
    assert "首次未按时公示，及时改正" in public


def test_a_refused_matter_form_keeps_what_was_typed(ow, client_for):
    _matter(ow)
    client = client_for(ow.market_clerk)
    response = client.post(
        reverse("onsite:matters"),
        {**MATTER, "name": "重复编码的另一事项", "inspection_items": [ow.market_item.pk]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "已存在" in page and "重复编码的另一事项" in page
    assert EnforcementMatter.objects.count() == 1


def test_another_unit_cannot_edit_a_matter_and_nothing_changes(ow, client_for):
    matter = _matter(ow)
    url = reverse("onsite:matter", args=[matter.pk])
    tax = client_for(ow.tax_clerk)
    assert tax.get(url).status_code == 404
    edit = {"action": "edit", "name": "被改掉的名称", "kind": "penalty", "legal_basis": "x"}
    assert tax.post(url, edit).status_code == 404
    standard = {"action": "standard", "severity": "grave", "circumstance": "x", "outcome": "y"}
    assert tax.post(url, standard).status_code == 404
    matter.refresh_from_db()
    assert matter.name == MATTER["name"] and matter.kind == "inspection"
    assert not DiscretionStandard.objects.exists()
    assert not AuditEvent.objects.filter(verb__in=["enforcement_matter.updated",
                                                   "discretion_standard.added"]).exists()  # fmt: skip


def test_the_office_and_an_enterprise_cannot_create_registry_rows(ow, client_for):
    data = {**MATTER, "inspection_items": [ow.market_item.pk]}
    office = client_for(ow.office_admin)
    assert office.get(reverse("onsite:matters")).status_code == 200  # the office reads
    assert office.post(reverse("onsite:matters"), data).status_code in (403, 404)
    enterprise = client_for(ow.enterprise_a)
    assert enterprise.post(reverse("onsite:matters"), data).status_code == 403
    penalty = {"enterprise": USCC_A, "decision_number": "示市监罚〔2026〕1号",
               "summary": "未按时公示年度报告", "published_on": "2026-06-01"}  # fmt: skip
    assert enterprise.post(reverse("onsite:penalties"), penalty).status_code == 403
    assert office.post(reverse("onsite:penalties"), penalty).status_code in (403, 404)
    assert not EnforcementMatter.objects.exists() and not PenaltyNotice.objects.exists()


def test_a_unit_accepts_results_only_for_its_own_items(ow, client_for):
    url = reverse("onsite:recognitions")
    market = client_for(ow.market_clerk)
    # the market accepts the tax bureau's check of SW-T01 for its own SCJG-T01
    data = {"item": ow.tax_item.pk, "counts_for": ow.market_item.pk, "source": "互认协议"}
    assert market.post(url, data).status_code == 302
    link = RecognitionLink.objects.get()
    assert link.item == ow.tax_item and link.counts_for == ow.market_item
    # it cannot decide that the tax bureau accepts the market's results
    refused = market.post(
        url, {"item": ow.market_item.pk, "counts_for": ow.tax_item.pk, "source": "越权"}
    )
    assert refused.status_code == 400
    assert RecognitionLink.objects.count() == 1
    # nor can the tax bureau withdraw the market's link
    tax = client_for(ow.tax_clerk)
    assert tax.post(url, {"action": "remove", "link": link.pk}).status_code == 404
    assert RecognitionLink.objects.filter(pk=link.pk).exists()
    market = client_for(ow.market_clerk)  # one test client: log back in as the market
    assert market.post(url, {"action": "remove", "link": link.pk}).status_code == 302
    assert not RecognitionLink.objects.exists()
    assert AuditEvent.objects.filter(verb="recognition.unlinked").count() == 1


def test_the_service_refuses_a_link_for_another_units_item(ow):
    from qinqing.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="不是本单位的检查事项"):
        service.link_recognition(actor=ow.market_clerk, now=NOW, unit=ow.market,
                                 item=ow.market_item, counts_for=ow.tax_item, source="x")  # fmt: skip
    assert not RecognitionLink.objects.exists()


def test_a_unit_publishes_a_penalty_notice_and_the_public_page_shows_it(ow, client_for):
    market = client_for(ow.market_clerk)
    data = {"enterprise": USCC_A, "decision_number": "示市监罚〔2026〕8号",
            "summary": "未按时公示年度报告，罚款一千元", "published_on": "2026-06-01"}  # fmt: skip
    assert market.post(reverse("onsite:penalties"), data).status_code == 302
    notice = PenaltyNotice.objects.get()
    assert notice.unit == ow.market
    public = client_for(ow.enterprise_b).get(reverse("onsite:public_matters")).content.decode()
    assert "示市监罚〔2026〕8号" in public
    # the tax bureau's list does not show the market's notice
    tax_page = client_for(ow.tax_clerk).get(reverse("onsite:penalties")).content.decode()
    assert "示市监罚〔2026〕8号" not in tax_page
    # a bad credit code is refused and the typed text kept
    market = client_for(ow.market_clerk)
    bad = market.post(reverse("onsite:penalties"), {**data, "enterprise": "123"})
    assert bad.status_code == 400 and "未按时公示年度报告，罚款一千元" in bad.content.decode()
    assert PenaltyNotice.objects.count() == 1
