"""Assessment pages. Thin: parse, call a query or service, render."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.assessment import dashboard, queries, registry, rules, service
from qinqing.assessment.forms import (
    ExternalImportForm,
    ExternalRuleForm,
    ItemForm,
    RunForm,
    SchemeEditForm,
    SchemeForm,
    TriggerHandleForm,
    first_error,
)
from qinqing.assessment.models import SchemeStatus, SupervisionLevel
from qinqing.core.accounts.access import require_capability
from qinqing.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from qinqing.core.files.xlsx import write_workbook
from qinqing.core.orgs.models import Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- schemes -------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    schemes = queries.visible_schemes_for_user(request.user)
    return render(
        request,
        "assessment/index.html",
        {
            "rows": dashboard.scheme_overview(request.user, schemes),
            "can_manage": queries.can_manage(request.user),
            "rankings": queries.visible_rankings_for_user(request.user)[:10],
        },
    )


@login_required
def scheme_new(request: HttpRequest) -> HttpResponse:
    area = queries.manage_area_for_user(request.user)
    form = SchemeForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                scheme = service.create_scheme(
                    actor=request.user,
                    area=area,
                    name=data["name"],
                    target_kind=data["target_kind"],
                    effective_from=data["effective_from"],
                    effective_to=data["effective_to"],
                    bottom_n=data["bottom_n"],
                    description=data["description"],
                    now=timezone.now(),
                )
            except InvalidInput as exc:
                error = exc.message
            else:
                messages.success(request, f"已新建考评方案“{scheme.name}”，请添加指标并设置权重。")
                return redirect("assessment:scheme", scheme_id=scheme.pk)
        else:
            error = first_error(form).message
    return render(
        request,
        "assessment/scheme_new.html",
        {"form": form, "area": area, "error": error},
        status=400 if error else 200,
    )


def _versions(scheme, access: queries.Access) -> list:
    if not access.full:
        return []
    versions = queries.lineage_of(scheme).order_by("version")
    if not access.manage:
        versions = versions.exclude(status=SchemeStatus.DRAFT)
    return list(versions)


def _render_scheme(
    request: HttpRequest,
    scheme,
    access: queries.Access,
    *,
    error: str = "",
    item_form: ItemForm | None = None,
    run_form: RunForm | None = None,
    status: int = 200,
) -> HttpResponse:
    items = list(scheme.items.all())
    is_draft = scheme.status == SchemeStatus.DRAFT
    editable = access.manage and is_draft
    context = {
        "scheme": scheme,
        "access": access,
        "editable": editable,
        "items": dashboard.item_rows(items),
        "weight_total": sum((i.weight for i in items), Decimal(0)),
        "problems": service.scheme_errors(scheme) if editable else [],
        "targets": scheme.targets.order_by("sort_order", "name"),
        "runs": queries.runs_for(scheme, access).order_by("-period_end"),
        "versions": _versions(scheme, access),
        "error": error,
        "status_active": scheme.status == SchemeStatus.ACTIVE,
    }
    if editable:
        used = {i.indicator_code for i in items}
        context.update(
            {
                "item_form": item_form or ItemForm(initial={"method": "linear"}),
                "indicators": [
                    (i, dashboard.source_label(i.source))
                    for i in registry.all_indicators()
                    if i.code not in used
                ],
                "edit_form": SchemeEditForm(
                    initial={
                        "name": scheme.name,
                        "effective_from": scheme.effective_from,
                        "effective_to": scheme.effective_to,
                        "bottom_n": scheme.bottom_n,
                        "description": scheme.description,
                    }
                ),
                "candidates": service.eligible_targets(scheme.area, scheme.target_kind),
                "target_ids": set(scheme.targets.values_list("pk", flat=True)),
            }
        )
    if access.manage and scheme.status == SchemeStatus.ACTIVE:
        context["run_form"] = run_form or RunForm(
            initial=dashboard.default_period(scheme, timezone.localdate())
        )
    return render(request, "assessment/scheme.html", context, status=status)


@login_required
def scheme_detail(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme, access = queries.access_scheme_for_user(request.user, scheme_id)
    return _render_scheme(request, scheme, access)


def _manage_post(request: HttpRequest, scheme_id: int):
    scheme = queries.access_scheme_for_manage(request.user, scheme_id)
    return scheme, queries.Access(full=True, manage=True)


@login_required
@require_POST
def scheme_edit(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme, access = _manage_post(request, scheme_id)
    form = SchemeEditForm(request.POST)
    try:
        if not form.is_valid():
            raise first_error(form)
        data = form.cleaned_data
        service.update_scheme(
            scheme,
            actor=request.user,
            name=data["name"],
            effective_from=data["effective_from"],
            effective_to=data["effective_to"],
            bottom_n=data["bottom_n"],
            description=data["description"],
            now=timezone.now(),
        )
    except (InvalidInput, IllegalTransition) as exc:
        return _render_scheme(request, scheme, access, error=exc.message, status=400)
    messages.success(request, "已保存方案信息。")
    return redirect("assessment:scheme", scheme_id=scheme.pk)


def _item_args(form: ItemForm) -> dict:
    data = form.cleaned_data
    return {
        "weight": data["weight"],
        "method": data["method"],
        "floor": data.get("floor"),
        "ceiling": data.get("ceiling"),
        "thresholds": data.get("thresholds") or [],
    }


@login_required
@require_POST
def item_add(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme, access = _manage_post(request, scheme_id)
    form = ItemForm(request.POST)
    try:
        if not form.is_valid():
            raise first_error(form)
        item = service.add_scheme_item(
            scheme,
            actor=request.user,
            indicator_code=form.cleaned_data["indicator_code"],
            now=timezone.now(),
            **_item_args(form),
        )
    except (InvalidInput, IllegalTransition) as exc:
        return _render_scheme(
            request, scheme, access, error=exc.message, item_form=form, status=400
        )
    messages.success(request, f"已添加指标“{item.label}”（权重 {rules._num(item.weight)}）。")
    return redirect("assessment:scheme", scheme_id=scheme.pk)


@login_required
@require_POST
def item_update(request: HttpRequest, scheme_id: int, item_id: int) -> HttpResponse:
    item = queries.access_item_for_manage(request.user, scheme_id, item_id)
    scheme, access = item.scheme, queries.Access(full=True, manage=True)
    form = ItemForm({**request.POST.dict(), "indicator_code": item.indicator_code})
    try:
        if not form.is_valid():
            raise first_error(form)
        service.update_scheme_item(item, actor=request.user, now=timezone.now(), **_item_args(form))
    except (InvalidInput, IllegalTransition) as exc:
        return _render_scheme(request, scheme, access, error=exc.message, status=400)
    messages.success(request, f"已修改指标“{item.label}”。")
    return redirect("assessment:scheme", scheme_id=scheme.pk)


@login_required
@require_POST
def item_delete(request: HttpRequest, scheme_id: int, item_id: int) -> HttpResponse:
    item = queries.access_item_for_manage(request.user, scheme_id, item_id)
    try:
        service.remove_scheme_item(item, actor=request.user, now=timezone.now())
    except IllegalTransition as exc:
        return _render_scheme(
            request, item.scheme, queries.Access(True, True), error=exc.message, status=400
        )
    messages.success(request, f"已删除指标“{item.label}”。")
    return redirect("assessment:scheme", scheme_id=scheme_id)


@login_required
@require_POST
def scheme_targets(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme, access = _manage_post(request, scheme_id)
    ids = [int(i) for i in request.POST.getlist("targets") if i.isdigit()]
    units = list(Unit.objects.filter(pk__in=ids))
    try:
        service.set_scheme_targets(scheme, units, actor=request.user, now=timezone.now())
    except (InvalidInput, IllegalTransition) as exc:
        return _render_scheme(request, scheme, access, error=exc.message, status=400)
    messages.success(request, f"已设置考评对象（{len(units)} 个单位）。")
    return redirect("assessment:scheme", scheme_id=scheme.pk)


@login_required
@require_POST
def scheme_activate(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme, access = _manage_post(request, scheme_id)
    try:
        service.activate_scheme(scheme, actor=request.user, now=timezone.now())
    except (InvalidInput, IllegalTransition) as exc:
        return _render_scheme(request, scheme, access, error=exc.message, status=400)
    messages.success(
        request, f"方案“{scheme.name}”第 {scheme.version} 版已启用，可以计算考评结果。"
    )
    return redirect("assessment:scheme", scheme_id=scheme.pk)


@login_required
@require_POST
def scheme_revise(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme, access = _manage_post(request, scheme_id)
    try:
        new = service.revise_scheme(scheme, actor=request.user, now=timezone.now())
    except IllegalTransition as exc:
        return _render_scheme(request, scheme, access, error=exc.message, status=400)
    messages.success(request, f"已新建第 {new.version} 版草稿，修改后点击“启用”。")
    return redirect("assessment:scheme", scheme_id=new.pk)


@login_required
@require_POST
def run_create(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme, access = _manage_post(request, scheme_id)
    form = RunForm(request.POST)
    try:
        if not form.is_valid():
            raise first_error(form)
        run = service.run_assessment(scheme, form.period(), actor=request.user, now=timezone.now())
    except (InvalidInput, IllegalTransition) as exc:
        return _render_scheme(request, scheme, access, error=exc.message, run_form=form, status=400)
    messages.success(
        request, f"已计算{run.period_label}的考评结果（未发布）。核对无误后请点击“发布”。"
    )
    return redirect("assessment:run", run_id=run.pk)


# --- runs ----------------------------------------------------------------------------------


@login_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run, access = queries.access_run_for_user(request.user, run_id)
    return render(request, "assessment/run.html", dashboard.run_context(run, access))


@login_required
@require_POST
def run_recompute(request: HttpRequest, run_id: int) -> HttpResponse:
    run = queries.access_run_for_manage(request.user, run_id)
    period = registry.Period(run.period_start, run.period_end, run.period_label)
    try:
        run = service.run_assessment(run.scheme, period, actor=request.user, now=timezone.now())
    except (InvalidInput, IllegalTransition) as exc:
        context = dashboard.run_context(run, queries.Access(True, True))
        context["error"] = exc.message
        return render(request, "assessment/run.html", context, status=400)
    messages.success(request, f"已重算{run.period_label}的考评结果。")
    return redirect("assessment:run", run_id=run.pk)


@login_required
@require_POST
def run_publish(request: HttpRequest, run_id: int) -> HttpResponse:
    run = queries.access_run_for_manage(request.user, run_id)
    try:
        service.publish_run(
            run,
            actor=request.user,
            now=timezone.now(),
            accept_gaps=request.POST.get("accept_gaps") == "1",
        )
    except (IllegalTransition, InvalidInput) as exc:
        context = dashboard.run_context(run, queries.Access(True, True))
        context["error"] = exc.message
        return render(request, "assessment/run.html", context, status=400)
    messages.success(request, f"已发布{run.period_label}的考评结果，领导和被考评单位可以查看。")
    return redirect("assessment:run", run_id=run.pk)


@login_required
def unit_detail(request: HttpRequest, run_id: int, unit_id: int) -> HttpResponse:
    run, access, score = queries.access_unit_score_for_user(request.user, run_id, unit_id)
    return render(request, "assessment/unit.html", dashboard.unit_context(run, access, score))


@login_required
def run_export(request: HttpRequest, run_id: int) -> HttpResponse:
    run, access = queries.access_run_for_user(request.user, run_id)
    if not access.full:
        raise PermissionDenied("只有营商办和领导可以导出全部单位的考评结果。")
    headers, rows = dashboard.export_rows(run)
    data = write_workbook(headers, rows, title=run.period_label or "考评结果")
    response = HttpResponse(data, content_type=XLSX)
    filename = f"{run.scheme.name}-{run.period_label}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# --- external results ----------------------------------------------------------------------


def _external_context(request: HttpRequest, **extra) -> dict:
    user = request.user
    rankings = queries.visible_rankings_for_user(user).order_by("-imported_at")
    context = {"rankings": rankings, "can_manage": queries.can_manage(user)}
    if context["can_manage"]:
        area = queries.manage_area_for_user(user)
        rule = service.external_rule_for(area)
        context.update(
            {
                "area": area,
                "rule": rule,
                "import_form": extra.pop("import_form", None) or ExternalImportForm(),
                "rule_form": ExternalRuleForm(
                    initial={
                        "bottom_n": rule.bottom_n if rule else 10,
                        "level": rule.level if rule else SupervisionLevel.INTERVIEW,
                        "active": rule.active if rule else True,
                    }
                ),
                "triggers": queries.pending_external_triggers(area).filter(ranking__area=area),
                "handled": dashboard.handled_triggers(area),
            }
        )
    context.update(extra)
    return context


@login_required
def external(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "assessment.manage")
    return render(request, "assessment/external.html", _external_context(request))


@login_required
@require_POST
def external_import(request: HttpRequest) -> HttpResponse:
    area = queries.manage_area_for_user(request.user)
    form = ExternalImportForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise first_error(form)
        data = form.cleaned_data
        upload = data["file"]
        ranking = service.import_external_ranking(
            upload.read(),
            area=area,
            total_ranked=data["total_ranked"],
            actor=request.user,
            now=timezone.now(),
            filename=upload.name,
            source=data["source"],
            period_label=data["period_label"],
            replace=data["replace"],
        )
    except InvalidInput as exc:
        context = _external_context(request, import_form=form, error=exc.message)
        return render(request, "assessment/external.html", context, status=400)
    triggered = ranking.triggers.count()
    messages.success(
        request,
        f"已导入{ranking.source}（{ranking.period_label}）{ranking.results.count()} 个县区的排名"
        + (f"，{triggered} 个县区触发督办。" if triggered else "。"),
    )
    return redirect("assessment:external_ranking", ranking_id=ranking.pk)


@login_required
@require_POST
def external_rule(request: HttpRequest) -> HttpResponse:
    area = queries.manage_area_for_user(request.user)
    form = ExternalRuleForm(request.POST)
    try:
        if not form.is_valid():
            raise first_error(form)
        data = form.cleaned_data
        rule = service.set_external_rule(
            area,
            actor=request.user,
            bottom_n=data["bottom_n"],
            level=data["level"],
            active=data["active"],
            now=timezone.now(),
        )
    except InvalidInput as exc:
        context = _external_context(request, error=exc.message)
        return render(request, "assessment/external.html", context, status=400)
    state = "已启用" if rule.active else "已停用"
    messages.success(request, f"已保存触发规则：{rule}（{state}）。对之后导入的排名生效。")
    return redirect("assessment:external")


@login_required
def external_ranking(request: HttpRequest, ranking_id: int) -> HttpResponse:
    ranking = queries.access_ranking_for_user(request.user, ranking_id)
    return render(
        request,
        "assessment/external_ranking.html",
        dashboard.external_context(request.user, ranking),
    )


@login_required
@require_POST
def trigger_handle(request: HttpRequest, trigger_id: int) -> HttpResponse:
    trigger = queries.access_trigger_for_manage(request.user, trigger_id)
    form = TriggerHandleForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        service.mark_trigger_handled(trigger, actor=request.user, now=timezone.now(), note=note)
    except IllegalTransition as exc:
        context = _external_context(request, error=exc.message)
        return render(request, "assessment/external.html", context, status=400)
    messages.success(request, f"已将{trigger.unit.name}的触发记录标记为已处理。")
    return redirect("assessment:external")
