"""督办单 as a printable official document (Word and PDF) with the red header.

The notice is laid out with ``qinqing.core.files.official`` like the 通报: the issuing
office's red masthead and rule, the notice's number (督办〔2025〕7号) as 文号, a title, the
unit addressed, one paragraph saying what to do by when, the notice's particulars as a form,
and the office and date at the foot.
"""

from __future__ import annotations

from typing import Any

from qinqing.core.audit.verbs import register_read_verbs, register_verbs
from qinqing.core.files import official
from qinqing.core.files.official import FormTable, OfficialDocument, Para, cn_date
from qinqing.supervision.rules import NoticeLevel

# downloading a notice is an audited read, which a read-only role (领导) may cause
DOWNLOADED = "supervision_notice.downloaded"
register_verbs({DOWNLOADED: "下载督办单"})
register_read_verbs({DOWNLOADED})

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}

_WHAT = {
    NoticeLevel.REMINDER: "予以提醒",
    NoticeLevel.SUPERVISION: "进行督办",
    NoticeLevel.INTERVIEW: "进行约谈督办",
    NoticeLevel.ACCOUNTABILITY: "启动问责",
}


def notice_document(notice: Any) -> OfficialDocument:
    """The 督办单 ``notice`` (a ``SupervisionNotice``) as an official document."""
    issuer = notice.issuing_unit.name
    level = NoticeLevel(notice.level)
    task = notice.task
    due = f"{cn_date(notice.response_due_on)}前（{notice.response_workdays}个工作日内）"
    if task is not None:
        title = f"关于督促办理“{task.title}”的通知"
    else:
        title = f"关于督促{notice.unit.name}办理有关事项的通知"
    rows: list[tuple[str, str]] = [
        ("督办编号", notice.number),
        ("督办层级", level.label),
        ("承办单位", notice.unit.name),
    ]
    if task is not None:
        label = f"（任务序号{task.label}）" if task.label else ""
        rows.append(("督办任务", f"{task.title}{label}"))
    rows.append(("督办事由", notice.reason))
    if notice.requirement:
        rows.append(("办理要求", notice.requirement))
    rows += [("签发日期", cn_date(notice.issued_on)), ("反馈时限", due)]
    if notice.escalated_from_id:
        rows.append(("升级情况", f"由{notice.escalated_from.number}升级"))
    # left blank on an unanswered notice: the unit writes its answer on the printed form
    rows.append(("办理情况", notice.response))
    if notice.closed_at:
        rows.append(("办结意见", notice.close_note or "已办结"))
    body: list[official.Block] = [
        Para(
            f"现就下列事项对你单位{_WHAT[level]}。请认真研究，抓紧办理，"
            f"并于{due}将办理情况书面反馈{issuer}。"
        ),
        FormTable(rows),
    ]
    if notice.referred_to_discipline:
        body.append(Para("本事项已移送纪检监察机关。"))
    return OfficialDocument(
        masthead=f"{issuer}督办单",
        number=notice.number,
        title=title,
        addressees=f"{notice.unit.name}：",
        body=body,
        issuer=issuer,
        issued_on=notice.issued_on,
    )


def render(notice: Any, fmt: str) -> bytes:
    """The notice as ``fmt`` (``docx`` or ``pdf``) bytes."""
    document = notice_document(notice)
    if fmt == "pdf":
        return official.render_pdf(document)
    return official.render_docx(document)


def filename(notice: Any, fmt: str) -> str:
    return f"{notice.number}（{notice.unit.name}）.{fmt}"
