"""The office: pairings, cadres, import and export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.core.accounts.access import has_capability, require_capability
from qinqing.core.errors import InvalidInput, QinqingError
from qinqing.core.files.xlsx import write_workbook
from qinqing.engagement import forms, queries, service
from qinqing.engagement.models import (
    Cadre,
)
from qinqing.engagement.views._common import _enterprise, _error, _today, _xlsx


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
