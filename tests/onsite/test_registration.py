"""涉企行政检查备案: windows on the working-day calendar, exemptions, caps, approval."""

from __future__ import annotations

from datetime import date

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.onsite.models import CheckRegistration, RegistrationState
from tests.onsite.conftest import OPEN_DAY, QUIET_DAY, enterprise, register

pytestmark = pytest.mark.django_db


def test_a_routine_check_outside_the_window_is_registered(ow):
    r = register(ow)
    assert r.state == RegistrationState.REGISTERED
    assert r.area == ow.city
    assert AuditEvent.objects.filter(verb="check.registered", object_id=str(r.pk)).exists()


def test_a_routine_check_inside_the_quiet_days_is_refused_and_nothing_is_written(ow):
    with pytest.raises(InvalidInput, match="全域宁静日（每月 1–20 日）内，日常检查不能安排入企"):
        register(ow, day=QUIET_DAY)
    assert not CheckRegistration.objects.exists()
    assert not AuditEvent.objects.filter(verb="check.registered").exists()


def test_a_safety_check_inside_the_window_needs_a_reason_and_is_then_accepted(ow):
    with pytest.raises(InvalidInput, match="须填写“宁静日入企理由”"):
        register(ow, day=QUIET_DAY, category="safety")
    r = register(ow, day=QUIET_DAY, category="safety", exemption_reason="燃气管道泄漏隐患")
    assert r.quiet_conflict == "全域宁静日（每月 1–20 日）"
    assert r.exemption_reason == "燃气管道泄漏隐患"


def test_an_enterprise_quiet_period_refuses_routine_checks(ow):
    from qinqing.inspections import service as inspections
    from tests.inspections.conftest import NOW

    ent = enterprise(ow, "B")
    inspections.add_quiet_period(
        actor=ow.office_admin, area=ow.city, enterprise=ent, start_on=date(2026, 6, 22),
        end_on=date(2026, 6, 26), reason="重大订单生产期", now=NOW,
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="企业宁静期（2026-06-22 至 2026-06-26）"):
        register(ow, ent=ent, day=OPEN_DAY)
    assert register(ow, ent=ent, day=date(2026, 6, 29)).pk


@pytest.mark.parametrize(
    ("day", "ok"),
    [
        (date(2026, 9, 20), False),  # Sunday 调休上班日 (国庆节) but inside 1–20
        (date(2026, 9, 26), False),  # an ordinary Saturday: rest day
        (date(2026, 10, 1), False),  # 国庆节
        (date(2026, 10, 21), True),  # Wednesday after the window
    ],
)
def test_days_across_the_holiday_calendar(ow, day, ok):
    if ok:
        assert register(ow, day=day).pk
    else:
        with pytest.raises(InvalidInput):
            register(ow, day=day)


def test_a_makeup_working_day_outside_the_window_counts_as_a_working_day(ow):
    """2026-02-28 (Saturday) is a 调休上班日 for 春节; with the window moved to 1–10 it is open."""
    from qinqing.onsite import service
    from tests.inspections.conftest import NOW

    ow_rule = ow  # the city's rule is 1–20; use an enterprise-level check with a county rule
    from qinqing.inspections.models import LocalQuietDays

    LocalQuietDays.objects.update(first_day=1, last_day=10)
    assert service.entry_check(
        area=ow_rule.city, enterprise=enterprise(ow, "B"), day=date(2026, 2, 28),
        category="routine",
    ).day.workday  # fmt: skip
    with pytest.raises(InvalidInput, match="不是工作日"):
        service.entry_check(area=ow.city, enterprise=enterprise(ow, "B"),
                            day=date(2026, 2, 21), category="routine")  # fmt: skip
    assert NOW  # the clock is not involved in the day check


def test_a_provisional_year_is_accepted_and_flagged(ow):
    from qinqing.core.workdays.calendar import WorkdayCalendar
    from qinqing.core.workdays.data import package_years
    from qinqing.core.workdays.provisional import provisional_year

    calendar = WorkdayCalendar([*package_years(), provisional_year(2027)])
    r = register(ow, day=date(2027, 3, 22), calendar=calendar)
    assert r.calendar_provisional
    # no 调休 is guessed: a Saturday stays a rest day; 国庆节 is fixed by the 放假办法
    with pytest.raises(InvalidInput, match="2027-03-27 不是工作日"):
        register(ow, day=date(2027, 3, 27), calendar=calendar)
    assert not calendar.is_workday(date(2027, 10, 1))


def test_a_year_without_any_calendar_data_is_not_refused(ow):
    from qinqing.core.workdays.calendar import WorkdayCalendar
    from qinqing.core.workdays.data import package_years

    calendar = WorkdayCalendar(package_years())  # no 2027 at all
    r = register(ow, day=date(2027, 3, 22), calendar=calendar)
    assert r.calendar_provisional


def test_the_annual_cap_is_enforced_across_two_departments(ow):
    ent = enterprise(ow, "A")  # tier A: cap 2
    register(ow, unit="market", ent=ent, day=date(2026, 6, 22))
    register(ow, unit="tax", ent=ent, day=date(2026, 7, 22))
    with pytest.raises(InvalidInput, match="已达各部门合计的年度上限 2 次"):
        register(ow, unit="market", ent=ent, day=date(2026, 8, 24))
    assert CheckRegistration.objects.filter(enterprise=ent).count() == 2
    # a complaint check is not capped
    assert register(ow, unit="market", ent=ent, day=date(2026, 8, 24), category="complaint").pk


def test_other_tiers_have_the_higher_cap_and_cancelled_checks_free_a_slot(ow):
    from qinqing.onsite import service
    from tests.inspections.conftest import NOW

    ent = enterprise(ow, "C")
    made = [register(ow, unit=u, ent=ent, day=d) for u, d in (
        ("market", date(2026, 6, 22)), ("tax", date(2026, 6, 23)),
        ("market", date(2026, 7, 22)), ("tax", date(2026, 7, 23)),
    )]  # fmt: skip
    with pytest.raises(InvalidInput, match="上限 4 次"):
        register(ow, unit="tax", ent=ent, day=date(2026, 8, 24))
    service.cancel_registration(made[0], actor=ow.market_clerk, now=NOW, reason="企业停产")
    assert register(ow, unit="tax", ent=ent, day=date(2026, 8, 24)).pk


def test_joining_another_departments_check_counts_once(ow):
    ent = enterprise(ow, "A")
    first = register(ow, unit="market", ent=ent, day=date(2026, 6, 22))
    register(ow, unit="market", ent=ent, day=date(2026, 7, 22))
    joined = register(ow, unit="tax", ent=ent, day=date(2026, 6, 22), join=first)
    first.refresh_from_db()
    assert first.joint_id == joined.joint_id is not None


def test_a_unit_registers_only_its_own_items_and_inspectors(ow):
    with pytest.raises(InvalidInput, match="不是本单位的有效检查事项"):
        register(ow, items=[ow.tax_item])
    with pytest.raises(InvalidInput, match="不是本单位在岗的执法检查人员"):
        register(ow, inspectors=ow.tax_inspectors[:2])
    assert not CheckRegistration.objects.exists()


def test_approval_before_entry_when_the_locality_requires_it(
    ow, django_capture_on_commit_callbacks
):
    from qinqing.core.notifications.models import Notification
    from qinqing.onsite import service
    from tests.inspections.conftest import NOW

    service.save_settings(actor=ow.office_admin, now=NOW, area=ow.city, approval_required=True)
    with django_capture_on_commit_callbacks(execute=True):
        r = register(ow)
    assert r.state == RegistrationState.PENDING
    assert Notification.objects.filter(
        kind="onsite.approval_requested", recipient=ow.office_admin
    ).exists()
    assert (
        Notification.objects.filter(kind="onsite.check_registered").count() == 0
    )  # no account for it
    with pytest.raises(IllegalTransition):
        service.scan_arrival(
            r,
            actor=ow.login_of(ow.market_inspectors[0]),
            inspector=ow.market_inspectors[0],
            now=NOW,
        )
    service.approve_entry(r, actor=ow.office_admin, now=NOW)
    r.refresh_from_db()
    assert r.state == RegistrationState.APPROVED


def test_checks_after_the_fact_only_for_complaints_and_emergencies(ow):
    from qinqing.onsite import service
    from tests.inspections.conftest import NOW

    common = dict(actor=ow.market_clerk, now=NOW, unit=ow.market, enterprise=enterprise(ow, "B"),
                  reason="群众举报", legal_basis="《市场监督管理投诉举报处理暂行办法》",
                  items=[ow.market_item], inspectors=ow.market_inspectors[:2],
                  visited_on=date(2026, 5, 29), late_reason="举报涉及食品安全，需立即到场")  # fmt: skip
    with pytest.raises(InvalidInput, match="只有投诉举报核查、突发事件处置可以事后补录"):
        service.record_check_afterwards(category="routine", **common)
    r = service.record_check_afterwards(category="complaint", **common)
    assert r.after_the_fact and r.state == RegistrationState.DONE
    assert r.late_reason == "举报涉及食品安全，需立即到场"


def test_result_recognition_marks_the_item_as_checked_for_others(ow):
    from qinqing.onsite import service
    from tests.inspections.conftest import NOW

    ent = enterprise(ow, "C")
    service.link_recognition(actor=ow.office_admin, now=NOW, item=ow.market_item,
                             counts_for=ow.tax_item, source="示例市执法结果互认办法")  # fmt: skip
    done = service.record_check_afterwards(
        actor=ow.market_clerk, now=NOW, unit=ow.market, enterprise=ent, category="complaint",
        reason="举报", legal_basis="依据", items=[ow.market_item],
        inspectors=ow.market_inspectors[:2], visited_on=date(2026, 5, 28), late_reason="紧急",
    )  # fmt: skip
    assert done.state == RegistrationState.DONE
    with pytest.raises(InvalidInput, match="执法结果互认"):
        register(ow, unit="tax", ent=ent, day=OPEN_DAY)
