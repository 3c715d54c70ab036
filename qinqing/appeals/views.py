"""Pages of 接诉即办. Thin: parse, call a query or a service, render or redirect."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.appeals import figures, queries, rules, service, suggest
from qinqing.appeals.choices import (
    OPEN_TICKET_STATES,
    PUBLIC_EVENT_KINDS,
    AppealState,
    AppealType,
    Channel,
    DuplicateState,
    EventKind,
    HardCaseKind,
    HardCaseState,
    LeadState,
    QrKind,
    RectificationState,
    SlaStatus,
    TicketState,
)
from qinqing.appeals.forms import (
    AppealForm,
    CallbackForm,
    DispatchForm,
    HardCaseForm,
    QrForm,
    RatingForm,
    ServiceRatingForm,
)
from qinqing.appeals.models import Appeal, Ticket
from qinqing.core import audit
from qinqing.core.accounts.access import (
    has_capability,
    profile_of,
    require_capability,
    scope_area,
    user_unit,
    user_uscc,
)
from qinqing.core.client_address import client_ip
from qinqing.core.errors import InvalidInput, NotFound, PermissionDenied
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import get_calendar

PUBLIC_LIMIT = 5  # submissions per address …
PUBLIC_WINDOW = 600  # … per ten minutes


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


def _ticket_status(ticket: Ticket, now: dt.datetime, calendar, yellow: float) -> str:
    if ticket.state not in OPEN_TICKET_STATES:
        return SlaStatus.DONE
    if ticket.paused_since is not None:
        return SlaStatus.PAUSED
    signing = ticket.state == TicketState.DISPATCHED
    due = ticket.sign_due_at if signing else ticket.reply_due_at
    if signing:
        total, unit, paused = ticket.sign_limit, ticket.sign_unit, 0
    else:
        total = ticket.reply_limit + ticket.extension_amount
        unit, paused = ticket.reply_unit, ticket.paused_amount
    share = rules.used_share(ticket.dispatched_at, total, unit, paused, now, calendar=calendar)
    return rules.sla_status(now, due, share, yellow_share=yellow)


def _decorate_tickets(tickets, now, area=None):
    calendar = get_calendar()
    yellow = service.settings_for(area).yellow_share if area else 0.8
    for t in tickets:
        status = SlaStatus(_ticket_status(t, now, calendar, yellow))
        t.sla = status.value
        t.sla_label = status.label
        t.due = t.sign_due_at if t.state == TicketState.DISPATCHED else t.reply_due_at
    return tickets


def _timeline(user, appeal: Appeal) -> list:
    events = appeal.events.select_related("ticket__unit").order_by("at", "pk")
    enterprise = has_capability(user, "appeals.submit")
    own_unit = user_unit(user).pk if queries.unit_scoped(user) and user_unit(user) else None
    out = []
    for e in events:
        if enterprise and e.kind not in PUBLIC_EVENT_KINDS:
            continue
        if own_unit is not None and e.ticket_id and e.ticket.unit_id != own_unit:
            continue  # another unit's handling
        show_note = (not enterprise) or e.kind in (EventKind.REPLIED, EventKind.ANSWERED)
        out.append(
            {
                "at": e.at,
                "label": EventKind(e.kind).label,
                "kind": e.kind,
                "unit": (e.ticket.unit.name if e.ticket_id else (e.data or {}).get("unit", "")),
                "actor": "" if enterprise else e.actor_label,
                "note": e.note if show_note else "",
            }
        )
    return out


def _client_ip(request: HttpRequest) -> str:
    # behind the trusted reverse proxy: the client's address, not the proxy's
    return client_ip(request)


def _rate_limited(request: HttpRequest, scope: str) -> bool:
    key = f"appeals:rate:{scope}:{_client_ip(request)}"
    if cache.add(key, 1, PUBLIC_WINDOW):
        return False
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, PUBLIC_WINDOW)
        return False
    return count > PUBLIC_LIMIT


def _parse_date(value: str | None, default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"日期“{value}”格式不对，请按 2026-01-31 的格式填写。") from None


def _figure_area(user) -> Unit:
    require_capability(user, "appeals.view")
    area = scope_area(user)
    if area is None:
        unit = user_unit(user)
        area = unit.area() if unit else None
    if area is None:
        raise PermissionDenied("您的账号没有所属地区，无法查看统计。")
    return area


# ---------------------------------------------------------------------------------------
# Lists and detail
# ---------------------------------------------------------------------------------------


@login_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    """诉求总览 (office, leader, units) or 我的诉求 (enterprise), with drill-down filters."""
    queries.require_appeals_access(request.user)
    appeals, drill = _filtered_appeals(request)
    if request.GET.get("format") == "xlsx" and not has_capability(request.user, "appeals.submit"):
        return _appeal_export(appeals)
    page = Paginator(appeals.select_related("locality").order_by("-received_at", "-pk"), 30)
    page = page.get_page(request.GET.get("page"))
    redacted = {a.pk for a in page if not queries.can_read_details(request.user, a)}
    query = request.GET.copy()
    query.pop("page", None)
    export = query.copy()
    export["format"] = "xlsx"
    return render(
        request,
        "appeals/list.html",
        {
            "page": page,
            "redacted": redacted,
            "states": AppealState.choices,
            "types": AppealType.choices,
            "channels": Channel.choices,
            "filters": request.GET,
            "drill": drill,
            "enterprise": has_capability(request.user, "appeals.submit"),
            "query": query.urlencode(),
            "export_query": export.urlencode(),
        },
    )


def _appeal_export(appeals) -> HttpResponse:
    """诉求总览 as a workbook: the rows the filters select (referred ones without text)."""
    from urllib.parse import quote

    from qinqing.core.files.xlsx import write_workbook

    rows = appeals.select_related("locality").order_by("-received_at", "-pk")[:5000]
    headers = [
        "编号",
        "标题",
        "企业",
        "统一社会信用代码",
        "类型",
        "渠道",
        "属地",
        "受理时间",
        "状态",
    ]
    data = write_workbook(
        headers,
        (
            [
                a.number,
                "（已移送纪检监察机关）" if a.state == AppealState.REFERRED else a.title,
                a.enterprise_name,
                a.enterprise_uscc,
                a.get_appeal_type_display(),
                a.get_channel_display(),
                a.locality.name,
                timezone.localtime(a.received_at).strftime("%Y-%m-%d %H:%M"),
                a.get_state_display(),
            ]
            for a in rows
        ),
        title="诉求总览",
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"诉求总览-{timezone.localdate().isoformat()}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _filtered_appeals(request: HttpRequest):
    appeals = queries.visible_appeals_for_user(request.user).filter(
        queries.appeal_filter_q(request.GET, now=timezone.now())
    )
    drill = ""
    unit_id = request.GET.get("unit")
    if unit_id and unit_id.isdigit():
        today = timezone.localdate()
        start = _parse_date(request.GET.get("start"), today.replace(month=1, day=1))
        end = _parse_date(request.GET.get("end"), today)
        lo, hi = figures.period_bounds(start, end)
        tickets = Ticket.objects.filter(dispatched_at__gte=lo, dispatched_at__lt=hi)
        if request.GET.get("level") == "county":
            county = Unit.objects.filter(pk=int(unit_id)).first()
            tickets = tickets.filter(unit__path__startswith=county.path if county else "-")
        else:
            tickets = tickets.filter(unit_id=int(unit_id))
        metric = request.GET.get("metric", "")
        if metric == "late_sign":
            tickets = tickets.filter(signed_on_time=False)
        elif metric == "late_reply":
            tickets = tickets.filter(replied_on_time=False)
        elif metric == "unsatisfied":
            tickets = tickets.filter(callbacks__satisfaction="unsatisfied")
        appeals = appeals.filter(pk__in=tickets.values("appeal_id"))
        drill = f"{start} 至 {end}"
    return appeals, drill


@login_required
def appeal_detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = queries.access_appeal_for_user(request.user, appeal_id)
    user = request.user
    now = timezone.now()
    if not queries.can_read_details(user, appeal):
        return render(request, "appeals/referred.html", {"appeal": appeal})
    is_office = has_capability(user, "appeals.dispatch") and scope_area(user) is not None
    unit = user_unit(user)
    tickets = list(appeal.tickets.select_related("unit").order_by("dispatched_at", "pk"))
    if not (is_office or has_capability(user, "appeals.view")):
        tickets = []
    elif queries.unit_scoped(user):  # a unit sees its own tickets only
        tickets = [t for t in tickets if unit and t.unit_id == unit.pk]
    _decorate_tickets(tickets, now, appeal.locality)
    my_tickets = [
        t
        for t in tickets
        if has_capability(user, "appeals.handle") and unit and t.unit_id == unit.pk
    ]
    phone = appeal.masked_phone
    if queries.can_see_phone(user, appeal):
        phone = appeal.contact_phone
        if queries.phone_view_needs_audit(user, appeal):
            audit.record(user, "appeal.viewed_phone", appeal, unit=unit.pk if unit else None)
    context = {
        "appeal": appeal,
        "phone": phone,
        "timeline": _timeline(user, appeal),
        "tickets": tickets,
        "my_tickets": [t for t in my_tickets if t.is_open],
        "attachments": appeal.attachments.all(),
        "is_office": is_office,
        "callbacks": appeal.callbacks.select_related("unit") if is_office else [],
        "conduct_terms": rules.conduct_terms(appeal.title + appeal.content) if is_office else [],
    }
    if is_office and appeal.state == AppealState.RECEIVED:
        found = suggest.suggest_for_appeals([appeal]).get(appeal.pk, [])
        if found and not appeal.suggestions:
            appeal.suggestions = [s.as_dict() for s in found]
            Appeal.objects.filter(pk=appeal.pk).update(suggestions=appeal.suggestions)
        units = list(queries.office_units(user))
        initial = {"primary_unit": found[0].unit_id} if found else {}
        context.update(
            suggestions=found,
            dispatch_form=DispatchForm(units=units, initial=initial),
            duplicates=appeal.duplicate_of.filter(state=DuplicateState.PENDING).select_related(
                "candidate"
            ),
        )
        if appeal.appeal_type == AppealType.CONSULTATION:
            config = service.settings_for(appeal.locality)
            context["knowledge"] = suggest.knowledge_match(appeal, config.knowledge_min_score)
    if is_office:
        context["transfer_units"] = queries.office_units(user)
        context["callback_form"] = CallbackForm() if appeal.state == AppealState.REPLIED else None
        if appeal.state == AppealState.REPLIED:
            context["callback_due"] = service.callback_due_at(appeal)
    if (
        has_capability(user, "appeals.submit")
        and appeal.state in (AppealState.CLOSED, AppealState.ANSWERED)
        and not hasattr(appeal, "rating")
    ):
        context["rating_form"] = RatingForm()
    if hasattr(appeal, "rating"):
        context["rating"] = appeal.rating
    return render(request, "appeals/detail.html", context)


@login_required
def attachment(request: HttpRequest, appeal_id: int, attachment_id: int) -> HttpResponse:
    appeal = queries.access_appeal_for_user(request.user, appeal_id)
    if not queries.can_read_details(request.user, appeal):
        raise NotFound(queries.APPEAL_NOT_FOUND)
    item = appeal.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise NotFound("附件不存在。")
    audit.record(request.user, "appeal.viewed_attachment", item, unit=appeal.locality_id)
    response = FileResponse(item.file.open("rb"), as_attachment=True, filename=item.original_name)
    response["Content-Type"] = item.content_type
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------------------
# Intake: enterprise web form, hotline entry, QR public form
# ---------------------------------------------------------------------------------------


def _intake(request, form, *, channel, locality=None, qr_entry=None, fixed=None):
    data = dict(form.cleaned_data)
    if fixed:
        data.update(fixed)
    return service.submit_appeal(
        actor=request.user,
        now=timezone.now(),
        channel=channel,
        data=data,
        locality=locality,
        qr_entry=qr_entry,
        files=data.pop("attachments", []) or [],
    )


@login_required
def appeal_new(request: HttpRequest) -> HttpResponse:
    """Enterprise web form (logged-in enterprise user; its own credit code)."""
    require_capability(request.user, "appeals.submit")
    profile = profile_of(request.user)
    fixed = {"enterprise_uscc": user_uscc(request.user), "enterprise_name": profile.enterprise_name}
    initial = {
        **fixed,
        "contact_name": request.user.get_full_name(),
        "contact_phone": profile.phone,
    }
    form = AppealForm(
        request.POST or None, request.FILES or None, initial=initial, enterprise_fixed=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            appeal = _intake(request, form, channel=Channel.WEB, fixed=fixed)
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, f"诉求已提交，编号 {appeal.number}。您可以在本页跟踪办理进度。"
            )
            return redirect(appeal)
    return render(
        request, "appeals/form.html", {"form": form, "heading": "提交诉求", "mode": "web"}
    )


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    """热线登记: an operator enters an appeal on a caller's behalf."""
    area = queries.office_area(request.user, "appeals.intake")
    form = AppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = _intake(request, form, channel=Channel.HOTLINE, locality=area)
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已登记诉求 {appeal.number}。")
            return redirect(appeal)
    return render(
        request, "appeals/form.html", {"form": form, "heading": "热线登记", "mode": "hotline"}
    )


def public_form(request: HttpRequest, token: str) -> HttpResponse:
    """码上反映: the form behind a QR code (no login needed; rate-limited; CSRF kept)."""
    entry = queries.public_qr_entry(token)
    user = request.user
    enterprise_user = user.is_authenticated and has_capability(user, "appeals.submit")
    fixed = None
    initial: dict = {}
    if enterprise_user:
        profile = profile_of(user)
        fixed = {"enterprise_uscc": user_uscc(user), "enterprise_name": profile.enterprise_name}
        initial.update(fixed, contact_name=user.get_full_name(), contact_phone=profile.phone)
    elif entry.kind == QrKind.ENTERPRISE:
        initial.update(enterprise_uscc=entry.enterprise_uscc, enterprise_name=entry.enterprise_name)
    if entry.kind == QrKind.WINDOW:
        initial["place"] = f"{entry.unit.name if entry.unit else ''}{entry.window_name}"
    form = AppealForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        enterprise_fixed=enterprise_user,
    )
    if request.method == "POST":
        if _rate_limited(request, "qr"):
            return render(
                request,
                "web/error.html",
                {"message": "提交过于频繁，请 10 分钟后再试。如情况紧急，请拨打 12345 热线。"},
                status=429,
            )
        if form.is_valid():
            try:
                appeal = _intake(request, form, channel=Channel.QR, qr_entry=entry, fixed=fixed)
            except InvalidInput as exc:
                form.add_error(None, exc.message)
            else:
                if enterprise_user:
                    messages.success(request, f"诉求已提交，编号 {appeal.number}。")
                    return redirect(appeal)
                return render(
                    request, "appeals/public_done.html", {"appeal": appeal, "entry": entry}
                )
    return render(
        request,
        "appeals/form.html",
        {"form": form, "heading": "码上反映", "mode": "qr", "entry": entry},
    )


# ---------------------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """派单: the queue with the router's suggestions, duplicates and requests to decide."""
    appeals = list(
        queries.dispatch_queue(request.user).select_related("locality", "qr_entry")[:100]
    )
    found = suggest.suggest_for_appeals([a for a in appeals if not a.suggestions])
    for a in appeals:
        if a.pk in found and found[a.pk]:
            a.suggestions = [s.as_dict() for s in found[a.pk]]
            Appeal.objects.filter(pk=a.pk).update(suggestions=a.suggestions)
        a.pending_duplicates = a.duplicate_of.filter(state=DuplicateState.PENDING).count()
    requests = _decorate_tickets(list(queries.office_requests(request.user)), timezone.now())
    return render(
        request,
        "appeals/queue.html",
        {
            "appeals": appeals,
            "requests": requests,
            "model_ready": suggest.load_model() is not None,
        },
    )


@login_required
@require_POST
def dispatch(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = queries.access_appeal_for_office(request.user, appeal_id)
    units = {u.pk: u for u in queries.office_units(request.user)}
    form = DispatchForm(request.POST, units=units.values())
    if not form.is_valid():
        raise InvalidInput("请选择主办单位（协办单位可不选）。")
    service.dispatch_appeal(
        appeal,
        actor=request.user,
        now=timezone.now(),
        primary_unit=units[form.cleaned_data["primary_unit"]],
        assisting_units=[units[pk] for pk in form.cleaned_data["assisting_units"]],
        note=form.cleaned_data["note"],
    )
    messages.success(request, f"已派单：{units[form.cleaned_data['primary_unit']].name}（主办）。")
    return redirect("appeals:queue")


@login_required
@require_POST
def answer(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = queries.access_appeal_for_office(request.user, appeal_id)
    service.answer_on_the_spot(
        appeal,
        actor=request.user,
        now=timezone.now(),
        answer=request.POST.get("answer", ""),
        unit=profile_of(request.user).unit,
    )
    messages.success(request, "已即时办结。")
    return redirect(appeal)


@login_required
@require_POST
def refer(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = queries.access_appeal_for_office(request.user, appeal_id)
    lead = service.refer_to_discipline(
        appeal, actor=request.user, now=timezone.now(), note=request.POST.get("note", "")
    )
    messages.success(request, f"已移送纪检监察机关，线索编号 {lead.number}。")
    return redirect("appeals:queue")


@login_required
@require_POST
def duplicate_decide(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = queries.access_duplicate_for_office(request.user, proposal_id)
    now = timezone.now()
    if request.POST.get("action") == "merge":
        target = service.merge_appeals(proposal, actor=request.user, now=now)
        messages.success(request, f"已并入诉求 {target.number}。")
        return redirect(target)
    service.dismiss_duplicate(proposal, actor=request.user, now=now)
    messages.success(request, "已确认不是重复诉求。")
    return redirect(proposal.appeal)


# ---------------------------------------------------------------------------------------
# Unit handling
# ---------------------------------------------------------------------------------------


@login_required
def tickets(request: HttpRequest) -> HttpResponse:
    """本单位工单: open ones first, red (overdue/督办) on top."""
    require_capability(request.user, "appeals.handle")
    unit = user_unit(request.user)
    rows = (
        Ticket.objects.filter(unit=unit).select_related("appeal") if unit else Ticket.objects.none()
    )
    show = request.GET.get("show", "open")
    state = request.GET.get("state", "")
    if state in ("sign", "reply"):
        from qinqing.appeals.workbench import unit_tickets

        rows = unit_tickets(unit, state).select_related("appeal") if unit else rows
    elif show == "open":
        rows = rows.filter(state__in=OPEN_TICKET_STATES)
    rows = _decorate_tickets(list(rows.order_by("dispatched_at")[:300]), timezone.now())
    order = {"red": 0, "yellow": 1, "green": 2, "paused": 3, "done": 4}
    rows.sort(key=lambda t: (order[t.sla], t.due or t.dispatched_at))
    return render(request, "appeals/tickets.html", {"tickets": rows, "show": show, "state": state})


def _ticket_action(request, ticket_id: int, action):
    ticket = queries.access_ticket_for_handling(request.user, ticket_id)
    action(ticket, actor=request.user, now=timezone.now())
    return redirect(ticket.appeal)


def _int(value, label: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"“{label}”应为整数。") from None


@login_required
@require_POST
def acknowledge(request: HttpRequest, ticket_id: int) -> HttpResponse:
    response = _ticket_action(request, ticket_id, service.acknowledge_ticket)
    messages.success(request, "已签收。")
    return response


@login_required
@require_POST
def return_ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    response = _ticket_action(
        request, ticket_id, lambda t, **kw: service.request_return(t, reason=reason, **kw)
    )
    messages.success(request, "已提交退单申请，等待派单员审核。")
    return response


@login_required
@require_POST
def extension(request: HttpRequest, ticket_id: int) -> HttpResponse:
    amount = _int(request.POST.get("amount"), "延期天数")
    reason = request.POST.get("reason", "")
    response = _ticket_action(
        request,
        ticket_id,
        lambda t, **kw: service.request_extension(t, amount=amount, reason=reason, **kw),
    )
    messages.success(request, "已提交延期申请。")
    return response


@login_required
@require_POST
def suspension(request: HttpRequest, ticket_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    response = _ticket_action(
        request, ticket_id, lambda t, **kw: service.request_suspension(t, reason=reason, **kw)
    )
    messages.success(request, "已提交挂起申请。")
    return response


@login_required
@require_POST
def resume(request: HttpRequest, ticket_id: int) -> HttpResponse:
    response = _ticket_action(request, ticket_id, service.resume_ticket)
    messages.success(request, "已恢复办理，时限继续计算。")
    return response


@login_required
@require_POST
def reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    text = request.POST.get("reply", "")
    response = _ticket_action(
        request, ticket_id, lambda t, **kw: service.reply_ticket(t, reply=text, **kw)
    )
    messages.success(request, "已答复。")
    return response


# ---------------------------------------------------------------------------------------
# Office reviews, transfer, callback
# ---------------------------------------------------------------------------------------


@login_required
@require_POST
def review(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The office decides a 退单, 延期 or 挂起 request."""
    ticket = queries.access_ticket_for_office(request.user, ticket_id)
    approve = request.POST.get("decision") == "approve"
    note = request.POST.get("note", "")
    now = timezone.now()
    handlers = {
        TicketState.RETURN_REQUESTED: service.review_return,
        TicketState.EXTENSION_REQUESTED: service.review_extension,
        TicketState.SUSPENSION_REQUESTED: service.review_suspension,
    }
    handler = handlers.get(ticket.state)
    if handler is None:
        raise InvalidInput(f"工单当前状态为“{TicketState(ticket.state).label}”，没有待审核的申请。")
    handler(ticket, actor=request.user, now=now, approve=approve, note=note)
    messages.success(request, "已同意。" if approve else "已驳回。")
    return redirect(request.POST.get("next") == "queue" and "appeals:queue" or ticket.appeal)


@login_required
@require_POST
def transfer(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = queries.access_ticket_for_office(request.user, ticket_id)
    unit_id = _int(request.POST.get("unit"), "转办单位")
    to_unit = queries.office_units(request.user).filter(pk=unit_id).first()
    if to_unit is None:
        raise InvalidInput("请选择本地区的转办单位。")
    service.transfer_ticket(
        ticket,
        actor=request.user,
        now=timezone.now(),
        to_unit=to_unit,
        note=request.POST.get("note", ""),
    )
    messages.success(request, f"已转办至{to_unit.name}。")
    return redirect(ticket.appeal)


@login_required
def callbacks(request: HttpRequest) -> HttpResponse:
    appeals = list(queries.callback_queue(request.user).select_related("locality")[:200])
    now = timezone.now()
    calendar = get_calendar()
    for a in appeals:
        a.callback_due = service.callback_due_at(a, calendar)
        a.overdue = a.callback_due is not None and now > a.callback_due
    return render(request, "appeals/callbacks.html", {"appeals": appeals})


@login_required
@require_POST
def callback(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = queries.access_appeal_for_office(request.user, appeal_id, "appeals.callback")
    form = CallbackForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("请选择问题是否已解决和满意度。")
    record = service.record_callback(
        appeal,
        actor=request.user,
        now=timezone.now(),
        resolved=form.cleaned_data["resolved"],
        satisfaction=form.cleaned_data["satisfaction"],
        note=form.cleaned_data["note"],
    )
    if record.satisfaction == "unsatisfied":
        messages.success(request, "已记录回访：不满意，诉求已退回原承办单位重办。")
    else:
        messages.success(request, "已记录回访，诉求办结。")
    return redirect("appeals:callbacks")


# ---------------------------------------------------------------------------------------
# 好差评 and rectification
# ---------------------------------------------------------------------------------------


@login_required
@require_POST
def rate(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = queries.access_appeal_for_enterprise(request.user, appeal_id)
    form = RatingForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("请选择评价等级。")
    profile = profile_of(request.user)
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
            "user_unit_id": (
                user_unit(request.user).pk
                if has_capability(request.user, "appeals.handle") and user_unit(request.user)
                else None
            ),
        },
    )


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
    profile = profile_of(request.user)
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


# ---------------------------------------------------------------------------------------
# 办不成事
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# Discipline leads
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------


def _figures_context(request):
    area = _figure_area(request.user)
    today = timezone.localdate()
    start = _parse_date(request.GET.get("start"), today.replace(month=1, day=1))
    end = _parse_date(request.GET.get("end"), today)
    if end < start:
        raise InvalidInput(f"结束日期 {end} 早于开始日期 {start}，请调整统计期间。")
    level = "county" if request.GET.get("level") == "county" else "unit"
    config = service.settings_for(area).figure_config or None
    rows = figures.ranking(start, end, area=area, level=level, config=config, as_of=timezone.now())
    return area, start, end, level, rows, config


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    area, start, end, level, rows, config = _figures_context(request)
    chart = {
        "names": [r.name for r in rows],
        "score": [r.percent("score") for r in rows],
        "response": [r.percent("response_rate") for r in rows],
        "resolution": [r.percent("resolution_rate") for r in rows],
        "satisfaction": [r.percent("satisfaction_rate") for r in rows],
    }
    monthly = figures.monthly_series(start, end, area=area, config=config, as_of=timezone.now())
    trend = {
        "months": list(monthly),
        "response": [None if v["response_rate"] is None else round(100 * v["response_rate"], 1) for v in monthly.values()],
        "resolution": [None if v["resolution_rate"] is None else round(100 * v["resolution_rate"], 1) for v in monthly.values()],
        "satisfaction": [None if v["satisfaction_rate"] is None else round(100 * v["satisfaction_rate"], 1) for v in monthly.values()],
    }  # fmt: skip
    return render(
        request,
        "appeals/figures.html",
        {
            "area": area,
            "start": start,
            "end": end,
            "level": level,
            "rows": rows,
            "chart": chart,
            "trend": trend,
            "query": request.GET.urlencode(),
        },
    )


@login_required
def figures_export(request: HttpRequest) -> HttpResponse:
    from qinqing.core.files.xlsx import write_workbook

    area, start, end, level, rows, _ = _figures_context(request)
    headers = ["排名", "单位" if level == "unit" else "县（市、区）", "派出工单", "响应率(%)", "解决率(%)",
               "满意率(%)", "按时办结率(%)", "平均答复用时(工作日)", "回访次数", "综合得分"]  # fmt: skip
    data = write_workbook(
        headers,
        (
            [
                r.rank,
                r.name,
                r.counts.dispatched,
                r.percent("response_rate"),
                r.percent("resolution_rate"),
                r.percent("satisfaction_rate"),
                r.percent("on_time_rate"),
                None
                if r.rates["avg_reply_workdays"] is None
                else round(r.rates["avg_reply_workdays"], 1),
                r.counts.callbacks,
                r.percent("score"),
            ]
            for r in rows
        ),
        title="三率统计",
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"三率统计_{area.name}_{start}_{end}.xlsx"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# ---------------------------------------------------------------------------------------
# QR codes and settings
# ---------------------------------------------------------------------------------------


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
    import qrcode

    entry = queries.access_qr_entry_for_office(request.user, entry_id)
    image = qrcode.make(_qr_url(request, entry), box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="qr-{entry.pk}.png"'
    return response


@login_required
def qr_pdf(request: HttpRequest, entry_id: int) -> HttpResponse:
    """A printable A5 sheet: title, the code, the link and how it works."""
    import qrcode
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    entry = queries.access_qr_entry_for_office(request.user, entry_id)
    url = _qr_url(request, entry)
    image = qrcode.make(url, box_size=10, border=2)
    png = io.BytesIO()
    image.save(png, format="PNG")
    png.seek(0)
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    width, height = A5
    pdf = canvas.Canvas(buffer, pagesize=A5)
    pdf.setTitle(f"码上反映 {entry.label}")
    pdf.setFont("STSong-Light", 22)
    pdf.drawCentredString(width / 2, height - 25 * mm, "码上反映 · 涉企诉求直通车")
    pdf.setFont("STSong-Light", 13)
    pdf.drawCentredString(width / 2, height - 35 * mm, entry.label[:40])
    size = 90 * mm
    pdf.drawImage(ImageReader(png), (width - size) / 2, height - 40 * mm - size, size, size)
    pdf.setFont("STSong-Light", 10)
    lines = [
        "微信或手机浏览器扫码，填写诉求后提交；",
        "营商办统一受理、派单，承办单位限时答复并回访。",
        "咨询、表扬类 3 个工作日内答复，建议类 5 个工作日内答复，",
        "投诉、求助类 10 个工作日内答复。",
    ]
    y = height - 48 * mm - size
    for line in lines:
        pdf.drawCentredString(width / 2, y, line)
        y -= 6 * mm
    pdf.setFont("Helvetica", 7)
    pdf.drawCentredString(width / 2, 12 * mm, url)
    pdf.showPage()
    pdf.save()
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
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
    from qinqing.appeals.choices import SlaStage

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
        from qinqing.appeals.routing import unit_mapping_problems

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
