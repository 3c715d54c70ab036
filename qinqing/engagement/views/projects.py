"""Priority projects (重点项目服务专班)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.core.accounts.access import has_capability
from qinqing.core.errors import InvalidInput, QinqingError
from qinqing.core.orgs.models import Unit
from qinqing.engagement import forms, queries, service
from qinqing.engagement.views._common import _enterprise, _error, _today, _users
from qinqing.plans import queries as plans_queries


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
    return render(request, "engagement/project.html", {
        "project": project, "taskforce": taskforce, "today": today,
        "approvals": project.approvals.select_related("unit"),
        "blockers": project.blockers.select_related("owner_unit"),
        "tasks": plans_queries.tasks_by_ids(project.task_links.values("task_id")),
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
    project = queries.access_project_for_taskforce(request.user, project_id)
    raw = (request.POST.get("task") or "").strip()
    task_id = int(raw) if raw.isdigit() else 0
    task = (
        plans_queries.tasks_by_ids([task_id])
        .filter(area__path__startswith=project.area.path)
        .first()
    )
    if task is None:
        raise InvalidInput("方案任务不存在，或不在项目所在地区。请填写任务编号（ID）。")
    service.link_task(project, task, actor=request.user, now=timezone.now())
    messages.success(request, "已关联方案任务。")
    return redirect(project)
