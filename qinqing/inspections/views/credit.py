"""信用分级分类 pages: tiers, red and black lists, credit repair."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.core.accounts.access import require_capability, scope_area
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import (
    InvalidInput,
    NotFound,
    QinqingError,
)
from qinqing.inspections import forms, queries, rules, service
from qinqing.inspections.models import (
    CreditListEntry,
    CreditListKind,
    RepairState,
)
from qinqing.inspections.views._common import _refusable


def _require_credit_view(user) -> None:
    require_capability(user, "inspections.view")
    if not queries.can_view_credit(user):
        raise NotFound("信用分级分类记录只对营商办和领导开放。")


@login_required
def credit(request: HttpRequest) -> HttpResponse:
    _require_credit_view(request.user)
    q = request.GET.get("q", "").strip()
    found: list[Enterprise] = []
    if q:
        found = list(
            queries.credit_enterprises_for_user(request.user).filter(
                Q(name__contains=q) | Q(uscc__startswith=q.upper())
            )[:20]
        )
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
