"""Pages through the test client: what each role sees and may do, and every denial."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qinqing.core.audit.models import AuditEvent
from qinqing.supervision import service, views
from qinqing.supervision.models import (
    Bulletin,
    ProgressReport,
    ReviewCadence,
    SupervisionNotice,
)
from qinqing.supervision.rules import ReportState
from tests.supervision.factories import at, cycle_of, make_plan, make_task, monthly, slot

NOW = datetime(2025, 6, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def scene(world, monkeypatch):
    monkeypatch.setattr(views, "_now", lambda: NOW)
    plan = make_plan(world)
    task = make_task(
        plan,
        lead=[world.market],
        responsible=[world.tax],
        due_on=date(2025, 6, 30),
        targets=[("企业开办时间压缩至1个工作日以内", "1", "个工作日")],
    )
    late = make_task(
        plan,
        label="2",
        title="工程建设项目审批<script>bad()</script>",
        lead=[world.tax],
        due_on=date(2025, 5, 31),
    )
    cadence = monthly(world, plan, starts_on=date(2025, 6, 1), now=at(date(2025, 6, 2)))
    june = cycle_of(cadence, date(2025, 6, 1))
    return {"plan": plan, "task": task, "late": late, "cadence": cadence, "june": june}


def _state(report):
    report.refresh_from_db()
    return (report.state, report.version)


def test_unit_files_a_report_through_the_page(world, client_for, scene):
    report = slot(scene["task"], world.market, scene["june"])
    client = client_for(world.market_clerk)
    page = client.get("/supervision/my/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "推行企业开办" in html and "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    target = scene["task"].targets.get()
    r = client.post(
        f"/supervision/reports/{report.pk}/file/",
        {
            "stage": "in_progress",
            "narrative": "已完成系统对接",
            f"target_{target.pk}": "1.5",
            "attachments": [SimpleUploadedFile("进展.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)],
        },
    )
    assert r.status_code == 302
    assert _state(report) == (ReportState.SUBMITTED, 1)
    detail = client.get(f"/supervision/reports/{report.pk}/").content.decode()
    assert "已完成系统对接" in detail and "进展.png" in detail
    attachment = report.attachments.get()
    download = client.get(f"/supervision/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")


def test_invalid_report_is_shown_again_with_the_message(world, client_for, scene):
    report = slot(scene["task"], world.market, scene["june"])
    client = client_for(world.market_clerk)
    r = client.post(
        f"/supervision/reports/{report.pk}/file/",
        {
            "stage": "in_progress",
            "narrative": "进展",
            "attachments": [SimpleUploadedFile("a.exe", b"MZ")],
        },
    )
    assert r.status_code == 400
    assert "类型不允许上传" in r.content.decode()
    assert _state(report) == (ReportState.PENDING, 0)


def test_unit_cannot_see_or_file_another_units_report(world, client_for, scene):
    report = slot(scene["task"], world.market, scene["june"])
    events = AuditEvent.objects.count()
    client = client_for(world.tax_clerk)
    assert client.get(f"/supervision/reports/{report.pk}/").status_code == 404
    r = client.post(
        f"/supervision/reports/{report.pk}/file/", {"stage": "in_progress", "narrative": "冒名报送"}
    )
    assert r.status_code == 404
    assert "冒名" not in client.get("/supervision/my/").content.decode()
    assert _state(report) == (ReportState.PENDING, 0)
    assert AuditEvent.objects.count() == events
    # nor review it (no capability), nor reach the office pages
    assert client.post(f"/supervision/reports/{report.pk}/accept/").status_code == 403
    for url in (
        "/supervision/review/",
        "/supervision/overdue/",
        "/supervision/assignments/",
        "/supervision/cadences/",
        "/supervision/notices/new/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.get("/supervision/").status_code == 403  # overview is for office and leaders


def test_unit_cannot_download_another_units_attachment(world, client_for, scene):
    report = slot(scene["task"], world.market, scene["june"])
    service.submit_report(
        report,
        actor=world.market_clerk,
        stage="in_progress",
        narrative="进展",
        attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")],
        now=at(date(2025, 6, 10)),
    )
    attachment = report.attachments.get()
    assert (
        client_for(world.tax_clerk).get(f"/supervision/attachments/{attachment.pk}/").status_code
        == 404
    )
    assert (
        client_for(world.county_clerk).get(f"/supervision/attachments/{attachment.pk}/").status_code
        == 404
    )


def test_office_returns_and_accepts_through_the_queue(world, client_for, scene):
    report = slot(scene["task"], world.market, scene["june"])
    service.submit_report(
        report,
        actor=world.market_clerk,
        stage="in_progress",
        narrative="进展",
        now=at(date(2025, 6, 10)),
    )
    client = client_for(world.office_admin)
    queue = client.get("/supervision/review/").content.decode()
    assert world.market.name in queue
    r = client.post(f"/supervision/reports/{report.pk}/return/", {"reason": ""})
    assert r.status_code == 400 and _state(report) == (ReportState.SUBMITTED, 1)
    r = client.post(f"/supervision/reports/{report.pk}/return/", {"reason": "请补充数据"})
    assert (
        r.status_code == 302
        and report.__class__.objects.get(pk=report.pk).state == ReportState.RETURNED
    )


def test_leader_reads_but_cannot_review_or_issue(world, client_for, scene):
    report = slot(scene["task"], world.market, scene["june"])
    service.submit_report(
        report,
        actor=world.market_clerk,
        stage="in_progress",
        narrative="进展",
        now=at(date(2025, 6, 10)),
    )
    events = AuditEvent.objects.count()
    client = client_for(world.leader)
    overview = client.get("/supervision/")
    assert overview.status_code == 200
    assert client.get(f"/supervision/reports/{report.pk}/").status_code == 200
    assert client.post(f"/supervision/reports/{report.pk}/accept/").status_code == 403
    assert (
        client.post(f"/supervision/reports/{report.pk}/return/", {"reason": "x"}).status_code == 403
    )
    assert client.get("/supervision/notices/new/").status_code == 403
    r = client.post(
        "/supervision/notices/new/",
        {"level": "reminder", "unit": world.tax.pk, "reason": "x", "response_workdays": 5},
    )
    assert r.status_code == 403
    assert client.post("/supervision/bulletins/", {"period": "2025-06"}).status_code == 403
    assert client.get("/supervision/review/").status_code == 403
    assert _state(report) == (ReportState.SUBMITTED, 1)
    assert not SupervisionNotice.objects.exists() and not Bulletin.objects.exists()
    assert AuditEvent.objects.count() == events


def test_enterprise_sees_nothing(world, client_for, scene):
    report = slot(scene["task"], world.market, scene["june"])
    client = client_for(world.enterprise_a)
    for url in (
        "/supervision/",
        "/supervision/my/",
        "/supervision/review/",
        "/supervision/overdue/",
        "/supervision/notices/",
        "/supervision/bulletins/",
        "/supervision/assignments/",
        "/supervision/cadences/",
        "/supervision/referrals/",
        f"/supervision/tasks/{scene['task'].pk}/",
    ):
        assert client.get(url).status_code in (403, 404), url
    assert client.get(f"/supervision/reports/{report.pk}/").status_code in (403, 404)
    assert client.post(
        f"/supervision/reports/{report.pk}/file/", {"stage": "in_progress", "narrative": "x"}
    ).status_code in (403, 404)
    assert _state(report) == (ReportState.PENDING, 0)


def test_other_citys_office_cannot_review_or_see(world, client_for, scene):
    report = slot(scene["task"], world.market, scene["june"])
    service.submit_report(
        report,
        actor=world.market_clerk,
        stage="in_progress",
        narrative="进展",
        now=at(date(2025, 6, 10)),
    )
    client = client_for(world.other_officer)
    assert client.get(f"/supervision/reports/{report.pk}/").status_code == 404
    assert client.post(f"/supervision/reports/{report.pk}/accept/").status_code == 404
    assert world.market.name not in client.get("/supervision/review/").content.decode()
    assert _state(report) == (ReportState.SUBMITTED, 1)


def test_overview_and_overdue_board_show_the_late_task(world, client_for, scene):
    client = client_for(world.office_admin)
    html = client.get("/supervision/").content.decode()
    assert 'data-status="overdue"' in html
    board = client.get("/supervision/overdue/").content.decode()
    assert "工程建设项目审批&lt;script&gt;" in board
    assert f"?task={scene['late'].pk}&amp;unit={world.tax.pk}" in board


def test_office_issues_notice_unit_responds_office_closes(
    world, client_for, scene, mailoutbox, django_capture_on_commit_callbacks
):
    office = client_for(world.office_admin)
    with django_capture_on_commit_callbacks(execute=True):
        r = office.post(
            "/supervision/notices/new/",
            {
                "level": "supervision",
                "unit": world.tax.pk,
                "task": scene["late"].pk,
                "reason": "工程审批任务逾期",
                "response_workdays": 3,
            },
        )
    assert r.status_code == 302
    notice = SupervisionNotice.objects.get()
    assert notice.number == "督办〔2025〕1号"
    assert notice.response_due_on == date(2025, 6, 25)  # 3 working days after Fri 06-20
    assert any(world.tax_clerk.email in m.to for m in mailoutbox)
    tax = client_for(world.tax_clerk)
    assert (
        tax.post(f"/supervision/notices/{notice.pk}/respond/", {"response": "已整改"}).status_code
        == 302
    )
    notice.refresh_from_db()
    assert notice.state == "responded" and notice.responded_on == date(2025, 6, 20)
    office = client_for(world.office_admin)
    assert (
        office.post(f"/supervision/notices/{notice.pk}/close/", {"note": "同意办结"}).status_code
        == 302
    )
    notice.refresh_from_db()
    assert notice.state == "closed"


def test_market_clerk_cannot_respond_to_tax_notice(world, client_for, scene):
    notice = service.issue_supervision_notice(
        actor=world.office_admin,
        unit=world.tax,
        level="reminder",
        reason="请加快进度",
        response_workdays=5,
        now=NOW,
    )
    events = AuditEvent.objects.count()
    client = client_for(world.market_clerk)
    assert client.get(f"/supervision/notices/{notice.pk}/").status_code == 404
    assert (
        client.post(f"/supervision/notices/{notice.pk}/respond/", {"response": "x"}).status_code
        == 404
    )
    notice.refresh_from_db()
    assert notice.state == "issued" and AuditEvent.objects.count() == events


def test_accountability_is_visible_to_discipline_only_as_referral(world, client_for, scene):
    reminder = service.issue_supervision_notice(
        actor=world.office_admin,
        unit=world.tax,
        level="reminder",
        reason="提醒",
        response_workdays=5,
        now=NOW,
    )
    referral = service.issue_supervision_notice(
        actor=world.office_admin,
        unit=world.tax,
        level="accountability",
        reason="多次督办仍未整改",
        response_workdays=10,
        now=NOW,
    )
    client = client_for(world.discipline)
    page = client.get("/supervision/referrals/").content.decode()
    assert referral.number in page and "多次督办仍未整改" in page
    assert client.get(f"/supervision/notices/{referral.pk}/").status_code == 200
    assert client.get(f"/supervision/notices/{reminder.pk}/").status_code == 404
    assert client.get("/supervision/my/").status_code == 403
    assert client.get(f"/supervision/tasks/{scene['task'].pk}/").status_code == 403
    # no one else has the referral list
    assert client_for(world.tax_clerk).get("/supervision/referrals/").status_code == 403


def test_office_creates_an_assigned_item_and_slots_open(world, client_for, scene):
    client = client_for(world.office_admin)
    r = client.post(
        "/supervision/assignments/",
        {
            "origin": "instruction",
            "basis": "周市长批示〔2025〕12号",
            "title": "解决园区企业用电报装慢问题",
            "lead_units": [world.ndrc.pk],
            "responsible_units": [world.market.pk],
            "due_on": "2025-07-31",
            "targets": "报装时间压缩至15个工作日以内",
        },
    )
    assert r.status_code == 302
    from qinqing.plans.models import Task

    task = Task.objects.get(title="解决园区企业用电报装慢问题")
    assert (
        task.plan is None
        and task.origin == "instruction"
        and task.assignment.basis.startswith("周市长")
    )
    units = set(ProgressReport.objects.filter(task=task).values_list("unit_id", flat=True))
    assert units == {world.ndrc.pk, world.market.pk}
    assert ReviewCadence.objects.filter(area=world.city, plan=None).exists()
    # unit staff may not assign
    before = Task.objects.count()
    r = client_for(world.market_clerk).post(
        "/supervision/assignments/",
        {
            "origin": "meeting",
            "title": "x",
            "basis": "y",
            "lead_units": [world.tax.pk],
            "due_on": "2025-07-31",
        },
    )
    assert r.status_code == 403 and Task.objects.count() == before


def test_office_configures_a_second_cadence(world, client_for, scene):
    client = client_for(world.office_admin)
    r = client.post(
        "/supervision/cadences/",
        {
            "plan": scene["plan"].pk,
            "label": "主要领导调度",
            "months": 2,
            "report_lag_workdays": 3,
            "starts_on": "2025-05",
        },
    )
    assert r.status_code == 302
    cadence = ReviewCadence.objects.get(label="主要领导调度")
    assert [(c.period_start, c.period_end) for c in cadence.cycles.order_by("period_start")] == [
        (date(2025, 5, 1), date(2025, 6, 30)),
    ]
    r = client.post(
        "/supervision/cadences/",
        {
            "plan": scene["plan"].pk,
            "label": "主要领导调度",
            "months": 2,
            "report_lag_workdays": 3,
            "starts_on": "2025-05",
        },
    )
    assert r.status_code == 400 and "已有名为" in r.content.decode()


def test_bulletin_page_generates_and_downloads(world, client_for, scene):
    client = client_for(world.office_admin)
    r = client.post("/supervision/bulletins/", {"period": "2025-06"})
    assert r.status_code == 302
    bulletin = Bulletin.objects.get()
    docx = client.get(f"/supervision/bulletins/{bulletin.pk}/docx/")
    assert docx.status_code == 200 and b"".join(docx.streaming_content)[:2] == b"PK"
    pdf = client_for(world.leader).get(f"/supervision/bulletins/{bulletin.pk}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content)[:5] == b"%PDF-"
    # units read their area's bulletins; another city's office does not
    assert (
        client_for(world.market_clerk).get(f"/supervision/bulletins/{bulletin.pk}/pdf/").status_code
        == 200
    )
    assert (
        client_for(world.other_officer)
        .get(f"/supervision/bulletins/{bulletin.pk}/pdf/")
        .status_code
        == 404
    )
    assert client_for(world.enterprise_a).get(
        f"/supervision/bulletins/{bulletin.pk}/pdf/"
    ).status_code in (403, 404)


def test_navigation_offers_each_role_its_pages(world, client_for):
    def nav(user):
        html = client_for(user).get("/").content.decode()
        return {
            label
            for label in (
                "本单位调度任务",
                "调度总览",
                "报送审核",
                "逾期督办",
                "督办单",
                "交办事项",
                "调度机制",
                "工作通报",
                "问责移送",
            )
            if f">{label}<" in html
        }

    assert nav(world.market_clerk) == {"本单位调度任务", "督办单", "工作通报"}
    assert nav(world.office_admin) == {
        "调度总览",
        "报送审核",
        "逾期督办",
        "督办单",
        "交办事项",
        "调度机制",
        "工作通报",
    }
    assert nav(world.leader) == {"调度总览", "督办单", "工作通报"}
    assert nav(world.discipline) == {"问责移送"}
    assert nav(world.enterprise_a) == set()


def test_a_failing_mail_server_does_not_break_issuing_a_notice(
    world, client_for, scene, settings, django_capture_on_commit_callbacks
):
    import socket

    from qinqing.core.notifications import delivery_health
    from qinqing.core.notifications.models import Delivery

    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed, 2
    office = client_for(world.office_admin)
    with django_capture_on_commit_callbacks(execute=True):
        r = office.post(
            "/supervision/notices/new/",
            {"level": "supervision", "unit": world.tax.pk, "task": scene["late"].pk,
             "reason": "工程审批任务逾期", "response_workdays": 3},
        )  # fmt: skip
    assert r.status_code == 302
    notice = SupervisionNotice.objects.get()
    mail = Delivery.objects.get(channel="email", notification__recipient=world.tax_clerk)
    assert mail.status == "failed" and mail.last_error
    assert mail.notification.url == notice.get_absolute_url()
    health = delivery_health(datetime(2025, 6, 20, 12, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert health["failed_24h"] == 1 and not health["ok"]
    # the unit still sees the notice in its inbox, and the page shows the bell
    html = client_for(world.tax_clerk).get(notice.get_absolute_url()).content.decode()
    assert "我的消息，1 条未读" in html
