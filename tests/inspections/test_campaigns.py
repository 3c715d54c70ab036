"""Campaign flow through the services: plan, commit, draw, publish, verify; bad input."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.workdays import get_calendar
from qinqing.inspections import pools, service
from qinqing.inspections.drawing import draw_commitment
from qinqing.inspections.models import (
    Campaign,
    CampaignFile,
    CampaignState,
    Visit,
    VisitItem,
)
from tests.inspections.conftest import NOW, drawn_campaign, plan


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
    calendar = get_calendar()
    assert len(visits) == len(document["visits"]) > 0
    for visit, drawn in zip(visits, document["visits"], strict=True):
        assert visit.uscc == drawn["uscc"]
        assert visit.planned_on.isoformat() == drawn["visit_on"]
        assert visit.planned_on.day >= 21  # 上、中旬宁静日
        assert calendar.is_workday(visit.planned_on)
        team = sorted(visit.inspectors.values_list("certificate_number", flat=True))
        assert team == drawn["inspectors"] and len(team) >= 2
    outcome = service.verify_campaign(campaign)
    assert outcome.ok, outcome.message


def _nothing_committed(campaign, events_before):
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DRAFT
    assert not campaign.commitment and not campaign.seed
    assert not CampaignFile.objects.filter(campaign=campaign).exists()
    assert AuditEvent.objects.count() == events_before


def test_item_without_eligible_entities_refuses_the_commitment(iw):
    mining = service.create_item(
        actor=iw.office_admin,
        unit=iw.market,
        code="SCJG-T09",
        name="非煤矿山安全检查",
        legal_basis="",
        industries="B10",
        ratios={t: Decimal("0.5") for t in "ABCD"},
        frequency="yearly",
        now=NOW,
    )
    campaign = plan(iw, items=[iw.market_item, mining])
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput, match="SCJG-T09 非煤矿山安全检查.*名录中没有适用行业为 B10"):
        service.commit_campaign(campaign, actor=iw.office_admin, now=NOW)
    _nothing_committed(campaign, events)


def test_too_few_inspectors_refuses_the_whole_campaign(iw):
    for inspector in iw.tax_inspectors[1:]:
        service.update_inspector(
            inspector,
            actor=iw.office_admin,
            unit=iw.tax,
            name=inspector.name,
            fields="",
            active=False,
            conflicts="",
            now=NOW,
        )
    campaign = plan(iw, items=[iw.tax_item])
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput, match="执法检查人员不足：.*市税务局名录中 5 名，在岗 1 名"):
        service.commit_campaign(campaign, actor=iw.office_admin, now=NOW)
    _nothing_committed(campaign, events)


def test_quiet_days_covering_the_whole_window_refuse_the_campaign(iw):
    campaign = plan(iw, monthly_quiet=[[1, 31]])
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput, match="全部落在全域宁静日（每月 1–31 日）内"):
        service.commit_campaign(campaign, actor=iw.office_admin, now=NOW)
    _nothing_committed(campaign, events)


def test_an_enterprise_quiet_period_over_the_window_only_excludes_that_enterprise(iw):
    quiet = iw.enterprises[-1]  # tier D: drawn for sure without the quiet period
    service.add_quiet_period(
        actor=iw.office_admin,
        area=iw.city,
        enterprise=quiet,
        start_on=date(2026, 6, 15),
        end_on=date(2026, 7, 15),
        reason="安静生产期",
        now=NOW,
    )
    other = iw.enterprises[0]
    service.add_quiet_period(
        actor=iw.office_admin,
        area=iw.city,
        enterprise=other,
        start_on=date(2026, 6, 22),
        end_on=date(2026, 6, 26),
        reason="重大订单生产",
        now=NOW,
    )
    campaign = drawn_campaign(iw, items=[iw.market_item])
    document = json.loads(campaign.files.get(name="DRAW.json").content)
    assert {"uscc": quiet.uscc, "reason": "quiet_period"}.items() <= document["exclusions"][
        0
    ].items()
    assert not Visit.objects.filter(campaign=campaign, uscc=quiet.uscc).exists()
    for visit in Visit.objects.filter(campaign=campaign, uscc=other.uscc):
        assert not date(2026, 6, 22) <= visit.planned_on <= date(2026, 6, 26)


def test_annual_cap_and_previous_inspectors_carry_over_to_the_next_campaign(iw):
    first = drawn_campaign(iw, items=[iw.market_item])
    second = drawn_campaign(iw, name="第二次抽查", items=[iw.market_item])
    tiers = {e.uscc: e.credit_tier for e in iw.enterprises}
    first_visits = {v.uscc: v for v in first.visits.all()}
    for visit in second.visits.all():
        # tier A: cap 1 per year, already inspected once in the first campaign
        assert not (tiers[visit.uscc] == "A" and visit.uscc in first_visits)
        if visit.uscc in first_visits:
            before = set(first_visits[visit.uscc].inspectors.all())
            assert not before & set(visit.inspectors.all()), visit.uscc
    document = json.loads(second.files.get(name="DRAW.json").content)
    capped = {e["uscc"] for e in document["exclusions"] if e["reason"] == "annual_cap"}
    assert capped == {u for u in first_visits if tiers[u] == "A"}


def test_the_draw_uses_the_committed_snapshot_not_the_registry_of_the_day(iw):
    from qinqing.core.enterprises.models import Enterprise
    from tests.inspections.conftest import make_uscc

    campaign = service.commit_campaign(plan(iw), actor=iw.office_admin, now=NOW)
    Enterprise.objects.create(
        uscc=make_uscc(999),
        name="抽取前新登记的企业",
        region_code="420602",
        industry_code="C14",
        size="small",
        credit_tier="D",
    )
    campaign = service.draw_campaign(campaign, actor=iw.office_admin, now=NOW)
    assert not campaign.visits.filter(uscc=make_uscc(999)).exists()
    assert service.verify_campaign(campaign).ok


def test_a_tampered_snapshot_is_refused_and_no_visit_is_written(iw):
    campaign = service.commit_campaign(plan(iw), actor=iw.office_admin, now=NOW)
    stored = campaign.files.get(name="entities.csv")
    stored.content = stored.content.replace(",D\n", ",A\n", 1)
    stored.save()
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput, match="与公布承诺值时的快照不一致"):
        service.draw_campaign(campaign, actor=iw.office_admin, now=NOW)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.COMMITTED
    assert not Visit.objects.filter(campaign=campaign).exists()
    assert not campaign.files.filter(name="DRAW.json").exists()
    assert AuditEvent.objects.count() == events


def test_state_machine_refuses_steps_out_of_order(iw):
    campaign = plan(iw)
    with pytest.raises(IllegalTransition, match="当前状态为“草稿”，不能抽取"):
        service.draw_campaign(campaign, actor=iw.office_admin, now=NOW)
    service.commit_campaign(campaign, actor=iw.office_admin, now=NOW)
    with pytest.raises(IllegalTransition, match="只有草稿可以修改"):
        service.update_campaign(
            campaign,
            actor=iw.office_admin,
            now=NOW,
            name="改名",
            items=[iw.market_item],
            window_start_on=date(2026, 6, 1),
            window_end_on=date(2026, 6, 30),
        )
    with pytest.raises(IllegalTransition, match="不能公布抽取结果"):
        service.publish_campaign(campaign, actor=iw.office_admin, now=NOW)


def test_cancelling_a_committed_campaign_keeps_its_commitment_public(iw, client):
    campaign = service.commit_campaign(plan(iw), actor=iw.office_admin, now=NOW)
    with pytest.raises(InvalidInput, match="请填写撤销原因"):
        service.cancel_campaign(campaign, actor=iw.office_admin, reason=" ", now=NOW)
    service.cancel_campaign(campaign, actor=iw.office_admin, reason="检查时段与汛期冲突", now=NOW)
    event = AuditEvent.objects.get(verb="campaign.cancelled")
    assert event.visibility == "public"
    page = client.get(f"/inspections/public/{campaign.pk}/").content.decode()
    assert (
        campaign.commitment in page and "检查时段与汛期冲突" in page and campaign.seed not in page
    )


def test_campaign_rules_refuse_bad_plans(iw):
    with pytest.raises(InvalidInput, match="A 类（信用风险低）企业的年度检查上限不应高于"):
        plan(iw, cap_a=5)
    with pytest.raises(InvalidInput, match="检查结束日期 2026-05-31 已经过去"):
        plan(iw, window_start_on=date(2026, 5, 1), window_end_on=date(2026, 5, 31))
    outsider = service.create_item(
        actor=iw.other_officer,
        unit=iw.other_office,
        code="LS-1",
        name="邻市事项",
        legal_basis="",
        industries="*",
        ratios={t: Decimal("0.1") for t in "ABCD"},
        frequency="yearly",
        now=NOW,
    )
    with pytest.raises(InvalidInput, match="LS-1 邻市事项 不属于示例市的部门"):
        plan(iw, items=[iw.market_item, outsider])
    assert not Campaign.objects.exists()


def test_joint_visit_gets_one_team_with_inspectors_of_both_departments(iw):
    campaign = drawn_campaign(iw)
    joint = [v for v in campaign.visits.all() if v.visit_items.count() == 2]
    assert joint, "ratio 0.5 on * and C14;F52 must overlap"
    for visit in joint:
        units = {p.unit_id for p in visit.inspectors.all()}
        assert units == {iw.market.pk, iw.tax.pk}
    assert campaign.summary["joint_visits"] == len(joint)


def test_results_wait_for_publication_then_appear_publicly(iw, client):
    campaign = drawn_campaign(iw)
    vi = VisitItem.objects.filter(visit__campaign=campaign).first()
    service.record_result(
        vi,
        actor=iw.market_clerk,
        result="rectification",
        checked_on=date(2026, 6, 1),
        note="内部备注：老板不在",
        now=NOW,
    )
    vi.refresh_from_db()
    assert vi.published_at is None
    assert client.get(f"/inspections/public/{campaign.pk}/").status_code == 200
    assert (
        vi.visit.enterprise_name
        not in client.get(f"/inspections/public/{campaign.pk}/").content.decode()
    )
    service.publish_campaign(campaign, actor=iw.office_admin, now=NOW)
    vi.refresh_from_db()
    assert vi.published_at == NOW
    page = client.get(f"/inspections/public/{campaign.pk}/").content.decode()
    assert "发现问题，已责令整改" in page and campaign.seed in page
    assert "老板不在" not in page
    assert not any(p.name in page for p in vi.visit.inspectors.all())


def test_result_rules(iw):
    campaign = drawn_campaign(iw)
    vi = VisitItem.objects.filter(visit__campaign=campaign).first()
    with pytest.raises(InvalidInput, match="晚于今天（2026-06-01）"):
        service.record_result(
            vi,
            actor=iw.market_clerk,
            result="no_issue",
            checked_on=date(2026, 6, 2),
            note="",
            now=NOW,
        )
    with pytest.raises(InvalidInput, match="请选择检查结果"):
        service.record_result(
            vi, actor=iw.market_clerk, result="maybe", checked_on=date(2026, 6, 1), note="", now=NOW
        )
    events = AuditEvent.objects.count()
    service.record_result(
        vi, actor=iw.market_clerk, result="no_issue", checked_on=date(2026, 6, 1), note="", now=NOW
    )
    service.record_result(  # the same again: nothing to record
        vi, actor=iw.market_clerk, result="no_issue", checked_on=date(2026, 6, 1), note="", now=NOW
    )
    assert AuditEvent.objects.count() == events + 1
    vi.refresh_from_db()
    assert vi.publish_due_on is not None and vi.publish_due_on > vi.visit.planned_on
