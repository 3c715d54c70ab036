"""Supervision notices: numbering, deadlines, escalation up the ladder, referral, refusals."""

from datetime import date

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from qinqing.supervision import service
from qinqing.supervision.models import SupervisionNotice
from tests.supervision.factories import at, make_plan, make_task

NOW = at(date(2025, 9, 30), 10)


@pytest.fixture
def task(world):
    return make_task(make_plan(world), lead=[world.tax], due_on=date(2025, 9, 15))


def test_numbers_run_per_issuing_unit_and_year_and_deadline_counts_working_days(world, task):
    first = service.issue_supervision_notice(
        actor=world.office_admin,
        unit=world.tax,
        task=task,
        level="reminder",
        reason="任务逾期",
        response_workdays=3,
        now=NOW,
    )
    second = service.issue_supervision_notice(
        actor=world.office_admin,
        unit=world.market,
        level="reminder",
        reason="报送迟缓",
        response_workdays=3,
        now=NOW,
    )
    county = service.issue_supervision_notice(
        actor=world.county_officer,
        unit=world.county,
        level="reminder",
        reason="县级事项",
        response_workdays=3,
        now=NOW,
    )
    assert [first.number, second.number, county.number] == [
        "督办〔2025〕1号",
        "督办〔2025〕2号",
        "督办〔2025〕1号",
    ]
    # 3 working days after 09-30 across 国庆: 10-09, 10-10, 10-11 (make-up Saturday)
    assert first.response_due_on == date(2025, 10, 11)


def test_escalation_goes_up_and_keeps_the_chain(world, task, client_for):
    reminder = service.issue_supervision_notice(
        actor=world.office_admin,
        unit=world.tax,
        task=task,
        level="reminder",
        reason="任务逾期",
        response_workdays=3,
        now=NOW,
    )
    interview = service.escalate_notice(
        reminder,
        actor=world.office_admin,
        level="interview",
        reason="逾期未反馈",
        response_workdays=3,
        now=at(date(2025, 10, 14)),
    )
    reminder.refresh_from_db()
    assert reminder.state == "escalated" and interview.escalated_from == reminder
    with pytest.raises(InvalidInput, match="请选择“问责”"):
        service.escalate_notice(
            interview,
            actor=world.office_admin,
            level="supervision",
            reason="x",
            response_workdays=3,
            now=at(date(2025, 10, 15)),
        )
    with pytest.raises(IllegalTransition):
        service.respond_to_notice(
            reminder, actor=world.tax_clerk, response="迟到的反馈", now=at(date(2025, 10, 15))
        )
    accountability = service.escalate_notice(
        interview,
        actor=world.office_admin,
        level="accountability",
        reason="约谈后仍未整改",
        response_workdays=10,
        now=at(date(2025, 10, 20)),
    )
    assert accountability.referred_to_discipline
    assert AuditEvent.objects.filter(verb="supervision_notice.referred").count() == 1
    page = (
        client_for(world.office_admin)
        .get(f"/supervision/notices/{accountability.pk}/")
        .content.decode()
    )
    assert reminder.number in page and interview.number in page


def test_escalation_through_the_page_refuses_going_down(world, task, client_for):
    notice = service.issue_supervision_notice(
        actor=world.office_admin,
        unit=world.tax,
        task=task,
        level="interview",
        reason="逾期",
        response_workdays=3,
        now=NOW,
    )
    client = client_for(world.office_admin)
    # defect 4: the picker offers only higher levels, the next one chosen by default
    page = client.get(f"/supervision/notices/{notice.pk}/").content.decode()
    picker = page[page.index('name="level"') : page.index("</select>", page.index('name="level"'))]
    assert '"reminder"' not in picker and '"supervision"' not in picker
    assert 'value="accountability" selected' in picker
    r = client.post(
        f"/supervision/notices/{notice.pk}/escalate/",
        {"level": "reminder", "reason": "仍未整改，再次督办", "response_workdays": 3},
    )
    body = r.content.decode()
    # the page again, the error beside the field and what was typed kept (no dead end)
    assert r.status_code == 200 and "升级督办必须提高层级" in body
    assert "仍未整改，再次督办" in body
    assert SupervisionNotice.objects.count() == 1


def test_only_a_coordinating_units_office_issues(world, task):
    with pytest.raises(PermissionDenied):
        service.issue_supervision_notice(
            actor=world.market_clerk,
            unit=world.tax,
            level="reminder",
            reason="x",
            response_workdays=3,
            now=NOW,
        )
    with pytest.raises(PermissionDenied):
        service.issue_supervision_notice(
            actor=world.leader,
            unit=world.tax,
            level="reminder",
            reason="x",
            response_workdays=3,
            now=NOW,
        )
    # another city's office cannot reach this city's units or tasks
    with pytest.raises(InvalidInput, match="不在邻市范围内"):
        service.issue_supervision_notice(
            actor=world.other_officer,
            unit=world.tax,
            level="reminder",
            reason="x",
            response_workdays=3,
            now=NOW,
        )
    # a notice on a task goes to one of its units
    with pytest.raises(InvalidInput, match="不是任务"):
        service.issue_supervision_notice(
            actor=world.office_admin,
            unit=world.ndrc,
            task=task,
            level="reminder",
            reason="x",
            response_workdays=3,
            now=NOW,
        )
    with pytest.raises(InvalidInput, match="反馈时限"):
        service.issue_supervision_notice(
            actor=world.office_admin,
            unit=world.tax,
            level="reminder",
            reason="x",
            response_workdays=0,
            now=NOW,
        )
    assert not SupervisionNotice.objects.exists()


def test_responding_is_for_the_supervised_unit_only(world, task):
    notice = service.issue_supervision_notice(
        actor=world.office_admin,
        unit=world.tax,
        task=task,
        level="supervision",
        reason="逾期",
        response_workdays=3,
        now=NOW,
    )
    with pytest.raises(NotFound):
        service.respond_to_notice(notice, actor=world.market_clerk, response="x", now=NOW)
    with pytest.raises(PermissionDenied):
        service.respond_to_notice(notice, actor=world.enterprise_a, response="x", now=NOW)
    with pytest.raises(InvalidInput, match="请填写反馈内容"):
        service.respond_to_notice(notice, actor=world.tax_clerk, response="  ", now=NOW)
    late = service.respond_to_notice(
        notice, actor=world.tax_clerk, response="已整改", now=at(date(2025, 10, 13))
    )
    assert late.responded_on > late.response_due_on  # late, and recorded as such
    with pytest.raises(IllegalTransition):
        service.respond_to_notice(notice, actor=world.tax_clerk, response="再次反馈", now=NOW)


@pytest.fixture
def trigger(world):
    from qinqing.assessment.models import ExternalRanking, ExternalResult, ExternalTrigger

    ranking = ExternalRanking.objects.create(
        area=world.city, period_label="2025年度", total_ranked=100, imported_at=NOW
    )
    result = ExternalResult.objects.create(
        ranking=ranking, unit=world.county, name_in_file="示例县", rank=95, row_number=2
    )
    return ExternalTrigger.objects.create(
        ranking=ranking, result=result, unit=world.county, level="interview",
        reason="全省营商环境评价2025年度排名第95名（共100个），列后10名", basis="004（四）",
        created_at=NOW,
    )  # fmt: skip


def test_external_ranking_trigger_becomes_an_interview_notice_once(world, client_for, trigger):
    client = client_for(world.office_admin)
    page = client.get("/supervision/notices/").content.decode()
    assert "列后10名" in page
    r = client.post(f"/supervision/triggers/{trigger.pk}/issue/", {"response_workdays": "5"})
    assert r.status_code == 302
    notice = SupervisionNotice.objects.get()
    assert (notice.level, notice.unit) == ("interview", world.county)
    trigger.refresh_from_db()
    assert trigger.status == "handled" and notice.number in trigger.handled_note
    again = client.post(f"/supervision/triggers/{trigger.pk}/issue/", {"response_workdays": "5"})
    assert again.status_code == 404 and SupervisionNotice.objects.count() == 1


def test_trigger_refused_to_leader_and_other_city(world, client_for, trigger):
    assert (
        client_for(world.leader).post(f"/supervision/triggers/{trigger.pk}/issue/").status_code
        == 403
    )
    assert (
        client_for(world.other_officer)
        .post(f"/supervision/triggers/{trigger.pk}/issue/")
        .status_code
        == 404
    )
    trigger.refresh_from_db()
    assert trigger.status == "pending" and not SupervisionNotice.objects.exists()
