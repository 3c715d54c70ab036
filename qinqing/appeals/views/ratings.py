"""好差评 and rectification, 办不成事, discipline leads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.appeals import queries, service
from qinqing.appeals.choices import (
    HardCaseKind,
    HardCaseState,
    LeadState,
    RectificationState,
)
from qinqing.appeals.forms import (
    HardCaseForm,
    RatingForm,
    ServiceRatingForm,
)
from qinqing.appeals.views.common import enterprise_profile
from qinqing.core.accounts.access import (
    has_capability,
    require_capability,
    user_unit,
    user_uscc,
)
from qinqing.core.errors import InvalidInput, PermissionDenied
from qinqing.core.orgs.models import Unit


@login_required
@require_POST
def rate(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = queries.access_appeal_for_enterprise(request.user, appeal_id)
    form = RatingForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("请选择评价等级。")
    profile = enterprise_profile(request.user)
    service.rate_service(
        actor=request.user,
        now=timezone.now(),
        enterprise_uscc=user_uscc(request.user),
        enterprise_name=profile.enterprise_name,
        level=form.cleaned_data["level"],
        comment=form.cleaned_data["comment"],
        appeal=appeal,
    )
    messages.success(request, "感谢您的评价。")
    return redirect(appeal)


@login_required
def ratings(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, "appeals.submit"):
        require_capability(request.user, "appeals.view")
    rows = queries.visible_ratings_for_user(request.user).select_related(
        "unit", "rectification", "appeal"
    )[:300]
    today = timezone.localdate()
    form = None
    if has_capability(request.user, "appeals.submit"):
        units = Unit.objects.filter(
            path__startswith=service.default_locality().path, active=True
        ).exclude(kind__in=["province", "city", "township"])
        form = ServiceRatingForm(units=units)
    return render(
        request,
        "appeals/ratings.html",
        {
            "ratings": rows,
            "today": today,
            "form": form,
            "open_state": RectificationState.OPEN,
            "user_unit_id": _handling_unit_id(request.user),
        },
    )


def _handling_unit_id(user) -> int | None:
    unit = user_unit(user)
    return unit.pk if unit is not None and has_capability(user, "appeals.handle") else None


@login_required
@require_POST
def rating_new(request: HttpRequest) -> HttpResponse:
    """好差评 for a service other than an appeal (a window, a licence …)."""
    require_capability(request.user, "appeals.submit")
    locality = service.default_locality()
    units = Unit.objects.filter(path__startswith=locality.path, active=True)
    form = ServiceRatingForm(request.POST, units=units)
    if not form.is_valid():
        raise InvalidInput("请选择被评价单位、填写服务事项并选择评价等级。")
    profile = enterprise_profile(request.user)
    service.rate_service(
        actor=request.user,
        now=timezone.now(),
        enterprise_uscc=user_uscc(request.user),
        enterprise_name=profile.enterprise_name,
        level=form.cleaned_data["level"],
        comment=form.cleaned_data["comment"],
        unit=units.get(pk=form.cleaned_data["unit"]),
        service_name=form.cleaned_data["service_name"],
    )
    messages.success(request, "感谢您的评价。")
    return redirect("appeals:ratings")


@login_required
@require_POST
def rectify(request: HttpRequest, rectification_id: int) -> HttpResponse:
    item = queries.access_rectification_for_unit(request.user, rectification_id)
    service.complete_rectification(
        item,
        actor=request.user,
        now=timezone.now(),
        measures=request.POST.get("measures", ""),
        feedback=request.POST.get("feedback", ""),
    )
    messages.success(request, "已登记整改情况，企业可在“我的评价”中看到反馈。")
    return redirect("appeals:ratings")


@login_required
def hard_cases(request: HttpRequest) -> HttpResponse:
    """办不成事 ledger and the 共性问题 report (grouped by issue across windows)."""
    require_capability(request.user, "appeals.view")
    cases = list(queries.visible_hard_cases_for_user(request.user).select_related("unit"))
    groups: dict[str, dict] = {}
    for c in cases:
        g = groups.setdefault(
            c.issue_key,
            {"issue": c.issue, "count": 0, "open": 0, "units": set(), "kinds": {}},
        )
        g["count"] += 1
        g["open"] += c.state == HardCaseState.OPEN
        g["units"].add(c.unit.name)
        label = HardCaseKind(c.kind).label
        g["kinds"][label] = g["kinds"].get(label, 0) + 1
    report = sorted(groups.values(), key=lambda g: (-g["count"], g["issue"]))
    for g in report:
        g["units"] = "、".join(sorted(g["units"]))
        g["kinds"] = "，".join(f"{k} {n}" for k, n in g["kinds"].items())
    can_file = queries.can_file_hard_case(request.user)
    return render(
        request,
        "appeals/hard_cases.html",
        {
            "cases": cases,
            "report": report,
            "form": HardCaseForm() if can_file else None,
            "open_state": HardCaseState.OPEN,
        },
    )


@login_required
@require_POST
def hard_case_new(request: HttpRequest) -> HttpResponse:
    if not queries.can_file_hard_case(request.user):
        require_capability(request.user, "appeals.handle")
    form = HardCaseForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("请填写窗口、办理事项、分类、共性问题和办不成的原因。")
    unit = user_unit(request.user)
    if unit is None:
        raise PermissionDenied("您的账号没有所属单位，不能登记“办不成事”。请联系系统管理员。")
    service.file_hard_case(actor=request.user, now=timezone.now(), unit=unit, **form.cleaned_data)
    messages.success(request, "已登记“办不成事”。")
    return redirect("appeals:hard_cases")


@login_required
@require_POST
def hard_case_resolve(request: HttpRequest, case_id: int) -> HttpResponse:
    case = queries.access_hard_case_for_resolving(request.user, case_id)
    service.resolve_hard_case(
        case, actor=request.user, now=timezone.now(), resolution=request.POST.get("resolution", "")
    )
    messages.success(request, "已标记为解决。")
    return redirect("appeals:hard_cases")


@login_required
def leads(request: HttpRequest) -> HttpResponse:
    rows = queries.visible_leads_for_user(request.user)
    only_open = bool(request.GET.get("open"))
    if only_open:
        rows = rows.filter(queries.OPEN_LEADS)
    return render(
        request,
        "appeals/leads.html",
        {"leads": rows, "closed": LeadState.CLOSED, "only_open": only_open},
    )


@login_required
@require_POST
def lead_update(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = queries.access_lead_for_user(request.user, lead_id)
    service.record_lead_progress(
        lead,
        actor=request.user,
        now=timezone.now(),
        findings=request.POST.get("findings", ""),
        close=request.POST.get("close") == "1",
    )
    messages.success(
        request, "已销号。" if request.POST.get("close") == "1" else "已登记核查情况。"
    )
    return redirect("appeals:leads")
