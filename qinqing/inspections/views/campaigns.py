"""抽查计划 pages: plan, commit, draw, publish, cancel; visits and results."""

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

from qinqing.core.accounts.access import require_capability
from qinqing.core.errors import (
    InvalidInput,
    PermissionDenied,
    QinqingError,
)
from qinqing.inspections import forms, pools, queries, rules, service
from qinqing.inspections.models import (
    CampaignState,
    Inspector,
    VisitItem,
)
from qinqing.inspections.views._common import _refusable


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
