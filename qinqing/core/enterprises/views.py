from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from qinqing.core.accounts.access import has_capability, require_capability
from qinqing.core.enterprises import queries, service
from qinqing.core.enterprises.attributes import ENTERPRISE_ATTRIBUTES
from qinqing.core.enterprises.models import RegistryImportBatch
from qinqing.core.errors import InvalidInput


class RegistryUploadForm(forms.Form):
    file = forms.FileField(label="企业名录文件（CSV、XLSX 或 Parquet）")
    skip_bad_rows = forms.BooleanField(label="跳过有错误的行，只导入正确的行", required=False)


@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    page = Paginator(queries.search_enterprises(request.user, q), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "enterprises/list.html",
        {"page": page, "q": q, "can_manage": has_capability(request.user, "enterprises.manage")},
    )


@login_required
def enterprise_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise = queries.access_enterprise_for_user(request.user, uscc)
    rows = []
    for a in ENTERPRISE_ATTRIBUTES:
        if a.name in ("uscc", "name"):
            continue
        value = (
            getattr(enterprise, a.name, None)
            if a.name in service.CORE_FIELDS
            else enterprise.attributes.get(a.name)
        )
        rows.append((a.label, a.display(value)))
    return render(request, "enterprises/detail.html", {"e": enterprise, "rows": rows})


@login_required
def attribute_catalogue(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "enterprises.view")
    return render(request, "enterprises/attributes.html", {"rows": service.attribute_rows()})


@login_required
def registry_import(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "enterprises.manage")
    form = RegistryUploadForm(request.POST or None, request.FILES or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = service.import_registry(
                upload.read(),
                filename=upload.name,
                actor=request.user,
                skip_bad_rows=form.cleaned_data["skip_bad_rows"],
            )
        except InvalidInput as exc:
            error = exc.message
        else:
            messages.success(
                request,
                f"导入完成：新增 {batch.created} 家，更新 {batch.updated} 家，跳过 {batch.skipped} 行。",
            )
            return redirect("enterprises:import_detail", batch_id=batch.pk)
    batches = RegistryImportBatch.objects.all()[:20]
    return render(
        request,
        "enterprises/import.html",
        {"form": form, "error": error, "batches": batches},
        status=400 if error else 200,
    )


@login_required
def import_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    require_capability(request.user, "enterprises.manage")
    batch = RegistryImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise InvalidInput("导入记录不存在。")
    return render(request, "enterprises/import_detail.html", {"batch": batch})
