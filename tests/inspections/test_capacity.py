"""Defect 10: before committing, the office sees visits per inspector per working day; a draw
above the configured capacity is refused unless the office gives a reason (audited)."""

from __future__ import annotations

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import InvalidInput
from qinqing.inspections import service
from qinqing.inspections.models import CampaignState
from tests.inspections.conftest import NOW, plan


def test_preview_shows_the_load_per_inspector_and_day(iw, client_for):
    campaign = plan(iw)
    page = client_for(iw.office_admin).get(f"/inspections/campaigns/{campaign.pk}/?check=1")
    body = page.content.decode()
    assert 'id="workload"' in body and "每个工作日约" in body


def test_commit_above_capacity_is_refused_then_allowed_with_a_reason(iw, settings):
    settings.QINQING_MAX_VISITS_PER_INSPECTOR_DAY = 0  # every draw is "too heavy"
    campaign = plan(iw)
    with pytest.raises(InvalidInput, match="超过每人每日 0 户的上限"):
        service.commit_campaign(campaign, actor=iw.office_admin, now=NOW)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DRAFT and not campaign.commitment
    campaign = service.commit_campaign(
        campaign, actor=iw.office_admin, now=NOW, override_reason="专项整治，已抽调人员支援"
    )
    assert campaign.state == CampaignState.COMMITTED
    event = AuditEvent.objects.get(verb="campaign.capacity_overridden")
    assert event.after["reason"] == "专项整治，已抽调人员支援"
    assert event.visibility == "internal"


def test_commit_page_asks_for_the_reason_when_refused(iw, client_for, settings):
    settings.QINQING_MAX_VISITS_PER_INSPECTOR_DAY = 0
    campaign = plan(iw)
    client = client_for(iw.office_admin)
    r = client.post(f"/inspections/campaigns/{campaign.pk}/commit/")
    body = r.content.decode()
    assert "超过每人每日 0 户的上限" in body and 'name="override_reason"' in body
    r = client.post(
        f"/inspections/campaigns/{campaign.pk}/commit/", {"override_reason": "专项整治"}
    )
    assert r.status_code == 302
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.COMMITTED


def test_ordinary_draw_is_within_capacity(iw):
    campaign = service.commit_campaign(plan(iw), actor=iw.office_admin, now=NOW)
    assert campaign.state == CampaignState.COMMITTED
    assert not AuditEvent.objects.filter(verb="campaign.capacity_overridden").exists()
