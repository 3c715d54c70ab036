"""诉求总览, 我的诉求 and the appeal page (read-only: a GET writes nothing)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from qinqing.appeals import figures, queries, rules, service, suggest
from qinqing.appeals.choices import (
    PUBLIC_EVENT_KINDS,
    AppealState,
    AppealType,
    Channel,
    DuplicateState,
    EventKind,
)
from qinqing.appeals.forms import (
    CallbackForm,
    DispatchForm,
    RatingForm,
)
from qinqing.appeals.models import Appeal, Ticket
from qinqing.appeals.views.common import (
    parse_date,
)
from qinqing.core import audit
from qinqing.core.accounts.access import (
    has_capability,
    user_unit,
)
from qinqing.core.errors import NotFound
from qinqing.core.files.xlsx import write_workbook
from qinqing.core.orgs.models import Unit

LIST_DEFERRED = ("content", "contact_name", "contact_phone", "place", "answer", "suggestions")


@login_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    """诉求总览 (office, leader, units) or 我的诉求 (enterprise), with drill-down filters."""
    queries.require_appeals_access(request.user)
    appeals, drill = _filtered_appeals(request)
    if request.GET.get("format") == "xlsx" and not has_capability(request.user, "appeals.submit"):
        return _appeal_export(appeals)
    # the list shows no text, place, answer nor contact: not read (two SM4 decryptions a
    # row), nor the locality (issue 20)
    rows = appeals.defer(*LIST_DEFERRED).order_by("-received_at", "-pk")
    paginator = Paginator(rows, 30)
    page = paginator.get_page(request.GET.get("page"))
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
        start = parse_date(request.GET.get("start"), today.replace(month=1, day=1))
        end = parse_date(request.GET.get("end"), today)
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


def _timeline(user, appeal: Appeal) -> list:
    events = appeal.events.select_related("ticket__unit").order_by("at", "pk")
    enterprise = has_capability(user, "appeals.submit")
    unit = user_unit(user)
    own_unit = unit.pk if unit is not None and queries.unit_scoped(user) else None
    out = []
    for e in events:
        if enterprise and e.kind not in PUBLIC_EVENT_KINDS:
            continue
        if own_unit is not None and e.ticket is not None and e.ticket.unit_id != own_unit:
            continue  # another unit's handling
        show_note = (not enterprise) or e.kind in (EventKind.REPLIED, EventKind.ANSWERED)
        out.append(
            {
                "at": e.at,
                "label": EventKind(e.kind).label,
                "kind": e.kind,
                "unit": (e.ticket.unit.name if e.ticket else (e.data or {}).get("unit", "")),
                "actor": "" if enterprise else e.actor_label,
                "note": e.note if show_note else "",
            }
        )
    return out


@login_required
def appeal_detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """One appeal as the viewer may see it. Reads only: routing suggestions are shown, not
    stored (the dispatch stores them), and a unit's look at the phone number is an audited
    read recorded by the service."""
    user = request.user
    appeal = queries.access_appeal_for_user(user, appeal_id)
    if not queries.can_read_details(user, appeal):
        return render(request, "appeals/referred.html", {"appeal": appeal})
    is_office = queries.is_area_office(user)
    tickets = _visible_tickets(user, appeal, is_office)
    context = {
        "appeal": appeal,
        "phone": _phone_for(user, appeal),
        "timeline": _timeline(user, appeal),
        "tickets": tickets,
        "my_tickets": _own_open_tickets(user, tickets),
        "attachments": appeal.attachments.all(),
        "is_office": is_office,
        "callbacks": [],
        **(_office_context(user, appeal) if is_office else {}),
        **_rating_context(user, appeal),
    }
    return render(request, "appeals/detail.html", context)


def _visible_tickets(user, appeal: Appeal, is_office: bool) -> list[Ticket]:
    """The appeal's tickets with their SLA lights; a unit sees its own tickets only."""
    if not (is_office or has_capability(user, "appeals.view")):
        return []
    tickets = list(appeal.tickets.select_related("unit").order_by("dispatched_at", "pk"))
    if queries.unit_scoped(user):
        unit = user_unit(user)
        tickets = [t for t in tickets if unit and t.unit_id == unit.pk]
    yellow = service.settings_for(appeal.locality).yellow_share
    return queries.decorate_tickets(tickets, timezone.now(), yellow_share=yellow)


def _own_open_tickets(user, tickets: list[Ticket]) -> list[Ticket]:
    """The open tickets the viewer's unit works on (their 签收/答复 forms)."""
    unit = user_unit(user)
    if unit is None or not has_capability(user, "appeals.handle"):
        return []
    return [t for t in tickets if t.unit_id == unit.pk and t.is_open]


def _phone_for(user, appeal: Appeal) -> str:
    """Masked unless the viewer calls the enterprise back or handles the appeal."""
    # asked once: can_see_phone(user, appeal) asked it too, a second query for every look
    # of a handling unit (issue 20)
    audited = queries.phone_view_needs_audit(user, appeal)
    if not (audited or queries.can_see_phone(user)):
        return appeal.masked_phone
    if audited:
        service.record_phone_view(appeal, actor=user, now=timezone.now())
    return appeal.contact_phone


def _office_context(user, appeal: Appeal) -> dict:
    """What the 营商办 decides on this page: dispatch, transfers, callback."""
    context: dict = {
        "callbacks": appeal.callbacks.select_related("unit"),
        "conduct_terms": rules.conduct_terms(appeal.title + appeal.content),
        "transfer_units": queries.office_units(user),
        "callback_form": None,
    }
    if appeal.state == AppealState.RECEIVED:
        context.update(_dispatch_context(user, appeal))
    if appeal.state == AppealState.REPLIED:
        context["callback_form"] = CallbackForm()
        context["callback_due"] = service.callback_due_at(appeal)
    return context


def _dispatch_context(user, appeal: Appeal) -> dict:
    found = suggest.suggest_for_appeals([appeal]).get(appeal.pk, [])
    initial = {"primary_unit": found[0].unit_id} if found else {}
    context = {
        "suggestions": found,
        "dispatch_form": DispatchForm(units=list(queries.office_units(user)), initial=initial),
        "duplicates": appeal.duplicate_of.filter(state=DuplicateState.PENDING).select_related(
            "candidate"
        ),
    }
    if appeal.appeal_type == AppealType.CONSULTATION:
        config = service.settings_for(appeal.locality)
        context["knowledge"] = suggest.knowledge_match(appeal, config.knowledge_min_score)
    return context


def _rating_context(user, appeal: Appeal) -> dict:
    rating = getattr(appeal, "rating", None)
    if rating is not None:
        return {"rating": rating}
    can_rate = has_capability(user, "appeals.submit") and appeal.state in (
        AppealState.CLOSED,
        AppealState.ANSWERED,
    )
    return {"rating_form": RatingForm()} if can_rate else {}


@login_required
def attachment(request: HttpRequest, appeal_id: int, attachment_id: int) -> FileResponse:
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
