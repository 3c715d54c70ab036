"""The monthly themes job, 专项整治, 监督员, 督查组, cases, 督办 and the 通报 counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from qinqing.core.errors import InvalidInput, PermissionDenied
from qinqing.problems import queries, service, tasks
from qinqing.problems.models import Case, Problem, ThemeProposal, ThemeRun
from qinqing.problems.rules import CaseKind, CaseState, ProblemState
from tests.problems.conftest import NOW, SH
from tests.world import USCC_A, USCC_B


def _appeal(world, n, title, day, month=5, uscc=USCC_A):
    from qinqing.appeals.models import Appeal

    return Appeal.objects.create(
        locality=world.county, enterprise_uscc=uscc, enterprise_name="甲", contact_name="张",
        contact_phone="13800000000", appeal_type="complaint", title=title, content=title + "，请尽快处理。",
        channel="web", received_at=dt.datetime(2025, month, day, 9, tzinfo=SH), external_id=f"t{n}",
        source="test",
    )  # fmt: skip


def test_monthly_job_proposes_rising_theme_once_and_opens_it(world, client):
    texts = ["工业园区幸福路企业用电报装要等两个月", "幸福路园区企业用电报装时间太长",
             "幸福路工业园用电报装审批慢影响投产"]  # fmt: skip
    for k, text in enumerate(texts):
        _appeal(world, k, text, 5 + k, uscc=[USCC_A, USCC_B][k % 2])
    _appeal(world, 9, "咨询社保缴费基数", 20)
    june = dt.datetime(2025, 6, 2, 6, tzinfo=SH)
    result = tasks.propose_monthly_themes(june)
    assert result == {"runs": 2, "proposals": 1}  # 示例市 and 邻市 (no appeals)
    assert tasks.propose_monthly_themes(june) == {"runs": 0, "proposals": 0}
    run = ThemeRun.objects.get(area=world.city)
    assert run.month == "2025-05" and run.appeals == 4
    proposal = ThemeProposal.objects.get()
    assert proposal.size == 3 and "幸福路" in proposal.label
    client.force_login(world.office_admin)
    assert "幸福路" in client.get(reverse("problems:themes")).content.decode()
    client.force_login(world.market_clerk)
    assert client.get(reverse("problems:themes")).status_code == 403
    problem = service.open_problem_from_theme(
        proposal, actor=world.office_admin, lead_unit=world.ndrc, time_limit="30日", now=NOW
    )
    assert problem.source == "appeal_theme" and len(problem.appeal_ids) == 3
    proposal.refresh_from_db()
    assert proposal.state == "opened"


def test_campaign_typed_fields_and_target_date(world, make_problem, client):
    campaign = service.create_campaign(actor=world.office_admin, kind="documents",
                                       title="规范性文件清理", target_on=dt.date(2025, 6, 30), now=NOW)  # fmt: skip
    with pytest.raises(InvalidInput, match="保留、修改或废止"):
        make_problem(campaign=campaign, source="campaign", details={"outcome": "删掉"})
    problem = make_problem(campaign=campaign, source="campaign",
                           details={"document": "示政发〔2019〕3号", "outcome": "废止"})  # fmt: skip
    assert problem.details == {"document": "示政发〔2019〕3号", "outcome": "repeal"}
    client.force_login(world.leader)
    body = client.get(reverse("problems:campaign", args=[campaign.pk])).content.decode()
    assert "示政发〔2019〕3号" in body and 'id="open-count">1<' in body


def test_supervisor_submits_by_web_and_qr_and_logs_duty(world, client, supervisor, monkeypatch):
    from qinqing.problems import views
    from qinqing.problems.models import Supervisor, SupervisorReport

    monkeypatch.setattr(views, "_now", lambda: NOW)
    sv = Supervisor.objects.get()
    client.force_login(supervisor)
    response = client.post(reverse("problems:supervisor_home"),
                           {"what": "report", "title": "大厅叫号机坏了", "content": "上午一直无法取号"})  # fmt: skip
    assert response.status_code == 302
    response = client.post(reverse("problems:supervisor_qr", args=[sv.qr_token]),
                           {"what": "report", "title": "窗口午休无人", "content": "12点无人值守"})  # fmt: skip
    assert response.status_code == 302
    assert sorted(SupervisorReport.objects.values_list("channel", flat=True)) == ["qr", "web"]
    assert client.get(reverse("problems:supervisor_qr", args=["wrong"])).status_code == 404
    client.post(
        reverse("problems:supervisor_home"),
        {"what": "duty", "on": "2025-06-01", "activity": "走访大厅"},
    )
    assert sv.duties.count() == 1
    report = SupervisorReport.objects.get(channel="qr")
    problem = service.open_problem_from_report(report, actor=world.office_admin, lead_unit=world.market,
                                               time_limit="5个工作日", now=NOW)  # fmt: skip
    assert problem.source == "supervisor" and problem.supervisor == sv
    # out of term: refused
    sv.term_end = dt.date(2025, 5, 1)
    sv.save()
    with pytest.raises(PermissionDenied, match="任期"):
        service.submit_supervisor_report(
            actor=supervisor, channel="web", title="x", content="y", now=NOW
        )
    client.force_login(world.market_clerk)
    assert client.get(reverse("problems:supervisor_home")).status_code in (403, 404)


def test_visit_findings_enter_the_ledger(world):
    visit = service.record_visit(
        actor=world.office_admin, team="市委督查室第二组", kind="guidance", visited_on=NOW.date(),
        units=[world.market], summary="", now=NOW,
        findings=[{"title": "审批超时", "lead_unit": world.market, "time_limit": "10个工作日"},
                  {"title": "收费未公示", "lead_unit": world.tax, "time_limit": "5个工作日"}],
    )  # fmt: skip
    assert visit.problems.count() == 2
    assert set(visit.problems.values_list("source", flat=True)) == {"guidance"}


def test_cases_need_approval_by_someone_else(world, client, make_problem):
    case = service.submit_case(actor=world.market_clerk, kind=CaseKind.POSITIVE, title="容缺受理经验",
                               body="先受理后补材料", now=NOW)  # fmt: skip
    client.force_login(world.market_clerk)
    assert "容缺受理经验" not in client.get(reverse("problems:experience")).content.decode()
    service.decide_case(case, actor=world.office_admin, publish=True, now=NOW)
    assert "容缺受理经验" in client.get(reverse("problems:experience")).content.decode()
    problem = make_problem()
    negative = service.submit_case(actor=world.office_admin, kind=CaseKind.NEGATIVE, title="推诿扯皮典型",
                                   body="某窗口推诿", problem=problem, now=NOW)  # fmt: skip
    with pytest.raises(InvalidInput, match="其他工作人员"):
        service.decide_case(negative, actor=world.office_admin, publish=True, now=NOW)
    client.logout()
    assert "推诿扯皮典型" not in client.get(reverse("problems:exposure")).content.decode()
    service.decide_case(negative, actor=world.office_checker, publish=True, now=NOW)
    assert "推诿扯皮典型" in client.get(reverse("problems:exposure")).content.decode()
    assert Case.objects.filter(state=CaseState.PUBLISHED).count() == 2


def test_accountability_is_the_top_escalation(world, make_problem):
    from qinqing.supervision.models import SupervisionNotice

    problem = make_problem()
    notice = service.escalate_problem(problem, actor=world.office_admin, level="accountability",
                                      reason="长期不整改", response_workdays=5, now=NOW)  # fmt: skip
    problem.refresh_from_db()
    assert problem.accountability and notice.referred_to_discipline
    assert SupervisionNotice.objects.count() == 1


def test_bulletin_counts_by_unit_source_status(world, make_problem, submitted):
    make_problem(lead=world.tax, source="incognito", time_limit="1个工作日")
    counts = queries.bulletin_counts(world.city, dt.date(2025, 6, 1), dt.date(2025, 6, 30),
                                     NOW + dt.timedelta(days=10))  # fmt: skip
    units = dict(counts["by_unit"])
    assert units["市税务局"]["total"] == 1 and units["市税务局"]["overdue"] == 1
    assert units["市市场监管局"]["待销号审核"] == 1
    assert dict(counts["by_source"]) == {"督查检查": 1, "明察暗访": 1}
    assert counts["period"]["new"] == 2 and counts["overdue"] == 1
    assert Problem.objects.filter(state=ProblemState.SUBMITTED).count() == 1


def test_demo_seed_is_idempotent(world):
    from qinqing.problems.models import Arrears, InspectionVisit
    from qinqing.problems.seeds import load_demo

    logs: list[str] = []
    load_demo(city=world.city, users={"office_admin": world.office_admin}, log=logs.append)
    load_demo(city=world.city, users={"office_admin": world.office_admin}, log=logs.append)
    assert InspectionVisit.objects.count() == 1 and Arrears.objects.count() == 1
    assert Problem.objects.count() == 3 and "已存在" in logs[-1]
