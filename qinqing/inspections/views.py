"""Pages of 双随机、一公开 and credit: thin (parse, call a service, route).

Every protected read goes through ``queries.access_*``/``visible_*``; every write is one
service call. A refused action is shown on the page it came from, with the service's
(or the draw engine's) Chinese message; nothing has been written.
"""

from __future__ import annotations

import io
import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.core.accounts.access import require_capability, scope_area
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import (
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    QinqingError,
)
from qinqing.inspections import forms, pools, queries, rules, service
from qinqing.inspections.models import (
    CampaignState,
    CreditListEntry,
    CreditListKind,
    Inspector,
    RepairState,
    VisitItem,
)


def _refusable(exc: QinqingError) -> bool:
    """Errors shown on the page itself (not 403/404, which the middleware renders)."""
    return isinstance(exc, InvalidInput | IllegalTransition)


# ---------------------------------------------------------------- 一单两库


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    items = queries.visible_items_for_user(request.user).select_related("unit")
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        items = items.filter(unit_id=int(unit_id))
    units = sorted(
        {i.unit for i in queries.visible_items_for_user(request.user).select_related("unit")},
        key=lambda u: u.path,
    )
    return render(
        request,
        "inspections/item_list.html",
        {
            "items": items.order_by("unit__path", "code"),
            "units": units,
            "unit_id": unit_id,
            "can_manage": queries.can_manage(request.user),
            "is_overseer": queries.is_overseer(request.user),
        },
    )


def _item_form_page(request, form, *, item=None, error="", status=200):
    return render(
        request,
        "inspections/item_form.html",
        {"form": form, "item": item, "error": error},
        status=status,
    )


@login_required
def item_new(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "inspections.manage")
    units = queries.department_units_for_user(request.user)
    form = forms.ItemForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = service.create_item(
                actor=request.user,
                unit=data["unit"],
                code=data["code"],
                name=data["name"],
                legal_basis=data["legal_basis"],
                industries=data["industries"],
                ratios=form.ratios(),
                frequency=data["frequency"],
                now=timezone.now(),
            )
        except InvalidInput as exc:
            return _item_form_page(request, form, error=exc.message, status=400)
        messages.success(request, f"已新增检查事项“{item.code} {item.name}”。")
        return redirect("inspections:items")
    return _item_form_page(request, form, status=400 if request.method == "POST" else 200)


@login_required
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    item = queries.access_item_for_edit(request.user, item_id)
    units = queries.department_units_for_user(request.user)
    initial = {
        "unit": item.unit,
        "name": item.name,
        "legal_basis": item.legal_basis,
        "industries": item.industries,
        "ratio_a": item.ratio_a,
        "ratio_b": item.ratio_b,
        "ratio_c": item.ratio_c,
        "ratio_d": item.ratio_d,
        "frequency": item.frequency,
        "active": item.active,
    }
    form = forms.ItemForm(request.POST or None, units=units, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            service.update_item(
                item,
                actor=request.user,
                unit=data["unit"],
                name=data["name"],
                legal_basis=data["legal_basis"],
                industries=data["industries"],
                ratios=form.ratios(),
                frequency=data["frequency"],
                active=data["active"],
                now=timezone.now(),
            )
        except InvalidInput as exc:
            return _item_form_page(request, form, item=item, error=exc.message, status=400)
        messages.success(request, f"已修改检查事项“{item.code}”。")
        return redirect("inspections:items")
    return _item_form_page(
        request, form, item=item, status=400 if request.method == "POST" else 200
    )


@login_required
def inspector_list(request: HttpRequest) -> HttpResponse:
    inspectors = (
        queries.visible_inspectors_for_user(request.user)
        .select_related("unit")
        .annotate(visit_count=Count("visits"))
        .order_by("unit__path", "certificate_number")
    )
    return render(
        request,
        "inspections/inspector_list.html",
        {
            "inspectors": inspectors,
            "can_manage": queries.can_manage(request.user),
            "is_overseer": queries.is_overseer(request.user),
        },
    )


def _inspector_form_page(request, form, *, inspector=None, error="", status=200):
    return render(
        request,
        "inspections/inspector_form.html",
        {"form": form, "inspector": inspector, "error": error},
        status=status,
    )


@login_required
def inspector_new(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "inspections.manage")
    units = queries.department_units_for_user(request.user)
    form = forms.InspectorForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspector = service.create_inspector(
                actor=request.user,
                unit=data["unit"],
                name=data["name"],
                certificate_number=data["certificate_number"],
                fields=data["fields_text"],
                conflicts=data["conflicts"],
                now=timezone.now(),
            )
        except InvalidInput as exc:
            return _inspector_form_page(request, form, error=exc.message, status=400)
        messages.success(request, f"已新增执法检查人员“{inspector.name}”。")
        return redirect("inspections:inspectors")
    return _inspector_form_page(request, form, status=400 if request.method == "POST" else 200)


@login_required
def inspector_edit(request: HttpRequest, inspector_id: int) -> HttpResponse:
    inspector = queries.access_inspector_for_edit(request.user, inspector_id)
    units = queries.department_units_for_user(request.user)
    initial = {
        "unit": inspector.unit,
        "name": inspector.name,
        "fields_text": inspector.fields,
        "conflicts": "\n".join(inspector.conflicts),
        "active": inspector.active,
    }
    form = forms.InspectorForm(request.POST or None, units=units, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            service.update_inspector(
                inspector,
                actor=request.user,
                unit=data["unit"],
                name=data["name"],
                fields=data["fields_text"],
                active=data["active"],
                conflicts=data["conflicts"],
                now=timezone.now(),
            )
        except InvalidInput as exc:
            return _inspector_form_page(
                request, form, inspector=inspector, error=exc.message, status=400
            )
        messages.success(request, f"已修改执法检查人员“{inspector.name}”。")
        return redirect("inspections:inspectors")
    return _inspector_form_page(
        request, form, inspector=inspector, status=400 if request.method == "POST" else 200
    )


# ---------------------------------------------------------------- quiet periods


def _quiet_page(request, *, period_form=None, local_form=None, error="", status=200):
    can_manage = queries.can_manage(request.user)
    return render(
        request,
        "inspections/quiet.html",
        {
            "periods": queries.visible_quiet_periods_for_user(request.user).select_related(
                "enterprise", "area"
            ),
            "local_rules": queries.visible_local_quiet_days_for_user(request.user).select_related(
                "area"
            ),
            "can_manage": can_manage,
            "is_overseer": True,
            "period_form": period_form or forms.QuietPeriodForm(),
            "local_form": local_form or forms.LocalQuietDaysForm(),
            "error": error,
        },
        status=status,
    )


@login_required
def quiet(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "inspections.view")
    if scope_area(request.user) is None:
        raise NotFound("宁静期由营商办登记，本页只对营商办和领导开放。")
    if request.method != "POST":
        return _quiet_page(request)
    require_capability(request.user, "inspections.manage")
    area = scope_area(request.user)
    now = timezone.now()
    if request.POST.get("action") == "local":
        form = forms.LocalQuietDaysForm(request.POST)
        if not form.is_valid():
            return _quiet_page(request, local_form=form, status=400)
        try:
            service.add_local_quiet_days(
                actor=request.user, area=area, now=now, **form.cleaned_data
            )
        except InvalidInput as exc:
            return _quiet_page(request, local_form=form, error=exc.message, status=400)
        messages.success(request, "已登记全域宁静日，今后新建的抽查计划将自动避开。")
        return redirect("inspections:quiet")
    form = forms.QuietPeriodForm(request.POST)
    if not form.is_valid():
        return _quiet_page(request, period_form=form, status=400)
    data = form.cleaned_data
    enterprise = Enterprise.objects.filter(uscc=data["uscc"]).first()
    if enterprise is None:
        return _quiet_page(
            request,
            period_form=form,
            error=f"企业库中没有统一社会信用代码为 {data['uscc']} 的企业，请核对后重试。",
            status=400,
        )
    try:
        service.add_quiet_period(
            actor=request.user,
            area=area,
            enterprise=enterprise,
            start_on=data["start_on"],
            end_on=data["end_on"],
            reason=data["reason"],
            now=now,
        )
    except InvalidInput as exc:
        return _quiet_page(request, period_form=form, error=exc.message, status=400)
    messages.success(request, f"已登记{enterprise.name}的宁静期。")
    return redirect("inspections:quiet")


@login_required
@require_POST
def quiet_period_remove(request: HttpRequest, period_id: int) -> HttpResponse:
    period = queries.access_quiet_period_for_edit(request.user, period_id)
    service.remove_quiet_period(period, actor=request.user, now=timezone.now())
    messages.success(request, "已删除该宁静期。")
    return redirect("inspections:quiet")


@login_required
@require_POST
def local_quiet_deactivate(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = queries.access_local_quiet_days_for_edit(request.user, rule_id)
    service.deactivate_local_quiet_days(rule, actor=request.user, now=timezone.now())
    messages.success(request, "已停用该宁静日制度（已建的抽查计划不受影响）。")
    return redirect("inspections:quiet")


# ---------------------------------------------------------------- campaigns


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = (
        queries.visible_campaigns_for_user(request.user)
        .select_related("area")
        .annotate(visit_count=Count("visits", distinct=True))
    )
    return render(
        request,
        "inspections/campaign_list.html",
        {
            "campaigns": campaigns,
            "can_manage": queries.can_manage(request.user),
            "is_overseer": queries.is_overseer(request.user),
        },
    )


def _campaign_form(request, *, campaign=None):
    user = request.user
    if campaign is None:
        area_qs = queries.campaign_areas_for_user(user)
        items = queries.visible_items_for_user(user).filter(active=True)
    else:
        area_qs = queries.campaign_areas_for_user(user)
        items = queries.visible_items_for_user(user).filter(
            Q(active=True) | Q(pk__in=campaign.items.values("pk"))
        )
    items = items.select_related("unit").order_by("unit__path", "code")
    initial = {}
    if campaign is not None:
        initial = {
            "name": campaign.name,
            "items": list(campaign.items.all()),
            "window_start_on": campaign.window_start_on,
            "window_end_on": campaign.window_end_on,
            "region_codes": campaign.region_codes,
            "monthly_quiet": rules.monthly_quiet_text(campaign.monthly_quiet),
            "cap_a": campaign.cap_a,
            "cap_b": campaign.cap_b,
            "cap_c": campaign.cap_c,
            "cap_d": campaign.cap_d,
            "max_visits_per_inspector": campaign.max_visits_per_inspector,
            "publish_within_workdays": campaign.publish_within_workdays,
        }
    else:
        initial = {"publish_within_workdays": service.publish_workdays_default()}
    return forms.CampaignForm(
        request.POST or None,
        areas=area_qs,
        items=items,
        editing=campaign is not None,
        initial=initial,
    )


def _campaign_form_page(request, form, *, campaign=None, error="", status=200):
    return render(
        request,
        "inspections/campaign_form.html",
        {"form": form, "campaign": campaign, "error": error},
        status=status,
    )


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "inspections.manage")
    form = _campaign_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = service.plan_campaign(
                actor=request.user,
                area=form.cleaned_data["area"],
                now=timezone.now(),
                **form.campaign_fields(),
            )
        except InvalidInput as exc:
            return _campaign_form_page(request, form, error=exc.message, status=400)
        messages.success(request, "已保存抽查计划草稿。请先预检，再公布承诺值。")
        return redirect(campaign)
    return _campaign_form_page(request, form, status=400 if request.method == "POST" else 200)


@login_required
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.access_campaign_for_edit(request.user, campaign_id)
    form = _campaign_form(request, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            service.update_campaign(
                campaign, actor=request.user, now=timezone.now(), **form.campaign_fields()
            )
        except QinqingError as exc:
            if not _refusable(exc):
                raise
            return _campaign_form_page(
                request, form, campaign=campaign, error=exc.message, status=400
            )
        messages.success(request, "已保存修改。")
        return redirect(campaign)
    return _campaign_form_page(
        request, form, campaign=campaign, status=400 if request.method == "POST" else 200
    )


def _campaign_page(request, campaign, *, error="", preview=None, status=200):
    user = request.user
    visits = (
        queries.visible_visits_for_user(user, campaign)
        .order_by("number")
        .prefetch_related(
            Prefetch(
                "visit_items",
                queryset=VisitItem.objects.select_related("item", "item__unit").order_by(
                    "item__code"
                ),
            ),
            Prefetch("inspectors", queryset=Inspector.objects.select_related("unit")),
        )
    )
    page = Paginator(visits, 100).get_page(request.GET.get("page"))
    files = list(campaign.files.order_by("id").values("name", "sha256"))
    return render(
        request,
        "inspections/campaign_detail.html",
        {
            "campaign": campaign,
            "items": campaign.items.select_related("unit").order_by("code"),
            "page": page,
            "files": files,
            "can_manage": queries.can_manage(user),
            "is_overseer": queries.is_overseer(user),
            "error": error,
            "preview": preview,
            "workload": _workload(campaign, preview),
            "over_capacity": "超过每人每日" in error,
            "cancel_form": forms.CancelForm(),
            "today": timezone.localdate(),
            "results_open": rules.is_results_open(campaign.state),
        },
        status=status,
    )


@login_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.access_campaign_for_user(request.user, campaign_id)
    preview, error = None, ""
    if (
        request.GET.get("check")
        and campaign.state == CampaignState.DRAFT
        and queries.can_manage(request.user)
    ):
        try:
            preview = service.preview_campaign(campaign)
        except InvalidInput as exc:
            error = exc.message
    return _campaign_page(request, campaign, error=error, preview=preview)


def _workload(campaign, preview):
    return service.draw_workload(campaign, preview) if preview is not None else None


def _campaign_action(request, campaign_id: int, action, success: str) -> HttpResponse:
    campaign = queries.access_campaign_for_edit(request.user, campaign_id)
    try:
        action(campaign)
    except QinqingError as exc:
        if not _refusable(exc):
            raise
        campaign.refresh_from_db()
        return _campaign_page(request, campaign, error=exc.message, status=400)
    messages.success(request, success)
    return redirect("inspections:campaign", campaign_id=campaign.pk)


@login_required
@require_POST
def campaign_commit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _campaign_action(
        request,
        campaign_id,
        lambda c: service.commit_campaign(
            c,
            actor=request.user,
            now=timezone.now(),
            override_reason=request.POST.get("override_reason", ""),
        ),
        "已公布承诺值。输入快照已固定，请在抽取前保持公开页面上的承诺值可查。",
    )


@login_required
@require_POST
def campaign_draw(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _campaign_action(
        request,
        campaign_id,
        lambda c: service.draw_campaign(c, actor=request.user, now=timezone.now()),
        "抽取完成。核对无误后请公布抽取结果。",
    )


@login_required
@require_POST
def campaign_publish(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _campaign_action(
        request,
        campaign_id,
        lambda c: service.publish_campaign(c, actor=request.user, now=timezone.now()),
        "已公布：种子和文件哈希已在公开页面显示，检查结果录入后即公示。",
    )


@login_required
@require_POST
def campaign_cancel(request: HttpRequest, campaign_id: int) -> HttpResponse:
    form = forms.CancelForm(request.POST)
    reason = form.data.get("reason", "")
    return _campaign_action(
        request,
        campaign_id,
        lambda c: service.cancel_campaign(c, actor=request.user, reason=reason, now=timezone.now()),
        "已撤销抽查计划。",
    )


VERIFY_README = """双随机、一公开抽查计划核验文件
计划：{name}
承诺值（抽取前公布）：{commitment}
输入快照哈希：{snapshot}

核验方法（需要安装亲清 Qinqing）：
  qinqing inspections verify DRAW.json --entities entities.csv --items items.csv \\
      --inspectors inspectors.csv --constraints constraints.json --commitment {commitment}
退出码 0 表示按公布的输入和种子重新计算的结果与 DRAW.json 完全一致。
各文件的 SHA-256 也可用 sha256sum 核对，应与公开页面所列一致。
注意：inspectors.csv 含执法检查人员的回避关系，不得对外公开。
"""


@login_required
def campaign_package(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.access_campaign_files_for_user(request.user, campaign_id)
    texts = pools.stored_texts(campaign)
    if not texts:
        raise InvalidInput("抽查计划尚未公布承诺值，还没有可下载的核验文件。")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in (*pools.INPUT_FILES, pools.DRAW_FILE):
            if name in texts:
                archive.writestr(name, texts[name].encode("utf-8"))
        archive.writestr(
            "README.txt",
            VERIFY_README.format(
                name=campaign.name,
                commitment=campaign.commitment,
                snapshot=campaign.snapshot_sha256,
            ).encode("utf-8"),
        )
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}.zip"'
    return response


# ---------------------------------------------------------------- visits and results


def _visit_page(request, visit, *, result_forms=None, error="", status=200):
    editable = {vi.pk for vi in queries.result_items_for_user(request.user, visit)}
    open_ = rules.is_results_open(visit.campaign.state)
    rows = []
    for vi in visit.visit_items.select_related("item", "item__unit").order_by("item__code"):
        form = None
        if open_ and vi.pk in editable:
            form = (result_forms or {}).get(vi.pk) or forms.ResultForm(
                prefix=f"vi{vi.pk}",
                initial={
                    "result": vi.result,
                    "checked_on": vi.checked_on or visit.planned_on,
                    "note": vi.note,
                },
            )
        rows.append({"vi": vi, "form": form})
    return render(
        request,
        "inspections/visit_detail.html",
        {
            "visit": visit,
            "campaign": visit.campaign,
            "rows": rows,
            "inspectors": visit.inspectors.select_related("unit").order_by("certificate_number"),
            "has_forms": any(r["form"] for r in rows),
            "error": error,
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = queries.access_visit_for_user(request.user, visit_id)
    if request.method != "POST":
        return _visit_page(request, visit)
    require_capability(request.user, "inspections.results")
    editable = list(queries.result_items_for_user(request.user, visit))
    if not editable:
        raise PermissionDenied("您所在单位在该检查对象没有需要录入结果的检查事项。")
    if not rules.is_results_open(visit.campaign.state):
        return _visit_page(
            request,
            visit,
            error=f"抽查计划当前状态为“{visit.campaign.get_state_display()}”，抽取完成后才能录入检查结果。",
            status=400,
        )
    bound = {vi.pk: forms.ResultForm(request.POST, prefix=f"vi{vi.pk}") for vi in editable}
    submitted = {pk: f for pk, f in bound.items() if f.data.get(f.add_prefix("result"))}
    if not submitted:
        return _visit_page(request, visit, error="请至少为一项检查事项选择检查结果。", status=400)
    if not all(f.is_valid() for f in submitted.values()):
        return _visit_page(request, visit, result_forms=bound, status=400)
    now = timezone.now()
    try:
        with transaction.atomic():
            for vi in editable:
                form = submitted.get(vi.pk)
                if form is None:
                    continue
                service.record_result(
                    vi,
                    actor=request.user,
                    result=form.cleaned_data["result"],
                    checked_on=form.cleaned_data["checked_on"],
                    note=form.cleaned_data["note"],
                    now=now,
                )
    except QinqingError as exc:
        if not _refusable(exc):
            raise
        return _visit_page(request, visit, result_forms=bound, error=exc.message, status=400)
    messages.success(request, f"已保存 {len(submitted)} 项检查结果。")
    return redirect(visit)


# ---------------------------------------------------------------- credit


def _require_credit_view(user) -> None:
    require_capability(user, "inspections.view")
    if not queries.can_view_credit(user):
        raise NotFound("信用分级分类记录只对营商办和领导开放。")


@login_required
def credit(request: HttpRequest) -> HttpResponse:
    _require_credit_view(request.user)
    q = request.GET.get("q", "").strip()
    found = []
    if q:
        found = queries.credit_enterprises_for_user(request.user).filter(
            Q(name__contains=q) | Q(uscc__startswith=q.upper())
        )[:20]
    today = timezone.localdate()
    repairs = queries.visible_repairs_for_user(request.user).select_related("enterprise")
    open_repairs = [
        (
            r,
            rules.DEADLINE_LABELS[
                rules.deadline_status(
                    r.first_review_due_on,
                    timezone.localdate(r.first_reviewed_at) if r.first_reviewed_at else None,
                    today,
                )
            ],
        )
        for r in repairs.filter(state__in=(RepairState.SUBMITTED, RepairState.ACCEPTED))
    ]
    entries = (
        queries.visible_list_entries_for_user(request.user)
        .filter(removed_on__isnull=True)
        .select_related("enterprise")
    )
    return render(
        request,
        "inspections/credit.html",
        {
            "q": q,
            "found": found,
            "open_repairs": open_repairs,
            "closed_repairs": repairs.exclude(
                state__in=(RepairState.SUBMITTED, RepairState.ACCEPTED)
            )[:20],
            "red": entries.filter(kind=CreditListKind.RED),
            "black": entries.filter(kind=CreditListKind.BLACK),
            "changes": queries.visible_tier_changes_for_user(request.user).select_related(
                "enterprise"
            )[:20],
            "is_overseer": True,
        },
    )


def _enterprise_credit_page(request, enterprise, *, forms_=None, error="", status=200):
    user = request.user
    today = timezone.localdate()
    entries = queries.visible_list_entries_for_user(user).filter(enterprise=enterprise)
    current_black = entries.filter(kind=CreditListKind.BLACK, removed_on__isnull=True)
    forms_ = forms_ or {}
    repairs = []
    for r in queries.visible_repairs_for_user(user).filter(enterprise=enterprise):
        done = timezone.localdate(r.first_reviewed_at) if r.first_reviewed_at else None
        repairs.append(
            (r, rules.DEADLINE_LABELS[rules.deadline_status(r.first_review_due_on, done, today)])
        )
    return render(
        request,
        "inspections/credit_enterprise.html",
        {
            "e": enterprise,
            "changes": queries.visible_tier_changes_for_user(user).filter(enterprise=enterprise),
            "entries": entries,
            "repairs": repairs,
            "can_manage": queries.can_manage(user),
            "tier_form": forms_.get("tier") or forms.TierForm(initial={"effective_on": today}),
            "entry_form": forms_.get("entry") or forms.ListEntryForm(initial={"listed_on": today}),
            "repair_form": forms_.get("repair") or forms.RepairForm(entries=current_black),
            "review_days": service.repair_review_workdays_default(),
            "remove_form": forms.RemoveEntryForm(),
            "error": error,
            "visits": enterprise.inspection_visits.filter(
                campaign__in=queries.visible_campaigns_for_user(user)
            ).select_related("campaign")[:20],
        },
        status=status,
    )


@login_required
def credit_enterprise(request: HttpRequest, uscc: str) -> HttpResponse:
    _require_credit_view(request.user)
    enterprise = queries.access_credit_enterprise_for_user(request.user, uscc)
    return _enterprise_credit_page(request, enterprise)


def _credit_post(request, uscc: str):
    _require_credit_view(request.user)
    enterprise = queries.access_credit_enterprise_for_user(request.user, uscc)
    require_capability(request.user, "inspections.manage")
    return enterprise, scope_area(request.user)


@login_required
@require_POST
def credit_tier(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise, area = _credit_post(request, uscc)
    form = forms.TierForm(request.POST)
    if not form.is_valid():
        return _enterprise_credit_page(request, enterprise, forms_={"tier": form}, status=400)
    try:
        service.change_credit_tier(
            enterprise, actor=request.user, area=area, now=timezone.now(), **form.cleaned_data
        )
    except InvalidInput as exc:
        return _enterprise_credit_page(
            request, enterprise, forms_={"tier": form}, error=exc.message, status=400
        )
    messages.success(request, f"已将信用风险分类调整为 {form.cleaned_data['tier']} 类。")
    return redirect("inspections:credit_enterprise", uscc=enterprise.uscc)


@login_required
@require_POST
def credit_list_add(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise, area = _credit_post(request, uscc)
    form = forms.ListEntryForm(request.POST)
    if not form.is_valid():
        return _enterprise_credit_page(request, enterprise, forms_={"entry": form}, status=400)
    try:
        service.add_list_entry(
            enterprise, actor=request.user, area=area, now=timezone.now(), **form.cleaned_data
        )
    except InvalidInput as exc:
        return _enterprise_credit_page(
            request, enterprise, forms_={"entry": form}, error=exc.message, status=400
        )
    messages.success(request, "已列入名单。")
    return redirect("inspections:credit_enterprise", uscc=enterprise.uscc)


@login_required
@require_POST
def credit_list_remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    _require_credit_view(request.user)
    entry = queries.access_list_entry_for_edit(request.user, entry_id)
    form = forms.RemoveEntryForm(request.POST)
    enterprise = entry.enterprise
    if not form.is_valid():
        return _enterprise_credit_page(request, enterprise, error="请填写移出原因。", status=400)
    try:
        service.remove_list_entry(
            entry,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            removed_on=timezone.localdate(),
            now=timezone.now(),
        )
    except QinqingError as exc:
        if not _refusable(exc):
            raise
        return _enterprise_credit_page(request, enterprise, error=exc.message, status=400)
    messages.success(request, "已移出名单。")
    return redirect("inspections:credit_enterprise", uscc=enterprise.uscc)


@login_required
@require_POST
def credit_repair_new(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise, area = _credit_post(request, uscc)
    entries = CreditListEntry.objects.filter(
        enterprise=enterprise, kind=CreditListKind.BLACK, removed_on__isnull=True
    )
    form = forms.RepairForm(request.POST, entries=entries)
    if not form.is_valid():
        return _enterprise_credit_page(request, enterprise, forms_={"repair": form}, status=400)
    try:
        repair = service.submit_credit_repair(
            enterprise,
            actor=request.user,
            area=area,
            statement=form.cleaned_data["statement"],
            list_entry=form.cleaned_data["list_entry"],
            now=timezone.now(),
        )
    except InvalidInput as exc:
        return _enterprise_credit_page(
            request, enterprise, forms_={"repair": form}, error=exc.message, status=400
        )
    due = (
        f"初审截止日为 {repair.first_review_due_on:%Y-%m-%d}"
        if repair.first_review_due_on
        else "初审截止日待节假日数据发布后确定"
    )
    messages.success(request, f"已登记信用修复申请，{due}。")
    return redirect("inspections:credit_enterprise", uscc=enterprise.uscc)


@login_required
@require_POST
def credit_repair_review(request: HttpRequest, repair_id: int) -> HttpResponse:
    _require_credit_view(request.user)
    repair = queries.access_repair_for_edit(request.user, repair_id)
    stage = request.POST.get("stage", "review")
    form = forms.ReviewForm(request.POST) if stage == "review" else forms.DecisionForm(request.POST)
    if not form.is_valid():
        return _enterprise_credit_page(
            request, repair.enterprise, error="请选择审查意见。", status=400
        )
    decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
    try:
        if stage == "review":
            service.review_credit_repair(
                repair,
                actor=request.user,
                accept=decision == "accept",
                note=note,
                now=timezone.now(),
            )
        else:
            service.decide_credit_repair(
                repair,
                actor=request.user,
                approve=decision == "approve",
                note=note,
                now=timezone.now(),
            )
    except QinqingError as exc:
        if not _refusable(exc):
            raise
        return _enterprise_credit_page(request, repair.enterprise, error=exc.message, status=400)
    messages.success(request, "已保存审查意见。")
    return redirect("inspections:credit_enterprise", uscc=repair.enterprise.uscc)


# ---------------------------------------------------------------- public (一公开, no login)


def public(request: HttpRequest) -> HttpResponse:
    campaigns = queries.public_campaigns().annotate(
        published_results=Count(
            "visits__visit_items",
            filter=Q(visits__visit_items__published_at__isnull=False)
            & ~Q(visits__visit_items__result=""),
        )
    )
    return render(request, "inspections/public_list.html", {"campaigns": campaigns})


def public_campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.access_public_campaign(campaign_id)
    q = request.GET.get("q", "").strip()
    results = queries.public_results(campaign)
    if q:
        results = results.filter(
            Q(visit__enterprise_name__contains=q) | Q(visit__uscc__startswith=q.upper())
        )
    page = Paginator(results, 100).get_page(request.GET.get("page"))
    published = campaign.state == CampaignState.PUBLISHED
    return render(
        request,
        "inspections/public_campaign.html",
        {
            "campaign": campaign,
            "departments": sorted({i.unit.name for i in campaign.items.select_related("unit")}),
            "items": campaign.items.select_related("unit").order_by("code"),
            "files": list(campaign.files.order_by("id").values("name", "sha256"))
            if published
            else [],
            "published": published,
            "page": page,
            "q": q,
        },
    )
