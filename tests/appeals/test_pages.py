"""Pages through the test client: what each role sees and does, escaping, downloads."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse

from qinqing.appeals import service
from qinqing.appeals.choices import AppealState, Channel, QrKind, TicketState
from qinqing.appeals.models import Appeal, Attachment, HardCase, QrEntry, Ticket
from tests.appeals.conftest import NOW
from tests.appeals.factories import MARKET_TEXT, NAME_A, PHONE_A, dispatched, make_appeal, replied
from tests.world import USCC_A

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def form_data(**overrides):
    data = {
        "enterprise_uscc": USCC_A,
        "enterprise_name": NAME_A,
        "contact_name": "钱经理",
        "contact_phone": PHONE_A,
        "appeal_type": "complaint",
        "title": MARKET_TEXT[0],
        "content": MARKET_TEXT[1],
        "place": "人民路",
    }
    data.update(overrides)
    return data


def test_enterprise_submits_and_follows_its_appeal(appeals_world, as_user, clock):
    w = appeals_world
    client = as_user(w.enterprise_a)
    page = client.get(reverse("appeals:new"))
    assert page.status_code == 200 and "提交诉求" in page.content.decode()
    upload = io.BytesIO(PNG)
    upload.name = "现场照片.png"
    response = client.post(
        reverse("appeals:new"),
        {**form_data(enterprise_uscc="91110000MA01BBBB1X"), "attachments": upload},
    )
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == appeal.get_absolute_url()
    # a logged-in enterprise always files under its own code, whatever the form says
    assert appeal.enterprise_uscc == USCC_A and appeal.channel == Channel.WEB
    assert appeal.submitted_by == w.enterprise_a
    page = client.get(appeal.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "138****5678" in page and PHONE_A not in page
    assert "受理登记" in page
    item = Attachment.objects.get()
    download = client.get(reverse("appeals:attachment", args=[appeal.pk, item.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]


def test_attachment_whose_content_does_not_match_is_refused(appeals_world, as_user, clock):
    client = as_user(appeals_world.enterprise_a)
    fake = io.BytesIO(b"MZ\x90\x00 not a pdf")
    fake.name = "合同.pdf"
    page = client.post(reverse("appeals:new"), {**form_data(), "attachments": fake})
    assert page.status_code == 200
    assert "的内容不是 PDF 文档" in page.content.decode()
    assert not Appeal.objects.exists() and not Attachment.objects.exists()


def test_hotline_operator_enters_an_appeal(appeals_world, as_user, clock):
    client = as_user(appeals_world.office_admin)
    response = client.post(reverse("appeals:intake"), form_data(enterprise_name="丙公司"))
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and appeal.channel == Channel.HOTLINE
    assert appeal.locality == appeals_world.city
    bad = client.post(reverse("appeals:intake"), form_data(enterprise_uscc="91110000MA01AAAA01"))
    assert "校验位" in bad.content.decode() and Appeal.objects.count() == 1


def test_dispatcher_sees_suggestions_and_accepts_one(appeals_world, as_user, clock):
    w = appeals_world
    appeal = make_appeal(w, NOW)
    client = as_user(w.office_admin)
    page = client.get(reverse("appeals:queue")).content.decode()
    assert "市市场监管局" in page and "按建议派单" in page
    appeal.refresh_from_db()
    assert appeal.suggestions == []  # the queue shows suggestions; only the dispatch stores them
    response = client.post(
        reverse("appeals:dispatch", args=[appeal.pk]), {"primary_unit": w.market.pk}
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.suggestions[0]["unit_id"] == w.market.pk
    assert 0 < appeal.suggestions[0]["confidence"] <= 1
    assert appeal.state == AppealState.DISPATCHED and appeal.dispatch_overridden is False
    assert appeal.category == "商贸旅游"


def test_unit_signs_and_replies_then_office_calls_back(appeals_world, as_user, clock):
    w = appeals_world
    appeal, ticket = dispatched(w, NOW)
    clerk = as_user(w.market_clerk)
    listing = clerk.get(reverse("appeals:tickets")).content.decode()
    assert appeal.number in listing
    detail = clerk.get(appeal.get_absolute_url()).content.decode()
    assert PHONE_A in detail  # the unit handling the appeal can call the enterprise
    clerk.post(reverse("appeals:acknowledge", args=[ticket.pk]))
    clock.advance(hours=3)
    clerk.post(
        reverse("appeals:reply", args=[ticket.pk]),
        {"reply": "已合并检查事项，今后每季度只检查一次。"},
    )
    ticket.refresh_from_db()
    assert ticket.state == TicketState.REPLIED
    office = as_user(w.office_admin)
    queue = office.get(reverse("appeals:callbacks")).content.decode()
    assert appeal.number in queue
    assert PHONE_A in office.get(appeal.get_absolute_url()).content.decode()  # the office calls
    office.post(
        reverse("appeals:callback", args=[appeal.pk]),
        {"resolved": "no", "satisfaction": "unsatisfied", "note": "仍重复检查"},
    )
    appeal.refresh_from_db()
    assert appeal.state == AppealState.DISPATCHED and appeal.reopen_count == 1
    reopened = Ticket.objects.get(reopened_from=ticket)
    clerk.post(reverse("appeals:acknowledge", args=[reopened.pk]))
    clerk.post(
        reverse("appeals:reply", args=[reopened.pk]), {"reply": "已取消重复检查并书面告知企业。"}
    )
    office.post(
        reverse("appeals:callback", args=[appeal.pk]),
        {"resolved": "yes", "satisfaction": "satisfied"},
    )
    appeal.refresh_from_db()
    assert appeal.state == AppealState.CLOSED
    enterprise = as_user(w.enterprise_a)
    timeline = enterprise.get(appeal.get_absolute_url()).content.decode()
    assert "重办" in timeline and "已取消重复检查" in timeline
    assert "仍重复检查" not in timeline  # internal callback notes stay internal
    enterprise.post(reverse("appeals:rate", args=[appeal.pk]), {"level": 5, "comment": "很好"})
    assert appeal.events.filter(kind="rated").exists()


def test_office_reviews_requests_from_the_queue(appeals_world, as_user, clock):
    w = appeals_world
    _, ticket = dispatched(w, NOW)
    as_user(w.market_clerk).post(
        reverse("appeals:return", args=[ticket.pk]), {"reason": "属于税务事项"}
    )
    office = as_user(w.office_admin)
    assert "属于税务事项" in office.get(reverse("appeals:queue")).content.decode()
    office.post(
        reverse("appeals:review", args=[ticket.pk]), {"decision": "approve", "next": "queue"}
    )
    ticket.refresh_from_db()
    assert ticket.state == TicketState.RETURNED


def test_figures_page_drilldown_and_export(appeals_world, as_user, clock):
    from openpyxl import load_workbook

    w = appeals_world
    appeal, _ = replied(w, NOW)
    service.record_callback(
        appeal,
        actor=w.office_admin,
        now=NOW.replace(day=11),
        resolved=True,
        satisfaction="satisfied",
    )
    clock.set(2026, 3, 20, 10)
    client = as_user(w.office_admin)
    page = client.get(reverse("appeals:figures"), {"start": "2026-03-01", "end": "2026-03-31"})
    html = page.content.decode()
    assert page.status_code == 200 and "市市场监管局" in html and "100.0%" in html
    assert "echarts.min.js" in html and 'id="chart-data"' in html
    drill = client.get(
        reverse("appeals:list"), {"unit": w.market.pk, "start": "2026-03-01", "end": "2026-03-31"}
    )
    assert appeal.number in drill.content.decode()
    export = client.get(
        reverse("appeals:figures_export"), {"start": "2026-03-01", "end": "2026-03-31"}
    )
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "单位" and rows[1][1] == "市市场监管局" and rows[1][3] == 100.0
    county = client.get(
        reverse("appeals:figures"), {"start": "2026-03-01", "end": "2026-03-31", "level": "county"}
    )
    assert "示例市（市直部门）" in county.content.decode()
    bad = client.get(reverse("appeals:figures"), {"start": "2026-03-31", "end": "2026-03-01"})
    assert bad.status_code == 400 and "早于开始日期" in bad.content.decode()


def test_qr_codes_png_pdf_and_the_public_form(appeals_world, as_user, clock):
    w = appeals_world
    office = as_user(w.office_admin)
    office.post(
        reverse("appeals:qr_list"),
        {"kind": QrKind.ENTERPRISE, "enterprise_uscc": USCC_A, "enterprise_name": NAME_A},
    )
    entry = QrEntry.objects.get()
    png = office.get(reverse("appeals:qr_png", args=[entry.pk]))
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    pdf = office.get(reverse("appeals:qr_pdf", args=[entry.pk]))
    assert pdf.content.startswith(b"%PDF-")
    anonymous = Client(enforce_csrf_checks=True)
    url = reverse("appeals:public_form", args=[entry.token])
    page = anonymous.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and USCC_A in html and "&lt;script&gt;" in html
    token = page.cookies["csrftoken"].value
    assert anonymous.post(url, form_data()).status_code == 403  # CSRF kept
    done = anonymous.post(url, {**form_data(), "csrfmiddlewaretoken": token})
    appeal = Appeal.objects.get()
    assert done.status_code == 200 and appeal.number in done.content.decode()
    assert appeal.channel == Channel.QR and appeal.qr_entry == entry and appeal.submitted_by is None


def test_public_form_is_rate_limited_per_address(appeals_world, clock):
    entry = service.create_qr_entry(
        actor=None,
        now=NOW,
        locality=appeals_world.city,
        kind=QrKind.DEPARTMENT,
        unit=appeals_world.market,
    )
    client = Client()
    url = reverse("appeals:public_form", args=[entry.token])
    for n in range(5):
        assert (
            client.post(url, form_data(title=f"第{n}件", content=f"内容{n}" * 20)).status_code
            == 200
        )
    blocked = client.post(url, form_data(title="第六件"))
    assert blocked.status_code == 429 and "提交过于频繁" in blocked.content.decode()
    assert Appeal.objects.count() == 5
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert (
        other.post(url, form_data(title="另一地址", content="另一地址的诉求内容")).status_code
        == 200
    )


def test_unknown_or_inactive_qr_code_is_404(appeals_world):
    assert Client().get(reverse("appeals:public_form", args=["nope"])).status_code == 404


def test_hard_cases_are_reported_together_as_common_issues(appeals_world, as_user, clock):
    w = appeals_world
    for client, window in ((as_user(w.market_clerk), "登记窗口"),):
        for issue in ("要求提供非必要的场地证明", "要求提供 非必要的场地证明！"):
            client.post(
                reverse("appeals:hard_case_new"),
                {"window_name": window, "matter": "分公司登记", "kind": "refused", "issue": issue,
                 "description": "窗口要求物业证明<script>"},
            )  # fmt: skip
    assert HardCase.objects.count() == 2
    page = as_user(w.office_admin).get(reverse("appeals:hard_cases")).content.decode()
    assert page.count('<th scope="row">要求提供') == 1 and "不给办 2" in page
    assert "<script>" not in page


def test_referred_appeal_shows_only_referred_to_units(appeals_world, as_user, clock):
    w = appeals_world
    appeal, _ = dispatched(w, NOW, title="工作人员吃拿卡要", content="办理时被索要好处费。")
    service.refer_to_discipline(appeal, actor=w.office_admin, now=NOW)
    unit_page = as_user(w.market_clerk).get(appeal.get_absolute_url()).content.decode()
    assert "已移送" in unit_page and "好处费" not in unit_page
    tickets = (
        as_user(w.market_clerk).get(reverse("appeals:tickets"), {"show": "all"}).content.decode()
    )
    assert "吃拿卡要" not in tickets and "（已移送）" in tickets
    listing = as_user(w.office_admin).get(reverse("appeals:list")).content.decode()
    assert "好处费" not in listing and "吃拿卡要" not in listing
    discipline = as_user(w.discipline)
    leads = discipline.get(reverse("appeals:leads")).content.decode()
    assert "吃拿卡要" in leads
    enterprise = as_user(w.enterprise_a).get(appeal.get_absolute_url()).content.decode()
    assert "好处费" in enterprise  # the enterprise keeps seeing what it wrote


def test_settings_page_cites_the_source(appeals_world, as_user, clock):
    page = as_user(appeals_world.office_admin).get(reverse("appeals:settings")).content.decode()
    assert "2022年以更大力度优化营商环境实施方案》第16条" in page
    assert "10 个工作日" in page and "商贸旅游" in page
    assert "种子文件" not in page  # no seed-file numbers on a user's page (issue 15, defect 7)


@pytest.mark.parametrize(
    "persona", ["office_admin", "market_clerk", "leader", "enterprise_a", "discipline"]
)
def test_nav_pages_render_for_each_role(appeals_world, as_user, clock, persona):
    from qinqing.web.nav import nav_for

    user = getattr(appeals_world, persona)
    client = as_user(user)
    urls = [item["url"] for item in nav_for(user) if item["url"].startswith("/appeals/")]
    assert urls, persona
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_site_admin_maintains_time_limits_in_the_admin(appeals_world, as_user):
    client = as_user(appeals_world.site_admin)
    for model in [
        "slapolicy",
        "routingmapping",
        "appealsettings",
        "knowledgearticle",
        "apiclient",
        "qrentry",
        "appeal",
    ]:
        assert client.get(f"/admin/appeals/{model}/").status_code == 200, model
    assert client.get("/admin/appeals/appeal/add/").status_code == 403


def test_a_co_handling_unit_sees_its_own_ticket_not_the_others(appeals_world, as_user, clock):
    w = appeals_world
    appeal, primary = dispatched(w, NOW, assisting=[w.tax])
    service.acknowledge_ticket(primary, actor=w.market_clerk, now=NOW)
    service.reply_ticket(
        primary, actor=w.market_clerk, now=NOW, reply="市场监管局的内部答复意见，已合并检查。"
    )
    tax_page = as_user(w.tax_clerk).get(appeal.get_absolute_url()).content.decode()
    assert "协办工单" in tax_page and "市市场监管局答复" not in tax_page
    assert f'id="row-ticket-{primary.pk}"' not in tax_page
    office_page = as_user(w.office_admin).get(appeal.get_absolute_url()).content.decode()
    assert f'id="row-ticket-{primary.pk}"' in office_page


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("tool.exe", b"MZ\x90\x00", "类型不允许上传"),
        ("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024), "超过 10 MB"),
    ],
)
def test_attachment_type_and_size_are_checked(appeals_world, name, data, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qinqing.core.errors import InvalidInput

    appeal = make_appeal(appeals_world, NOW)
    with pytest.raises(InvalidInput, match=message):
        service.add_attachment(appeal, SimpleUploadedFile(name, data), actor=None, now=NOW)
    assert not Attachment.objects.exists()
