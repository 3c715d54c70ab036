"""Indicators fed to the assessment: values worked out by hand for a small June scene."""

from datetime import date

import pytest

from qinqing.assessment.registry import Period, all_indicators, get_indicator
from qinqing.supervision import service
from tests.supervision.factories import at, cycle_of, make_plan, make_task, monthly, slot

JUNE = Period(date(2025, 6, 1), date(2025, 6, 30), "2025年6月")


@pytest.fixture
def scene(world):
    plan = make_plan(world)
    a = make_task(plan, label="1", title="A", lead=[world.market], due_on=date(2025, 6, 30))
    b = make_task(plan, label="2", title="B", lead=[world.tax], due_on=date(2025, 6, 20))
    c = make_task(plan, label="3", title="C", lead=[world.market], due_on=date(2025, 6, 25))
    d = make_task(plan, label="4", title="D", responsible=[world.ndrc], due_on=date(2025, 6, 15))
    make_task(plan, label="5", title="E", lead=[world.county], due_on=date(2025, 8, 31))
    cadence = monthly(world, plan, starts_on=date(2025, 5, 1), now=at(date(2025, 6, 2)))
    may, june = cycle_of(cadence, date(2025, 5, 1)), cycle_of(cadence, date(2025, 6, 1))
    assert may.report_due_on == date(2025, 6, 9)
    office = world.office_admin
    file = service.submit_report
    file(
        slot(a, world.market, may),
        actor=world.market_clerk,
        stage="in_progress",
        narrative="a",
        now=at(date(2025, 6, 5)),
    )
    file(
        slot(b, world.tax, may),
        actor=world.tax_clerk,
        stage="in_progress",
        narrative="b",
        now=at(date(2025, 6, 12)),
    )
    file(
        slot(c, world.market, may),
        actor=world.market_clerk,
        stage="in_progress",
        narrative="c",
        now=at(date(2025, 6, 9), 17),
    )
    service.return_report(
        slot(c, world.market, may), actor=office, reason="补充", now=at(date(2025, 6, 10))
    )
    file(
        slot(c, world.market, may),
        actor=world.market_clerk,
        stage="in_progress",
        narrative="c2",
        now=at(date(2025, 6, 15)),
    )
    service.accept_report(slot(c, world.market, may), actor=office, now=at(date(2025, 6, 16)))
    file(
        slot(a, world.market, june),
        actor=world.market_clerk,
        stage="completed",
        narrative="a done",
        now=at(date(2025, 6, 27)),
    )
    service.accept_report(slot(a, world.market, june), actor=office, now=at(date(2025, 6, 28)))
    file(
        slot(c, world.market, june),
        actor=world.market_clerk,
        stage="completed",
        narrative="c done",
        now=at(date(2025, 7, 2)),
    )
    service.accept_report(slot(c, world.market, june), actor=office, now=at(date(2025, 7, 3)))
    n1 = service.issue_supervision_notice(
        actor=office,
        unit=world.tax,
        task=b,
        level="supervision",
        reason="b 逾期",
        response_workdays=3,
        now=at(date(2025, 6, 10)),
    )
    assert n1.response_due_on == date(2025, 6, 13)
    service.respond_to_notice(
        n1, actor=world.tax_clerk, response="已整改", now=at(date(2025, 6, 12))
    )
    service.issue_supervision_notice(
        actor=office,
        unit=world.ndrc,
        task=d,
        level="reminder",
        reason="d",
        response_workdays=3,
        now=at(date(2025, 6, 20)),
    )
    service.issue_supervision_notice(
        actor=office,
        unit=world.ndrc,
        level="accountability",
        reason="d 多次",
        response_workdays=5,
        now=at(date(2025, 6, 23)),
    )
    return world


def _units(world):
    return [world.market.pk, world.tax.pk, world.ndrc.pk, world.county.pk, world.office.pk]


def _values(code, world):
    values = get_indicator(code).compute(JUNE, _units(world))
    return [values[u] for u in _units(world)]


def test_supervision_indicators_are_registered():
    codes = {i.code: i for i in all_indicators() if i.source == "supervision"}
    assert set(codes) >= {
        "supervision.on_time_completion",
        "supervision.report_timeliness",
        "supervision.returned_report_rate",
        "supervision.notice_response_rate",
        "supervision.notice_severity",
    }
    assert codes["supervision.returned_report_rate"].higher_is_better is False
    assert codes["supervision.notice_severity"].higher_is_better is False


def test_on_time_completion(scene):
    # market: A on time, C claimed 07-02 after 06-25 → 50%; tax: B not done; ndrc owns D
    # (no lead unit) and did not finish; county's E is due in August; office owns nothing
    assert _values("supervision.on_time_completion", scene) == [50.0, 0.0, 0.0, None, None]


def test_report_timeliness_counts_the_first_filing(scene):
    # reports due in June are May's (due 06-09): market filed A 06-05 and C 06-09 (returned,
    # refiled 06-15: still on time); tax filed B 06-12 (late); ndrc and county never filed
    assert _values("supervision.report_timeliness", scene) == [100.0, 0.0, 0.0, 0.0, None]


def test_returned_report_rate(scene):
    assert _values("supervision.returned_report_rate", scene) == [50.0, 0.0, None, None, None]


def test_notice_response_rate(scene):
    # tax answered within 3 working days; ndrc's reminder (due 06-25) was never answered; its
    # 问责 is due in July
    assert _values("supervision.notice_response_rate", scene) == [None, 100.0, 0.0, None, None]


def test_notice_severity(scene):
    assert _values("supervision.notice_severity", scene) == [0.0, 2.0, 9.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "code",
    [
        "supervision.on_time_completion",
        "supervision.report_timeliness",
        "supervision.returned_report_rate",
        "supervision.notice_response_rate",
        "supervision.notice_severity",
    ],
)
def test_queries_do_not_grow_with_the_number_of_units(scene, code, django_assert_max_num_queries):
    from qinqing.core.orgs.models import Unit

    many = list(Unit.objects.values_list("pk", flat=True))
    assert len(many) > 5
    with django_assert_max_num_queries(2):
        get_indicator(code).compute(JUNE, many)
