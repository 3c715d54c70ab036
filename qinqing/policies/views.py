"""Pages of 惠企政策直达. Thin: check access through queries, call the service, render."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.core import audit
from qinqing.core.accounts.access import (
    has_capability,
    require_capability,
    scope_area,
    user_uscc,
)
from qinqing.core.errors import InvalidInput, NotFound
from qinqing.policies import matching, queries, rules, search, service
from qinqing.policies.forms import (
    ApplicationForm,
    ArrivalForm,
    BudgetForm,
    CancelForm,
    DisbursementForm,
    FeedbackForm,
    LibrarySearchForm,
    PaymentForm,
    PolicyForm,
    ReviewForm,
    RuleForm,
    RunForm,
)
from qinqing.policies.models import (
    ApplicationState,
    Delivery,
    FitAnswer,
    GrantBatchState,
    MatchResult,
    PolicyRule,
    PushFeedback,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form_errors(form) -> str:
    parts: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.extend(f"{label}：{e}" if label else str(e) for e in errors)
    return "；".join(parts)


def _require_valid(form) -> dict:
    if not form.is_valid():
        raise InvalidInput("请检查填写的内容：" + _form_errors(form))
    return form.cleaned_data


# ---------------------------------------------------------------- library (public)


def library(request: HttpRequest) -> HttpResponse:
    form = LibrarySearchForm(request.GET or None)
    policies = queries.library_policies_for_user(request.user)
    q = ""
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        if form.cleaned_data["delivery"]:
            policies = policies.filter(delivery=form.cleaned_data["delivery"])
        tag = form.cleaned_data["tag"].strip()
        if tag:
            policies = policies.filter(
                Q(industry_tags__contains=tag) | Q(size_tags__contains=tag)
                | Q(region_tags__contains=tag)
            )  # fmt: skip
    policies = search.search_policies(policies, q) if q else policies.order_by("code")
    page = Paginator(policies, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "policies/library.html",
        {
            "form": form,
            "page": page,
            "q": q,
            "can_manage": has_capability(request.user, "policies.manage"),
        },
    )


def policy_detail(request: HttpRequest, code: str) -> HttpResponse:
    policy = queries.access_library_policy(request.user, code)
    rule = policy.rules.filter(active=True).first()
    parsed = matching.parse_rule(rule.yaml_text, f"{policy.code}.yaml") if rule else None
    user = request.user
    return render(
        request,
        "policies/detail.html",
        {
            "policy": policy,
            "rule": rule,
            "parsed": parsed,
            "can_manage": has_capability(user, "policies.manage")
            and queries.managed_policies_for_user(user).filter(pk=policy.pk).exists(),
            "can_view_results": has_capability(user, "policies.view")
            and queries.staff_policies_for_user(user).filter(pk=policy.pk).exists(),
            "can_apply": has_capability(user, "policies.mine")
            and policy.delivery == Delivery.APPLICATION,
        },
    )


@login_required
def policy_new(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "policies.manage")
    form = PolicyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        policy = service.create_policy(
            actor=request.user, data=form.cleaned_data, now=timezone.now()
        )
        messages.success(request, "政策已录入。下一步：为它编写规则。")
        return redirect("policies:rule", code=policy.code)
    return render(request, "policies/policy_form.html", {"form": form, "policy": None})


@login_required
def policy_edit(request: HttpRequest, code: str) -> HttpResponse:
    policy = queries.access_managed_policy(request.user, code)
    form = PolicyForm(request.POST or None, instance=policy, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        policy.refresh_from_db()
        service.update_policy(policy, actor=request.user, data=data, now=timezone.now())
        messages.success(request, "政策信息已保存。")
        return redirect(policy)
    return render(request, "policies/policy_form.html", {"form": form, "policy": policy})


# ---------------------------------------------------------------- rules


@login_required
def rule(request: HttpRequest, code: str) -> HttpResponse:
    """The rule editor: the active version in a textarea, validation, save as a new version."""
    policy = queries.access_staff_policy(request.user, code)
    can_edit = (
        has_capability(request.user, "policies.manage")
        and queries.managed_policies_for_user(request.user).filter(pk=policy.pk).exists()
    )
    current = policy.rules.filter(active=True).first()
    problems: list[str] = []
    checked = False
    status = 200
    if request.method == "POST":
        require_capability(request.user, "policies.manage")
        policy = queries.access_managed_policy(request.user, code)
        form = RuleForm(request.POST)
        data = _require_valid(form)
        text = data["yaml_text"].replace("\r\n", "\n")
        if request.POST.get("action") == "validate":
            problems = service.check_rule_text(policy, text)
            checked = not problems
        else:
            problems = service.check_rule_text(policy, text)
            if not problems:
                saved = service.save_policy_rule(
                    policy, text, actor=request.user, now=timezone.now()
                )
                messages.success(request, f"规则已保存为第 {saved.version} 版。")
                return redirect("policies:rule", code=policy.code)
        status = 400 if problems else 200
    else:
        form = RuleForm(initial={"yaml_text": current.yaml_text if current else _rule_stub(policy)})
    return render(
        request,
        "policies/rule.html",
        {
            "policy": policy,
            "form": form,
            "current": current,
            "versions": queries.rules_for_policy(policy),
            "problems": problems,
            "checked": checked,
            "can_edit": can_edit,
        },
        status=status,
    )


def _rule_stub(policy) -> str:
    return (
        f"id: {policy.code}\nversion: 1\ntitle: {policy.title}\n"
        f"document: {policy.document or policy.title}\narticle: {policy.article or '全文'}\n"
        f"delivery: {policy.delivery}\nsource_text: >-\n  （在此照抄条款原文）\n"
        "interpretation: >-\n  （在此写明解释口径）\n\nwhen: []\n\nitems: []\n"
    )


@login_required
def rule_version(request: HttpRequest, code: str, version: int) -> HttpResponse:
    policy = queries.access_staff_policy(request.user, code)
    rule_row = PolicyRule.objects.filter(policy=policy, version=version).first()
    if rule_row is None:
        raise NotFound("规则版本不存在。")
    return render(request, "policies/rule_version.html", {"policy": policy, "rule": rule_row})


# ---------------------------------------------------------------- matching and push lists


@login_required
def matching_page(request: HttpRequest) -> HttpResponse:
    runs = queries.visible_runs_for_user(request.user)[:20]
    policies = list(queries.staff_policies_for_user(request.user).order_by("code"))
    rows = [(p, matching.policy_summary(p)) for p in policies]
    year = timezone.localdate().year - 1
    return render(
        request,
        "policies/matching.html",
        {
            "runs": runs,
            "rows": rows,
            "form": RunForm(initial={"year": year}),
            "can_run": has_capability(request.user, "policies.manage"),
        },
    )


@login_required
@require_POST
def matching_run(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "policies.manage")
    data = _require_valid(RunForm(request.POST))
    area = scope_area(request.user)
    if area is None:
        raise InvalidInput("您的账号没有所属地区，不能运行政策匹配。")
    run = matching.run_matching(
        actor=request.user, year=data["year"], area=area, now=timezone.now()
    )
    messages.success(
        request,
        f"{run.year} 年度政策匹配完成：{run.enterprise_count} 家企业，符合条件 {run.eligible_count} 户次，"
        f"差一个条件 {run.near_miss_count} 户次。",
    )
    return redirect("policies:run", run_id=run.pk)


@login_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = queries.access_run_for_user(request.user, run_id)
    visible = queries.staff_policies_for_user(request.user)
    if run.policy_counts:
        per_policy = matching.run_policy_rows(run, visible)
    else:  # a run recorded before runs kept their per-policy counts
        per_policy = list(
            MatchResult.objects.filter(run=run, policy__in=visible)
            .values("policy__code", "policy__title", "rule__version")
            .annotate(
                eligible=Count("id", filter=Q(eligible=True)),
                near=Count("id", filter=Q(near_miss=True)),
            )
            .order_by("policy__code")
        )
    return render(request, "policies/run.html", {"run": run, "per_policy": per_policy})


@login_required
def push_list(request: HttpRequest, code: str) -> HttpResponse:
    policy = queries.access_staff_policy(request.user, code)
    results = queries.policy_results_for_user(request.user, policy)
    show = request.GET.get("show", "eligible")
    listed = results.filter(near_miss=True) if show == "near" else results.filter(eligible=True)
    # enterprise-id order: the order a run writes its rows in, no join to sort a page
    page = Paginator(listed.order_by("enterprise_id"), 50).get_page(request.GET.get("page"))
    feedback = PushFeedback.objects.filter(policy=policy).values("answer").annotate(n=Count("id"))
    counts = {row["answer"]: row["n"] for row in feedback}
    total = sum(counts.values())
    rate = rules.satisfaction_rate(
        counts.get(FitAnswer.FITS, 0), counts.get(FitAnswer.PARTLY, 0), total
    )
    return render(
        request,
        "policies/push_list.html",
        {
            "policy": policy,
            "summary": matching.policy_summary(policy),
            "page": page,
            "show": show,
            "pushes": policy.pushes.select_related("created_by")[:10],
            "feedback": [(label, counts.get(value, 0)) for value, label in FitAnswer.choices],
            "feedback_total": total,
            "rate": rate,
            "can_push": has_capability(request.user, "policies.manage"),
        },
    )


@login_required
@require_POST
def push(request: HttpRequest, code: str) -> HttpResponse:
    policy = queries.access_managed_policy(request.user, code)
    sent = service.push_policy(policy, actor=request.user, now=timezone.now())
    messages.success(
        request,
        f"已推送：符合条件 {sent.eligible_recipients} 家，差一个条件 {sent.near_miss_recipients} 家。",
    )
    return redirect("policies:push_list", code=policy.code)


# ---------------------------------------------------------------- 免申即享


@login_required
def grants(request: HttpRequest) -> HttpResponse:
    batches = queries.visible_batches_for_user(request.user)
    state = request.GET.get("state", "")
    if state in GrantBatchState.values:
        batches = batches.filter(state=state)
    can_prepare = has_capability(request.user, "policies.manage")
    candidates = []
    if can_prepare:
        for policy in queries.managed_policies_for_user(request.user).filter(
            delivery=Delivery.AUTO_GRANT
        ):
            candidates.append((policy, matching.policy_summary(policy)))
    return render(
        request,
        "policies/grants.html",
        {
            "batches": batches[:50],
            "candidates": candidates,
            "can_prepare": can_prepare,
            "state": state,
            "n_batches": batches.count(),
        },
    )


@login_required
@require_POST
def grant_prepare(request: HttpRequest) -> HttpResponse:
    policy = queries.access_managed_policy(request.user, request.POST.get("policy", ""))
    batch = service.prepare_grant_batch(policy, actor=request.user, now=timezone.now())
    messages.success(
        request,
        f"已生成发放批次第 {batch.pk} 号：{batch.line_count} 家企业，合计 {rules.yuan(batch.total_amount)}。"
        "请另一名工作人员审批。",
    )
    return redirect(batch)


@login_required
def grant_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = queries.access_batch_for_user(request.user, batch_id)
    page = Paginator(batch.lines.order_by("seq"), 100).get_page(request.GET.get("page"))
    user = request.user
    return render(
        request,
        "policies/grant.html",
        {
            "batch": batch,
            "page": page,
            "can_approve": has_capability(user, "policies.approve")
            and batch.state == GrantBatchState.PREPARED
            and batch.prepared_by_id != user.pk,
            "is_preparer": batch.prepared_by_id == user.pk,
            "can_manage": has_capability(user, "policies.manage"),
            "cancel_form": CancelForm(),
            "payment_form": PaymentForm(initial={"paid_on": timezone.localdate()}),
        },
    )


@login_required
@require_POST
def grant_approve(request: HttpRequest, batch_id: int) -> HttpResponse:
    require_capability(request.user, "policies.approve")
    batch = queries.access_batch_for_user(request.user, batch_id)
    service.approve_grant_batch(batch, actor=request.user, now=timezone.now())
    messages.success(request, "发放批次已审批，名单已冻结，已通知名单上的每家企业。")
    return redirect(batch)


@login_required
@require_POST
def grant_cancel(request: HttpRequest, batch_id: int) -> HttpResponse:
    require_capability(request.user, "policies.manage")
    batch = queries.access_batch_for_user(request.user, batch_id)
    data = _require_valid(CancelForm(request.POST))
    service.cancel_grant_batch(batch, actor=request.user, reason=data["reason"], now=timezone.now())
    messages.success(request, "发放批次已作废。")
    return redirect(batch)


@login_required
@require_POST
def grant_paid(request: HttpRequest, batch_id: int) -> HttpResponse:
    require_capability(request.user, "policies.manage")
    batch = queries.access_batch_for_user(request.user, batch_id)
    data = _require_valid(PaymentForm(request.POST))
    service.record_grant_payment(
        batch, actor=request.user, paid_on=data["paid_on"], payment_ref=data["payment_ref"],
        now=timezone.now(),
    )  # fmt: skip
    messages.success(request, "已登记拨付。")
    return redirect(batch)


@login_required
def grant_export(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = queries.access_batch_for_user(request.user, batch_id)
    data = service.export_grant_batch(batch, actor=request.user, now=timezone.now())
    name = f"免申即享拨付名单-{batch.policy.code}-{batch.year}-第{batch.pk}号.xlsx"
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# ---------------------------------------------------------------- 我的政策 (enterprises)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    results = queries.own_results_for_user(request.user).order_by("-year", "policy__code")
    feedback = {
        f.result_id: f for f in PushFeedback.objects.filter(result__in=results.values("pk"))
    }
    eligible = [(r, feedback.get(r.pk)) for r in results if r.eligible]
    near = [(r, feedback.get(r.pk)) for r in results if r.near_miss]
    # a province's near misses are stored only up to a cap per policy: the rest are
    # worked out now for this enterprise
    uscc = user_uscc(request.user)
    listed = {r.policy_id for r in results}
    near_now = matching.unlisted_near_misses(uscc, listed) if uscc else []
    applications = queries.visible_applications_for_user(request.user)[:20]
    notifications = queries.own_notifications_for_user(request.user)[:20]
    open_policies = (
        queries.library_policies_for_user(request.user)
        .filter(delivery=Delivery.APPLICATION)
        .order_by("code")
    )
    return render(
        request,
        "policies/mine.html",
        {
            "eligible": eligible,
            "near": near,
            "near_now": near_now,
            "applications": applications,
            "notifications": notifications,
            "open_policies": open_policies,
            "uscc": user_uscc(request.user),
        },
    )


@login_required
def mine_result(request: HttpRequest, result_id: int) -> HttpResponse:
    result = queries.access_own_result(request.user, result_id)
    explained = matching.explain_result(result)
    feedback = PushFeedback.objects.filter(result=result).first()
    form = FeedbackForm(
        initial={"answer": feedback.answer, "comment": feedback.comment} if feedback else None
    )
    return render(
        request,
        "policies/mine_result.html",
        {"result": result, "explained": explained, "feedback": feedback, "form": form},
    )


@login_required
@require_POST
def mine_feedback(request: HttpRequest, result_id: int) -> HttpResponse:
    result = queries.access_own_result(request.user, result_id)
    data = _require_valid(FeedbackForm(request.POST))
    service.record_push_feedback(
        result, actor=request.user, answer=data["answer"], comment=data["comment"],
        now=timezone.now(),
    )  # fmt: skip
    messages.success(request, "感谢反馈！我们会据此改进政策匹配。")
    return redirect("policies:mine_result", result_id=result.pk)


# ---------------------------------------------------------------- 依申请兑现


@login_required
def apply(request: HttpRequest, code: str) -> HttpResponse:
    require_capability(request.user, "policies.mine")
    policy = queries.access_library_policy(request.user, code)
    if policy.delivery != Delivery.APPLICATION:
        raise InvalidInput(f"“{policy.title}”为免申即享政策，无需申报。")
    uscc = user_uscc(request.user)
    snapshot = service.registry_snapshot(uscc) if uscc else {}
    profile = getattr(request.user, "profile", None)
    initial = {
        "contact_name": request.user.get_full_name() if request.user.is_authenticated else "",
        "contact_phone": getattr(profile, "phone", ""),
    }
    form = ApplicationForm(
        request.POST or None, request.FILES or None, materials=policy.materials_list,
        initial=initial,
    )  # fmt: skip
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        application = service.submit_application(
            policy, actor=request.user, data=data, files=form.files_by_material(),
            now=timezone.now(),
        )  # fmt: skip
        messages.success(
            request,
            f"申报已提交（编号 {application.number}），承办单位将于 "
            f"{timezone.localtime(application.review_due_at):%Y-%m-%d} 前审核。",
        )
        return redirect(application)
    return render(
        request,
        "policies/apply.html",
        {
            "policy": policy,
            "form": form,
            "snapshot": queries.named_snapshot(snapshot),
            "uscc": uscc,
            "eligibility": _eligibility_note(request.user, policy),
        },
        status=status,
    )


def _eligibility_note(user, policy) -> dict | None:
    """Whether the registry says the enterprise meets the policy's rule, and why not."""
    if not policy.rules.exists():
        return None  # no rule to check against: the department judges the materials
    results = queries.own_results_for_user(user).filter(policy=policy).order_by("-year")
    result = results.first()
    if result is not None and result.eligible:
        return {"eligible": True, "text": "按企业库信息，贵企业符合本政策条件。"}
    if result is not None and result.reason:
        why = result.reason
    else:
        why = "按企业库中贵企业的信息，本政策的条件未全部满足"
    return {
        "eligible": False,
        "text": f"提示：{why}。仍可申报，承办单位将以所附材料为准审核；"
        "如企业库信息有误，请先联系营商办更正。",
        "url": reverse("policies:mine_result", args=[result.pk]) if result else "",
    }


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    qs = queries.visible_applications_for_user(request.user)
    state = request.GET.get("state", "")
    if state in ApplicationState.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "policies/applications.html",
        {"page": page, "state": state, "states": ApplicationState.choices,
         "now": timezone.now()},
    )  # fmt: skip


@login_required
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = queries.access_application_for_user(request.user, application_id)
    user = request.user
    is_reviewer = queries.is_owner_department(user, application.policy)
    is_applicant = has_capability(user, "policies.mine") and application.uscc == user_uscc(user)
    resubmit_form = None
    if is_applicant and application.state == ApplicationState.RETURNED:
        resubmit_form = ApplicationForm(materials=application.policy.materials_list, required=False)
    return render(
        request,
        "policies/application.html",
        {
            "application": application,
            "snapshot": queries.named_snapshot(application.registry_snapshot),
            "steps": application.steps.all(),
            "materials": application.materials.all(),
            "is_reviewer": is_reviewer,
            "review_form": ReviewForm(initial={"amount": application.requested_amount}),
            "payment_form": PaymentForm(initial={"paid_on": timezone.localdate()}),
            "resubmit_form": resubmit_form,
            "overdue": application.state == ApplicationState.SUBMITTED
            and timezone.now() > application.review_due_at,
        },
    )


@login_required
@require_POST
def application_review(request: HttpRequest, application_id: int) -> HttpResponse:
    application = queries.access_application_for_user(request.user, application_id)
    queries.require_reviewer(request.user, application)
    data = _require_valid(ReviewForm(request.POST))
    now = timezone.now()
    action = data["action"]
    if action == "approve":
        service.approve_application(
            application, actor=request.user, amount=data["amount"] or application.requested_amount,
            comment=data["comment"], now=now,
        )  # fmt: skip
        messages.success(request, "已审核通过，核定金额已计入资金池。")
    elif action == "return":
        service.return_application(
            application, actor=request.user, comment=data["comment"], now=now
        )
        messages.success(request, "已退回企业补正。")
    else:
        service.reject_application(
            application, actor=request.user, comment=data["comment"], now=now
        )
        messages.success(request, "已作出不予兑现的决定并通知企业。")
    return redirect(application)


@login_required
@require_POST
def application_pay(request: HttpRequest, application_id: int) -> HttpResponse:
    application = queries.access_application_for_user(request.user, application_id)
    queries.require_reviewer(request.user, application)
    data = _require_valid(PaymentForm(request.POST))
    service.record_application_payment(
        application, actor=request.user, paid_on=data["paid_on"],
        payment_ref=data["payment_ref"], now=timezone.now(),
    )  # fmt: skip
    messages.success(request, "已登记拨付。")
    return redirect(application)


@login_required
@require_POST
def application_resubmit(request: HttpRequest, application_id: int) -> HttpResponse:
    application = queries.access_application_for_user(request.user, application_id)
    form = ApplicationForm(
        request.POST, request.FILES, materials=application.policy.materials_list, required=False
    )
    data = _require_valid(form)
    service.resubmit_application(
        application, actor=request.user, data=data, files=form.files_by_material(),
        now=timezone.now(),
    )  # fmt: skip
    messages.success(request, "已重新提交，审核时限重新计算。")
    return redirect(application)


@login_required
def application_material(request: HttpRequest, application_id: int, material_id: int):
    application = queries.access_application_for_user(request.user, application_id)
    material = application.materials.filter(pk=material_id).first()
    if material is None:
        raise NotFound("材料不存在，或您没有查看它的权限。")
    audit.record(
        request.user, "application.viewed_attachment", material, unit=application.audit_unit_id
    )
    return FileResponse(
        material.file.open("rb"), as_attachment=True, filename=material.original_name
    )


# ---------------------------------------------------------------- 资金池、上级资金、服务对象清单


@login_required
def funds(request: HttpRequest) -> HttpResponse:
    user = request.user
    budgets = queries.visible_budgets_for_user(user)
    arrivals = queries.visible_arrivals_for_user(user)[:50]
    lists = queries.visible_target_lists_for_user(user)[:50]
    policies = queries.staff_policies_for_user(user).order_by("code")
    manageable = [p for p in policies if queries.can_manage_delivery(user, p)]
    ids = [p.pk for p in manageable]
    year = timezone.localdate().year
    return render(
        request,
        "policies/funds.html",
        {
            "budgets": budgets,
            "arrivals": arrivals,
            "lists": lists,
            "manageable": manageable,
            "budget_form": BudgetForm(policies=policies.filter(pk__in=ids), initial={"year": year}),
            "arrival_form": ArrivalForm(
                policies=policies.filter(pk__in=ids),
                initial={"year": year, "arrived_on": timezone.localdate()},
            ),
            "disburse_form": DisbursementForm(initial={"disbursed_on": timezone.localdate()}),
            "today": timezone.localdate(),
        },
    )


def _delivery_policy(request: HttpRequest, form):
    data = _require_valid(form)
    policy = data["policy"]
    queries.require_delivery_manager(request.user, policy)
    return policy, data


@login_required
@require_POST
def budget_set(request: HttpRequest) -> HttpResponse:
    policies = queries.staff_policies_for_user(request.user)
    policy, data = _delivery_policy(request, BudgetForm(request.POST, policies=policies))
    service.set_budget(
        policy, year=data["year"], total=data["total"], actor=request.user, now=timezone.now()
    )
    messages.success(request, "资金池已保存。")
    return redirect("policies:funds")


@login_required
@require_POST
def arrival_new(request: HttpRequest) -> HttpResponse:
    policies = queries.staff_policies_for_user(request.user)
    policy, data = _delivery_policy(request, ArrivalForm(request.POST, policies=policies))
    arrival = service.record_fund_arrival(
        policy, year=data["year"], amount=data["amount"], source=data["source"],
        document_number=data["document_number"], arrived_on=data["arrived_on"],
        actor=request.user, now=timezone.now(),
    )  # fmt: skip
    messages.success(
        request,
        f"已登记。请于 {arrival.due_on} 前下达县（区）或直接足额拨付给企业（到达本级15日内）。",
    )
    return redirect("policies:funds")


@login_required
@require_POST
def arrival_disburse(request: HttpRequest, arrival_id: int) -> HttpResponse:
    arrival = queries.access_arrival_for_user(request.user, arrival_id)
    data = _require_valid(DisbursementForm(request.POST))
    service.record_fund_disbursement(
        arrival, disbursed_on=data["disbursed_on"], note=data["note"], actor=request.user,
        now=timezone.now(),
    )  # fmt: skip
    messages.success(request, "已登记下达或拨付。")
    return redirect("policies:funds")


@login_required
@require_POST
def target_refresh(request: HttpRequest, code: str) -> HttpResponse:
    policy = queries.access_staff_policy(request.user, code)
    target_list = service.refresh_service_target_list(
        policy, actor=request.user, now=timezone.now()
    )
    messages.success(
        request,
        f"{target_list.year} 年第 {target_list.quarter} 季度服务对象清单已更新：{target_list.entry_count} 家企业。",
    )
    return redirect("policies:target_list", list_id=target_list.pk)


@login_required
def target_list(request: HttpRequest, list_id: int) -> HttpResponse:
    target = queries.access_target_list_for_user(request.user, list_id)
    page = Paginator(target.entries.all(), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "policies/target_list.html",
        {
            "target": target,
            "page": page,
            "can_refresh": queries.can_manage_delivery(request.user, target.policy),
            "refresh_url": reverse("policies:target_refresh", args=[target.policy.code]),
        },
    )
