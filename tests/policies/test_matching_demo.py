"""The demo seed works without ../shared, is idempotent, and gives the demo enterprises
something they get and something they narrowly miss."""

from __future__ import annotations

from pathlib import Path

import pytest

from qinqing.policies import seeds
from qinqing.policies.models import (
    Application,
    GrantBatch,
    GrantBatchState,
    MatchResult,
    MatchRun,
    Policy,
    PolicyRule,
)

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


def test_demo_without_the_shared_folder(db, monkeypatch):
    from qinqing.core.accounts.roles import ensure_builtin_roles
    from qinqing.core.enterprises.models import Enterprise
    from qinqing.core.orgs.seeds import build_demo_directory
    from qinqing.web.demo import ENTERPRISE_A, ENTERPRISE_B, build_demo_people

    monkeypatch.setattr(seeds, "SAMPLE", Path("/nonexistent/sample_10k.csv"))
    ensure_builtin_roles()
    city = build_demo_directory(actor="demo")
    users, _ = build_demo_people(city, reset_passwords=False)
    lines: list[str] = []
    seeds.load_demo(city=city, users=users, log=lines.append)

    assert Enterprise.objects.count() == 402  # 400 synthetic + the two demo enterprises
    assert set(Policy.objects.values_list("code", flat=True)) == {
        "district18-art2", "district18-art3", "grad-hiring-subsidy",
        "hightech-rd-subsidy", "sme-social-insurance", "trade-fair-subsidy",
    }  # fmt: skip
    for code in seeds.SEED_POLICIES:
        rule = PolicyRule.objects.get(policy__code=code, active=True)
        assert rule.source == seeds.SEED_RULE_SOURCE
    results_a = MatchResult.objects.filter(enterprise__uscc=ENTERPRISE_A[1], current=True)
    assert results_a.filter(eligible=True).exists() and results_a.filter(near_miss=True).exists()
    results_b = MatchResult.objects.filter(enterprise__uscc=ENTERPRISE_B[1], current=True)
    # 乙 misses the graduate subsidy only by being large, which it cannot change (defect 12)
    assert (
        results_b.filter(eligible=True).exists() and not results_b.filter(near_miss=True).exists()
    )
    approved = GrantBatch.objects.get(policy__code="district18-art2")
    assert approved.state == GrantBatchState.APPROVED
    assert approved.prepared_by != approved.approved_by
    assert GrantBatch.objects.filter(state=GrantBatchState.PREPARED).exists()
    assert Application.objects.filter(uscc=ENTERPRISE_A[1]).exists()

    counts = {
        model: model.objects.count()
        for model in (Policy, PolicyRule, MatchRun, MatchResult, GrantBatch, Application)
    }
    seeds.load_demo(city=city, users=users, log=lines.append)
    assert {model: model.objects.count() for model in counts} == counts
    assert any("合成企业" in line for line in lines)
