"""Every page of the policy module for the roles that use it, the navigation, and the
denials of the remaining endpoints (each checks that nothing changed)."""

from __future__ import annotations

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.core.notifications.models import Notification
from qinqing.policies import service
from qinqing.policies.models import (
    MatchResult,
    MatchRun,
    PolicyPush,
    ServiceTarget,
    ServiceTargetList,
)
from tests.policies.conftest import NOW, set_budget


def _nav(client) -> str:
    html = client.get("/").content.decode()
    return html.split('aria-label="功能导航"')[1].split("</nav>")[0] if "功能导航" in html else ""


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        (
            "office_admin",
            ["政策库", "政策匹配", "免申即享", "申报审核", "资金与清单"],
            ["我的政策"],
        ),
        ("market_clerk", ["政策库", "政策匹配", "申报审核"], ["我的政策"]),
        ("leader", ["政策库", "政策匹配", "免申即享"], ["我的政策"]),
        (
            "enterprise_a",
            ["政策库", "我的政策"],
            ["政策匹配", "免申即享", "申报审核", "资金与清单"],
        ),
    ],
)
def test_navigation_by_role(world, client_for, who, shown, hidden):
    nav = _nav(client_for(getattr(world, who)))
    for label in shown:
        assert f">{label}<" in nav, label
    for label in hidden:
        assert f">{label}<" not in nav, label


def test_office_pages_render(pw, matched, client_for):
    set_budget(pw.art2, 1_000_000, actor=pw.world.office_admin)
    batch = service.prepare_grant_batch(pw.art2, actor=pw.world.office_admin, now=NOW)
    target = service.refresh_service_target_list(pw.grad, actor=pw.world.office_admin, now=NOW)
    client = client_for(pw.world.office_admin)
    pages = {
        "/policies/": "惠企政策库",
        f"/policies/p/{pw.art2.code}/": "兑现规则（第 1 版）",
        f"/policies/p/{pw.art2.code}/edit/": "修改政策",
        f"/policies/p/{pw.art2.code}/rule/": "保存为新版本",
        f"/policies/p/{pw.art2.code}/push/": "推送给名单上的企业",
        "/policies/matching/": "运行政策匹配",
        f"/policies/matching/runs/{matched.pk}/": "企业数据快照摘要",
        "/policies/grants/": "生成发放批次",
        f"/policies/grants/{batch.pk}/": "须由另一名工作人员审批",
        "/policies/applications/": "政策申报审核",
        "/policies/funds/": "登记上级资金到达",
        f"/policies/targets/{target.pk}/": "服务对象清单",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


def test_leader_reads_every_staff_page_without_controls(pw, matched, client_for):
    client = client_for(pw.world.leader)
    for url in ("/policies/matching/", f"/policies/matching/runs/{matched.pk}/",
                f"/policies/p/{pw.art2.code}/push/", "/policies/grants/", "/policies/funds/",
                "/policies/applications/", f"/policies/p/{pw.art2.code}/rule/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for control in ("运行政策匹配", "推送给名单上的企业", "生成发放批次", "登记上级资金到达",
                        "保存为新版本"):  # fmt: skip
            assert control not in html, (url, control)


@pytest.mark.parametrize("who", ["market_clerk", "leader", "enterprise_a", "discipline"])
def test_only_the_office_runs_matching(pw, client_for, who):
    events = AuditEvent.objects.count()
    response = client_for(getattr(pw.world, who)).post("/policies/matching/run/", {"year": 2025})
    assert response.status_code == 403
    assert not MatchRun.objects.exists() and not MatchResult.objects.exists()
    assert AuditEvent.objects.count() == events


def test_other_city_runs_only_its_own_policies(pw, client_for):
    response = client_for(pw.world.other_officer).post("/policies/matching/run/", {"year": 2025})
    assert response.status_code == 400
    assert "还没有保存了规则的政策" in response.content.decode()
    assert not MatchResult.objects.exists()


def test_run_pages_are_scoped(pw, matched, client_for):
    assert client_for(pw.world.other_officer).get(
        f"/policies/matching/runs/{matched.pk}/"
    ).status_code == 404  # fmt: skip
    assert client_for(pw.world.enterprise_a).get("/policies/matching/").status_code == 403
    html = client_for(pw.world.market_clerk).get(f"/policies/matching/runs/{matched.pk}/")
    html = html.content.decode()
    assert "中小微企业招用高校毕业生" in html and "鼓励企业科技创新" not in html  # not 市场监管局's


@pytest.mark.parametrize("who", ["market_clerk", "leader", "enterprise_a", "other_officer"])
def test_only_the_office_pushes(pw, matched, client_for, who):
    events = AuditEvent.objects.count()
    response = client_for(getattr(pw.world, who)).post(f"/policies/p/{pw.grad.code}/push/send/")
    assert response.status_code in (403, 404)
    assert not PolicyPush.objects.exists() and not Notification.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("who", ["tax_clerk", "leader", "enterprise_a", "other_officer"])
def test_who_may_not_refresh_service_targets(pw, matched, client_for, who):
    events = AuditEvent.objects.count()
    response = client_for(getattr(pw.world, who)).post(
        f"/policies/p/{pw.grad.code}/targets/refresh/"
    )
    assert response.status_code in (403, 404)
    assert not ServiceTargetList.objects.exists() and not ServiceTarget.objects.exists()
    assert AuditEvent.objects.count() == events


def test_department_refreshes_its_list_through_the_page(pw, matched, client_for):
    response = client_for(pw.world.market_clerk).post(
        f"/policies/p/{pw.grad.code}/targets/refresh/"
    )
    assert response.status_code == 302
    target = ServiceTargetList.objects.get()
    assert target.refreshed_by == pw.world.market_clerk and target.entry_count == 3
    assert client_for(pw.world.tax_clerk).get(f"/policies/targets/{target.pk}/").status_code == 404


def test_anonymous_users_are_sent_to_login_for_everything_but_the_library(pw, client):
    assert client.get("/policies/").status_code == 200
    for url in ("/policies/mine/", "/policies/matching/", "/policies/grants/", "/policies/funds/",
                "/policies/applications/", f"/policies/p/{pw.grad.code}/rule/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    response = client.post("/policies/matching/run/", {"year": 2025})
    assert response.status_code == 302
    assert not MatchRun.objects.exists()


def test_rule_versions_are_for_staff_who_see_the_policy(pw, client_for):
    url = f"/policies/p/{pw.grad.code}/rule/1/"
    assert client_for(pw.world.market_clerk).get(url).status_code == 200
    for who, status in (("tax_clerk", 404), ("other_officer", 404), ("enterprise_a", 403)):
        response = client_for(getattr(pw.world, who)).get(url)
        assert response.status_code == status, who
        assert "graduate_hires" not in response.content.decode()


def _application(pw):
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    files = {
        n: SimpleUploadedFile(f"{n}.pdf", b"%PDF-1.4", "application/pdf")
        for n in ("劳动合同复印件", "社会保险缴费明细")
    }
    data = {"contact_name": "钱", "contact_phone": "1", "bank_account": "1",
            "requested_amount": "1000"}  # fmt: skip
    return service.submit_application(
        pw.sme, actor=pw.world.enterprise_a, data=data, files=files,
        now=dt.datetime(2025, 11, 20, 2, 0, tzinfo=dt.UTC),
    )  # fmt: skip


@pytest.mark.parametrize(
    "who", ["tax_clerk", "office_admin", "leader", "enterprise_a", "enterprise_b"]
)
def test_who_may_not_record_an_application_payment(pw, client_for, who):
    from qinqing.policies.models import ApplicationState

    set_budget(pw.sme, 10000, actor=pw.world.office_admin)
    application = _application(pw)
    service.approve_application(application, actor=pw.world.market_clerk, amount="1000",
                                comment="", now=NOW)  # fmt: skip
    events = AuditEvent.objects.count()
    response = client_for(getattr(pw.world, who)).post(
        f"/policies/applications/{application.pk}/pay/", {"paid_on": "2025-11-20"}
    )
    assert response.status_code in (403, 404)
    application.refresh_from_db()
    assert application.state == ApplicationState.APPROVED and application.paid_on is None
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("who", ["enterprise_b", "market_clerk", "office_admin", "leader"])
def test_only_the_applicant_resubmits(pw, client_for, who):
    from qinqing.policies.models import ApplicationState

    application = _application(pw)
    service.return_application(application, actor=pw.world.market_clerk, comment="补材料", now=NOW)
    events = AuditEvent.objects.count()
    response = client_for(getattr(pw.world, who)).post(
        f"/policies/applications/{application.pk}/resubmit/", {"statement": "改了"}
    )
    assert response.status_code in (403, 404)
    application.refresh_from_db()
    assert application.state == ApplicationState.RETURNED and application.statement == ""
    assert AuditEvent.objects.count() == events


def test_enterprise_cannot_export_pay_or_read_batches(pw, matched, client_for):
    from qinqing.policies.models import GrantBatchState

    set_budget(pw.art3, 1_000_000, actor=pw.world.office_admin)
    batch = service.prepare_grant_batch(pw.art3, actor=pw.world.office_admin, now=NOW)
    service.approve_grant_batch(batch, actor=pw.world.office_checker, now=NOW)
    client = client_for(pw.world.enterprise_a)
    events = AuditEvent.objects.count()
    assert client.get("/policies/grants/").status_code == 403
    assert client.get(f"/policies/grants/{batch.pk}/").status_code == 403
    assert client.get(f"/policies/grants/{batch.pk}/export.xlsx").status_code == 403
    response = client.post(f"/policies/grants/{batch.pk}/paid/", {"paid_on": "2025-11-20"})
    assert response.status_code == 403
    other = client_for(pw.world.other_officer)
    response = other.post(f"/policies/grants/{batch.pk}/paid/", {"paid_on": "2025-11-20"})
    assert response.status_code == 404
    batch.refresh_from_db()
    assert batch.state == GrantBatchState.APPROVED
    assert AuditEvent.objects.count() == events
