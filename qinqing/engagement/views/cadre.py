"""The cadre: my pairings, visits, issues."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.core import audit
from qinqing.core.accounts.access import has_capability
from qinqing.core.errors import NotFound, QinqingError
from qinqing.engagement import figures, forms, queries, service
from qinqing.engagement.views._common import _error, _today


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    pairings = queries.own_pairings(request.user).order_by("next_due_on", "pk")
    today = _today()
    in_force = [p for p in pairings if p.ends_on is None or p.ends_on >= today]
    ended = [p for p in pairings if p.ends_on is not None and p.ends_on < today]
    cadre = queries.cadre_of(request.user)
    issues = queries.visible_issues_for_user(request.user).filter(
        cadre__user_id=request.user.pk or 0
    )
    counts = issues.aggregate(
        total=Count("pk"),
        closed=Count("pk", filter=Q(appeal__state__in=figures.CLOSED_APPEAL_STATES)),
    )
    return render(request, "engagement/mine.html", {
        "cadre": cadre, "pairings": in_force, "ended": ended, "today": today,
        "issues_total": counts["total"], "issues_closed": counts["closed"],
        "issues_open": counts["total"] - counts["closed"],
    })  # fmt: skip


@login_required
def pairing_detail(request: HttpRequest, pairing_id: int) -> HttpResponse:
    pairing = queries.access_pairing_for_user(request.user, pairing_id)
    visits = pairing.visits.order_by("-visited_on", "-pk").prefetch_related("issues__appeal")
    return render(request, "engagement/pairing.html", {
        "pairing": pairing, "visits": visits, "today": _today(),
        "is_cadre": pairing.cadre.user_id == request.user.pk,
        "can_end": has_capability(request.user, "engagement.manage")
        and queries.manageable_units(request.user).filter(pk=pairing.unit_id).exists(),
        "end_form": forms.EndPairingForm(initial={"ends_on": _today()}),
        "missed": pairing.missed.order_by("-due_on")[:12],
    })  # fmt: skip


@login_required
def visit_new(request: HttpRequest, pairing_id: int) -> HttpResponse:
    pairing = queries.access_pairing_for_cadre(request.user, pairing_id)
    form = forms.VisitForm(request.POST or None, request.FILES or None,
                           initial={"visited_on": _today(), "mode": "onsite"})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            visit = service.record_visit(
                pairing, actor=request.user, now=timezone.now(), visited_on=d["visited_on"],
                mode=d["mode"], summary=d["summary"], people_met=d["people_met"],
                topics=d["topics"], need_types=d["need_types"],
                files=request.FILES.getlist("attachments"),
            )  # fmt: skip
        except QinqingError as exc:
            _error(form, exc)
        else:
            messages.success(request, f"已登记 {visit.visited_on} 的走访。")
            return redirect(visit)
    return render(request, "engagement/visit_form.html", {"pairing": pairing, "form": form})


@login_required
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = queries.access_visit_for_user(request.user, visit_id)
    is_enterprise = has_capability(request.user, "engagement.enterprise")
    return render(request, "engagement/visit.html", {
        "visit": visit,
        "issues": visit.issues.select_related("appeal"),
        "attachments": visit.attachments.all(),
        "is_cadre": visit.cadre.user_id == request.user.pk,
        "is_enterprise": is_enterprise,
        "rating_form": forms.RatingForm() if is_enterprise and not visit.rating else None,
    })  # fmt: skip


@login_required
def visit_attachment(request: HttpRequest, visit_id: int, attachment_id: int) -> FileResponse:
    visit = queries.access_visit_for_user(request.user, visit_id)
    attachment = visit.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("附件不存在。")
    unit = getattr(visit, "audit_unit_id", None) or getattr(visit, "unit_id", None)
    audit.record(request.user, "visit.viewed_attachment", attachment, unit=unit)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@login_required
def issue_new(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = queries.access_visit_for_cadre(request.user, visit_id)
    initial = {"content": visit.summary, "contact_name": visit.people_met[:50]}
    form = forms.IssueForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        try:
            issue = service.raise_issue_from_visit(visit, actor=request.user, now=timezone.now(),
                                                   need_type=d.pop("need_type"), data=d)  # fmt: skip
        except QinqingError as exc:
            _error(form, exc)
        else:
            messages.success(
                request, f"已转为诉求 {issue.appeal.number}，将按接诉即办流程派单办理。"
            )
            return redirect(visit)
    return render(request, "engagement/issue_form.html", {"visit": visit, "form": form})


@login_required
@require_POST
def visit_rate(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = queries.access_visit_for_enterprise(request.user, visit_id)
    form = forms.RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择评价（满意、基本满意或不满意）。")
        return redirect(visit)
    service.rate_visit(visit, actor=request.user, now=timezone.now(),
                       rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"])  # fmt: skip
    messages.success(request, "感谢您的评价！")
    return redirect("engagement:enterprise_home")
