"""The printable 督办单: Word and PDF in the official layout with the red header, downloaded
from the notice's page by whoever may see the notice (and nobody else), each download audited."""

import io
import re
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from qinqing.core.audit.models import AuditEvent
from qinqing.supervision import service
from qinqing.supervision.notice_document import DOWNLOADED
from tests.supervision.factories import at, make_plan, make_task

NOW = at(date(2025, 9, 30), 10)


@pytest.fixture
def notice(world):
    task = make_task(
        make_plan(world),
        label="6",
        title="工程建设项目审批提速",
        lead=[world.tax],
        due_on=date(2025, 9, 15),
    )
    return service.issue_supervision_notice(
        actor=world.office_admin,
        unit=world.tax,
        task=task,
        level="supervision",
        reason="任务超过完成时限15天仍未完成，\n进度报送两次逾期。",
        requirement="逐项说明原因并提出整改措施",
        response_workdays=5,
        now=NOW,
    )


def _get(client, notice, fmt):
    return client.get(f"/supervision/notices/{notice.pk}/file/{fmt}/")


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_notice_page_links_to_the_word_and_pdf_files(world, client_for, notice):
    html = client_for(world.tax_clerk).get(notice.get_absolute_url()).content.decode()
    assert f"/supervision/notices/{notice.pk}/file/docx/" in html
    assert f"/supervision/notices/{notice.pk}/file/pdf/" in html


def test_word_file_is_the_notice_in_official_layout(world, client_for, notice):
    r = _get(client_for(world.tax_clerk), notice, "docx")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r["Content-Disposition"]
    doc = Document(io.BytesIO(_body(r)))
    masthead, number = doc.paragraphs[0], doc.paragraphs[1]
    assert masthead.text == "示例市营商环境办督办单"
    assert tuple(masthead.style.font.color.rgb) == (0xC0, 0, 0)
    assert number.text == "督办〔2025〕1号" == notice.number
    rule = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "C00000"
    texts = [p.text for p in doc.paragraphs]
    assert "关于督促办理“工程建设项目审批提速”的通知" in texts
    assert "市税务局：" in texts
    assert any(
        "2025年10月14日前（5个工作日内）" in t and "书面反馈示例市营商环境办" in t for t in texts
    )
    form = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert form["督办层级"] == "督办"
    assert form["承办单位"] == "市税务局"
    assert form["督办任务"] == "工程建设项目审批提速（任务序号6）"
    assert form["督办事由"] == "任务超过完成时限15天仍未完成，\n进度报送两次逾期。"
    assert form["办理要求"] == "逐项说明原因并提出整改措施"
    assert form["办理情况"] == ""  # left blank to be filled in on paper
    assert texts[-2:] == ["示例市营商环境办", "2025年9月30日"]


def test_pdf_file_has_the_red_header_and_embeds_its_font(world, client_for, notice):
    r = _get(client_for(world.office_admin), notice, "pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(_body(r)))
    text = "".join(page.extract_text() or "" for page in reader.pages).replace("\n", "")
    assert "示例市营商环境办督办单" in text and "督办〔2025〕1号" in text
    assert "工程建设项目审批提速" in text and "逐项说明原因并提出整改措施" in text
    ops = reader.pages[0].get_contents().get_data().decode("latin-1")
    assert re.search(r"(^|\s)\.752941 0 0 rg", ops) and re.search(r"(^|\s)\.752941 0 0 RG", ops)
    for ref in reader.pages[0]["/Resources"]["/Font"].values():
        descriptor = ref.get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor


def test_an_answered_and_escalated_notice_prints_its_answer_and_origin(world, client_for, notice):
    service.respond_to_notice(
        notice, actor=world.tax_clerk, response="已制定整改方案，10月底前完成。", now=NOW
    )
    new = service.escalate_notice(
        notice,
        actor=world.office_admin,
        level="interview",
        reason="整改方案不具体",
        response_workdays=3,
        now=NOW,
    )
    old = Document(io.BytesIO(_body(_get(client_for(world.tax_clerk), notice, "docx"))))
    assert {r.cells[0].text: r.cells[1].text for r in old.tables[0].rows}["办理情况"] == (
        "已制定整改方案，10月底前完成。"
    )
    doc = Document(io.BytesIO(_body(_get(client_for(world.tax_clerk), new, "docx"))))
    form = {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows}
    assert form["督办层级"] == "约谈" and form["升级情况"] == f"由{notice.number}升级"
    assert any("对你单位进行约谈督办" in p.text for p in doc.paragraphs)


def test_each_download_is_audited(world, client_for, notice):
    before = AuditEvent.objects.filter(verb=DOWNLOADED).count()
    _body(_get(client_for(world.tax_clerk), notice, "pdf"))
    events = AuditEvent.objects.filter(verb=DOWNLOADED)
    assert events.count() == before + 1
    event = events.latest("seq")
    assert event.actor_id == world.tax_clerk.pk
    assert event.object_id == str(notice.pk) and event.after == {"format": "pdf"}


def test_a_leader_may_download_though_read_only(world, client_for, notice):
    r = _get(client_for(world.leader), notice, "docx")
    assert r.status_code == 200
    assert AuditEvent.objects.filter(verb=DOWNLOADED, object_id=str(notice.pk)).exists()


@pytest.mark.parametrize("persona", ["market_clerk", "other_officer", "enterprise_a"])
@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_who_may_not_see_the_notice_gets_no_file_and_leaves_no_trace(
    world, client_for, notice, persona, fmt
):
    events = AuditEvent.objects.count()
    r = _get(client_for(getattr(world, persona)), notice, fmt)
    assert r.status_code in (403, 404)
    assert not r.has_header("Content-Disposition")
    assert "督办〔2025〕1号" not in r.content.decode()
    assert AuditEvent.objects.count() == events


def test_an_unknown_format_is_not_found(world, client_for, notice):
    events = AuditEvent.objects.count()
    r = _get(client_for(world.tax_clerk), notice, "xls")
    assert r.status_code == 404 and "文件格式不存在" in r.content.decode()
    assert AuditEvent.objects.count() == events


def test_download_needs_a_login(client, notice):
    r = client.get(f"/supervision/notices/{notice.pk}/file/pdf/")
    assert r.status_code == 302 and "login" in r["Location"]
