"""A unit's pages: 本单位工单 and 签收, 退单, 延期, 挂起, 恢复, 答复."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.appeals import queries, service
from qinqing.appeals.choices import (
    OPEN_TICKET_STATES,
)
from qinqing.appeals.models import Appeal, Ticket
from qinqing.appeals.views.common import (
    int_field,
)
from qinqing.appeals.workbench import unit_tickets
from qinqing.core.accounts.access import (
    require_capability,
    user_unit,
)

TICKETS_PER_PAGE = 50
# the list shows the appeal's number, title and identity mark: not its text, nor the
# encrypted contact fields (decrypting them per row was a fifth of the page's time)
APPEAL_LIST_FIELDS = ("received_at", "title", "state", "identity_confirmed")
# the columns decorate_tickets' clock (Ticket.sla_inputs) and the list read
TICKET_LIST_FIELDS = (
    "appeal_id",
    "role",
    "state",
    "dispatched_at",
    "sign_limit",
    "sign_unit",
    "reply_limit",
    "reply_unit",
    "extension_amount",
    "paused_amount",
    "paused_since",
    "sign_due_at",
    "reply_due_at",
    "reminder_level",
    "supervised",
)


@login_required
def tickets(request: HttpRequest) -> HttpResponse:
    """本单位工单: open ones first, red (overdue/督办) on top."""
    require_capability(request.user, "appeals.handle")
    unit = user_unit(request.user)
    rows = Ticket.objects.filter(unit=unit) if unit else Ticket.objects.none()
    show = request.GET.get("show", "open")
    state = request.GET.get("state", "")
    if state in ("sign", "reply"):
        rows = unit_tickets(unit, state) if unit else rows
    elif show == "open":
        rows = rows.filter(state__in=OPEN_TICKET_STATES)
    # the tickets are read with the columns of their clock and of the list only, and
    # their appeals for the page shown only (building 300 appeals to show 50 was a third
    # of the page's time under load, issue 20)
    rows = rows.only(*TICKET_LIST_FIELDS)
    shown = queries.decorate_tickets(list(rows.order_by("dispatched_at")[:300]), timezone.now())
    order = {"red": 0, "yellow": 1, "green": 2, "paused": 3, "done": 4}
    shown.sort(key=lambda t: (order[t.sla], t.due or t.dispatched_at))
    # rendered a page at a time: a unit's list held up to 300 rows, whose rendering was
    # most of the page's time under load (issue 20)
    page = Paginator(shown, TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    # appeals fetched by id in a second query, not joined: on PostgreSQL appeals are
    # partitioned by month and the join made the planner visit every month's partition
    # (×7 at one year of data, ×20 at five: docs/benchmarks.md, bench/partitions.py)
    on_page: list[Ticket] = list(page.object_list)
    prefetch_related_objects(
        on_page, Prefetch("appeal", queryset=Appeal.objects.only(*APPEAL_LIST_FIELDS))
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "appeals/tickets.html",
        {"tickets": page, "page": page, "total": len(shown), "show": show, "state": state,
         "query": query.urlencode()},
    )  # fmt: skip


def _ticket_action(request, ticket_id: int, action):
    ticket = queries.access_ticket_for_handling(request.user, ticket_id)
    action(ticket, actor=request.user, now=timezone.now())
    return redirect(ticket.appeal)


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
    amount = int_field(request.POST.get("amount"), "延期天数")
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
