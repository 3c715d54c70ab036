"""发现问题—整改落实—销号: the loop, its refusals, and who may see what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from qinqing.problems import service
from qinqing.problems.models import Problem
from qinqing.problems.rules import ProblemState
from tests.problems.conftest import NOW


def test_finding_gets_deadline_in_its_own_unit(world, make_problem):
    workdays = make_problem(time_limit="15个工作日")
    natural = make_problem(time_limit="到达本级15日内")
    hours = make_problem(time_limit="48小时")
    assert workdays.due_at.date().isoformat() == "2025-06-24"  # 端午 5-31..6-2 and weekends skipped
    assert natural.due_at.date().isoformat() == "2025-06-18"  # received on 端午: counts from 6-3
    assert (hours.due_at - NOW).total_seconds() == 48 * 3600
    assert workdays.number.startswith("WT2025-")
    assert AuditEvent.objects.filter(verb="problem.created").count() == 3


def test_bad_time_limit_writes_nothing(world, make_problem):
    with pytest.raises(InvalidInput, match="无法识别"):
        make_problem(time_limit="尽快")
    assert not Problem.objects.exists()


def test_close_out_loop(world, submitted):
    assert submitted.state == ProblemState.SUBMITTED
    service.close_out(submitted, actor=world.office_admin, now=NOW)
    submitted.refresh_from_db()
    assert submitted.state == ProblemState.CLOSED
    assert AuditEvent.objects.filter(verb="problem.closed_out").count() == 1


def test_close_out_refused_without_evidence(world, make_problem):
    problem = make_problem()
    with pytest.raises(InvalidInput, match="佐证材料"):
        service.submit_rectification(problem, actor=world.market_clerk, rectification="已整改",
                                     now=NOW)  # fmt: skip
    problem.refresh_from_db()
    assert problem.state == ProblemState.OPEN
    # even if a request got through without evidence, the reviewer cannot close it
    Problem.objects.filter(pk=problem.pk).update(state=ProblemState.SUBMITTED)
    problem.refresh_from_db()
    with pytest.raises(InvalidInput, match="没有整改佐证材料"):
        service.close_out(problem, actor=world.office_admin, now=NOW)
    problem.refresh_from_db()
    assert problem.state == ProblemState.SUBMITTED
    assert not AuditEvent.objects.filter(verb="problem.closed_out").exists()


def test_filer_cannot_approve_own_close_out(world, make_problem):
    problem = make_problem(lead=world.office)  # a problem of the office itself
    service.submit_rectification(
        problem, actor=world.office_admin, rectification="已整改", evidence_note="会议纪要",
        now=NOW,
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="不能由您本人审核"):
        service.close_out(problem, actor=world.office_admin, now=NOW)
    problem.refresh_from_db()
    assert problem.state == ProblemState.SUBMITTED
    service.close_out(problem, actor=world.office_checker, now=NOW)
    problem.refresh_from_db()
    assert problem.state == ProblemState.CLOSED


def test_return_keeps_unit_rectifying(world, submitted):
    with pytest.raises(InvalidInput):
        service.return_rectification(submitted, actor=world.office_admin, reason=" ", now=NOW)
    service.return_rectification(submitted, actor=world.office_admin, reason="缺少照片", now=NOW)
    submitted.refresh_from_db()
    assert submitted.state == ProblemState.OPEN and submitted.return_reason == "缺少照片"


def test_unit_cannot_close_and_other_unit_cannot_file(world, submitted, make_problem):
    with pytest.raises(PermissionDenied):
        service.close_out(submitted, actor=world.market_clerk, now=NOW)
    other = make_problem()
    with pytest.raises(NotFound):
        service.submit_rectification(other, actor=world.tax_clerk, rectification="x",
                                     evidence_note="y", now=NOW)  # fmt: skip
    with pytest.raises(IllegalTransition):
        service.submit_rectification(submitted, actor=world.market_clerk, rectification="x",
                                     evidence_note="y", now=NOW)  # fmt: skip


@pytest.mark.parametrize(
    ("persona", "status"),
    [("office_admin", 200), ("leader", 200), ("market_clerk", 200), ("tax_clerk", 404),
     ("county_clerk", 404), ("other_officer", 404), ("enterprise_a", 403), ("discipline", 403)],
)  # fmt: skip
def test_detail_access_by_persona(world, client, make_problem, persona, status):
    problem = make_problem()
    client.force_login(getattr(world, persona))
    response = client.get(reverse("problems:detail", args=[problem.pk]))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "<script>1</script>" not in body and "&lt;script&gt;1" in body


def test_pages_through_the_client(world, client, make_problem, monkeypatch):
    from qinqing.problems import views

    monkeypatch.setattr(views, "_now", lambda: NOW)
    client.force_login(world.office_admin)
    response = client.post(
        reverse("problems:new"),
        {
            "title": "",
            "source": "incognito",
            "lead_unit": world.market.pk,
            "time_limit": "5个工作日",
        },
    )
    assert response.status_code == 400 and not Problem.objects.exists()
    response = client.post(
        reverse("problems:new"),
        {"title": "暗访发现窗口推诿", "source": "incognito", "lead_unit": world.market.pk,
         "time_limit": "尽快"},
    )  # fmt: skip
    assert response.status_code == 400 and "无法识别" in response.content.decode()
    assert "暗访发现窗口推诿" in response.content.decode()  # the form keeps what was typed
    assert not Problem.objects.exists()
    response = client.post(
        reverse("problems:new"),
        {"title": "暗访发现窗口推诿", "source": "incognito", "lead_unit": world.market.pk,
         "time_limit": "5个工作日", "evidence_note": "暗访录音"},
    )  # fmt: skip
    problem = Problem.objects.get()
    assert response.status_code == 302
    for name in ["problems:list", "problems:review", "problems:follow_ups", "problems:figures",
                 "problems:campaigns", "problems:visits", "problems:themes",
                 "problems:arrears_dashboard", "problems:supervisors", "problems:cases_review",
                 "problems:experience", "problems:import"]:  # fmt: skip
        assert client.get(reverse(name)).status_code == 200, name
    client.force_login(world.market_clerk)
    response = client.post(
        reverse("problems:rectify", args=[problem.pk]),
        {"rectification": "已约谈", "evidence_note": "约谈记录"},
    )
    assert response.status_code == 302
    client.force_login(world.office_admin)
    assert client.post(reverse("problems:close", args=[problem.pk])).status_code == 302
    problem.refresh_from_db()
    assert problem.state == ProblemState.CLOSED
    assert client.get(reverse("problems:exposure")).status_code == 200
