"""Pages of the problem ledger. Thin: check access, call a query or a service, render."""

from __future__ import annotations

import io
from datetime import date

import qrcode
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.core.accounts.access import require_capability, scope_area
from qinqing.core.errors import IllegalTransition, InvalidInput, NotFound
from qinqing.problems import exports, forms, queries, service
from qinqing.problems.models import FollowUpCheck, InspectionVisit, Supervisor
from qinqing.problems.rules import (
    CAMPAIGN_FIELDS,
    CaseKind,
    CheckState,
    DocumentOutcome,
    ProblemState,
    Source,
    SubmissionChannel,
    ThemeState,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _now():
    """The clock of every page (one place, so that tests can set it)."""
    return timezone.now()


def _fail(form, exc) -> None:
    form.add_error(None, exc.message)


# ---------------------------------------------------------------------------------------------
# The ledger


@login_required
def problem_list(request: HttpRequest) -> HttpResponse:
    problems = queries.visible_problems_for_user(request.user).select_related("lead_unit")
    state, source = request.GET.get("state", ""), request.GET.get("source", "")
    if state in ProblemState.values:
        problems = problems.filter(state=state)
    if source in Source.values:
        problems = problems.filter(source=source)
    if request.GET.get("overdue"):
        problems = problems.filter(state=ProblemState.OPEN, due_at__lt=_now())
    if request.GET.get("format") == "xlsx":
        data = exports.export_problems(problems.prefetch_related("responsible_units"))
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = "attachment; filename*=UTF-8''problems.xlsx"
        return response
    page = Paginator(problems, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "problems/list.html",
        {
            "page": page, "now": _now(), "states": ProblemState.choices,
            "sources": Source.choices, "f": {"state": state, "source": source},
        },
    )  # fmt: skip


@login_required
def problem_new(request: HttpRequest) -> HttpResponse:
    area = queries.office_scope(request.user)
    form = forms.ProblemForm(request.POST or None, request.FILES or None, area=area)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            problem = service.create_problem(
                actor=request.user, now=_now(), title=data["title"], source=data["source"],
                source_detail=data["source_detail"], description=data["description"],
                lead_unit=data["lead_unit"], responsible_units=list(data["responsible_units"]),
                measures=data["measures"], time_limit=data["time_limit"],
                evidence_note=data["evidence_note"], evidence_files=data["evidence_files"],
            )  # fmt: skip
        except InvalidInput as exc:
            _fail(form, exc)
        else:
            messages.success(
                request, f"已登记问题 {problem.number}，并交办{problem.lead_unit.name}。"
            )
            return redirect(problem)
    status = 400 if request.method == "POST" else 200
    return render(request, "problems/form.html", {"form": form, "title": "登记问题"}, status=status)


def _detail_context(request, problem, **forms_):
    user = request.user
    manage = queries.can_manage(user, problem)
    referred = problem.state == ProblemState.REFERRED
    return {
        "problem": problem,
        "description": queries.public_description(problem),
        "referred": referred,
        "evidence": [] if referred else problem.evidence.all(),
        "checks": problem.checks.all(),
        "responsible": problem.responsible_units.all(),
        "details": _details(problem),
        "can_rectify": queries.can_rectify(user, problem),
        "can_manage": manage,
        "now": _now(),
        "rectify_form": forms_.get("rectify_form") or forms.RectifyForm(),
        "return_form": forms_.get("return_form") or forms.ReturnForm(),
        "escalate_form": forms_.get("escalate_form") or forms.EscalateForm(),
        "refer_form": forms_.get("refer_form") or forms.ReferForm(),
        "follow_up_form": forms_.get("follow_up_form") or forms.FollowUpForm(),
        "pending_check": problem.checks.filter(state=CheckState.PENDING).first(),
        "error": forms_.get("error", ""),
    }


def _details(problem) -> list[tuple[str, str]]:
    if not problem.campaign_id:
        return []
    out = []
    for key, label, kind in CAMPAIGN_FIELDS.get(problem.campaign.kind, []):
        value = problem.details.get(key, "")
        if kind == "outcome" and value:
            value = DocumentOutcome(value).label
        out.append((label, value))
    return out


@login_required
def problem_detail(request: HttpRequest, problem_id: int) -> HttpResponse:
    problem = queries.access_problem_for_user(request.user, problem_id)
    return render(request, "problems/detail.html", _detail_context(request, problem))


def _action(request, problem_id, form_class, key, call, success):
    problem = queries.access_problem_for_user(request.user, problem_id)
    form = form_class(request.POST, request.FILES) if form_class else None
    if form is None or form.is_valid():
        try:
            call(problem, form.cleaned_data if form else {})
        except (InvalidInput, IllegalTransition) as exc:
            context = _detail_context(request, problem, **{key: form, "error": exc.message})
            return render(request, "problems/detail.html", context, status=400)
        messages.success(request, success)
        return redirect("problems:detail", problem_id=problem.pk)
    return render(
        request,
        "problems/detail.html",
        _detail_context(request, problem, **{key: form}),
        status=400,
    )


@login_required
@require_POST
def rectify(request: HttpRequest, problem_id: int) -> HttpResponse:
    return _action(
        request, problem_id, forms.RectifyForm, "rectify_form",
        lambda p, d: service.submit_rectification(
            p, actor=request.user, now=_now(), rectification=d["rectification"],
            evidence_note=d["evidence_note"], evidence_files=d["evidence_files"],
        ),
        "已申请销号，等待营商办审核。",
    )  # fmt: skip


@login_required
@require_POST
def close(request: HttpRequest, problem_id: int) -> HttpResponse:
    return _action(
        request, problem_id, None, "",
        lambda p, d: service.close_out(p, actor=request.user, now=_now()), "已销号。",
    )  # fmt: skip


@login_required
@require_POST
def return_(request: HttpRequest, problem_id: int) -> HttpResponse:
    return _action(
        request, problem_id, forms.ReturnForm, "return_form",
        lambda p, d: service.return_rectification(p, actor=request.user, reason=d["reason"],
                                                  now=_now()),
        "已退回销号申请。",
    )  # fmt: skip


@login_required
@require_POST
def escalate(request: HttpRequest, problem_id: int) -> HttpResponse:
    return _action(
        request, problem_id, forms.EscalateForm, "escalate_form",
        lambda p, d: service.escalate_problem(
            p, actor=request.user, level=d["level"], reason=d["reason"],
            response_workdays=d["response_workdays"], now=_now(),
        ),
        "已签发督办单。",
    )  # fmt: skip


@login_required
@require_POST
def refer(request: HttpRequest, problem_id: int) -> HttpResponse:
    return _action(
        request, problem_id, forms.ReferForm, "refer_form",
        lambda p, d: service.refer_problem(
            p, actor=request.user, conduct=d["conduct"], allegation=d["allegation"],
            persons=d["persons"], now=_now(),
        ),
        "已移送纪检监察机关。",
    )  # fmt: skip


@login_required
@require_POST
def follow_up(request: HttpRequest, check_id: int) -> HttpResponse:
    check = queries.access_check_for_office(request.user, check_id)
    return _action(
        request, check.problem_id, forms.FollowUpForm, "follow_up_form",
        lambda p, d: service.record_follow_up(
            check, actor=request.user, recurred=d["result"] == "recurred", note=d["note"],
            now=_now(),
        ),
        "已登记回头看结果。",
    )  # fmt: skip


@login_required
def review(request: HttpRequest) -> HttpResponse:
    area = queries.office_scope(request.user)
    items = queries.visible_problems_for_user(request.user).filter(
        state=ProblemState.SUBMITTED, area__path__startswith=area.path
    )
    return render(request, "problems/review.html", {"items": items})


@login_required
def follow_ups(request: HttpRequest) -> HttpResponse:
    area = queries.office_scope(request.user)
    checks = (
        FollowUpCheck.objects.filter(problem__area__path__startswith=area.path)
        .select_related("problem", "problem__lead_unit")
        .order_by("state", "due_on")[:200]
    )
    return render(request, "problems/follow_ups.html", {"checks": checks})


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    queries.office_scope(request.user)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created = exports.import_problems(
                upload.read(), actor=request.user, now=_now(), filename=upload.name
            )
        except InvalidInput as exc:
            _fail(form, exc)
        else:
            messages.success(request, f"已导入 {len(created)} 个问题。")
            return redirect("problems:list")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "problems/form.html", {"form": form, "title": "导入问题清单", "multipart": True},
        status=status,
    )  # fmt: skip


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "problems.view")
    area = scope_area(request.user)
    if area is None:
        raise NotFound("您的账号没有所属地区。")
    today = timezone.localdate(_now())
    counts = queries.bulletin_counts(area, today.replace(day=1), today, _now())
    return render(request, "problems/figures.html", {"counts": counts, "area": area})


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """The office's 回头看 period and 考评 deductions for its own area."""
    area = queries.office_scope(request.user)
    current = service.settings_for(area)
    fields = ["follow_up_days", "deduction_overdue", "deduction_recurrence",
              "deduction_accountability", "source"]  # fmt: skip
    form = forms.SettingsForm(
        request.POST or None, initial={f: getattr(current, f) for f in fields}
    )
    if request.method == "POST" and form.is_valid():
        try:
            service.save_settings(actor=request.user, now=_now(), **form.cleaned_data)
        except InvalidInput as exc:
            _fail(form, exc)
        else:
            messages.success(request, "已保存问题台账设置。")
            return redirect("problems:settings")
    return render(
        request, "problems/form.html",
        {"form": form, "title": f"{area.name}问题台账设置（回头看与考评扣分）"},
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Campaigns and visits


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    items = queries.visible_campaigns_for_user(request.user)
    form = None
    if queries.can_manage_area(request.user):
        form = forms.CampaignForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                campaign = service.create_campaign(
                    actor=request.user, now=_now(), **form.cleaned_data
                )
            except InvalidInput as exc:
                _fail(form, exc)
            else:
                messages.success(request, f"已设立专项整治“{campaign.title}”。")
                return redirect(campaign)
    return render(request, "problems/campaigns.html", {"items": items, "form": form})


@login_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.access_campaign_for_user(request.user, campaign_id)
    visible = queries.visible_problems_for_user(request.user).filter(campaign=campaign)
    fields = CAMPAIGN_FIELDS.get(campaign.kind, [])
    rows = [(p, [p.details.get(k, "") for k, _, _ in fields]) for p in visible]
    open_count = visible.filter(state__in=[ProblemState.OPEN, ProblemState.SUBMITTED]).count()
    return render(
        request, "problems/campaign.html",
        {"campaign": campaign, "rows": rows, "fields": fields, "open_count": open_count,
         "today": timezone.localdate(_now())},
    )  # fmt: skip


@login_required
def visits(request: HttpRequest) -> HttpResponse:
    area = queries.office_scope(request.user)
    form = forms.VisitForm(request.POST or None, area=area)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            service.record_visit(
                actor=request.user, team=d["team"], kind=d["kind"], visited_on=d["visited_on"],
                units=[d["lead_unit"]], summary=d["summary"], now=_now(),
                findings=[{"title": d["finding"], "lead_unit": d["lead_unit"],
                           "time_limit": d["time_limit"], "evidence_note": d["evidence_note"]}],
            )  # fmt: skip
        except InvalidInput as exc:
            _fail(form, exc)
        else:
            messages.success(request, "已登记督查记录，发现的问题已进入问题台账。")
            return redirect("problems:visits")
    items = InspectionVisit.objects.filter(area__path__startswith=area.path).prefetch_related(
        "problems"
    )[:100]
    status = 400 if request.method == "POST" else 200
    return render(request, "problems/visits.html", {"items": items, "form": form}, status=status)


# ---------------------------------------------------------------------------------------------
# Themes (每月一题)


@login_required
def themes(request: HttpRequest) -> HttpResponse:
    area = queries.office_scope(request.user)
    items = queries.theme_proposals_for_user(request.user).order_by("-run__month", "rank")[:100]
    return render(
        request, "problems/themes.html", {"items": items, "form": forms.OpenThemeForm(area=area)}
    )


@login_required
@require_POST
def theme_open(request: HttpRequest, proposal_id: int) -> HttpResponse:
    area = queries.office_scope(request.user)
    proposal = queries.access_theme_for_office(request.user, proposal_id)
    form = forms.OpenThemeForm(request.POST, area=area)
    if form.is_valid():
        try:
            problem = service.open_problem_from_theme(
                proposal, actor=request.user, now=_now(), **form.cleaned_data
            )
        except (InvalidInput, IllegalTransition) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已立项为问题 {problem.number}。")
            return redirect(problem)
    else:
        messages.error(request, "请选择牵头单位并填写整改时限。")
    return redirect("problems:themes")


@login_required
@require_POST
def theme_dismiss(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = queries.access_theme_for_office(request.user, proposal_id)
    service.dismiss_theme(proposal, actor=request.user, now=_now())
    messages.success(request, "已标记为不立项。")
    return redirect("problems:themes")


# ---------------------------------------------------------------------------------------------
# 清欠


@login_required
def arrears_dashboard(request: HttpRequest) -> HttpResponse:
    items = queries.visible_arrears_for_user(request.user).select_related("county")
    kind = request.GET.get("kind", "")
    if kind:
        items = items.filter(kind=kind)
    totals = queries.arrears_totals(items)
    form = None
    if queries.can_manage_area(request.user, "problems.arrears"):
        area = scope_area(request.user)
        form = forms.ArrearsForm(request.POST or None, area=area)
        if request.method == "POST" and form.is_valid():
            try:
                arrears = service.register_arrears(actor=request.user, now=_now(),
                                                   **form.cleaned_data)  # fmt: skip
            except InvalidInput as exc:
                _fail(form, exc)
            else:
                messages.success(request, f"已登记清欠台账 {arrears.number}。")
                return redirect(arrears)
    balances = {a.pk: service.balance_of(a) for a in items[:200]}
    return render(
        request, "problems/arrears_dashboard.html",
        {"items": items[:200], "totals": totals, "form": form, "balances": balances},
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip


def _plan_text(arrears) -> str:
    return "\n".join(f"{p.year} {p.amount}" for p in arrears.plan.all())


def _arrears_page(request, arrears, *, status=200, pay=None, plan=None, dispute=None):
    can_pay = queries.can_manage_area(request.user, "problems.arrears")
    can_edit = queries.can_edit_arrears(request.user, arrears)
    if can_pay and pay is None:
        pay = forms.PaymentForm()
    if can_edit and plan is None:
        plan = forms.RepaymentPlanForm(initial={"plan": _plan_text(arrears)})
    if can_edit and dispute is None:
        dispute = forms.DisputeForm(
            initial={"disputed": arrears.disputed, "note": arrears.dispute_note}
        )
    return render(
        request, "problems/arrears.html",
        {"arrears": arrears, "entries": arrears.entries.all(), "balance": service.balance_of(arrears),
         "plan": queries.repayment_progress(arrears), "form": pay if can_pay else None,
         "plan_form": plan if can_edit else None, "dispute_form": dispute if can_edit else None},
        status=status,
    )  # fmt: skip


@login_required
def arrears_detail(request: HttpRequest, arrears_id: int) -> HttpResponse:
    arrears = queries.access_arrears_for_user(request.user, arrears_id)
    if request.method != "POST":
        return _arrears_page(request, arrears)
    form = forms.PaymentForm(request.POST)
    if form.is_valid():
        try:
            service.record_payment(arrears, actor=request.user, now=_now(), **form.cleaned_data)
        except InvalidInput as exc:
            _fail(form, exc)
        else:
            messages.success(request, "已登记还款。")
            return redirect(arrears)
    return _arrears_page(request, arrears, status=400, pay=form)


@login_required
@require_POST
def arrears_plan(request: HttpRequest, arrears_id: int) -> HttpResponse:
    """还款计划 by year: the office of the area or the debtor unit replaces it as a whole."""
    arrears = queries.access_arrears_for_user(request.user, arrears_id)
    form = forms.RepaymentPlanForm(request.POST)
    if form.is_valid():
        try:
            service.set_repayment_plan(
                arrears, actor=request.user, plan=form.cleaned_data["plan"], now=_now()
            )
        except InvalidInput as exc:
            _fail(form, exc)
        else:
            messages.success(request, "已保存还款计划。")
            return redirect(arrears)
    return _arrears_page(request, arrears, status=400, plan=form)


@login_required
@require_POST
def arrears_dispute(request: HttpRequest, arrears_id: int) -> HttpResponse:
    """争议: the office of the area or the debtor unit records whether the debt is disputed."""
    arrears = queries.access_arrears_for_user(request.user, arrears_id)
    form = forms.DisputeForm(request.POST)
    if form.is_valid():
        try:
            service.record_dispute(arrears, actor=request.user, now=_now(), **form.cleaned_data)
        except InvalidInput as exc:
            _fail(form, exc)
        else:
            disputed = form.cleaned_data["disputed"]
            messages.success(request, "已登记争议情况。" if disputed else "已登记争议已解决。")
            return redirect(arrears)
    return _arrears_page(request, arrears, status=400, dispute=form)


@login_required
@require_POST
def arrears_correct(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = queries.access_entry_for_office(request.user, entry_id)
    try:
        service.correct_entry(entry, actor=request.user, now=_now())
    except (InvalidInput, IllegalTransition) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已冲正。")
    return redirect("problems:arrears", arrears_id=entry.arrears_id)


# ---------------------------------------------------------------------------------------------
# 监督员


@login_required
def supervisors(request: HttpRequest) -> HttpResponse:
    area = queries.office_scope(request.user)
    error = ""
    if request.method == "POST":
        user = get_user_model().objects.filter(username=request.POST.get("username", "")).first()
        try:
            if user is None:
                raise InvalidInput("没有这个账号，请先在用户管理中创建监督员账号。")
            service.appoint_supervisor(
                actor=request.user, user=user, name=request.POST.get("name", ""),
                beat=request.POST.get("beat", ""),
                term_start=date.fromisoformat(request.POST.get("term_start", "")),
                term_end=date.fromisoformat(request.POST.get("term_end", "")), now=_now(),
            )  # fmt: skip
        except ValueError:
            error = "请填写有效的任期起止日期（示例：2025-01-01）。"
        except InvalidInput as exc:
            error = exc.message
        else:
            messages.success(request, "已聘任监督员。")
            return redirect("problems:supervisors")
    items = Supervisor.objects.filter(area__path__startswith=area.path)
    return render(
        request, "problems/supervisors.html",
        {"items": items, "error": error, "typed": request.POST if error else {}, "reports": queries.visible_supervisor_reports(request.user)[:100],
         "form": forms.OpenThemeForm(area=area)},
        status=400 if error else 200,
    )  # fmt: skip


@login_required
@require_POST
def supervisor_report_open(request: HttpRequest, report_id: int) -> HttpResponse:
    area = queries.office_scope(request.user)
    report = queries.access_supervisor_report(request.user, report_id)
    form = forms.OpenThemeForm(request.POST, area=area)
    if form.is_valid():
        try:
            problem = service.open_problem_from_report(
                report, actor=request.user, now=_now(), **form.cleaned_data
            )
        except (InvalidInput, IllegalTransition) as exc:
            messages.error(request, exc.message)
        else:
            return redirect(problem)
    return redirect("problems:supervisors")


def _supervisor_page(request, channel, status=200, report_form=None, duty_form=None):
    supervisor = queries.supervisor_for_user(request.user)
    if supervisor is None:
        raise NotFound("您不是营商环境监督员。")
    return render(
        request, "problems/supervisor_home.html",
        {"supervisor": supervisor, "channel": channel,
         "report_form": report_form or forms.SupervisorReportForm(),
         "duty_form": duty_form or forms.DutyForm(),
         "reports": supervisor.reports.all()[:50], "duties": supervisor.duties.all()[:50]},
        status=status,
    )  # fmt: skip


@login_required
def supervisor_home(request: HttpRequest) -> HttpResponse:
    return _supervisor_submit(request, SubmissionChannel.WEB)


@login_required
def supervisor_qr(request: HttpRequest, token: str) -> HttpResponse:
    """The page a supervisor's QR code opens; the token must be the supervisor's own."""
    supervisor = queries.supervisor_for_user(request.user)
    if supervisor is None or supervisor.qr_token != token:
        raise NotFound("二维码无效，或不是您本人的监督员二维码。")
    return _supervisor_submit(request, SubmissionChannel.QR)


@login_required
def supervisor_qr_image(request: HttpRequest, supervisor_id: int) -> HttpResponse:
    """The QR code (PNG) a supervisor scans to open their own submission page."""
    supervisor = queries.access_supervisor_for_qr(request.user, supervisor_id)
    url = request.build_absolute_uri(reverse("problems:supervisor_qr", args=[supervisor.qr_token]))
    buffer = io.BytesIO()
    qrcode.make(url, box_size=8, border=2).save(buffer, format="PNG")
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Content-Disposition"] = 'inline; filename="supervisor-qr.png"'
    response["Cache-Control"] = "private, no-store"
    return response


def _supervisor_submit(request, channel):
    if request.method != "POST":
        return _supervisor_page(request, channel)
    if request.POST.get("what") == "duty":
        form = forms.DutyForm(request.POST)
        if form.is_valid():
            try:
                service.log_duty(actor=request.user, now=_now(), **form.cleaned_data)
            except InvalidInput as exc:
                _fail(form, exc)
            else:
                messages.success(request, "已登记履职。")
                return redirect(request.path)
        return _supervisor_page(request, channel, 400, duty_form=form)
    report = forms.SupervisorReportForm(request.POST)
    if report.is_valid():
        try:
            service.submit_supervisor_report(
                actor=request.user, channel=channel, now=_now(), **report.cleaned_data
            )
        except InvalidInput as exc:
            _fail(report, exc)
        else:
            messages.success(request, "已提交，营商办将研判处理。")
            return redirect(request.path)
    return _supervisor_page(request, channel, 400, report_form=report)


# ---------------------------------------------------------------------------------------------
# 纪检移送


@login_required
def referrals(request: HttpRequest) -> HttpResponse:
    items = queries.visible_referrals_for_user(request.user)
    return render(request, "problems/referrals.html", {"items": items})


@login_required
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = queries.access_referral_for_user(request.user, referral_id)
    form = forms.ReferralFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service.record_referral_feedback(referral, actor=request.user, now=_now(),
                                             **form.cleaned_data)  # fmt: skip
        except (InvalidInput, IllegalTransition) as exc:
            _fail(form, exc)
        else:
            messages.success(request, "已登记核查情况。")
            return redirect("problems:referral", referral_id=referral.pk)
    return render(
        request, "problems/referral.html", {"referral": referral, "form": form},
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# 典型案例 (曝光) and 经验做法 (经验库)


def exposure(request: HttpRequest) -> HttpResponse:
    """The public 曝光 page: approved negative cases only; no login needed."""
    items = queries.published_cases(CaseKind.NEGATIVE)
    return render(request, "problems/cases_public.html", {"items": items, "title": "典型案例曝光"})


@login_required
def experience(request: HttpRequest) -> HttpResponse:
    items = queries.published_cases(CaseKind.POSITIVE)
    return render(request, "problems/cases_public.html", {"items": items, "title": "经验库"})


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "problems.cases")
    kind = CaseKind.NEGATIVE if request.GET.get("kind") == "negative" else CaseKind.POSITIVE
    problem = None
    if kind == CaseKind.NEGATIVE and request.GET.get("problem", "").isdigit():
        problem = queries.access_problem_for_user(request.user, int(request.GET["problem"]))
    form = forms.CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service.submit_case(actor=request.user, kind=kind, problem=problem, now=_now(),
                                **form.cleaned_data)  # fmt: skip
        except InvalidInput as exc:
            _fail(form, exc)
        else:
            messages.success(request, "已提交，等待审核。")
            return redirect("problems:experience")
    title = "编写典型案例" if kind == CaseKind.NEGATIVE else "报送经验做法"
    return render(
        request, "problems/form.html", {"form": form, "title": title},
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip


@login_required
def cases_review(request: HttpRequest) -> HttpResponse:
    items = queries.pending_cases_for_user(request.user)
    return render(request, "problems/cases_review.html", {"items": items})


@login_required
@require_POST
def case_decide(request: HttpRequest, case_id: int) -> HttpResponse:
    case = queries.access_case_for_office(request.user, case_id)
    try:
        service.decide_case(
            case, actor=request.user, publish=request.POST.get("decision") == "publish",
            note=request.POST.get("note", ""), now=_now(),
        )  # fmt: skip
    except (InvalidInput, IllegalTransition) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已审核。")
    return redirect("problems:cases_review")


__all__ = ["ThemeState"]
