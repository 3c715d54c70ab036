"""Inspection pages name industries and areas instead of showing bare codes (issue 15, 7)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.inspections.conftest import plan
from tests.world import USCC_A

pytestmark = pytest.mark.django_db


def test_the_credit_page_names_the_enterprises_industry(iw, client_for):
    page = client_for(iw.office_admin).get(reverse("inspections:credit_enterprise", args=[USCC_A]))
    assert "行业 制造业（C14）" in page.content.decode()


def test_the_campaign_page_names_its_areas_and_item_industries(iw, client_for):
    iw.city.code = "420600"
    iw.city.save(update_fields=["code"])
    campaign = plan(iw, region_codes="4206;429999")
    page = client_for(iw.office_admin).get(reverse("inspections:campaign", args=[campaign.pk]))
    text = page.content.decode()
    assert "示例市（4206）" in text
    assert "机构库中未登记名称的地区（429999）" in text
    # the tax item applies to C14;F52
    assert "制造业（C14）；批发和零售业（F52）" in text
    items = client_for(iw.office_admin).get(reverse("inspections:items")).content.decode()
    assert "制造业（C14）；批发和零售业（F52）" in items and "全部行业" in items
