"""Plan import, review, ledger and experience library pages. Thin: parse, call, render."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, Prefetch, Q, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.core.accounts.access import require_capability
from qinqing.core.errors import InvalidInput, NotFound
from qinqing.core.orgs.models import AREA_KINDS, ProposalStatus, Unit, UnitGroup, UnitKind
from qinqing.plans import exports, queries, search, service
from qinqing.plans.forms import (
    AddTaskForm,
    ConfirmForm,
    LedgerFilterForm,
    LibrarySearchForm,
    PlanDetailsForm,
    TaskForm,
    UploadForm,
)
from qinqing.plans.models import (
    ArticleTask,
    Plan,
    PlanKind,
    PlanStatus,
    Section,
    Task,
    UnitMention,
    UnitRole,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _task_prefetch(tasks):
    return tasks.select_related("plan", "section").prefetch_related(
        Prefetch("unit_mentions", queryset=UnitMention.objects.select_related(
            "unit", "group", "proposal")),
        "targets", "lead_units", "responsible_units", "supporting_units",
    )  # fmt: skip


# ---------------------------------------------------------------- ledger


def _ledger_form(request: HttpRequest) -> tuple[LedgerFilterForm, queries.LedgerFilters]:
    plans = list(queries.ledger_plans_for_user(request.user))
    sections = Section.objects.filter(plan__in=plans).select_related("plan").order_by(
        "plan__title", "order")  # fmt: skip
    form = LedgerFilterForm(
        request.GET or None,
        units=queries.ledger_units_for_user(request.user),
        plans=plans,
        sections=sections,
        statuses=queries.status_choices(),
    )
    filters = queries.LedgerFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = queries.LedgerFilters(
            unit=data["unit"],
            unit_role=data["unit_role"],
            plan=data["plan"],
            section=data["section"],
            origin=data["origin"],
            due_from=data["due_from"],
            due_to=data["due_to"],
            ongoing=data["ongoing"],
            q=data["q"].strip(),
            status=data["status"],
            due_soon=data["due_soon"],
            today=timezone.localdate(),
        )
    return form, filters


def _ledger_tasks(request: HttpRequest, filters: queries.LedgerFilters):
    tasks = queries.filter_ledger(queries.visible_tasks_for_user(request.user), filters)
    return tasks.order_by("plan__year", "plan__title", "plan_id", "order", "pk")


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    """任务台账: the ledger filtered by unit, section, deadline, plan, origin and text."""
    form, filters = _ledger_form(request)
    tasks = _ledger_tasks(request, filters)
    page = Paginator(_task_prefetch(tasks), 50).get_page(request.GET.get("page"))
    statuses = queries.task_status_labels(list(page.object_list), today=timezone.localdate())
    rows = [(t, statuses.get(t.pk)) for t in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "plans/ledger.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "total": page.paginator.count,
            "query": query.urlencode(),
            "can_manage": queries.can_manage_plans(request.user),
        },
    )


@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    """导出台账 (.xlsx) of the tasks the current filters select."""
    _form, filters = _ledger_form(request)
    tasks = list(_task_prefetch(_ledger_tasks(request, filters)))
    statuses = queries.task_status_labels(tasks, today=timezone.localdate())
    data = exports.export_ledger(tasks, statuses)
    response = HttpResponse(data, content_type=XLSX)
    name = f"任务台账-{timezone.localdate().isoformat()}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    task = queries.access_task_for_user(request.user, task_id)
    task = _task_prefetch(Task.objects.filter(pk=task.pk)).get()
    statuses = queries.task_status_labels([task], today=timezone.localdate())
    related = [
        link.article
        for link in ArticleTask.objects.filter(
            task=task, article__in=queries.visible_articles_for_user(request.user)
        )
        .select_related("article__plan")
        .order_by("-score")
    ]
    can_see_plan = (
        task.plan_id is not None
        and queries.visible_plans_for_user(request.user).filter(pk=task.plan_id).exists()
    )
    return render(
        request,
        "plans/task_detail.html",
        {
            "task": task,
            "status": statuses.get(task.pk),
            "mentions": _mentions_by_role(task),
            "articles": related[:5],
            "can_see_plan": can_see_plan,
        },
    )


def _mentions_by_role(task: Task) -> list[tuple[str, list[UnitMention]]]:
    out = []
    for role, label in UnitRole.choices:
        items = [m for m in task.unit_mentions.all() if m.role == role]
        if items:
            out.append((label, items))
    return out


# ---------------------------------------------------------------- plans and import


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = (
        queries.visible_plans_for_user(request.user)
        .select_related("area")
        .annotate(n_tasks=Count("tasks", distinct=True), n_articles=Count(
            "articles", filter=Q(articles__fragment=False), distinct=True))
        .annotate(draft_first=Case(When(status=PlanStatus.DRAFT, then=0),
                                   When(status=PlanStatus.CONFIRMED, then=1), default=2))
        .order_by("draft_first", "-created_at")
    )  # fmt: skip
    return render(
        request,
        "plans/plan_list.html",
        {"plans": plans, "can_manage": queries.can_manage_plans(request.user)},
    )


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """导入方案: upload a plan, a compilation or an Excel ledger; it becomes a draft."""
    areas = list(queries.import_areas_for_user(request.user))
    form = UploadForm(request.POST or None, request.FILES or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            service.check_upload_size(upload.size, upload.name)
            area = queries.access_import_area(request.user, form.cleaned_data["area"])
            plan = service.import_document(
                upload.read(),
                upload.name,
                area=area,
                actor=request.user,
                now=timezone.now(),
                title=form.cleaned_data["title"],
            )
        except InvalidInput as exc:
            return render(
                request, "plans/upload.html", {"form": form, "error": exc.message}, status=400
            )
        what = "材料汇编" if plan.kind == PlanKind.COMPILATION else "方案"
        messages.success(
            request,
            f"已导入{what}《{plan.title}》（第 {plan.version} 版），请核对后确认。",
        )
        return redirect("plans:plan", plan_id=plan.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "plans/upload.html", {"form": form}, status=status)


def _review_context(request: HttpRequest, plan: Plan, add_form: AddTaskForm | None = None) -> dict:
    tasks = list(_task_prefetch(plan.tasks.order_by("order", "pk")))
    flags = (plan.parse_result or {}).get("uncertain") or {} if plan.is_draft else {}
    for task in tasks:
        task.supporting_mentions = [
            m for m in task.unit_mentions.all() if m.role == UnitRole.SUPPORTING
        ]
        task.uncertain = set(flags.get(str(task.pk)) or ())
    pending = list(service.pending_mentions(plan).select_related("proposal"))
    names: dict[int, dict] = {}
    for m in pending:
        if m.proposal_id is None:
            continue
        entry = names.setdefault(m.proposal_id, {"proposal": m.proposal, "tasks": []})
        if m.task.label not in entry["tasks"]:
            entry["tasks"].append(m.task.label or "—")
    area = plan.area
    ancestors = [int(p) for p in area.path.split("/") if p]
    units = Unit.objects.filter(path__startswith=area.path, active=True).order_by(
        "path", "sort_order")  # fmt: skip
    return {
        "plan": plan,
        "tasks": tasks,
        "articles": plan.articles.order_by("order") if plan.kind == PlanKind.COMPILATION else [],
        "source_lines": plan.source_text.splitlines(),
        "unknown_names": list(names.values()),
        "n_unknown": len(names),
        "units": units,
        "groups": UnitGroup.objects.filter(
            Q(area_id__in=ancestors) | Q(area__path__startswith=area.path)
        ).order_by("name"),  # fmt: skip
        "areas": units.filter(kind__in=AREA_KINDS),
        "kinds": UnitKind.choices,
        "can_manage": queries.can_manage_plans(request.user),
        "details_form": PlanDetailsForm(initial={"title": plan.title, "year": plan.year}),
        "confirm_form": ConfirmForm(),
        "add_form": add_form or AddTaskForm(sections=plan.sections.order_by("order")),
        "n_uncertain": sum(1 for t in tasks if t.uncertain),
        "has_previous": plan.previous_version_id is not None,
        "n_unresolved": service.pending_mentions(plan).values("raw_name").distinct().count(),
    }


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The plan beside its source text; for a draft, the review page."""
    plan = queries.access_plan_for_user(request.user, plan_id)
    return render(request, "plans/plan_detail.html", _review_context(request, plan))


@login_required
@require_POST
def plan_details(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = queries.access_plan_for_edit(request.user, plan_id)
    form = PlanDetailsForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("请填写方案标题；年度应为四位数字。")
    service.update_plan_details(
        plan, actor=request.user, title=form.cleaned_data["title"], year=form.cleaned_data["year"]
    )
    messages.success(request, "已保存方案信息。")
    return redirect("plans:plan", plan_id=plan.pk)


@login_required
def task_edit(request: HttpRequest, plan_id: int, task_id: int) -> HttpResponse:
    plan = queries.access_plan_for_edit(request.user, plan_id)
    task = queries.access_draft_task_for_edit(request.user, plan, task_id)
    snap = service.task_snapshot(task)
    initial = {
        **snap,
        "lead_units": "、".join(snap["lead_units"]),
        "responsible_units": "、".join(snap["responsible_units"]),
        "supporting_units": "、".join(snap["supporting_units"]),
        "targets": "\n".join(snap["targets"]),
        "due_on": task.due_on,
    }
    form = TaskForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            service.update_task(task, actor=request.user, **form.cleaned_data)
            messages.success(request, f"已保存任务 {task.label}。")
            return redirect(reverse("plans:plan", args=[plan.pk]) + f"#task-{task.pk}")
        status = 400
    else:
        status = 200
    return render(
        request, "plans/task_edit.html", {"plan": plan, "task": task, "form": form}, status=status
    )


@login_required
@require_POST
def task_add(request: HttpRequest, plan_id: int) -> HttpResponse:
    """补充任务: the office adds a task the parser missed (access as for edit)."""
    plan = queries.access_plan_for_edit(request.user, plan_id)
    sections = plan.sections.order_by("order")
    form = AddTaskForm(request.POST, sections=sections)
    if not form.is_valid():
        context = _review_context(request, plan, add_form=form)
        return render(request, "plans/plan_detail.html", context, status=400)
    data = dict(form.cleaned_data)
    section_id = data.pop("section")
    section = sections.filter(pk=section_id).first() if section_id else None
    task = service.add_task(plan, actor=request.user, now=timezone.now(), section=section, **data)
    messages.success(request, f"已补充任务“{task.title[:30]}”。")
    return redirect(reverse("plans:plan", args=[plan.pk]) + f"#task-{task.pk}")


@login_required
@require_POST
def task_delete(request: HttpRequest, plan_id: int, task_id: int) -> HttpResponse:
    plan = queries.access_plan_for_edit(request.user, plan_id)
    task = queries.access_draft_task_for_edit(request.user, plan, task_id)
    label = task.label
    service.delete_task(task, actor=request.user)
    messages.success(request, f"已删除任务 {label}。")
    return redirect("plans:plan", plan_id=plan.pk)


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


@login_required
@require_POST
def resolve_name(request: HttpRequest, plan_id: int, proposal_id: int) -> HttpResponse:
    """对应单位名称 from the review page (uses the directory's own services)."""
    plan = queries.access_plan_for_edit(request.user, plan_id)
    require_capability(request.user, "directory.edit")
    mention = service.pending_mentions(plan).filter(proposal_id=proposal_id).select_related(
        "proposal").first()  # fmt: skip
    if mention is None:
        raise NotFound("该单位名称不在本方案的待确认名称中，或已处理。")
    proposal = mention.proposal
    action = request.POST.get("action", "")
    in_area = Unit.objects.filter(path__startswith=plan.area.path, active=True)
    unit = group = parent = None
    if action == "map":
        unit = in_area.filter(pk=_int(request.POST.get("unit"))).first()
        if unit is None:
            raise InvalidInput("请选择本地区机构库中的单位。")
    elif action == "group":
        ancestors = [int(p) for p in plan.area.path.split("/") if p]
        group = UnitGroup.objects.filter(
            Q(area_id__in=ancestors) | Q(area__path__startswith=plan.area.path),
            pk=_int(request.POST.get("group")),
        ).first()
        if group is None:
            raise InvalidInput("请选择一个单位集合。")
    elif action == "create":
        parent = in_area.filter(pk=_int(request.POST.get("parent"))).first()
        if parent is None:
            raise InvalidInput("请选择新单位的上级地区。")
    count = service.resolve_unit_name(
        plan, proposal, actor=request.user, action=action, unit=unit, group=group,
        kind=request.POST.get("kind", ""), parent=parent,
    )  # fmt: skip
    proposal.refresh_from_db()
    if proposal.status == ProposalStatus.REJECTED:
        messages.success(request, f"“{proposal.raw_name}”不计入台账。")
    else:
        target = proposal.resolved_unit or proposal.resolved_group
        messages.success(
            request, f"“{proposal.raw_name}”已对应“{target}”，更新了 {count} 处任务单位。"
        )
    return redirect(reverse("plans:plan", args=[plan.pk]) + "#unknown-names")


@login_required
@require_POST
def refresh_units(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = queries.access_plan_for_edit(request.user, plan_id)
    count = service.refresh_plan_units(plan, actor=request.user)
    messages.success(request, f"已按机构库重新对应，新对应 {count} 处单位名称。")
    return redirect("plans:plan", plan_id=plan.pk)


@login_required
@require_POST
def confirm(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = queries.access_plan_for_edit(request.user, plan_id)
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        service.confirm_plan(
            plan,
            actor=request.user,
            now=timezone.now(),
            accept_unresolved=form.cleaned_data.get("accept_unresolved", False),
        )
    except InvalidInput as exc:
        # back to the review page, the reason beside the confirm button (not an error page)
        context = _review_context(request, plan)
        context["confirm_error"] = exc.message
        return render(request, "plans/plan_detail.html", context, status=400)
    if plan.kind == PlanKind.COMPILATION:
        messages.success(request, f"已确认《{plan.title}》，文章已进入经验库。")
        return redirect("plans:library")
    messages.success(request, f"已确认《{plan.title}》，任务已进入台账。")
    return redirect(reverse("plans:ledger") + f"?plan={plan.pk}")


@login_required
@require_POST
def discard(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = queries.access_plan_for_edit(request.user, plan_id)
    title = plan.title
    service.discard_draft(plan, actor=request.user)
    messages.success(request, f"已放弃草稿《{title}》。")
    return redirect("plans:plans")


@login_required
def plan_diff(request: HttpRequest, plan_id: int) -> HttpResponse:
    """版本对比: tasks added, removed and changed since the previous version."""
    plan = queries.access_plan_for_user(request.user, plan_id)
    if plan.previous_version_id is None:
        raise NotFound("该方案是第 1 版，没有可对比的上一版本。")
    diff = service.version_diff(plan)
    if diff is None:
        raise NotFound("该方案是第 1 版，没有可对比的上一版本。")
    from qinqing.plans.rules import DIFF_FIELDS

    changed = [
        {
            "old": c.old,
            "new": c.new,
            "fields": [
                {"label": DIFF_FIELDS[f], "old": _shown(getattr(c.old, f)),
                 "new": _shown(getattr(c.new, f))}
                for f in c.fields
            ],
        }
        for c in diff.changed
    ]  # fmt: skip
    return render(
        request,
        "plans/plan_diff.html",
        {"plan": plan, "previous": plan.previous_version, "diff": diff, "changed": changed},
    )


def _shown(value) -> str:
    if isinstance(value, tuple):
        return "、".join(value) if value else "（无）"
    return value or "（无）"


# ---------------------------------------------------------------- experience library


@login_required
def library(request: HttpRequest) -> HttpResponse:
    """经验库: search the articles of confirmed compilations in Chinese."""
    form = LibrarySearchForm(request.GET or None)
    articles = queries.visible_articles_for_user(request.user).select_related("plan")
    q = ""
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
    articles = search.search_articles(articles, q) if q else articles.order_by("plan_id", "order")
    page = Paginator(articles, 20).get_page(request.GET.get("page"))
    counts = dict(
        ArticleTask.objects.filter(article__in=[a.pk for a in page.object_list])
        .values_list("article_id")
        .annotate(n=Count("pk"))
    )
    for article in page.object_list:
        article.n_tasks = counts.get(article.pk, 0)
    words = search.query_words(q) if q else []
    return render(
        request,
        "plans/library.html",
        {"form": form, "page": page, "q": q, "words": words,
         "query": f"q={quote(q)}" if q else ""},
    )  # fmt: skip


@login_required
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    article = queries.access_article_for_user(request.user, article_id)
    tasks = [
        link.task
        for link in ArticleTask.objects.filter(
            article=article, task__in=queries.visible_tasks_for_user(request.user)
        )
        .select_related("task__plan")
        .order_by("-score")
    ]
    return render(
        request,
        "plans/article_detail.html",
        {"article": article, "tasks": tasks, "paragraphs": article.body.splitlines()},
    )
