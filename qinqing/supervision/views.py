"""Pages of the supervision loop. Thin: check access, call a query or a service, render."""

from __future__ import annotations

import io
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.assessment import queries as assessment_queries
from qinqing.core import audit
from qinqing.core.accounts.access import (
    has_capability,
    require_capability,
    user_unit,
)
from qinqing.core.errors import InvalidInput, NotFound
from qinqing.core.orgs.models import AREA_KINDS, Unit
from qinqing.plans import queries as plan_queries
from qinqing.supervision import bulletin as bulletin_layout
from qinqing.supervision import notice_document, queries, service
from qinqing.supervision.forms import (
    AssignmentForm,
    BulkReportForm,
    BulletinForm,
    CadenceForm,
    CloseForm,
    EscalateForm,
    NoticeForm,
    ReportForm,
    RespondForm,
    ReturnForm,
)
from qinqing.supervision.models import Assignment, ReportState, SweepRun
from qinqing.supervision.rules import NoticeLevel, NoticeState, TaskStatus, period_label


def _now():
    """The clock of every page (one place, so that tests can set it)."""
    return timezone.now()


def _today() -> date:
    return timezone.localdate(_now())


def _area_for(request: HttpRequest) -> Unit:
    """The area an office or leader looks at: theirs, or one of their sub-areas (?area=)."""
    own = queries.require_area(request.user)
    wanted = request.GET.get("area")
    if wanted and wanted.isdigit() and int(wanted) != own.pk:
        area = Unit.objects.filter(
            pk=int(wanted), path__startswith=own.path, kind__in=AREA_KINDS
        ).first()
        if area is None:
            raise NotFound("地区不存在，或不在您可查看的范围内。")
        return area
    return own


def _sub_areas(own: Unit):
    return Unit.objects.filter(path__startswith=own.path, kind__in=AREA_KINDS).order_by("path")


# ---------------------------------------------------------------------------------------------
# Units: my tasks and filing


DONE_PER_PAGE = 20


@login_required
def my_tasks(request: HttpRequest, bulk_form=None, status: int = 200) -> HttpResponse:
    today = _today()
    reports = queries.my_reports(request.user, today)
    # filtered in the database: a unit holds thousands of past slots, and building them all
    # to keep the last hundred filed ones took over a second under load (issue 20)
    open_states = (ReportState.PENDING, ReportState.RETURNED)
    # the open slots (a unit may have a hundred or more) as plain rows: the table reads a
    # dozen values of each, and reading them from four model objects per row in the
    # template was most of the page's time under load (issue 20)
    # the report page is <prefix><id>/: its prefix reversed once, not once per row (the
    # rows' links are checked in tests/supervision/test_my_tasks_paging.py)
    report_url = reverse("supervision:report", args=[0]).removesuffix("0/")
    todo = [
        {
            "pk": pk,
            "task_label": task_label,
            "task_title": task_title,
            "cadence_label": cadence_label,
            "cycle_label": period_label(period_start, period_end),
            "report_due_on": due,
            "overdue": due < today,
            "state": state,
            "state_display": ReportState(state).label,
            "url": f"{report_url}{pk}/",
        }
        for pk, task_label, task_title, cadence_label, period_start, period_end, due, state in (
            reports.filter(state__in=open_states).values_list(
                "pk",
                "task__label",
                "task__title",
                "cycle__cadence__label",
                "cycle__period_start",
                "cycle__period_end",
                "report_due_on",
                "state",
            )
        )
    ]
    # filed ones a page at a time: rendering the last hundred on every visit was most of
    # the page's time under load (issue 20); older pages stay reachable
    done = Paginator(reports.exclude(state__in=open_states), DONE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    notices = queries.visible_notices_for_user(request.user).filter(state=NoticeState.ISSUED)
    return render(
        request,
        "supervision/my_tasks.html",
        {
            "todo": todo,
            "done": done,
            "notices": notices,
            "today": today,
            "bulk_form": bulk_form or BulkReportForm(),
            "picked": {int(v) for v in request.POST.getlist("reports") if v.isdigit()},
        },
        status=status,
    )


def _report_context(request, report, *, form=None, return_form=None):
    user = request.user
    unit = user_unit(user)
    can_file = (
        has_capability(user, "plans.report")
        and unit is not None
        and unit.pk == report.unit_id
        and report.state in (ReportState.PENDING, ReportState.RETURNED)
    )
    can_review = has_capability(user, "plans.review") and report.state == ReportState.SUBMITTED
    targets = list(report.task.targets.all())
    if can_file and form is None:
        initial = {"stage": report.stage or None, "narrative": report.narrative}
        latest = report.versions.order_by("-number").prefetch_related("target_values").first()
        if latest is not None:
            for tv in latest.target_values.all():
                initial[f"target_{tv.target_id}"] = tv.value.normalize()
        form = ReportForm(initial=initial, targets=targets, ongoing=report.task.ongoing)
    versions = (
        report.versions.order_by("-number")
        .prefetch_related("target_values__target")
        .select_related("submitted_by", "decided_by")
    )
    return {
        "report": report,
        "task": report.task,
        "targets": targets,
        "versions": versions,
        "attachments": report.attachments.all(),
        "can_file": can_file,
        "can_review": can_review,
        "form": form,
        "return_form": return_form or ReturnForm(),
    }


@login_required
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = queries.access_report_for_user(request.user, report_id)
    return render(request, "supervision/report.html", _report_context(request, report))


@login_required
@require_POST
def file_report(request: HttpRequest, report_id: int) -> HttpResponse:
    report = queries.access_report_for_filing(request.user, report_id)
    form = ReportForm(
        request.POST,
        request.FILES,
        targets=list(report.task.targets.all()),
        ongoing=report.task.ongoing,
    )
    if form.is_valid():
        try:
            service.submit_report(
                report,
                actor=request.user,
                stage=form.cleaned_data["stage"],
                narrative=form.cleaned_data["narrative"],
                target_values=form.target_values(),
                attachments=form.cleaned_data["attachments"],
                now=_now(),
            )
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已报送，等待营商办审核。")
            return redirect("supervision:report", report_id=report.pk)
    context = _report_context(request, report, form=form)
    return render(request, "supervision/report.html", context, status=400)


@login_required
@require_POST
def file_many(request: HttpRequest) -> HttpResponse:
    """批量报送: file the selected slots with one stage and one account; the ones that need
    target values (or are refused) are listed to be filed one by one."""
    form = BulkReportForm(request.POST)
    ids = [int(v) for v in request.POST.getlist("reports") if v.isdigit()]
    if not ids:
        form.add_error(None, "请先勾选要报送的任务。")
    if form.is_valid():
        done, left = 0, []
        for report_id in ids:
            report = queries.access_report_for_filing(request.user, report_id)
            try:
                if report.task.targets.exists():
                    raise InvalidInput("该任务有量化指标，请逐项填写指标完成值后报送。")
                service.submit_report(
                    report,
                    actor=request.user,
                    stage=form.cleaned_data["stage"],
                    narrative=form.cleaned_data["narrative"],
                    now=_now(),
                )
                done += 1
            except InvalidInput as exc:
                left.append(f"{report.task.label} {report.task.title}：{exc.message}")
        if done:
            messages.success(request, f"已报送 {done} 项，等待营商办审核。")
        for line in left:
            messages.error(request, line)
        return redirect(reverse("supervision:my_tasks") + "#h-todo")
    return my_tasks(request, bulk_form=form, status=200)


@login_required
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    item = queries.access_attachment_for_user(request.user, attachment_id)
    report = item.report
    unit = getattr(report, "audit_unit_id", None) or getattr(report, "unit_id", None)
    audit.record(request.user, "report.viewed_attachment", item, unit=unit)
    return FileResponse(
        default_storage.open(item.file.name, "rb"),
        as_attachment=True,
        filename=item.original_name,
    )


# ---------------------------------------------------------------------------------------------
# Office: review


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    queue = queries.review_queue_for_user(request.user)
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    return render(request, "supervision/review_queue.html", {"page": page})


@login_required
@require_POST
def accept_report(request: HttpRequest, report_id: int) -> HttpResponse:
    report = queries.access_report_for_review(request.user, report_id)
    service.accept_report(report, actor=request.user, now=_now())
    messages.success(request, f"已采纳{report.unit.name}的报送。")
    return redirect("supervision:review_queue")


@login_required
@require_POST
def return_report(request: HttpRequest, report_id: int) -> HttpResponse:
    report = queries.access_report_for_review(request.user, report_id)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            service.return_report(
                report, actor=request.user, reason=form.cleaned_data["reason"], now=_now()
            )
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已退回{report.unit.name}的报送，并通知其修改。")
            return redirect("supervision:review_queue")
    context = _report_context(request, report, return_form=form)
    return render(request, "supervision/report.html", context, status=400)


# ---------------------------------------------------------------------------------------------
# Overview, overdue board, task page


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "supervision.overview")
    area = _area_for(request)
    today = _today()
    figures = queries.area_figures(area, today)
    last_sweep = SweepRun.objects.first()
    return render(
        request,
        "supervision/overview.html",
        {
            "figures": figures,
            "area": area,
            "areas": _sub_areas(queries.require_area(request.user)),
            "today": today,
            "last_sweep": last_sweep,
            "can_issue": has_capability(request.user, "supervision.issue"),
            "bulletins": queries.visible_bulletins_for_user(request.user).filter(area=area)[:5],
            "overdue_status": TaskStatus.OVERDUE,
        },
    )


@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "plans.review")
    area = _area_for(request)
    today = _today()
    figures = queries.area_figures(area, today)
    late = queries.overdue_reports(area, today)
    page = Paginator(late, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/overdue.html",
        {
            "figures": figures,
            "area": area,
            "areas": _sub_areas(queries.require_area(request.user)),
            "late_page": page,
            "today": today,
            "can_issue": has_capability(request.user, "supervision.issue"),
        },
    )


@login_required
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    task = plan_queries.access_task_for_user(request.user, task_id)
    today = _today()
    detail = queries.status_details([task.pk], today)[task.pk]
    reports = queries.visible_reports_for_user(request.user).filter(task=task)
    return render(
        request,
        "supervision/task.html",
        {
            "task": task,
            "detail": detail,
            "reports": reports.order_by("-period_end", "unit__name")[:200],
            "notices": queries.visible_notices_for_user(request.user).filter(task=task),
            "assignment": Assignment.objects.filter(task=task).first(),
            "can_issue": has_capability(request.user, "supervision.issue"),
            "lead_units": task.lead_units.all(),
            "responsible_units": task.responsible_units.all(),
            "supporting_units": task.supporting_units.all(),
        },
    )


# ---------------------------------------------------------------------------------------------
# Supervision notices


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    qs = queries.visible_notices_for_user(request.user)
    level = request.GET.get("level", "")
    if level:
        qs = qs.filter(level=level)
    state = request.GET.get("state", "")
    if state in NoticeState.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    can_issue = has_capability(request.user, "supervision.issue")
    triggers = []
    if can_issue:
        area = queries.require_area(request.user)
        triggers = list(assessment_queries.pending_external_triggers(area)[:50])
    return render(
        request,
        "supervision/notices.html",
        {
            "page": page,
            "level": level,
            "state": state,
            "state_label": NoticeState(state).label if state in NoticeState.values else "",
            "levels": NoticeLevel.choices,
            "can_issue": can_issue,
            "triggers": triggers,
            "today": _today(),
        },
    )


@login_required
@require_POST
def trigger_issue(request: HttpRequest, trigger_id: int) -> HttpResponse:
    require_capability(request.user, "supervision.issue")
    days = request.POST.get("response_workdays", "5")
    if not days.isdigit():
        raise InvalidInput("反馈时限请填写 1 到 30 之间的整数（工作日）。")
    notice = service.issue_notice_for_trigger(
        trigger_id, actor=request.user, response_workdays=int(days), now=_now()
    )
    messages.success(request, f"已按外部评价结果签发{notice.get_level_display()} {notice.number}。")
    return redirect(notice)


@login_required
def notice_new(request: HttpRequest) -> HttpResponse:
    units = queries.issuable_units(request.user)
    task = None
    task_id = request.POST.get("task") or request.GET.get("task")
    if task_id and str(task_id).isdigit():
        task = plan_queries.access_task_for_user(request.user, int(task_id))
    if request.method == "POST":
        form = NoticeForm(request.POST, units=units)
        if form.is_valid():
            try:
                notice = service.issue_supervision_notice(
                    actor=request.user,
                    unit=form.cleaned_data["unit"],
                    task=task,
                    level=form.cleaned_data["level"],
                    reason=form.cleaned_data["reason"],
                    requirement=form.cleaned_data["requirement"],
                    response_workdays=form.cleaned_data["response_workdays"],
                    now=_now(),
                )
            except InvalidInput as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, f"已签发督办单 {notice.number}，并通知{notice.unit.name}。"
                )
                return redirect(notice)
        status = 400
    else:
        initial = {"task": task.pk if task else None}
        unit_id = request.GET.get("unit")
        if unit_id and unit_id.isdigit():
            initial["unit"] = int(unit_id)
        form = NoticeForm(initial=initial, units=units)
        status = 200
    return render(
        request, "supervision/notice_new.html", {"form": form, "task": task}, status=status
    )


def _notice_context(request, notice, **forms):
    user = request.user
    unit = user_unit(user)
    return {
        "notice": notice,
        "chain": _chain(notice),
        "can_respond": unit is not None
        and unit.pk == notice.unit_id
        and notice.state == NoticeState.ISSUED
        and (has_capability(user, "plans.report") or has_capability(user, "plans.review")),
        "can_manage": has_capability(user, "supervision.issue")
        and notice.state in (NoticeState.ISSUED, NoticeState.RESPONDED),
        "respond_form": forms.get("respond_form") or RespondForm(),
        "close_form": forms.get("close_form") or CloseForm(),
        "escalate_form": forms.get("escalate_form") or EscalateForm(current_level=notice.level),
        "today": _today(),
    }


def _chain(notice):
    chain = []
    node = notice.escalated_from
    while node is not None:
        chain.append(node)
        node = node.escalated_from
    return list(reversed(chain)) + list(notice.escalations.all())


@login_required
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = queries.access_notice_for_user(request.user, notice_id)
    return render(request, "supervision/notice.html", _notice_context(request, notice))


@login_required
@require_POST
def notice_respond(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = queries.access_notice_for_user(request.user, notice_id)
    form = RespondForm(request.POST)
    if form.is_valid():
        try:
            service.respond_to_notice(
                notice, actor=request.user, response=form.cleaned_data["response"], now=_now()
            )
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已反馈。")
            return redirect(notice)
    return render(
        request,
        "supervision/notice.html",
        _notice_context(request, notice, respond_form=form),
        status=400,
    )


@login_required
@require_POST
def notice_close(request: HttpRequest, notice_id: int) -> HttpResponse:
    require_capability(request.user, "supervision.issue")
    notice = queries.access_notice_for_user(request.user, notice_id)
    form = CloseForm(request.POST)
    form.is_valid()
    service.close_notice(
        notice, actor=request.user, note=form.cleaned_data.get("note", ""), now=_now()
    )
    messages.success(request, "督办单已办结。")
    return redirect(notice)


@login_required
@require_POST
def notice_escalate(request: HttpRequest, notice_id: int) -> HttpResponse:
    require_capability(request.user, "supervision.issue")
    notice = queries.access_notice_for_user(request.user, notice_id)
    form = EscalateForm(request.POST, current_level=notice.level)
    if form.is_valid():
        try:
            new = service.escalate_notice(
                notice,
                actor=request.user,
                level=form.cleaned_data["level"],
                reason=form.cleaned_data["reason"],
                requirement=form.cleaned_data["requirement"],
                response_workdays=form.cleaned_data["response_workdays"],
                now=_now(),
            )
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已升级为{new.get_level_display()}（{new.number}）。")
            return redirect(new)
    return render(
        request,
        "supervision/notice.html",
        _notice_context(request, notice, escalate_form=form),
        status=200,  # the page again, with the errors beside the fields and the text kept
    )


@login_required
def notice_download(request: HttpRequest, notice_id: int, fmt: str) -> FileResponse:
    """The 督办单 as a printable Word or PDF file; seen by whoever may see the notice."""
    notice = queries.access_notice_for_user(request.user, notice_id)
    if fmt not in notice_document.FORMATS:
        raise NotFound("文件格式不存在。")
    data = notice_document.render(notice, fmt)
    audit.record(
        request.user, notice_document.DOWNLOADED, notice, after={"format": fmt}, unit=notice.unit
    )
    return FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=notice_document.filename(notice, fmt),
        content_type=notice_document.FORMATS[fmt],
    )


@login_required
def referrals(request: HttpRequest) -> HttpResponse:
    qs = queries.referrals_for_user(request.user)
    only_open = bool(request.GET.get("open"))
    if only_open:
        qs = qs.exclude(state=NoticeState.CLOSED)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "supervision/referrals.html", {"page": page, "only_open": only_open})


# ---------------------------------------------------------------------------------------------
# Office: assignments (交办) and cadences


@login_required
def assignments(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "plans.manage")
    area = queries.require_area(request.user)
    units = Unit.objects.filter(path__startswith=area.path, active=True).exclude(pk=area.pk)
    if request.method == "POST":
        form = AssignmentForm(request.POST, units=units)
        if form.is_valid():
            data = form.cleaned_data
            try:
                task = service.assign_item(
                    actor=request.user,
                    origin=data["origin"],
                    title=data["title"],
                    basis=data["basis"],
                    body=data["body"],
                    lead_units=data["lead_units"],
                    responsible_units=data["responsible_units"],
                    supporting_units=data["supporting_units"],
                    due_on=data["due_on"],
                    ongoing=data["ongoing"],
                    targets=data["targets"].splitlines(),
                    now=_now(),
                )
            except InvalidInput as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已交办“{task.title[:30]}”。")
                return redirect("supervision:task", task_id=task.pk)
        status = 400
    else:
        form = AssignmentForm(units=units)
        status = 200
    items = (
        Assignment.objects.filter(task__area__path__startswith=area.path)
        .select_related("task", "assigning_unit")
        .order_by("-assigned_on", "-pk")[:200]
    )
    return render(
        request, "supervision/assignments.html", {"form": form, "items": items}, status=status
    )


@login_required
def cadences(request: HttpRequest) -> HttpResponse:
    qs = queries.visible_cadences_for_user(request.user)
    area = queries.require_area(request.user)
    plans = plan_queries.confirmed_plans(area)
    if request.method == "POST":
        form = CadenceForm(request.POST, plans=plans)
        if form.is_valid():
            data = form.cleaned_data
            try:
                cadence = service.configure_cadence(
                    actor=request.user,
                    area=area,
                    plan=data["plan"],
                    label=data["label"],
                    months=data["months"],
                    report_lag_workdays=data["report_lag_workdays"],
                    starts_on=data["starts_on"],
                    now=_now(),
                )
            except InvalidInput as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已设置调度机制“{cadence.label}”。")
                return redirect("supervision:cadences")
        status = 400
    else:
        form = CadenceForm(plans=plans, initial={"starts_on": _today().strftime("%Y-%m")})
        status = 200
    return render(
        request,
        "supervision/cadences.html",
        {"form": form, "cadences": qs.order_by("-active", "plan_id", "label")},
        status=status,
    )


@login_required
@require_POST
def cadence_deactivate(request: HttpRequest, cadence_id: int) -> HttpResponse:
    cadence = queries.visible_cadences_for_user(request.user).filter(pk=cadence_id).first()
    if cadence is None:
        raise NotFound("调度机制不存在，或不在您可查看的范围内。")
    service.deactivate_cadence(cadence, actor=request.user, now=_now())
    messages.success(request, f"已停用调度机制“{cadence.label}”。")
    return redirect("supervision:cadences")


# ---------------------------------------------------------------------------------------------
# Bulletins


@login_required
def bulletins(request: HttpRequest) -> HttpResponse:
    qs = queries.visible_bulletins_for_user(request.user).select_related("area")
    can_generate = has_capability(request.user, "supervision.issue")
    if request.method == "POST":
        require_capability(request.user, "supervision.issue")
        area = _area_for(request)
        form = BulletinForm(request.POST)
        if form.is_valid():
            start, end = form.cleaned_data["period"]
            try:
                row = service.generate_bulletin(
                    actor=request.user,
                    area=area,
                    period_start=start,
                    period_end=end,
                    now=_now(),
                )
            except InvalidInput as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已生成《{row.title}》（第{row.version}版）。")
                return redirect("supervision:bulletins")
        status = 400
    else:
        previous = _today().replace(day=1)
        form = BulletinForm(initial={"period": previous.strftime("%Y-%m")})
        status = 200
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/bulletins.html",
        {"page": page, "form": form, "can_generate": can_generate},
        status=status,
    )


CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@login_required
def bulletin_download(request: HttpRequest, bulletin_id: int, fmt: str) -> FileResponse:
    row = queries.access_bulletin_for_user(request.user, bulletin_id)
    if fmt not in CONTENT_TYPES:
        raise NotFound("文件格式不存在。")
    field = row.docx if fmt == "docx" else row.pdf
    stream = default_storage.open(field.name, "rb")  # a missing file fails before the record
    audit.record(request.user, bulletin_layout.DOWNLOADED, row, after={"format": fmt})
    return FileResponse(
        stream,
        as_attachment=True,
        filename=f"{row.title}（{row.period_start:%Y-%m}，第{row.version}版）.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )
