"""Credit tiers, red and black lists, credit repair with its working-day deadline."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from qinqing.core.audit.models import AuditEvent
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.inspections import service, tasks
from qinqing.inspections.models import CreditListKind, CreditTierChange, RepairState
from tests.inspections.conftest import NOW, TODAY, at
from tests.world import USCC_A

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


@pytest.fixture
def firm(iw):
    return Enterprise.objects.get(uscc=USCC_A)


def _black(iw, firm, listed_on=TODAY):
    return service.add_list_entry(
        firm,
        actor=iw.office_admin,
        area=iw.city,
        kind=CreditListKind.BLACK,
        reason="拒不履行行政处罚决定",
        source="市市场监管局 示市监罚〔2026〕3 号",
        listed_on=listed_on,
        ends_on=None,
        now=NOW,
    )


def test_tier_changes_keep_a_history_and_are_audited(iw, firm):
    assert firm.credit_tier == "D"
    service.change_credit_tier(
        firm,
        actor=iw.office_admin,
        area=iw.city,
        tier="C",
        reason="整改到位",
        source="",
        effective_on=TODAY,
        now=NOW,
    )
    service.change_credit_tier(
        firm,
        actor=iw.office_admin,
        area=iw.city,
        tier="B",
        reason="年度分类结果",
        source="",
        effective_on=TODAY,
        now=NOW,
    )
    firm.refresh_from_db()
    assert firm.credit_tier == "B"
    history = list(CreditTierChange.objects.filter(enterprise=firm).order_by("changed_at", "id"))
    assert [(c.from_tier, c.to_tier) for c in history] == [("D", "C"), ("C", "B")]
    events = AuditEvent.objects.filter(verb="enterprise.tier_changed").order_by("seq")
    assert [(e.before, e.after["credit_tier"]) for e in events] == [
        ({"credit_tier": "D"}, "C"),
        ({"credit_tier": "C"}, "B"),
    ]
    with pytest.raises(InvalidInput, match="已经是 B 类"):
        service.change_credit_tier(
            firm,
            actor=iw.office_admin,
            area=iw.city,
            tier="B",
            reason="x",
            source="",
            effective_on=TODAY,
            now=NOW,
        )


def test_black_list_blocks_red_list_and_duplicates(iw, firm):
    _black(iw, firm)
    with pytest.raises(InvalidInput, match="已在黑名单（严重失信主体）中"):
        _black(iw, firm)
    with pytest.raises(InvalidInput, match="在黑名单中，不能同时列入红名单"):
        service.add_list_entry(
            firm,
            actor=iw.office_admin,
            area=iw.city,
            kind=CreditListKind.RED,
            reason="纳税信用 A 级",
            source="市税务局",
            listed_on=TODAY,
            ends_on=None,
            now=NOW,
        )


@pytest.mark.parametrize(
    ("submitted", "due"),
    [
        (date(2026, 6, 1), date(2026, 6, 3)),  # Monday → Wednesday
        (date(2026, 6, 18), date(2026, 6, 23)),  # 端午节 on Friday 19th, then a weekend
        (date(2026, 9, 30), date(2026, 10, 9)),  # 国庆节 and 中秋节 holidays
    ],
)
def test_first_review_is_due_two_working_days_after_submission(iw, firm, submitted, due):
    repair = service.submit_credit_repair(
        firm,
        actor=iw.office_admin,
        area=iw.city,
        statement="已缴清罚款",
        list_entry=None,
        now=at(submitted),
    )
    assert repair.first_review_due_on == due and repair.review_workdays == 2


def test_review_period_follows_the_setting(iw, firm, settings):
    settings.QINQING_CREDIT_REPAIR_REVIEW_WORKDAYS = 5
    repair = service.submit_credit_repair(
        firm, actor=iw.office_admin, area=iw.city, statement="已缴清罚款", list_entry=None, now=NOW
    )
    assert repair.first_review_due_on == date(2026, 6, 8)


def test_approved_repair_removes_the_black_list_entry(iw, firm):
    entry = _black(iw, firm, listed_on=date(2026, 1, 5))
    repair = service.submit_credit_repair(
        firm, actor=iw.office_admin, area=iw.city, statement="已履行", list_entry=entry, now=NOW
    )
    with pytest.raises(InvalidInput, match="已有一件同一事项的信用修复申请正在办理"):
        service.submit_credit_repair(
            firm, actor=iw.office_admin, area=iw.city, statement="再申请", list_entry=entry, now=NOW
        )
    with pytest.raises(IllegalTransition, match="受理后才能作出修复决定"):
        service.decide_credit_repair(repair, actor=iw.office_admin, approve=True, note="", now=NOW)
    with pytest.raises(InvalidInput, match="不予受理的，请填写理由"):
        service.review_credit_repair(repair, actor=iw.office_admin, accept=False, note="", now=NOW)
    service.review_credit_repair(
        repair, actor=iw.office_admin, accept=True, note="材料齐全", now=NOW
    )
    service.decide_credit_repair(repair, actor=iw.office_admin, approve=True, note="", now=NOW)
    repair.refresh_from_db()
    entry.refresh_from_db()
    assert repair.state == RepairState.APPROVED
    assert entry.removed_on == TODAY and "信用修复" in entry.removal_reason
    assert AuditEvent.objects.filter(verb="credit_list.removed").count() == 1


def test_sweep_flags_an_overdue_first_review_once(iw, firm):
    repair = service.submit_credit_repair(
        firm, actor=iw.office_admin, area=iw.city, statement="已履行", list_entry=None, now=NOW
    )
    assert tasks.flag_overdue(at(date(2026, 6, 3), 17)) == {"results": 0, "credit_repairs": 0}
    assert tasks.flag_overdue(at(date(2026, 6, 4), 9))["credit_repairs"] == 1
    events = AuditEvent.objects.count()
    assert tasks.flag_overdue(at(date(2026, 6, 4), 9))["credit_repairs"] == 0
    assert tasks.flag_overdue(at(date(2026, 6, 5), 9))["credit_repairs"] == 0
    assert AuditEvent.objects.count() == events
    repair.refresh_from_db()
    assert repair.overdue_flagged_at == at(date(2026, 6, 4), 9)
    assert AuditEvent.objects.get(verb="credit_repair.overdue").actor_label == "system:sweep"


def test_reviewed_in_time_is_never_flagged(iw, firm):
    repair = service.submit_credit_repair(
        firm, actor=iw.office_admin, area=iw.city, statement="已履行", list_entry=None, now=NOW
    )
    service.review_credit_repair(
        repair, actor=iw.office_admin, accept=True, note="", now=at(date(2026, 6, 3))
    )
    assert tasks.flag_overdue(at(date(2026, 6, 10)))["credit_repairs"] == 0


def test_office_runs_the_repair_through_the_pages(iw, firm, client_for):
    entry = _black(iw, firm)
    client = client_for(iw.office_admin)
    url = reverse("inspections:credit_enterprise", args=[USCC_A])
    assert "拒不履行行政处罚决定" in client.get(url).content.decode()
    response = client.post(
        reverse("inspections:credit_repair_new", args=[USCC_A]),
        {"list_entry": entry.pk, "statement": "已缴清罚款并整改"},
    )
    assert response.status_code == 302
    repair = firm.credit_repairs.get()
    page = client.get(url).content.decode()
    assert "2026-06-03" in page and "未到期" in page
    client.post(
        reverse("inspections:credit_repair_review", args=[repair.pk]),
        {"stage": "review", "decision": "accept", "note": ""},
    )
    client.post(
        reverse("inspections:credit_repair_review", args=[repair.pk]),
        {"stage": "decide", "decision": "approve", "note": "同意修复"},
    )
    entry.refresh_from_db()
    assert entry.removed_on == TODAY
    overview = client.get(reverse("inspections:credit")).content.decode()
    assert "没有办理中的申请" in overview


def test_area_with_a_region_code_sees_only_its_own_enterprises(iw, firm, client_for):
    iw.city.code = "420700"  # firm is registered in 420602
    iw.city.save()
    client = client_for(iw.office_admin)
    assert client.get(reverse("inspections:credit_enterprise", args=[USCC_A])).status_code == 404
