"""一单两库 pages: inspection items and inspectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from qinqing.core.accounts.access import require_capability
from qinqing.core.errors import (
    InvalidInput,
)
from qinqing.inspections import forms, queries, service


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
                username=data["username"],
                mobile=data["mobile"],
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
        "username": inspector.user.get_username() if inspector.user is not None else "",
        "mobile": inspector.mobile,
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
                username=data["username"],
                mobile=data["mobile"],
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
