"""The demo data loads on an empty database, loads again without change, and verifies."""

from __future__ import annotations

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.enterprises.uscc import is_valid_uscc
from qinqing.inspections import seeds, service
from qinqing.inspections.models import (
    Campaign,
    CampaignState,
    CreditTierChange,
    InspectionItem,
    Inspector,
    VisitItem,
)

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


def _demo_city():
    from qinqing.core.accounts.roles import ensure_builtin_roles
    from qinqing.core.orgs.seeds import build_demo_directory
    from qinqing.web.demo import build_demo_people

    ensure_builtin_roles()
    city = build_demo_directory(actor="demo")
    users, _ = build_demo_people(city, reset_passwords=False)
    return city, users


def test_demo_loads_idempotently_and_its_published_campaign_verifies(db):
    city, users = _demo_city()
    lines: list[str] = []
    seeds.load_demo(city=city, users=users, log=lines.append)
    demo = [r["uscc"] for r in seeds.demo_registry()]
    assert len(demo) == 60 and all(map(is_valid_uscc, demo))
    assert Enterprise.objects.filter(uscc__in=demo).count() == 60
    tiers = set(Enterprise.objects.filter(uscc__in=demo).values_list("credit_tier", flat=True))
    assert tiers == {"A", "B", "C", "D"}
    departments = set(InspectionItem.objects.values_list("unit__name", flat=True))
    assert {"示例市市场监督管理局", "国家税务总局示例市税务局", "示例市生态环境局"} <= departments
    campaign = Campaign.objects.get(name=seeds.CAMPAIGN_NAME)
    assert campaign.state == CampaignState.PUBLISHED and campaign.visits.exists()
    assert VisitItem.objects.filter(visit__campaign=campaign, published_at__isnull=False).exists()
    assert service.verify_campaign(campaign).ok
    assert Campaign.objects.get(name=seeds.DRAFT_NAME).state == CampaignState.DRAFT

    counts = (
        Enterprise.objects.count(),
        InspectionItem.objects.count(),
        Inspector.objects.count(),
        Campaign.objects.count(),
        CreditTierChange.objects.count(),
        AuditEvent.objects.count(),
    )
    seeds.load_demo(city=city, users=users, log=lines.append)
    assert counts == (
        Enterprise.objects.count(),
        InspectionItem.objects.count(),
        Inspector.objects.count(),
        Campaign.objects.count(),
        CreditTierChange.objects.count(),
        AuditEvent.objects.count(),
    )
