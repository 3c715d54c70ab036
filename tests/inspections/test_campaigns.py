"""Campaign flow through the services: plan, commit, draw, publish, verify; bad input."""

from __future__ import annotations

import json

from qinqing.inspections import pools, service
from qinqing.inspections.drawing import draw_commitment
from qinqing.inspections.models import (
    CampaignState,
)
from tests.inspections.conftest import NOW, plan


def test_full_flow_commits_draws_and_verifies(iw):
    campaign = plan(iw)
    campaign = service.commit_campaign(campaign, actor=iw.office_admin, now=NOW)
    assert campaign.state == CampaignState.COMMITTED
    assert len(campaign.commitment) == 64 and campaign.seed
    names = set(campaign.files.values_list("name", flat=True))
    assert names == set(pools.INPUT_FILES)
    # the stored files reproduce the published commitment
    inputs = pools.stored_inputs(campaign)
    assert draw_commitment(campaign.seed, inputs) == campaign.commitment
    campaign = service.draw_campaign(campaign, actor=iw.office_admin, now=NOW)
    assert campaign.state == CampaignState.DRAWN
    document = json.loads(campaign.files.get(name="DRAW.json").content)
    visits = list(campaign.visits.order_by("number"))
    assert len(visits) == len(document["visits"]) > 0
    for visit, drawn in zip(visits, document["visits"], strict=True):
        assert visit.uscc == drawn["uscc"]
        assert visit.planned_on.isoformat() == drawn["visit_on"]
        assert visit.planned_on.day >= 21  # 上、中旬宁静日
        team = sorted(visit.inspectors.values_list("certificate_number", flat=True))
        assert team == drawn["inspectors"] and len(team) >= 2
    outcome = service.verify_campaign(campaign)
    assert outcome.ok, outcome.message
