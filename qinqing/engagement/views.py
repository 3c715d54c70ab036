"""Pages of 包联服务. Thin: parse, call a query or a service, render or redirect.

A service error (``InvalidInput`` …) is shown on the same form with what was typed; the
service's transaction has rolled back, so nothing was written.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.core import audit
from qinqing.core.accounts.access import has_capability, require_capability, user_uscc
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import InvalidInput, NotFound, QinqingError
from qinqing.core.files.xlsx import write_workbook
from qinqing.core.orgs.models import Unit
from qinqing.engagement import figures, forms, indicators, queries, rules, service
from qinqing.engagement.models import (
    Cadre,
    Meeting,
    MeetingKind,
    Pairing,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _today() -> dt.date:
    return service.local_today(timezone.now())


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def _enterprise(uscc: str) -> Enterprise:
    uscc = (uscc or "").strip().upper()
    found = Enterprise.objects.filter(uscc=uscc).first()
    if found is None:
        raise InvalidInput(f"统一社会信用代码“{uscc}”在企业库中找不到，请核对后重新填写。")
    return found


def _users(text: str) -> list:
    names = [n for n in re.split(r"[\s,，、;；]+", text or "") if n]
    found = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    missing = [n for n in names if n not in found]
    if missing:
        raise InvalidInput(f"找不到账号：{'、'.join(missing)}。请核对后重新填写。")
    return [found[n] for n in names]


def _parse_date(value: str | None, default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"日期“{value}”格式不对，请按 2026-01-31 的格式填写。") from None


def _error(form, exc: QinqingError) -> None:
    form.add_error(None, exc.message)


# ---------------------------------------------------------------------------------------
# The cadre: my pairings, visits, issues
# ---------------------------------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    pairings = queries.own_pairings(request.user).order_by("next_due_on", "pk")
    today = _today()
    in_force = [p for p in pairings if p.ends_on is None or p.ends_on >= today]
    ended = [p for p in pairings if p.ends_on is not None and p.ends_on < today]
    cadre = queries.cadre_of(request.user)
    issues = queries.visible_issues_for_user(request.user).filter(cadre__user=request.user)
    counts = issues.aggregate(
        total=Count("pk"),
        closed=Count("pk", filter=Q(appeal__state__in=figures.CLOSED_APPEAL_STATES)),
    )
    return render(request, "engagement/mine.html", {
        "cadre": cadre, "pairings": in_force, "ended": ended, "today": today,
        "issues_total": counts["total"], "issues_closed": counts["closed"],
        "issues_open": counts["total"] - counts["closed"],
    })  # fmt: skip


@login_required
def pairing_detail(request: HttpRequest, pairing_id: int) -> HttpResponse:
    pairing = queries.access_pairing_for_user(request.user, pairing_id)
    visits = pairing.visits.order_by("-visited_on", "-pk").prefetch_related("issues__appeal")
    return render(request, "engagement/pairing.html", {
        "pairing": pairing, "visits": visits, "today": _today(),
        "is_cadre": pairing.cadre.user_id == request.user.pk,
        "can_end": has_capability(request.user, "engagement.manage")
        and queries.manageable_units(request.user).filter(pk=pairing.unit_id).exists(),
        "end_form": forms.EndPairingForm(initial={"ends_on": _today()}),
        "missed": pairing.missed.order_by("-due_on")[:12],
    })  # fmt: skip


@login_required
def visit_new(request: HttpRequest, pairing_id: int) -> HttpResponse:
    pairing = queries.access_pairing_for_cadre(request.user, pairing_id)
    form = forms.VisitForm(request.POST or None, request.FILES or None,
                           initial={"visited_on": _today(), "mode": "onsite"})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            visit = service.record_visit(
                pairing, actor=request.user, now=timezone.now(), visited_on=d["visited_on"],
                mode=d["mode"], summary=d["summary"], people_met=d["people_met"],
                topics=d["topics"], need_types=d["need_types"],
                files=request.FILES.getlist("attachments"),
            )  # fmt: skip
        except QinqingError as exc:
            _error(form, exc)
        else:
            messages.success(request, f"已登记 {visit.visited_on} 的走访。")
            return redirect(visit)
    return render(request, "engagement/visit_form.html", {"pairing": pairing, "form": form})


@login_required
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = queries.access_visit_for_user(request.user, visit_id)
    is_enterprise = has_capability(request.user, "engagement.enterprise")
    return render(request, "engagement/visit.html", {
        "visit": visit,
        "issues": visit.issues.select_related("appeal"),
        "attachments": visit.attachments.all(),
        "is_cadre": visit.cadre.user_id == request.user.pk,
        "is_enterprise": is_enterprise,
        "rating_form": forms.RatingForm() if is_enterprise and not visit.rating else None,
    })  # fmt: skip


@login_required
def visit_attachment(request: HttpRequest, visit_id: int, attachment_id: int) -> FileResponse:
    visit = queries.access_visit_for_user(request.user, visit_id)
    attachment = visit.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("附件不存在。")
    unit = getattr(visit, "audit_unit_id", None) or getattr(visit, "unit_id", None)
    audit.record(request.user, "visit.viewed_attachment", attachment, unit=unit)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@login_required
def issue_new(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = queries.access_visit_for_cadre(request.user, visit_id)
    initial = {"content": visit.summary, "contact_name": visit.people_met[:50]}
    form = forms.IssueForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        try:
            issue = service.raise_issue_from_visit(visit, actor=request.user, now=timezone.now(),
                                                   need_type=d.pop("need_type"), data=d)  # fmt: skip
        except QinqingError as exc:
            _error(form, exc)
        else:
            messages.success(
                request, f"已转为诉求 {issue.appeal.number}，将按接诉即办流程派单办理。"
            )
            return redirect(visit)
    return render(request, "engagement/issue_form.html", {"visit": visit, "form": form})


@login_required
@require_POST
def visit_rate(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = queries.access_visit_for_enterprise(request.user, visit_id)
    form = forms.RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择评价（满意、基本满意或不满意）。")
        return redirect(visit)
    service.rate_visit(visit, actor=request.user, now=timezone.now(),
                       rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"])  # fmt: skip
    messages.success(request, "感谢您的评价！")
    return redirect("engagement:enterprise_home")


# ---------------------------------------------------------------------------------------
# The enterprise
# ---------------------------------------------------------------------------------------


@login_required
def enterprise_home(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "engagement.enterprise")
    today = _today()
    pairings = queries.visible_pairings_for_user(request.user).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today), starts_on__lte=today
    )
    visits = queries.visible_visits_for_user(request.user).order_by("-visited_on", "-pk")[:30]
    meetings = queries.visible_meetings_for_user(request.user).order_by("-held_on")[:20]
    return render(request, "engagement/enterprise_home.html", {
        "pairings": pairings, "visits": visits, "meetings": meetings,
        "uscc": user_uscc(request.user),
    })  # fmt: skip


def _appeal_qr_data_uri(request: HttpRequest, uscc: str) -> tuple[str, str]:
    """The enterprise's appeal QR code (its 码上反映 entry if any, else the appeal form)."""
    import qrcode

    from qinqing.appeals.models import QrEntry

    entry = QrEntry.objects.filter(enterprise_uscc=uscc, active=True).order_by("-pk").first()
    if entry is not None:
        url = request.build_absolute_uri(reverse("appeals:public_form", args=[entry.token]))
    else:
        url = request.build_absolute_uri(reverse("appeals:new"))
    image = qrcode.make(url, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(), url


@login_required
def card(request: HttpRequest, uscc: str) -> HttpResponse:
    """明白卡: the enterprise's cadres and their contacts, and the appeal QR code, to print."""
    today = _today()
    pairings = (
        queries.visible_pairings_for_user(request.user)
        .filter(enterprise__uscc=uscc, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("cadre__unit")
        .order_by("grid_level")
    )
    if not pairings:
        raise NotFound("该企业没有在册的包联干部，或不在您可查看的范围内。")
    qr, url = _appeal_qr_data_uri(request, uscc)
    return render(request, "engagement/card.html", {
        "enterprise": pairings[0].enterprise, "pairings": pairings, "qr": qr, "qr_url": url,
    })  # fmt: skip


# ---------------------------------------------------------------------------------------
# The office: pairings, cadres, import and export
# ---------------------------------------------------------------------------------------


def _pairing_filter(request: HttpRequest, qs):
    text = (request.GET.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(cadre__name__contains=text) | Q(enterprise__name__contains=text)
                       | Q(enterprise__uscc__startswith=text.upper()) | Q(project__name__contains=text))  # fmt: skip
    if request.GET.get("overdue"):
        qs = qs.filter(overdue_since__isnull=False)
    if request.GET.get("current"):
        today = _today()
        qs = qs.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    return qs


@login_required
def pairings(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "engagement.view")
    qs = _pairing_filter(request, queries.visible_pairings_for_user(request.user))
    page = Paginator(qs.order_by("-starts_on", "-pk"), 50).get_page(request.GET.get("page"))
    return render(request, "engagement/pairings.html", {
        "page": page, "q": request.GET.get("q", ""), "overdue": request.GET.get("overdue"),
        "can_manage": has_capability(request.user, "engagement.manage"), "today": _today(),
    })  # fmt: skip


@login_required
def pairings_export(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "engagement.view")
    qs = _pairing_filter(request, queries.visible_pairings_for_user(request.user))
    return _xlsx(service.export_pairings(qs.order_by("cadre__name", "starts_on")), "包联关系.xlsx")


@login_required
def pairing_new(request: HttpRequest) -> HttpResponse:
    units = queries.manageable_units(request.user)
    cadres = Cadre.objects.filter(unit__in=units, active=True).order_by("name")
    form = forms.PairingForm(request.POST or None, cadres=cadres)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            pairing = service.create_pairing(
                actor=request.user, now=timezone.now(), cadre=d["cadre"],
                enterprise=_enterprise(d["uscc"]), grid_level=d["grid_level"],
                cadence_months=d["cadence_months"], starts_on=d["starts_on"],
                ends_on=d["ends_on"], note=d["note"],
            )  # fmt: skip
        except QinqingError as exc:
            _error(form, exc)
        else:
            messages.success(request, f"已建立包联关系：{pairing}。")
            return redirect(pairing)
    return render(request, "engagement/pairing_form.html", {"form": form})


@login_required
@require_POST
def pairing_end(request: HttpRequest, pairing_id: int) -> HttpResponse:
    pairing = queries.access_pairing_for_office(request.user, pairing_id)
    form = forms.EndPairingForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("请填写有效的结束日期（示例：2026-03-31）。")
    service.end_pairing(pairing, actor=request.user, now=timezone.now(),
                        ends_on=form.cleaned_data["ends_on"])  # fmt: skip
    messages.success(request, "已结束包联关系，历史记录保留。")
    return redirect(pairing)


@login_required
def pairings_import(request: HttpRequest) -> HttpResponse:
    units = queries.manageable_units(request.user)
    if request.GET.get("template"):
        example = [["market_clerk", "91110000MA01AAAA0X", "属地管理", "每月", "2026-03-01", "", ""]]
        return _xlsx(write_workbook(service.IMPORT_HEADERS, example, title="包联关系"),
                     "包联关系导入模板.xlsx")  # fmt: skip
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created = service.import_pairings(upload.read(), actor=request.user,
                                              now=timezone.now(), allowed_units=units,
                                              filename=upload.name)  # fmt: skip
        except QinqingError as exc:
            _error(form, exc)
        else:
            messages.success(request, f"已导入 {len(created)} 条包联关系。")
            return redirect("engagement:pairings")
    return render(request, "engagement/import.html", {"form": form})


@login_required
def cadres(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "engagement.view")
    form = None
    if has_capability(request.user, "engagement.manage"):
        form = forms.CadreForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                user = get_user_model().objects.filter(username=d["username"]).first()
                if (
                    user is None
                    or not queries.manageable_units(request.user)
                    .filter(members__user=user)
                    .exists()
                ):
                    raise InvalidInput(f"账号“{d['username']}”不存在，或不在您管理的地区内。")
                cadre = service.register_cadre(user, actor=request.user, now=timezone.now(),
                                               level=d["level"], title=d["title"], phone=d["phone"])  # fmt: skip
            except QinqingError as exc:
                _error(form, exc)
            else:
                messages.success(request, f"已登记包联干部：{cadre.name}。")
                return redirect("engagement:cadres")
    elif request.method == "POST":
        require_capability(request.user, "engagement.manage")
    people = queries.visible_cadres_for_user(request.user).annotate(
        n=Count("pairings", filter=Q(pairings__ends_on__isnull=True))
    )
    return render(request, "engagement/cadres.html", {"cadres": people, "form": form})


# ---------------------------------------------------------------------------------------
# Dashboard (领导驾驶舱) with drill-down: counties → units → cadres
# ---------------------------------------------------------------------------------------


def _dashboard_rows(request: HttpRequest):
    require_capability(request.user, "engagement.view")
    scope = queries.oversight_filter(request.user)
    if scope is None:
        require_capability(request.user, "engagement.manage")
    today = _today()
    start = _parse_date(request.GET.get("start"), today.replace(month=1, day=1))
    end = _parse_date(request.GET.get("end"), today)
    if start > end:
        raise InvalidInput("开始日期晚于结束日期，请检查。")
    trail = []
    group, where = "area", scope
    if request.GET.get("unit"):
        unit = Unit.objects.filter(pk=request.GET["unit"]).first()
        if unit is None:
            raise NotFound("单位不存在。")
        if unit.is_area:
            group, where = "unit", scope & Q(area_id=unit.pk)
        else:
            group, where = "cadre", scope & Q(unit_id=unit.pk)
        trail.append(unit)
    rows = figures.grouped_counts(where, group, start, min(end, today), today)
    labels = _labels(group, rows.keys())
    for key, c in rows.items():
        c.label = labels.get(key, "—")
    ordered = sorted(rows.values(), key=lambda c: c.label)
    total = figures.total(rows)
    total.enterprises = (
        Pairing.objects.filter(where, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .values("enterprise_id").distinct().count()
    )  # fmt: skip
    return {"rows": ordered, "total": total, "group": group, "start": start, "end": end,
            "trail": trail}  # fmt: skip


def _labels(group: str, keys) -> dict:
    if group == "cadre":
        return dict(Cadre.objects.filter(pk__in=keys).values_list("pk", "name"))
    return dict(Unit.objects.filter(pk__in=keys).values_list("pk", "name"))


GROUP_LABELS = {"area": "地区", "unit": "单位", "cadre": "包联干部"}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = _dashboard_rows(request)
    context["group_label"] = GROUP_LABELS[context["group"]]
    from qinqing.core.accounts.access import scope_area

    area = scope_area(request.user)
    if area is not None:
        covered, members = indicators.list_coverage(area.path, _today())
        context["coverage"] = (covered, members, figures.rules.rate(covered, members))
    return render(request, "engagement/dashboard.html", context)


@login_required
def dashboard_export(request: HttpRequest) -> HttpResponse:
    context = _dashboard_rows(request)
    headers = [GROUP_LABELS[context["group"]], "包联关系", "包联企业", "逾期未走访", "走访次数",
               "走访完成率(%)", "收集诉求", "已办结", "正在推进", "按时办结率(%)", "走访满意率(%)"]  # fmt: skip
    rows = [[c.label, c.pairings, c.enterprises, c.overdue, c.visits, c.completion_rate,
             c.issues, c.issues_closed, c.issues_open, c.on_time_rate, c.satisfaction_rate]
            for c in [*context["rows"], context["total"]]]  # fmt: skip
    name = f"包联走访统计（{context['start']}至{context['end']}）.xlsx"
    return _xlsx(write_workbook(headers, rows, title="包联走访统计"), name)


# ---------------------------------------------------------------------------------------
# Priority projects (重点项目服务专班)
# ---------------------------------------------------------------------------------------


@login_required
def projects(request: HttpRequest) -> HttpResponse:
    qs = queries.visible_projects_for_user(request.user).annotate(
        open_blockers=Count("blockers", filter=Q(blockers__resolved_on__isnull=True), distinct=True)
    )
    return render(request, "engagement/projects.html", {
        "projects": qs, "can_manage": has_capability(request.user, "engagement.manage"),
    })  # fmt: skip


@login_required
def project_new(request: HttpRequest) -> HttpResponse:
    area = queries.office_area(request.user)
    units = queries.manageable_units(request.user).order_by("path")
    form = forms.ProjectForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            leader = _users(d["leader"])
            project = service.create_project(
                actor=request.user, now=timezone.now(), name=d["name"], area=area,
                lead_unit=d["lead_unit"], leader=leader[0], investment=d["investment"],
                stage=d["stage"], enterprise=_enterprise(d["uscc"]) if d["uscc"] else None,
                members=_users(d["members"]), description=d["description"],
            )  # fmt: skip
        except QinqingError as exc:
            _error(form, exc)
        else:
            messages.success(request, f"已登记重点项目“{project.name}”。")
            return redirect(project)
    return render(request, "engagement/project_form.html", {"form": form})


@login_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = queries.access_project_for_user(request.user, project_id)
    try:
        queries.access_project_for_taskforce(request.user, project.pk)
        taskforce = True
    except QinqingError:
        taskforce = False
    units = Unit.objects.filter(path__startswith=project.area.path).order_by("path")
    today = _today()
    from qinqing.plans.models import Task

    return render(request, "engagement/project.html", {
        "project": project, "taskforce": taskforce, "today": today,
        "approvals": project.approvals.select_related("unit"),
        "blockers": project.blockers.select_related("owner_unit"),
        "tasks": Task.objects.filter(pk__in=project.task_links.values("task_id")),
        "members": project.members.all(),
        "approval_form": forms.ApprovalForm(), "blocker_form": forms.BlockerForm(units=units),
        "stages": service.STAGE_ORDER, "status_choices": forms.ApprovalItem.Status.choices,
        "user_unit_id": getattr(getattr(request.user, "profile", None), "unit_id", None),
    })  # fmt: skip


@login_required
@require_POST
def project_advance(request: HttpRequest, project_id: int) -> HttpResponse:
    project = queries.access_project_for_taskforce(request.user, project_id)
    service.advance_project(project, actor=request.user, now=timezone.now(),
                            stage=request.POST.get("stage", ""))  # fmt: skip
    messages.success(request, f"项目已推进到“{project.get_stage_display()}”阶段。")
    return redirect(project)


@login_required
@require_POST
def approval_add(request: HttpRequest, project_id: int) -> HttpResponse:
    project = queries.access_project_for_taskforce(request.user, project_id)
    form = forms.ApprovalForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("请填写审批事项名称并选择办理状态。")
    service.add_approval(project, actor=request.user, now=timezone.now(), **form.cleaned_data)
    messages.success(request, "已添加审批事项。")
    return redirect(project)


@login_required
@require_POST
def approval_update(request: HttpRequest, approval_id: int) -> HttpResponse:
    item = queries.access_approval_for_taskforce(request.user, approval_id)
    form = forms.ApprovalStatusForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("请选择办理状态。")
    service.update_approval(item, actor=request.user, now=timezone.now(),
                            status=form.cleaned_data["status"],
                            proxy_agent=form.cleaned_data["proxy_agent"] or None)  # fmt: skip
    messages.success(request, f"已更新“{item.name}”的办理状态。")
    return redirect(item.project)


@login_required
@require_POST
def blocker_add(request: HttpRequest, project_id: int) -> HttpResponse:
    project = queries.access_project_for_taskforce(request.user, project_id)
    units = Unit.objects.filter(path__startswith=project.area.path)
    form = forms.BlockerForm(request.POST, units=units)
    if not form.is_valid():
        raise InvalidInput("请填写堵点描述、责任单位和办理时限（1 至 120 个工作日）。")
    blocker = service.add_blocker(project, actor=request.user, now=timezone.now(),
                                  **form.cleaned_data)  # fmt: skip
    messages.success(request, f"已登记堵点，办结时限 {blocker.due_on}。")
    return redirect(project)


@login_required
@require_POST
def blocker_resolve(request: HttpRequest, blocker_id: int) -> HttpResponse:
    blocker = queries.access_blocker_for_owner(request.user, blocker_id)
    form = forms.ResolveForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("请填写解决情况。")
    service.resolve_blocker(blocker, actor=request.user, now=timezone.now(),
                            resolution=form.cleaned_data["resolution"])  # fmt: skip
    messages.success(request, "堵点已解决。")
    return redirect(blocker.project)


@login_required
@require_POST
def project_link_task(request: HttpRequest, project_id: int) -> HttpResponse:
    from qinqing.plans.models import Task

    project = queries.access_project_for_taskforce(request.user, project_id)
    task = Task.objects.filter(pk=request.POST.get("task") or 0,
                               area__path__startswith=project.area.path).first()  # fmt: skip
    if task is None:
        raise InvalidInput("方案任务不存在，或不在项目所在地区。请填写任务编号（ID）。")
    service.link_task(project, task, actor=request.user, now=timezone.now())
    messages.success(request, "已关联方案任务。")
    return redirect(project)


# ---------------------------------------------------------------------------------------
# Meetings (政企沟通会) and consultations (征求意见)
# ---------------------------------------------------------------------------------------


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
        quota = {"held": held.filter(state=Meeting.State.HELD).count(),
                 "planned": held.filter(state=Meeting.State.SCHEDULED).count(),
                 "need": need, "start": start, "end": end}  # fmt: skip
        quota["met"] = quota["held"] >= need
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


# ---------------------------------------------------------------------------------------
# Named enterprise lists (名录)
# ---------------------------------------------------------------------------------------


@login_required
def enterprise_lists(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "engagement.manage")
    area = queries.office_area(request.user)
    form = forms.ListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = service.create_enterprise_list(actor=request.user, now=timezone.now(),
                                                     area=area, **form.cleaned_data)  # fmt: skip
        except QinqingError as exc:
            _error(form, exc)
        else:
            messages.success(request, f"已建立名录“{created.name}”。")
            return redirect(created)
    today = _today()
    rows = queries.visible_lists_for_user(request.user).annotate(
        current=Count("memberships", filter=Q(memberships__left_on__isnull=True))
    )
    return render(request, "engagement/lists.html", {"lists": rows, "form": form, "today": today})


@login_required
def enterprise_list(request: HttpRequest, list_id: int) -> HttpResponse:
    found = queries.access_list_for_user(request.user, list_id)
    today = _today()
    members = found.memberships.select_related("enterprise").order_by("left_on", "-joined_on")
    current_ids = [m.enterprise_id for m in members if m.left_on is None]
    paired = set(
        Pairing.objects.filter(enterprise_id__in=current_ids, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .values_list("enterprise_id", flat=True)
    )
    return render(request, "engagement/list.html", {
        "list": found, "members": members, "paired": paired,
        "coverage": (len(paired), len(current_ids),
                     figures.rules.rate(len(paired), len(current_ids))),
        "form": forms.MemberForm(), "manage": queries.can_manage_area(request.user, found.area),
    })  # fmt: skip


@login_required
@require_POST
def list_add(request: HttpRequest, list_id: int) -> HttpResponse:
    found = queries.access_list_for_office(request.user, list_id)
    form = forms.MemberForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("请填写统一社会信用代码和有效的列入日期。")
    d = form.cleaned_data
    service.add_to_list(found, _enterprise(d["uscc"]), actor=request.user, now=timezone.now(),
                        joined_on=d["joined_on"], note=d["note"])  # fmt: skip
    messages.success(request, "已列入名录。")
    return redirect(found)


@login_required
@require_POST
def list_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = queries.access_membership_for_office(request.user, membership_id)
    service.remove_from_list(membership, actor=request.user, now=timezone.now())
    messages.success(request, f"已将 {membership.enterprise.name} 移出名录（历史记录保留）。")
    return redirect(membership.enterprise_list)
