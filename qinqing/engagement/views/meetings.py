"""Meetings (政企沟通会) and consultations (征求意见)."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.core.accounts.access import has_capability, require_capability, user_uscc
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import InvalidInput, NotFound, QinqingError
from qinqing.engagement import forms, queries, rules, service
from qinqing.engagement.models import (
    Meeting,
    MeetingKind,
)
from qinqing.engagement.views._common import DOCX, _enterprise, _error, _quote, _today


def _quarter(day: dt.date) -> tuple[dt.date, dt.date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = day.replace(month=first_month, day=1)
    return start, rules.add_months(start, 3) - dt.timedelta(days=1)


@login_required
def meetings(request: HttpRequest) -> HttpResponse:
    qs = queries.visible_meetings_for_user(request.user).order_by("-held_on", "-pk")
    today = _today()
    start, end = _quarter(today)
    quota = None
    if has_capability(request.user, "engagement.manage"):
        area = queries.office_area(request.user)
        held = Meeting.objects.filter(area=area, held_on__gte=start, held_on__lte=end).exclude(
            state=Meeting.State.CANCELLED
        )
        need = service.settings_for(area).meetings_per_quarter
        held_count = held.filter(state=Meeting.State.HELD).count()
        quota = {"held": held_count,
                 "planned": held.filter(state=Meeting.State.SCHEDULED).count(),
                 "need": need, "start": start, "end": end, "met": held_count >= need}  # fmt: skip
    return render(request, "engagement/meetings.html", {
        "meetings": qs[:200], "quota": quota,
        "can_manage": has_capability(request.user, "engagement.manage"),
    })  # fmt: skip


def _usccs(text: str) -> list[Enterprise]:
    codes = [c.upper() for c in re.split(r"[\s,，、;；]+", text or "") if c]
    found = {e.uscc: e for e in Enterprise.objects.filter(uscc__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise InvalidInput(f"以下统一社会信用代码在企业库中找不到：{'、'.join(missing)}。")
    return [found[c] for c in dict.fromkeys(codes)]


@login_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    area = queries.office_area(request.user)
    units = queries.manageable_units(request.user).order_by("path")
    form = forms.MeetingForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            meeting = service.schedule_meeting(
                actor=request.user, now=timezone.now(), kind=d["kind"], title=d["title"],
                area=area, host_unit=d["host_unit"], held_on=d["held_on"], place=d["place"],
                enterprises=_usccs(d["usccs"]), units=list(d["units"]),
                draft_title=d["draft_title"], draft_text=d["draft_text"],
                draft_file=d["draft_file"], replies_due_on=d["replies_due_on"],
            )  # fmt: skip
        except QinqingError as exc:
            _error(form, exc)
        else:
            messages.success(request, f"已安排“{meeting.title}”。")
            return redirect(meeting)
    return render(request, "engagement/meeting_form.html", {"form": form})


@login_required
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = queries.access_meeting_for_user(request.user, meeting_id)
    is_enterprise = has_capability(request.user, "engagement.enterprise")
    manage = has_capability(request.user, "engagement.manage") and queries.can_manage_area(
        request.user, meeting.area
    )
    my_reply = None
    if is_enterprise:
        my_reply = meeting.replies.filter(enterprise__uscc=user_uscc(request.user)).first()
    return render(request, "engagement/meeting.html", {
        "meeting": meeting, "manage": manage, "is_enterprise": is_enterprise,
        "issues": meeting.issues.select_related("appeal", "enterprise"),
        "replies": meeting.replies.select_related("enterprise") if not is_enterprise else [],
        "my_reply": my_reply, "today": _today(),
        "minutes_form": forms.MinutesForm(initial={"minutes": meeting.minutes}),
        "issue_form": forms.MeetingIssueForm(), "reply_form": forms.ReplyForm(),
        "is_consultation": meeting.kind == MeetingKind.CONSULTATION,
    })  # fmt: skip


@login_required
@require_POST
def meeting_minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = queries.access_meeting_for_office(request.user, meeting_id)
    form = forms.MinutesForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("请填写会议纪要。")
    service.record_minutes(meeting, actor=request.user, now=timezone.now(),
                           minutes=form.cleaned_data["minutes"])  # fmt: skip
    messages.success(request, "已登记会议纪要。")
    return redirect(meeting)


@login_required
def meeting_issue(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = queries.access_meeting_for_office(request.user, meeting_id)
    form = forms.MeetingIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        try:
            issue = service.raise_issue_from_meeting(
                meeting, actor=request.user, now=timezone.now(), enterprise=_enterprise(d.pop("uscc")),
                need_type=d.pop("need_type"), data=d,
            )  # fmt: skip
        except QinqingError as exc:
            _error(form, exc)
        else:
            messages.success(request, f"已转为诉求 {issue.appeal.number}。")
            return redirect(meeting)
    return render(request, "engagement/meeting_issue.html", {"meeting": meeting, "form": form})


@login_required
def meeting_docx(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = queries.access_meeting_for_user(request.user, meeting_id)
    require_capability(request.user, "engagement.view")
    response = HttpResponse(service.minutes_docx(meeting), content_type=DOCX)
    name = _quote(f"{meeting.title}会议纪要.docx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@login_required
def meeting_draft(request: HttpRequest, meeting_id: int) -> FileResponse:
    meeting = queries.access_meeting_for_user(request.user, meeting_id)
    if not meeting.draft_file:
        raise NotFound("这次会议没有附征求意见稿文件。")
    return FileResponse(meeting.draft_file.open("rb"), as_attachment=True,
                        filename=meeting.draft_file.name.rsplit("/", 1)[-1])  # fmt: skip


@login_required
@require_POST
def meeting_reply(request: HttpRequest, meeting_id: int) -> HttpResponse:
    require_capability(request.user, "engagement.enterprise")
    meeting = queries.access_meeting_for_user(request.user, meeting_id)
    form = forms.ReplyForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("请填写意见建议（不超过 5000 字）。")
    service.reply_to_consultation(meeting, actor=request.user, now=timezone.now(),
                                  enterprise=_enterprise(user_uscc(request.user)),
                                  text=form.cleaned_data["text"])  # fmt: skip
    messages.success(request, "已提交意见，感谢您参与涉企政策制定。")
    return redirect(meeting)
