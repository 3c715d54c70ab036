"""宁静期 / 宁静日 pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.core.accounts.access import require_capability, scope_area
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import (
    InvalidInput,
    NotFound,
)
from qinqing.inspections import forms, queries, service


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
    if area is None:
        raise NotFound("只有营商办可以登记宁静期和全域宁静日。")
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
    period_form = forms.QuietPeriodForm(request.POST)
    if not period_form.is_valid():
        return _quiet_page(request, period_form=period_form, status=400)
    data = period_form.cleaned_data
    enterprise = Enterprise.objects.filter(uscc=data["uscc"]).first()
    if enterprise is None:
        return _quiet_page(
            request,
            period_form=period_form,
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
        return _quiet_page(request, period_form=period_form, error=exc.message, status=400)
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
