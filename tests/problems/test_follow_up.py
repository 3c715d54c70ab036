"""回头看: scheduled by an idempotent job; a recurrence reopens and counts against the unit."""

from __future__ import annotations

import datetime as dt

import pytest

from qinqing.core.errors import IllegalTransition
from qinqing.problems import service, tasks
from qinqing.problems.models import FollowUpCheck, ProblemSettings
from qinqing.problems.rules import CheckState, ProblemState
from tests.problems.conftest import NOW


@pytest.fixture
def closed(world, submitted):
    ProblemSettings.objects.create(area=world.city, follow_up_days=30)
    return service.close_out(submitted, actor=world.office_admin, now=NOW)


def test_job_creates_each_check_once(world, closed):
    early = NOW + dt.timedelta(days=29)
    assert tasks.schedule_follow_up_checks(early) == {"created": 0}
    later = NOW + dt.timedelta(days=31)
    assert tasks.schedule_follow_up_checks(later) == {"created": 1}
    assert tasks.schedule_follow_up_checks(later) == {"created": 0}
    assert tasks.schedule_follow_up_checks(later + dt.timedelta(days=5)) == {"created": 0}
    check = FollowUpCheck.objects.get()
    assert check.due_on == dt.date(2025, 7, 2) and check.round == 1


def test_passed_check_verifies(world, closed):
    tasks.schedule_follow_up_checks(NOW + dt.timedelta(days=31))
    check = FollowUpCheck.objects.get()
    service.record_follow_up(
        check, actor=world.office_admin, recurred=False, note="现场复查", now=NOW
    )
    closed.refresh_from_db()
    assert closed.state == ProblemState.VERIFIED
    with pytest.raises(IllegalTransition):
        service.record_follow_up(check, actor=world.office_admin, recurred=False, note="x", now=NOW)
    # verified problems are not checked again
    assert tasks.schedule_follow_up_checks(NOW + dt.timedelta(days=400)) == {"created": 0}


def test_recurrence_reopens_counts_and_gets_a_second_round(world, closed):
    from qinqing.assessment.registry import Period, get_indicator

    later = NOW + dt.timedelta(days=31)
    tasks.schedule_follow_up_checks(later)
    check = FollowUpCheck.objects.get()
    service.record_follow_up(
        check, actor=world.office_admin, recurred=True, note="又出现往返", now=later
    )
    closed.refresh_from_db()
    assert closed.state == ProblemState.OPEN and closed.recurrences == 1
    check.refresh_from_db()
    assert check.state == CheckState.RECURRED
    points = get_indicator("problems.deduction_points").compute(
        Period(dt.date(2025, 7, 1), dt.date(2025, 7, 5)), [world.market.pk, world.tax.pk]
    )
    assert points[world.market.pk] == 2.0 and points[world.tax.pk] == 0.0
    # rectify and close again: the next 回头看 is round 2, never a duplicate of round 1
    service.submit_rectification(closed, actor=world.market_clerk, rectification="再整改",
                                 evidence_note="说明", now=later)  # fmt: skip
    service.close_out(closed, actor=world.office_admin, now=later)
    assert tasks.schedule_follow_up_checks(later + dt.timedelta(days=31)) == {"created": 1}
    assert sorted(FollowUpCheck.objects.values_list("round", flat=True)) == [1, 2]
