"""The office's pages: 派单 queue, dispatch, 即时办结, 移送, 并单, reviews, 转办, 回访."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.appeals import queries, service, suggest
from qinqing.appeals.choices import (
    DuplicateState,
    TicketState,
)
from qinqing.appeals.clock_columns import LocalMicros
from qinqing.appeals.forms import (
    CallbackForm,
    DispatchForm,
)
from qinqing.appeals.models import DuplicateProposal, Ticket
from qinqing.appeals.views.common import (
    int_field,
)
from qinqing.core.accounts.access import (
    user_unit,
)
from qinqing.core.errors import InvalidInput
from qinqing.core.workdays import get_calendar

QUEUE_PAGE = 100  # rows of each list on the 派单 page


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """派单: the queue with the router's suggestions, duplicates and requests to decide."""
    appeals = list(
        queries.dispatch_queue(request.user).select_related("locality", "qr_entry")[:QUEUE_PAGE]
    )
    # pending duplicate proposals of the shown appeals, one query rather than one per row
    pending = dict(
        DuplicateProposal.objects.filter(
            appeal_id__in=[a.pk for a in appeals], state=DuplicateState.PENDING
        )
        .values("appeal_id")
        .annotate(n=Count("pk"))
        .values_list("appeal_id", "n")
    )
    # shown, not stored: a GET writes nothing (the dispatch records what was suggested)
    found = suggest.suggest_for_appeals([a for a in appeals if not a.suggestions])
    for a in appeals:
        if found.get(a.pk):
            a.suggestions = [s.as_dict() for s in found[a.pk]]
        a.pending_duplicates = pending.get(a.pk, 0)
    # the oldest requests first, a page of them: a backlog of thousands took seconds to show.
    # Picked from (id, time) pairs: with ORDER BY … LIMIT PostgreSQL walked the tickets'
    # dispatch-time index through a million tickets to find them (6 s). The times come as
    # integers: a datetime object each for thousands of requests was a third of the page.
    waiting = queries.office_requests(request.user)
    pairs = sorted(waiting.order_by().values_list(LocalMicros("dispatched_at"), "pk"))
    first = [pk for _, pk in pairs[:QUEUE_PAGE]]
    requests = queries.decorate_tickets(list(waiting.filter(pk__in=first)), timezone.now())
    requests_total = len(pairs)
    return render(
        request,
        "appeals/queue.html",
        {
            "appeals": appeals,
            "requests": requests,
            "requests_total": requests_total,
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
        unit=user_unit(request.user),
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


@login_required
@require_POST
def review(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The office decides a 退单, 延期 or 挂起 request."""
    ticket = queries.access_ticket_for_office(request.user, ticket_id)
    approve = request.POST.get("decision") == "approve"
    note = request.POST.get("note", "")
    now = timezone.now()
    handlers: dict[str, Callable[..., Ticket]] = {
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
    unit_id = int_field(request.POST.get("unit"), "转办单位")
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
    dues = service.callback_due_dates(
        [(a.pk, a.locality_id, a.appeal_type, a.replied_at) for a in appeals], get_calendar()
    )
    for a in appeals:
        a.callback_due = dues[a.pk]
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
