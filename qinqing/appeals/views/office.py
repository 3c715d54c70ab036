"""QR codes (list, image, printable sheet) and the read-only 诉求设置 page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from qinqing.appeals import documents, queries, rules, service, suggest
from qinqing.appeals.choices import AppealType, SlaStage
from qinqing.appeals.forms import (
    QrForm,
)
from qinqing.appeals.routing import unit_mapping_problems
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs.models import Unit


@login_required
def qr_list(request: HttpRequest) -> HttpResponse:
    area = queries.office_area(request.user, "appeals.dispatch")
    units = [u for u in queries.office_units(request.user) if not u.is_area or u.pk != area.pk]
    form = QrForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        unit = next((u for u in units if u.pk == form.cleaned_data["unit"]), None)
        data = {k: v for k, v in form.cleaned_data.items() if k != "unit"}
        try:
            entry = service.create_qr_entry(
                actor=request.user, now=timezone.now(), locality=area, unit=unit, **data
            )
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已生成二维码“{entry.label}”。")
            return redirect("appeals:qr_list")
    entries = queries.visible_qr_entries(request.user).select_related("unit")
    return render(request, "appeals/qr_list.html", {"entries": entries, "form": form})


def _qr_url(request: HttpRequest, entry) -> str:
    return request.build_absolute_uri(reverse("appeals:public_form", args=[entry.token]))


@login_required
def qr_png(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = queries.access_qr_entry_for_office(request.user, entry_id)
    response = HttpResponse(documents.qr_png(_qr_url(request, entry)), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="qr-{entry.pk}.png"'
    return response


@login_required
def qr_pdf(request: HttpRequest, entry_id: int) -> HttpResponse:
    """The printable A5 sheet, with the reply limits in force for the code's locality."""
    entry = queries.access_qr_entry_for_office(request.user, entry_id)
    data = documents.qr_sheet_pdf(
        entry,
        _qr_url(request, entry),
        sla_rules=service.sla_rules_for(entry.locality),
        on=timezone.localdate(),
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="qr-{entry.pk}.pdf"'
    return response


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """诉求设置 (read-only here; maintained in the admin): time limits, mapping, thresholds."""
    area = queries.office_area(request.user, "appeals.dispatch")
    config = service.settings_for(area)
    today = timezone.localdate()
    rules_in_force = []
    local = service.sla_rules_for(area)
    for stage in SlaStage:
        for appeal_type in AppealType:
            if (
                stage in (SlaStage.SIGN, SlaStage.CALLBACK, SlaStage.RECTIFICATION)
                and appeal_type != AppealType.CONSULTATION
            ):
                continue
            rule = rules.pick_limit(local, stage, appeal_type, today)
            rules_in_force.append(
                {
                    "stage": stage.label,
                    "type": "各类" if stage != SlaStage.REPLY else appeal_type.label,
                    "limit": str(rule.limit),
                    "since": rule.effective_from,
                    "source": rule.source,
                }
            )
    mapping = suggest.unit_mapping(area)
    names = dict(
        Unit.objects.filter(pk__in=[int(u) for us in mapping.values() for u in us]).values_list(
            "pk", "name"
        )
    )
    router = suggest.load_model()
    problems = []
    if router is not None:
        problems = unit_mapping_problems(mapping, router.labels)
    return render(
        request,
        "appeals/settings.html",
        {
            "area": area,
            "config": config,
            "shares": "、".join(f"{s:.0%}" for s in config.shares),
            "sla": rules_in_force,
            "mapping": [
                (c, "、".join(names.get(int(u), "?") for u in us))
                for c, us in sorted(mapping.items())
            ],
            "problems": problems,
            "router": router,
        },
    )
