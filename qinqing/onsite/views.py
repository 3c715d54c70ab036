"""Pages of on-site checks: thin (parse, call a service, route).

Every protected read goes through ``queries``; every write is one service call. A refused
action is shown on the page it came from with the service's Chinese message, the form
keeps what was typed, and nothing has been written.
"""

from __future__ import annotations

import io

import qrcode
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.core.accounts.access import has_capability, require_capability, scope_area
from qinqing.core.errors import IllegalTransition, InvalidInput, NotFound
from qinqing.onsite import exports, forms, queries, rules, service
from qinqing.onsite.models import (
    CheckRegistration,
    LeniencyListVersion,
    ProposalState,
    RegistrationState,
    VersionState,
)

REFUSED = (InvalidInput, IllegalTransition)


# ---------------------------------------------------------------- registrations


@login_required
def registration_list(request: HttpRequest) -> HttpResponse:
    rows = queries.visible_registrations_for_user(request.user).select_related("unit", "enterprise")
    state = request.GET.get("state", "")
    if state in RegistrationState.values:
        rows = rows.filter(state=state)
    page = Paginator(rows.order_by("-planned_on", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "onsite/list.html",
        {
            "page": page,
            "state": state,
            "states": RegistrationState.choices,
            "can_register": queries.can_register(request.user),
            "can_approve": queries.can_approve(request.user),
            "refusals": queries.visible_drawn_refusals_for_user(request.user)[:50],
        },
    )


def _registration_form_page(request, form, *, afterwards=False, error="", status=200):
    join_id = request.POST.get("join") or request.GET.get("join") or ""
    return render(
        request,
        "onsite/register.html",
        {"form": form, "afterwards": afterwards, "error": error,
         "join_id": join_id if join_id.isdigit() else ""},
        status=status,
    )  # fmt: skip


@login_required
def register(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "onsite.register")
    unit = queries.own_unit(request.user)
    if unit is None:
        raise NotFound("只有部门工作人员可以登记本单位的入企检查。")
    join = None
    join_id = request.POST.get("join") or request.GET.get("join") or ""
    if join_id.isdigit():
        # another unit's registration in the same area: joined only with the same enterprise
        # and day typed in (the service checks both), never shown here
        join = CheckRegistration.objects.filter(
            pk=int(join_id), area__path__startswith=unit.area().path
        ).first()
    if request.method != "POST":
        initial: dict[str, object] = {}
        return _registration_form_page(
            request, forms.RegistrationForm(user=request.user, initial=initial)
        )
    form = forms.RegistrationForm(request.POST, user=request.user)
    if not form.is_valid():
        return _registration_form_page(request, form, status=400)
    data = form.cleaned_data
    try:
        registration = service.register_check(
            actor=request.user,
            now=timezone.now(),
            unit=unit,
            enterprise=data["enterprise"],
            category=data["category"],
            reason=data["reason"],
            legal_basis=data["legal_basis"],
            items=data["items"],
            inspectors=data["inspectors"],
            planned_on=data["planned_on"],
            exemption_reason=data["exemption_reason"],
            join=join,
        )
    except REFUSED as exc:
        return _registration_form_page(request, form, error=exc.message, status=400)
    text = f"已备案：{registration.enterprise.name} {registration.planned_on.isoformat()}。"
    if registration.state == RegistrationState.PENDING:
        text += "本地区要求入企前经营商办核准，核准后方可入企。"
    if registration.calendar_provisional:
        text += "该日期所在年度的节假日安排尚未公布，工作日按暂定日历判断。"
    messages.success(request, text)
    return redirect(registration)


@login_required
def record_afterwards(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "onsite.register")
    unit = queries.own_unit(request.user)
    if unit is None:
        raise NotFound("只有部门工作人员可以补录本单位的入企检查。")
    if request.method != "POST":
        return _registration_form_page(
            request, forms.AfterwardsForm(user=request.user), afterwards=True
        )
    form = forms.AfterwardsForm(request.POST, user=request.user)
    if not form.is_valid():
        return _registration_form_page(request, form, afterwards=True, status=400)
    data = form.cleaned_data
    try:
        registration = service.record_check_afterwards(
            actor=request.user,
            now=timezone.now(),
            unit=unit,
            enterprise=data["enterprise"],
            category=data["category"],
            reason=data["reason"],
            legal_basis=data["legal_basis"],
            items=data["items"],
            inspectors=data["inspectors"],
            visited_on=data["planned_on"],
            late_reason=data["late_reason"],
            result=data["result"],
        )
    except REFUSED as exc:
        return _registration_form_page(
            request, form, afterwards=True, error=exc.message, status=400
        )
    messages.success(request, "已补录。")
    return redirect(registration)


def _detail_page(request, registration, *, error="", status=200):
    return render(
        request,
        "onsite/detail.html",
        {
            "r": registration,
            "items": registration.items.all(),
            "inspectors": registration.inspectors.all(),
            "scans": registration.scans.all(),
            "error": error,
            "can_decide": queries.can_approve(request.user)
            and registration.state == RegistrationState.PENDING,
            "is_own": queries.own_unit(request.user) == registration.unit
            and queries.can_register(request.user),
            "open": registration.state in service.OPEN_STATES,
            "finishable": registration.state
            in (
                RegistrationState.ARRIVED,
                RegistrationState.REGISTERED,
                RegistrationState.APPROVED,
            ),
        },
        status=status,
    )


@login_required
def detail(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = queries.access_registration_for_user(request.user, registration_id)
    return _detail_page(request, registration)


@login_required
@require_POST
def decide(request: HttpRequest, registration_id: int, decision: str) -> HttpResponse:
    registration = queries.access_registration_for_approval(request.user, registration_id)
    note = request.POST.get("note", "")
    try:
        if decision == "approve":
            service.approve_entry(registration, actor=request.user, now=timezone.now(), note=note)
            messages.success(request, "已核准入企。")
        else:
            service.reject_entry(registration, actor=request.user, now=timezone.now(), note=note)
            messages.success(request, "已不予核准。")
    except REFUSED as exc:
        return _detail_page(request, registration, error=exc.message, status=400)
    return redirect(registration)


@login_required
@require_POST
def unit_action(request: HttpRequest, registration_id: int, action: str) -> HttpResponse:
    registration = queries.access_registration_for_unit(request.user, registration_id)
    now = timezone.now()
    try:
        if action == "cancel":
            service.cancel_registration(registration, actor=request.user, now=now,
                                        reason=request.POST.get("reason", ""))  # fmt: skip
            messages.success(request, "已取消备案。")
        elif action == "finish":
            service.finish_check(registration, actor=request.user, now=now,
                                 result=request.POST.get("result", ""))  # fmt: skip
            messages.success(request, "已登记检查结果。")
        else:
            raise NotFound("没有这项操作。")
    except REFUSED as exc:
        return _detail_page(request, registration, error=exc.message, status=400)
    return redirect(registration)


# ---------------------------------------------------------------- joint visits


@login_required
def proposals(request: HttpRequest) -> HttpResponse:
    rows = (
        queries.visible_proposals_for_user(request.user)
        .select_related("enterprise")
        .prefetch_related("members__unit")
        .order_by("-month", "proposed_on")
    )
    error, status = "", 200
    if request.method == "POST":
        require_capability(request.user, "onsite.approve")
        now = timezone.now()
        try:
            if request.POST.get("action") == "generate":
                created = service.propose_joint_visits(month=timezone.localdate(now), now=now)
                created += service.propose_joint_visits(
                    month=rules.add_months(timezone.localdate(now).replace(day=1), 1), now=now
                )
                messages.success(request, f"新生成联合检查建议 {created} 条。")
            else:
                proposal = queries.access_proposal_for_approval(
                    request.user, int(request.POST.get("proposal", "0") or 0)
                )
                if request.POST.get("action") == "accept":
                    service.accept_joint_visit(proposal, actor=request.user, now=now)
                    messages.success(request, f"已合并为 {proposal.proposed_on} 的联合检查。")
                else:
                    service.dismiss_joint_visit(proposal, actor=request.user, now=now)
                    messages.success(request, "已标记为不合并。")
            return redirect("onsite:proposals")
        except REFUSED as exc:
            error, status = exc.message, 400
    return render(
        request,
        "onsite/proposals.html",
        {
            "rows": rows[:300],
            "can_approve": queries.can_approve(request.user),
            "proposed": ProposalState.PROPOSED,
            "error": error,
        },
        status=status,
    )


# ---------------------------------------------------------------- 码上监督


@login_required
def scan(request: HttpRequest, token: str) -> HttpResponse:
    """The page the enterprise's QR code opens: the inspector, as themself, confirms arrival."""
    code = queries.code_for_token(token)
    enterprise = code.enterprise
    mine = queries.enterprise_of_user(request.user)
    if mine is not None and mine.pk == enterprise.pk:
        return redirect("onsite:mine")
    inspector = queries.scanning_inspector(request.user)
    today = timezone.localdate()
    error, status = "", 200
    if request.method == "POST":
        registration = (
            queries.scannable_registrations(inspector, enterprise, today)
            .filter(pk=int(request.POST.get("registration", "0") or 0))
            .first()
        )
        if registration is None:
            raise NotFound("该检查备案不存在，或不是本单位今天对该企业的检查。")
        try:
            service.scan_arrival(
                registration, actor=request.user, inspector=inspector, now=timezone.now()
            )
            messages.success(request, "已确认入企，企业可在手机上看到本次检查。")
            return redirect("onsite:scan", token=token)
        except REFUSED as exc:
            error, status = exc.message, 400
    rows = list(
        queries.scannable_registrations(inspector, enterprise, today)
        .select_related("unit")
        .prefetch_related("inspectors")
    )
    on_team = {r.pk for r in rows if any(p.pk == inspector.pk for p in r.inspectors.all())}
    return render(
        request,
        "onsite/scan.html",
        {"enterprise": enterprise, "rows": rows, "today": today, "error": error, "token": token,
         "inspector": inspector, "on_team": on_team},
        status=status,
    )  # fmt: skip


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    rows = queries.enterprise_checks_for_user(request.user).select_related("unit")
    enterprise = queries.enterprise_of_user(request.user)
    return render(
        request,
        "onsite/mine.html",
        {"rows": rows.order_by("-planned_on", "-id")[:200], "enterprise": enterprise},
    )


@login_required
def my_code(request: HttpRequest) -> HttpResponse:

    require_capability(request.user, "onsite.enterprise")
    enterprise = queries.enterprise_of_user(request.user)
    if enterprise is None:
        raise NotFound("企业库中没有本账号绑定的企业，请联系营商办核对统一社会信用代码。")
    code = service.code_for_enterprise(enterprise, now=timezone.now())
    url = request.build_absolute_uri(reverse("onsite:scan", args=[code.token]))
    image = qrcode.make(url, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Content-Disposition"] = 'inline; filename="enterprise-code.png"'
    return response


@login_required
def report(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "onsite.enterprise")
    enterprise = queries.enterprise_of_user(request.user)
    if enterprise is None:
        raise NotFound("企业库中没有本账号绑定的企业，请联系营商办核对统一社会信用代码。")
    form = forms.ReportForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                service.report_unregistered_visit(actor=request.user, now=timezone.now(),
                                                  enterprise=enterprise, **data)  # fmt: skip
                messages.success(
                    request, "已收到您的反映，已转为诉求办理；涉及作风问题的已移送纪检监察机关。"
                )
                return redirect("onsite:mine")
            except REFUSED as exc:
                error = exc.message
        status = 400
    return render(request, "onsite/report.html", {"form": form, "error": error}, status=status)


# ---------------------------------------------------------------- 免罚清单 and cases


@login_required
def lists(request: HttpRequest) -> HttpResponse:
    rows = queries.visible_lists_for_user(request.user).select_related("unit")
    unit = queries.own_unit(request.user)
    can_edit = unit is not None and has_capability(request.user, "onsite.lists")
    form = forms.ListForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST":
        require_capability(request.user, "onsite.lists")
        if unit is None:
            raise NotFound("只有执法部门可以新建本单位的免罚清单。")
        if form.is_valid():
            try:
                created = service.create_leniency_list(actor=request.user, now=timezone.now(),
                                                       unit=unit, **form.cleaned_data)  # fmt: skip
                return redirect(created)
            except REFUSED as exc:
                error = exc.message
        status = 400
    return render(request, "onsite/lists.html",
                  {"rows": rows, "form": form, "can_edit": can_edit, "error": error}, status=status)  # fmt: skip


@login_required
def list_detail(request: HttpRequest, list_id: int) -> HttpResponse:
    leniency_list = queries.access_list_for_user(request.user, list_id)
    entry_form, publish_form = forms.EntryForm(), forms.PublishForm()
    error, status = "", 200
    if request.method == "POST":
        leniency_list = queries.access_list_for_edit(request.user, list_id)
        action, now = request.POST.get("action", ""), timezone.now()
        draft = service.draft_of(leniency_list)
        try:
            if action == "revise":
                service.start_revision(leniency_list, actor=request.user, now=now)
                return redirect(leniency_list)
            if draft is None:
                raise InvalidInput("该清单没有草稿版本，请先“修订新版本”。")
            if action == "entry":
                entry_form = forms.EntryForm(request.POST)
                if not entry_form.is_valid():
                    raise InvalidInput("请补全事项的各项内容。")
                service.save_entry(draft, actor=request.user, now=now, **entry_form.cleaned_data)
                return redirect(leniency_list)
            if action == "remove":
                service.remove_entry(
                    draft, actor=request.user, now=now, code=request.POST.get("code", "")
                )
                return redirect(leniency_list)
            if action == "publish":
                publish_form = forms.PublishForm(request.POST)
                if not publish_form.is_valid():
                    raise InvalidInput("请填写施行日期和发布文件。")
                version = service.publish_version(draft, actor=request.user, now=now,
                                                  **publish_form.cleaned_data)  # fmt: skip
                messages.success(
                    request,
                    f"已发布{rules.version_name(version.number)}：{version.diff['summary']}。",
                )
                return redirect(leniency_list)
            raise NotFound("没有这项操作。")
        except REFUSED as exc:
            error, status = exc.message, 400
    versions = leniency_list.versions.prefetch_related("entries").order_by("-number")
    draft = next((v for v in versions if v.state == VersionState.DRAFT), None)
    can_edit = queries.own_unit(request.user) == leniency_list.unit and has_capability(
        request.user, "onsite.lists"
    )
    return render(
        request,
        "onsite/list_detail.html",
        {"list": leniency_list, "versions": versions, "draft": draft, "can_edit": can_edit,
         "entry_form": entry_form, "publish_form": publish_form, "error": error},
        status=status,
    )  # fmt: skip


@login_required
def cases(request: HttpRequest) -> HttpResponse:
    rows = queries.visible_cases_for_user(request.user).select_related(
        "unit", "entry", "enterprise"
    )
    unit = queries.own_unit(request.user)
    can_record = unit is not None and has_capability(request.user, "onsite.cases")
    form = forms.CaseForm(request.POST or None, user=request.user)
    error, status = "", 200
    if request.method == "POST":
        require_capability(request.user, "onsite.cases")
        if unit is None:
            raise NotFound("只有执法部门可以登记柔性执法案例。")
        if form.is_valid():
            try:
                service.record_flexible_case(actor=request.user, now=timezone.now(), unit=unit,
                                             **form.cleaned_data)  # fmt: skip
                messages.success(request, "已登记柔性执法案例。")
                return redirect("onsite:cases")
            except REFUSED as exc:
                error = exc.message
        status = 400
    return render(request, "onsite/cases.html",
                  {"rows": rows[:300], "form": form, "can_record": can_record, "error": error},
                  status=status)  # fmt: skip


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "onsite.approve")
    area = scope_area(request.user)
    if area is None:
        raise NotFound("只有营商办可以设置本地区的入企检查规则。")
    current = queries.settings_for_area(area)
    form = forms.SettingsForm(request.POST or None, instance=current if current.pk and current.area_id == area.pk else None,
                              initial=None if current.pk else {})  # fmt: skip
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                service.save_settings(actor=request.user, now=timezone.now(), area=area,
                                      **{k: form.cleaned_data[k] for k in form.Meta.fields})  # fmt: skip
                messages.success(request, "已保存入企检查规则。")
                return redirect("onsite:settings")
            except REFUSED as exc:
                error = exc.message
        status = 400
    reports = queries.visible_reports_for_user(request.user).select_related("enterprise")[:50]
    return render(request, "onsite/settings.html",
                  {"form": form, "area": area, "error": error, "reports": reports}, status=status)  # fmt: skip


# ---------------------------------------------------------------- public pages


def public_lists(request: HttpRequest) -> HttpResponse:
    versions = queries.public_versions().prefetch_related("entries")
    return render(request, "onsite/public_lists.html", {"versions": versions})


def public_version(request: HttpRequest, version_id: int) -> HttpResponse:
    version = (
        LeniencyListVersion.objects.filter(pk=version_id)
        .exclude(state=VersionState.DRAFT)
        .select_related("leniency_list__unit")
        .first()
    )
    if version is None:
        raise NotFound("该清单版本不存在或尚未发布。")
    return render(request, "onsite/public_version.html",
                  {"v": version, "entries": version.entries.all(),
                   "earlier": version.leniency_list.versions.exclude(state=VersionState.DRAFT)})  # fmt: skip


def public_lists_xlsx(request: HttpRequest) -> HttpResponse:
    content = exports.leniency_workbook(queries.public_versions().prefetch_related("entries"))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="leniency-lists.xlsx"'
    return response


def public_matters(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "onsite/public_matters.html",
        {"matters": queries.public_matters(), "notices": queries.public_penalty_notices(today)},
    )


# ---------------------------------------------------------------- registries


def _require_registry_unit(user):
    require_capability(user, "onsite.registries")
    unit = queries.own_unit(user)
    if unit is None:
        raise NotFound("只有执法部门可以维护本单位的执法事项、执法结果互认和处罚公示。")
    return unit


@login_required
def matters(request: HttpRequest) -> HttpResponse:
    """执法事项清单 of the unit (or of the office's area), and a form for a new one."""
    rows = queries.visible_matters_for_user(request.user).select_related("unit")
    can_edit = queries.can_keep_registries(request.user)
    form = forms.MatterForm(request.POST or None, user=request.user)
    error, status = "", 200
    if request.method == "POST":
        unit = _require_registry_unit(request.user)
        if form.is_valid():
            try:
                matter = service.create_matter(actor=request.user, now=timezone.now(), unit=unit,
                                               **form.cleaned_data)  # fmt: skip
                messages.success(request, f"已新增执法事项“{matter.name}”。")
                return redirect("onsite:matter", matter_id=matter.pk)
            except REFUSED as exc:
                error = exc.message
        status = 400
    return render(request, "onsite/matters.html",
                  {"rows": rows, "form": form, "can_edit": can_edit, "error": error}, status=status)  # fmt: skip


@login_required
def matter_detail(request: HttpRequest, matter_id: int) -> HttpResponse:
    """One matter: its 裁量基准, and for its own unit the edit forms."""
    matter = queries.access_matter_for_user(request.user, matter_id)
    initial = {"name": matter.name, "kind": matter.kind, "legal_basis": matter.legal_basis,
               "inspection_items": list(matter.inspection_items.all()), "active": matter.active}  # fmt: skip
    form = forms.MatterForm(user=request.user, editing=True, initial=initial)
    standard_form = forms.StandardForm()
    error, status = "", 200
    if request.method == "POST":
        matter = queries.access_matter_for_edit(request.user, matter_id)
        action, now = request.POST.get("action", ""), timezone.now()
        try:
            if action == "edit":
                form = forms.MatterForm(request.POST, user=request.user, editing=True)
                if not form.is_valid():
                    raise InvalidInput("请补全执法事项的各项内容。")
                service.update_matter(matter, actor=request.user, now=now, **form.cleaned_data)
                messages.success(request, "已保存执法事项。")
                return redirect("onsite:matter", matter_id=matter.pk)
            if action == "standard":
                standard_form = forms.StandardForm(request.POST)
                if not standard_form.is_valid():
                    raise InvalidInput("请补全裁量基准的违法程度、违法情节和裁量结果。")
                service.add_standard(matter, actor=request.user, now=now,
                                     **standard_form.cleaned_data)  # fmt: skip
                messages.success(request, "已新增裁量基准。")
                return redirect("onsite:matter", matter_id=matter.pk)
            if action == "remove_standard":
                standard = matter.standards.filter(
                    pk=int(request.POST.get("standard", "0") or 0)
                ).first()
                if standard is None:
                    raise NotFound("该裁量基准不存在。")
                service.remove_standard(standard, actor=request.user, now=now)
                messages.success(request, "已删除裁量基准。")
                return redirect("onsite:matter", matter_id=matter.pk)
            raise NotFound("没有这项操作。")
        except REFUSED as exc:
            error, status = exc.message, 400
    can_edit = queries.own_unit(request.user) == matter.unit and has_capability(
        request.user, "onsite.registries"
    )
    return render(
        request,
        "onsite/matter_detail.html",
        {"matter": matter, "standards": matter.standards.all(), "form": form,
         "standard_form": standard_form, "can_edit": can_edit, "error": error},
        status=status,
    )  # fmt: skip


@login_required
def recognitions(request: HttpRequest) -> HttpResponse:
    """执法结果互认: which other department's results the unit accepts for its own items."""
    rows = queries.visible_recognitions_for_user(request.user)
    can_edit = queries.can_keep_registries(request.user)
    form = forms.RecognitionForm(request.POST or None, user=request.user)
    error, status = "", 200
    if request.method == "POST":
        unit = _require_registry_unit(request.user)
        now = timezone.now()
        if request.POST.get("action") == "remove":
            link = queries.access_recognition_for_edit(
                request.user, int(request.POST.get("link", "0") or 0)
            )
            service.unlink_recognition(link, actor=request.user, now=now)
            messages.success(request, "已撤销该项执法结果互认。")
            return redirect("onsite:recognitions")
        if form.is_valid():
            try:
                service.link_recognition(actor=request.user, now=now, unit=unit,
                                         **form.cleaned_data)  # fmt: skip
                messages.success(request, "已登记执法结果互认。")
                return redirect("onsite:recognitions")
            except REFUSED as exc:
                error = exc.message
        status = 400
    return render(request, "onsite/recognitions.html",
                  {"rows": rows, "form": form, "can_edit": can_edit, "error": error,
                   "unit": queries.own_unit(request.user)}, status=status)  # fmt: skip


@login_required
def penalties(request: HttpRequest) -> HttpResponse:
    """行政处罚信息公示 of the unit: the public page shows each until its period ends."""
    rows = queries.visible_penalty_notices_for_user(request.user)
    can_edit = queries.can_keep_registries(request.user)
    form = forms.PenaltyForm(request.POST or None, user=request.user)
    error, status = "", 200
    if request.method == "POST":
        unit = _require_registry_unit(request.user)
        if form.is_valid():
            try:
                service.publish_penalty_notice(actor=request.user, now=timezone.now(), unit=unit,
                                               **form.cleaned_data)  # fmt: skip
                messages.success(request, "已公示行政处罚信息。")
                return redirect("onsite:penalties")
            except REFUSED as exc:
                error = exc.message
        status = 400
    return render(request, "onsite/penalties.html",
                  {"rows": rows[:300], "form": form, "can_edit": can_edit, "error": error},
                  status=status)  # fmt: skip
