"""Funds from above on the 15-natural-day clock of 002 and the quarterly 服务对象清单."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from qinqing.core.notifications.models import Notification
from qinqing.policies import service, tasks
from qinqing.policies.models import (
    Budget,
    FundArrival,
    ServiceTargetList,
)
from tests.policies.conftest import NOW, USCC_C, USCC_E
from tests.world import USCC_B

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 2, 0, tzinfo=dt.UTC)  # 10:00 Shanghai


def arrive(pw, day: dt.date, amount="800000", actor=None):
    return service.record_fund_arrival(
        pw.art3, year=2025, amount=amount, source="省财政厅", document_number="示省财〔2025〕1号",
        arrived_on=day, actor=actor or pw.world.office_admin, now=at(day),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("arrived", "due"),
    [
        (dt.date(2025, 3, 3), dt.date(2025, 3, 18)),  # plain 15 natural days
        (dt.date(2025, 9, 16), dt.date(2025, 10, 9)),  # 1 October falls in 国庆 → 9 October
        (dt.date(2025, 9, 12), dt.date(2025, 9, 28)),  # 27th is Saturday; 28th a make-up Sunday
    ],
)
def test_funds_from_above_are_due_fifteen_natural_days_after_arrival(pw, arrived, due):
    arrival = arrive(pw, arrived)
    assert arrival.due_on == due
    assert Budget.objects.get(policy=pw.art3, year=2025).total == Decimal(800000)


def test_disbursed_in_time_is_not_overdue_late_is(pw):
    first = arrive(pw, dt.date(2025, 3, 3))
    service.record_fund_disbursement(
        first, disbursed_on=dt.date(2025, 3, 18), note="下达示例县财政局",
        actor=pw.world.office_admin, now=at(dt.date(2025, 3, 18)),
    )  # fmt: skip
    first.refresh_from_db()
    assert not first.overdue
    second = arrive(pw, dt.date(2025, 4, 1))
    service.record_fund_disbursement(
        second, disbursed_on=dt.date(2025, 4, 20), note="直接拨付企业",
        actor=pw.world.office_admin, now=at(dt.date(2025, 4, 21)),
    )  # fmt: skip
    second.refresh_from_db()
    assert second.overdue
    with pytest.raises(IllegalTransition, match="不能重复登记"):
        service.record_fund_disbursement(
            second, disbursed_on=dt.date(2025, 4, 20), note="x", actor=pw.world.office_admin,
            now=at(dt.date(2025, 4, 21)),
        )  # fmt: skip


def test_sweep_flags_overdue_funds_once_and_reminds_once_a_day(pw):
    from qinqing.core.accounts.service import create_user_with_role

    create_user_with_role(
        actor="test", username="ndrc_clerk", password="x-Qinqing-2026", role_code="unit_staff",
        unit=pw.world.ndrc, uscc="", enterprise_name="", full_name="发改委经办人", email="",
    )  # fmt: skip
    arrival = arrive(pw, dt.date(2025, 3, 3))  # due 18 March
    on_due = tasks.sweep_fund_arrivals(at(dt.date(2025, 3, 18)))
    assert on_due.flagged_overdue == 0
    late = tasks.sweep_fund_arrivals(at(dt.date(2025, 3, 19)))
    assert (late.flagged_overdue, late.fund_reminders) == (1, 1)
    again = tasks.sweep_fund_arrivals(at(dt.date(2025, 3, 19)) + dt.timedelta(hours=3))
    assert (again.flagged_overdue, again.fund_reminders) == (0, 0)
    arrival.refresh_from_db()
    assert arrival.overdue
    note = Notification.objects.get(
        recipient__profile__unit=pw.world.ndrc, kind="policies.reminder"
    )
    assert "逾期 1 天" in note.body
    assert AuditEvent.objects.filter(verb="fund.overdue").count() == 1
    tasks.sweep_fund_arrivals(at(dt.date(2025, 3, 20)))
    reminders = Notification.objects.filter(
        recipient__profile__unit=pw.world.ndrc, kind="policies.reminder"
    )
    assert reminders.count() == 2


def test_arrival_refuses_future_dates_and_zero(pw):
    with pytest.raises(InvalidInput, match="晚于今天"):
        service.record_fund_arrival(
            pw.art3, year=2025, amount="1", source="省", document_number="",
            arrived_on=dt.date(2025, 12, 1), actor=pw.world.office_admin, now=NOW,
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="大于 0"):
        arrive(pw, dt.date(2025, 3, 3), amount="0")
    assert not FundArrival.objects.exists()


def test_owning_department_may_record_funds_other_departments_may_not(pw):
    with pytest.raises(PermissionDenied):
        arrive(pw, dt.date(2025, 3, 3), actor=pw.world.tax_clerk)
    with pytest.raises(PermissionDenied):
        arrive(pw, dt.date(2025, 3, 3), actor=pw.world.leader)
    assert not FundArrival.objects.exists()
    # 市发改委 owns art3 in the test world; its staff may (world has no ndrc clerk: use office)
    arrive(pw, dt.date(2025, 3, 3))
    assert FundArrival.objects.count() == 1


def test_funds_page_denials_change_nothing(pw, client_for):
    arrival = arrive(pw, dt.date(2025, 3, 3))
    events = AuditEvent.objects.count()
    for user in (pw.world.tax_clerk, pw.world.leader, pw.world.enterprise_a):
        client = client_for(user)
        client.post("/policies/funds/budget/", {"policy": pw.art3.pk, "year": 2025, "total": "1"})
        client.post(
            f"/policies/funds/arrivals/{arrival.pk}/disburse/",
            {"disbursed_on": "2025-03-10", "note": "x"},
        )
        client.post(
            "/policies/funds/arrivals/",
            {"policy": pw.art3.pk, "year": 2025, "amount": "5", "source": "x",
             "arrived_on": "2025-03-01"},
        )  # fmt: skip
    arrival.refresh_from_db()
    assert arrival.disbursed_on is None
    assert Budget.objects.get(policy=pw.art3).total == Decimal(800000)
    assert FundArrival.objects.count() == 1
    assert AuditEvent.objects.count() == events
    assert client_for(pw.world.enterprise_a).get("/policies/funds/").status_code == 403


# ---------------------------------------------------------------- 服务对象清单


def test_refresh_takes_the_current_results_for_this_quarter(pw, matched):
    target = service.refresh_service_target_list(pw.grad, actor=pw.world.market_clerk, now=NOW)
    assert (target.year, target.quarter, target.due_on) == (2025, 4, dt.date(2025, 12, 31))
    entries = {e.uscc: e for e in target.entries.all()}
    assert entries[USCC_C].eligible and entries[USCC_C].amount == Decimal(3000)
    # 2 eligible + A's near miss (no graduate hired yet); B, a large firm, misses only on
    # size, which it cannot change, so it is no service target of an SME subsidy
    assert target.entry_count == 3 and USCC_B not in entries
    again = service.refresh_service_target_list(pw.grad, actor=pw.world.market_clerk, now=NOW)
    assert again.pk == target.pk and again.entries.count() == 3
    assert USCC_E in entries


def test_refresh_needs_results_and_the_owning_department(pw):
    with pytest.raises(InvalidInput, match="请先运行政策匹配"):
        service.refresh_service_target_list(pw.grad, actor=pw.world.market_clerk, now=NOW)
    with pytest.raises(PermissionDenied):
        service.refresh_service_target_list(pw.grad, actor=pw.world.tax_clerk, now=NOW)


def test_sweep_creates_each_quarters_lists_and_reminds_pending_ones_weekly(pw, matched):
    early = tasks.sweep_service_target_lists(at(dt.date(2025, 10, 2)))
    assert early.lists_created == 4 and early.list_reminders == 0
    assert ServiceTargetList.objects.filter(year=2025, quarter=4).count() == 4
    service.refresh_service_target_list(pw.grad, actor=pw.world.market_clerk, now=NOW)
    near = tasks.sweep_service_target_lists(at(dt.date(2025, 12, 18)))
    assert (near.lists_created, near.list_reminders) == (0, 3)  # the refreshed one is not
    same_day = tasks.sweep_service_target_lists(at(dt.date(2025, 12, 18)))
    assert same_day.list_reminders == 0
    next_week = tasks.sweep_service_target_lists(at(dt.date(2025, 12, 25)))
    assert next_week.list_reminders == 3
    note = Notification.objects.filter(
        recipient=pw.world.market_clerk, kind="policies.reminder"
    ).first()
    assert "服务对象清单" in note.title and "2025-12-31" in note.body
    q1 = tasks.sweep_service_target_lists(at(dt.date(2026, 1, 5)))
    assert q1.lists_created == 4


def test_funds_and_satisfaction_indicators(pw, matched):
    from qinqing.assessment.registry import Period
    from qinqing.policies.indicators import funds_passed_on_time, match_satisfaction
    from qinqing.policies.models import MatchResult

    first = arrive(pw, dt.date(2025, 3, 3))  # due 18 March
    service.record_fund_disbursement(first, disbursed_on=dt.date(2025, 3, 10), note="下达示例县",
                                     actor=pw.world.office_admin, now=NOW)  # fmt: skip
    arrive(pw, dt.date(2025, 3, 20))  # never passed down: overdue
    q1 = Period.quarter(2025, 1)
    assert funds_passed_on_time(q1, [pw.world.ndrc.pk, pw.world.market.pk]) == {
        pw.world.ndrc.pk: 50.0,
        pw.world.market.pk: None,
    }
    result = MatchResult.objects.get(policy=pw.art3, current=True, eligible=True)
    service.record_push_feedback(result, actor=pw.world.enterprise_a, answer="fits", comment="",
                                 now=NOW)  # fmt: skip
    assert match_satisfaction(Period.quarter(2025, 4), [pw.world.ndrc.pk]) == {
        pw.world.ndrc.pk: 100.0
    }
