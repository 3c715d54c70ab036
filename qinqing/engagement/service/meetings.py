"""Meetings (政企沟通会) and consultations (征求意见)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction

from qinqing.core import audit
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.notifications import notify_enterprise
from qinqing.core.orgs.models import Unit
from qinqing.engagement.models import (
    ConsultationReply,
    Meeting,
    MeetingKind,
)
from qinqing.engagement.service.common import check_attachment, local_today


@transaction.atomic
def schedule_meeting(*, actor, now: dt.datetime, kind: str, title: str, area: Unit, host_unit: Unit,
                     held_on: dt.date, place: str = "", enterprises: Sequence = (),
                     units: Sequence = (), draft_title: str = "", draft_text: str = "",
                     draft_file=None, replies_due_on: dt.date | None = None) -> Meeting:  # fmt: skip
    if kind not in MeetingKind.values:
        raise InvalidInput(f"会议类型应为 {'、'.join(MeetingKind.labels)} 之一。")
    if not (title or "").strip():
        raise InvalidInput("请填写“会议名称”。")
    if kind == MeetingKind.CONSULTATION:
        if not (draft_title or "").strip() or not (draft_text.strip() or draft_file):
            raise InvalidInput("征求意见会需附上征求意见稿（名称和正文或文件）。")
        if replies_due_on is None:
            raise InvalidInput("征求意见会需填写“意见反馈截止”日期。")
        if replies_due_on < local_today(now):
            raise InvalidInput(f"意见反馈截止日期 {replies_due_on.isoformat()} 已经过去。")
    if draft_file is not None:
        check_attachment(draft_file)
    meeting = Meeting.objects.create(
        kind=kind, title=title.strip()[:200], area=area, host_unit=host_unit, held_on=held_on,
        place=place[:200], draft_title=draft_title[:200], draft_text=draft_text,
        draft_file=draft_file or "", replies_due_on=replies_due_on, created_at=now,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    meeting.invited_enterprises.set(enterprises)
    meeting.invited_units.set(units)
    audit.record(actor, "meeting.scheduled", meeting, unit=host_unit.pk,
                 after={"kind": kind, "held_on": held_on,
                        "enterprises": len(enterprises)}, now=now)  # fmt: skip
    for enterprise in enterprises:
        notify_enterprise(enterprise.uscc, kind="engagement.meeting_invited", now=now,
                          title=f"邀请参加：{meeting.title}（{held_on}）",
                          body=meeting.place, url=meeting.get_absolute_url(),
                          key=f"engagement.meeting:{meeting.pk}:{enterprise.uscc}")  # fmt: skip
    return meeting


@transaction.atomic
def record_minutes(meeting: Meeting, *, actor, now: dt.datetime, minutes: str) -> Meeting:
    """会议纪要: marks the meeting held."""
    if meeting.state == Meeting.State.CANCELLED:
        raise IllegalTransition("会议已取消，不能登记纪要。")
    if not (minutes or "").strip():
        raise InvalidInput("请填写“会议纪要”。")
    if meeting.held_on > local_today(now):
        raise InvalidInput(f"会议日期 {meeting.held_on} 还没到，会后再登记纪要。")
    meeting.minutes, meeting.state = minutes.strip(), Meeting.State.HELD
    meeting.save(update_fields=["minutes", "state"])
    audit.record(actor, "meeting.minutes_recorded", meeting, unit=meeting.host_unit_id, now=now)
    return meeting


@transaction.atomic
def reply_to_consultation(meeting: Meeting, *, actor, now: dt.datetime, enterprise: Enterprise,
                          text: str) -> ConsultationReply:  # fmt: skip
    if meeting.kind != MeetingKind.CONSULTATION:
        raise IllegalTransition("这次会议不是征求意见会。")
    if meeting.replies_due_on and local_today(now) > meeting.replies_due_on:
        raise IllegalTransition(f"意见反馈已于 {meeting.replies_due_on} 截止，不能再提交。")
    if not (text or "").strip():
        raise InvalidInput("请填写意见建议。")
    if ConsultationReply.objects.filter(meeting=meeting, enterprise=enterprise).exists():
        raise IllegalTransition("贵企业已提交过意见。")
    reply = ConsultationReply.objects.create(
        meeting=meeting, enterprise=enterprise, text=text.strip()[:5000], submitted_at=now,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    audit.record(actor, "consultation.replied", meeting, unit=meeting.host_unit_id,
                 after={"uscc": enterprise.uscc}, now=now)  # fmt: skip
    return reply


def minutes_docx(meeting: Meeting) -> bytes:
    """会议纪要 as a Word document: header, attendees, minutes, issues opened as appeals."""
    import io

    from docx import Document

    doc = Document()
    doc.add_heading(f"{meeting.title}会议纪要", level=1)
    doc.add_paragraph(f"会议类型：{meeting.get_kind_display()}")
    doc.add_paragraph(f"时间：{meeting.held_on:%Y年%m月%d日}　地点：{meeting.place or '—'}")
    doc.add_paragraph(f"主办单位：{meeting.host_unit.name}")
    units = "、".join(u.name for u in meeting.invited_units.all()) or "—"
    enterprises = "、".join(e.name for e in meeting.invited_enterprises.all()) or "—"
    doc.add_paragraph(f"参会单位：{units}")
    doc.add_paragraph(f"参会企业：{enterprises}")
    doc.add_heading("会议内容", level=2)
    for line in (meeting.minutes or "（尚未登记纪要）").splitlines():
        doc.add_paragraph(line)
    issues = list(meeting.issues.select_related("appeal", "enterprise"))
    if issues:
        doc.add_heading("企业反映的问题（已转为诉求办理）", level=2)
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ["诉求编号", "企业", "问题", "办理状态"],
                              strict=True):  # fmt: skip
            cell.text = text
        for issue in issues:
            row = table.add_row().cells
            row[0].text = issue.appeal.number
            row[1].text = issue.enterprise.name
            row[2].text = issue.appeal.title
            row[3].text = issue.appeal.get_state_display()
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
