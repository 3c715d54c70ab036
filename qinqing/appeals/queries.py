"""Permission-checked reads of appeals, tickets, ratings, leads (STYLE.md §6).

Who sees what:

* the office (营商办) and leaders: every appeal of their area (``scope_area``);
* a unit: only appeals with a ticket dispatched to it, and only its own tickets;
* an enterprise: only appeals filed under its 统一社会信用代码;
* 纪检监察: only appeals referred to it (its leads); for everyone else a referred appeal
  shows only “已移送” (the enterprise that filed it keeps seeing its own text).

``access_*`` raise the same ``NotFound`` for "missing" and "not yours".
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from qinqing.appeals import rules
from qinqing.appeals.choices import (
    FINAL_TICKET_STATES,
    OPEN_APPEAL_STATES,
    WORKING_TICKET_STATES,
    AppealState,
    LeadState,
    SlaStatus,
    TicketState,
)
from qinqing.appeals.models import (
    Appeal,
    DisciplineLead,
    DuplicateProposal,
    HardCase,
    QrEntry,
    Rectification,
    ServiceRating,
    Ticket,
)
from qinqing.core.accounts.access import (
    has_capability,
    profile_of,
    require_capability,
    scope_area,
    user_unit,
    user_uscc,
)
from qinqing.core.accounts.models import Scope
from qinqing.core.errors import NotFound, PermissionDenied
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import get_calendar

APPEAL_NOT_FOUND = "诉求不存在，或不在您可查看的范围内。"
TICKET_NOT_FOUND = "工单不存在，或不是交办本单位的工单。"


def _scope(user) -> str | None:
    profile = profile_of(user)
    return profile.role.scope if profile else None


def discipline_area(user) -> Unit | None:
    if not has_capability(user, "appeals.discipline"):
        return None
    unit = user_unit(user)
    return unit.area() if unit else None


def visible_appeals_for_user(user) -> QuerySet[Appeal]:
    scope = _scope(user)
    if scope == Scope.ENTERPRISE and has_capability(user, "appeals.submit"):
        uscc = user_uscc(user)
        if not uscc:
            return Appeal.objects.none()
        # an anonymous QR submission in the enterprise's name is not its own until confirmed
        return Appeal.objects.filter(enterprise_uscc=uscc, identity_confirmed=True)
    if scope == Scope.REFERRED:
        area = discipline_area(user)
        if area is None:
            return Appeal.objects.none()
        return Appeal.objects.filter(lead__isnull=False, locality__path__startswith=area.path)
    if not has_capability(user, "appeals.view"):
        return Appeal.objects.none()
    if scope == Scope.UNIT:
        unit = user_unit(user)
        if unit is None:
            return Appeal.objects.none()
        return Appeal.objects.filter(pk__in=Ticket.objects.filter(unit=unit).values("appeal_id"))
    if scope == Scope.JURISDICTION:
        area = scope_area(user)
        if area is None:
            return Appeal.objects.none()
        return Appeal.objects.filter(locality__path__startswith=area.path)
    return Appeal.objects.none()


def unit_scoped(user) -> bool:
    """Unit staff: they see their own unit's tickets, not the other units' on the same appeal."""
    return _scope(user) == Scope.UNIT


def require_appeals_access(user) -> None:
    """Pages of this module need one of the appeals capabilities."""
    for code in ("appeals.view", "appeals.submit", "appeals.discipline"):
        if has_capability(user, code):
            return
    require_capability(user, "appeals.view")


def access_appeal_for_user(user, appeal_id: int) -> Appeal:
    require_appeals_access(user)
    appeal = visible_appeals_for_user(user).filter(pk=appeal_id).select_related("locality").first()
    if appeal is None:
        raise NotFound(APPEAL_NOT_FOUND)
    return appeal


def can_read_details(user, appeal: Appeal) -> bool:
    """A referred (conduct) appeal shows its text only to 纪检监察 and to the enterprise."""
    if appeal.state != AppealState.REFERRED:
        return True
    scope = _scope(user)
    if scope == Scope.REFERRED:
        return True
    return (
        scope == Scope.ENTERPRISE
        and appeal.identity_confirmed
        and appeal.enterprise_uscc == user_uscc(user)
    )


def can_see_phone(user, appeal: Appeal | None = None) -> bool:
    """The office sees the full phone number (it makes the callback), and so does a unit
    while it handles the appeal (it must be able to call the enterprise); others see it
    masked. A unit's view is audited by the caller (:func:`phone_view_needs_audit`)."""
    if has_capability(user, "appeals.callback") or has_capability(user, "appeals.intake"):
        return True
    return appeal is not None and phone_view_needs_audit(user, appeal)


def phone_view_needs_audit(user, appeal: Appeal) -> bool:
    """True when ``user`` is staff of a unit with a ticket still being handled on ``appeal``."""
    if not has_capability(user, "appeals.handle") or appeal.state == AppealState.REFERRED:
        return False
    unit = user_unit(user)
    return (
        unit is not None
        and Ticket.objects.filter(appeal=appeal, unit=unit)
        .exclude(state__in=FINAL_TICKET_STATES)
        .exists()
    )


def office_area(user, capability: str) -> Unit:
    require_capability(user, capability)
    area = scope_area(user)
    if area is None:
        raise PermissionDenied("您的账号没有所属地区，不能办理此项业务。请联系系统管理员。")
    return area


def access_appeal_for_office(user, appeal_id: int, capability: str = "appeals.dispatch") -> Appeal:
    area = office_area(user, capability)
    appeal = (
        Appeal.objects.filter(pk=appeal_id, locality__path__startswith=area.path)
        .select_related("locality")
        .first()
    )
    if appeal is None:
        raise NotFound(APPEAL_NOT_FOUND)
    return appeal


def access_appeal_for_enterprise(user, appeal_id: int) -> Appeal:
    require_capability(user, "appeals.submit")
    uscc = user_uscc(user)
    appeal = (
        Appeal.objects.filter(pk=appeal_id, enterprise_uscc=uscc, identity_confirmed=True).first()
        if uscc
        else None
    )
    if appeal is None:
        raise NotFound(APPEAL_NOT_FOUND)
    return appeal


def decorate_tickets(
    tickets: list[Ticket], now: dt.datetime, *, yellow_share: float = 0.8
) -> list[Ticket]:
    """Set ``sla``/``sla_label`` (:func:`rules.ticket_sla`) and ``due`` on each ticket."""
    calendar = get_calendar()
    for t in tickets:
        inputs = t.sla_inputs()
        status = rules.ticket_sla(inputs, now, calendar=calendar, yellow_share=yellow_share)
        t.sla = status.value
        t.sla_label = SlaStatus(status).label
        t.due = inputs.due_at
    return tickets


def is_area_office(user) -> bool:
    """The 营商办 of an area: it dispatches, reviews and calls back."""
    return has_capability(user, "appeals.dispatch") and scope_area(user) is not None


def visible_tickets_for_user(user) -> QuerySet[Ticket]:
    scope = _scope(user)
    if not has_capability(user, "appeals.view"):
        return Ticket.objects.none()
    if scope == Scope.UNIT:
        unit = user_unit(user)
        return Ticket.objects.filter(unit=unit) if unit else Ticket.objects.none()
    if scope == Scope.JURISDICTION:
        area = scope_area(user)
        if area is None:
            return Ticket.objects.none()
        return Ticket.objects.filter(appeal__locality__path__startswith=area.path)
    return Ticket.objects.none()


def access_ticket_for_handling(user, ticket_id: int) -> Ticket:
    """A ticket of the user's own unit, for 签收/退单/答复 …"""
    require_capability(user, "appeals.handle")
    unit = user_unit(user)
    ticket = (
        Ticket.objects.filter(pk=ticket_id, unit=unit).select_related("appeal", "unit").first()
        if unit
        else None
    )
    if ticket is None or ticket.appeal.state == AppealState.REFERRED:
        raise NotFound(TICKET_NOT_FOUND)
    return ticket


def access_ticket_for_office(user, ticket_id: int) -> Ticket:
    """A ticket of the office's area, for reviews and transfers."""
    area = office_area(user, "appeals.dispatch")
    ticket = (
        Ticket.objects.filter(pk=ticket_id, appeal__locality__path__startswith=area.path)
        .select_related("appeal", "unit")
        .first()
    )
    if ticket is None:
        raise NotFound("工单不存在，或不在您可查看的范围内。")
    return ticket


def dispatch_queue(user) -> QuerySet[Appeal]:
    area = office_area(user, "appeals.dispatch")
    return Appeal.objects.filter(
        state=AppealState.RECEIVED, locality__path__startswith=area.path
    ).order_by("received_at", "pk")


def office_requests(user) -> QuerySet[Ticket]:
    """退单、延期、挂起 requests awaiting the office."""
    area = office_area(user, "appeals.dispatch")
    return (
        Ticket.objects.filter(
            appeal__locality__path__startswith=area.path,
            state__in=[
                TicketState.RETURN_REQUESTED,
                TicketState.EXTENSION_REQUESTED,
                TicketState.SUSPENSION_REQUESTED,
            ],
        )
        .select_related("appeal", "unit")
        .order_by("dispatched_at")
    )


def callback_queue(user) -> QuerySet[Appeal]:
    area = office_area(user, "appeals.callback")
    return Appeal.objects.filter(
        state=AppealState.REPLIED, locality__path__startswith=area.path
    ).order_by("replied_at", "pk")


def access_duplicate_for_office(user, proposal_id: int) -> DuplicateProposal:
    area = office_area(user, "appeals.dispatch")
    proposal = (
        DuplicateProposal.objects.filter(
            pk=proposal_id, appeal__locality__path__startswith=area.path
        )
        .select_related("appeal", "candidate")
        .first()
    )
    if proposal is None:
        raise NotFound("并单建议不存在，或不在您可查看的范围内。")
    return proposal


def office_units(user) -> QuerySet[Unit]:
    """Units the office may dispatch to (active, of its area, not areas themselves)."""
    area = scope_area(user)
    if area is None:
        return Unit.objects.none()
    return Unit.objects.filter(path__startswith=area.path, active=True).order_by(
        "path", "sort_order"
    )


# --- ratings and rectification ------------------------------------------------------------


def visible_ratings_for_user(user) -> QuerySet[ServiceRating]:
    scope = _scope(user)
    if scope == Scope.ENTERPRISE and has_capability(user, "appeals.submit"):
        uscc = user_uscc(user)
        return (
            ServiceRating.objects.filter(enterprise_uscc=uscc)
            if uscc
            else ServiceRating.objects.none()
        )
    if not has_capability(user, "appeals.view"):
        return ServiceRating.objects.none()
    if scope == Scope.UNIT:
        unit = user_unit(user)
        return ServiceRating.objects.filter(unit=unit) if unit else ServiceRating.objects.none()
    if scope == Scope.JURISDICTION:
        area = scope_area(user)
        return (
            ServiceRating.objects.filter(unit__path__startswith=area.path)
            if area
            else ServiceRating.objects.none()
        )
    return ServiceRating.objects.none()


def access_rectification_for_unit(user, rectification_id: int) -> Rectification:
    require_capability(user, "appeals.handle")
    unit = user_unit(user)
    found = (
        Rectification.objects.filter(pk=rectification_id, unit=unit)
        .select_related("rating")
        .first()
        if unit
        else None
    )
    if found is None:
        raise NotFound("整改事项不存在，或不是本单位的整改事项。")
    return found


# --- 办不成事 ---------------------------------------------------------------------------------


def can_file_hard_case(user) -> bool:
    return (has_capability(user, "appeals.handle") and user_unit(user) is not None) or (
        has_capability(user, "appeals.intake") and scope_area(user) is not None
    )


def visible_hard_cases_for_user(user) -> QuerySet[HardCase]:
    scope = _scope(user)
    if not has_capability(user, "appeals.view"):
        return HardCase.objects.none()
    if scope == Scope.UNIT:
        unit = user_unit(user)
        return HardCase.objects.filter(unit=unit) if unit else HardCase.objects.none()
    if scope == Scope.JURISDICTION:
        area = scope_area(user)
        return (
            HardCase.objects.filter(locality__path__startswith=area.path)
            if area
            else HardCase.objects.none()
        )
    return HardCase.objects.none()


def access_hard_case_for_resolving(user, case_id: int) -> HardCase:
    if not can_file_hard_case(user):
        require_capability(user, "appeals.handle")
    case = visible_hard_cases_for_user(user).filter(pk=case_id).first()
    if case is None:
        raise NotFound("“办不成事”登记不存在，或不在您可查看的范围内。")
    return case


# --- discipline leads -------------------------------------------------------------------------


def visible_leads_for_user(user) -> QuerySet[DisciplineLead]:
    require_capability(user, "appeals.discipline")
    area = discipline_area(user)
    if area is None:
        return DisciplineLead.objects.none()
    return DisciplineLead.objects.filter(locality__path__startswith=area.path).select_related(
        "appeal"
    )


def access_lead_for_user(user, lead_id: int) -> DisciplineLead:
    lead = visible_leads_for_user(user).filter(pk=lead_id).first()
    if lead is None:
        raise NotFound("线索不存在，或不在您可查看的范围内。")
    return lead


# --- QR codes ---------------------------------------------------------------------------------


def visible_qr_entries(user) -> QuerySet[QrEntry]:
    area = office_area(user, "appeals.dispatch")
    return QrEntry.objects.filter(locality__path__startswith=area.path)


def access_qr_entry_for_office(user, entry_id: int) -> QrEntry:
    entry = visible_qr_entries(user).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("二维码不存在，或不在您可查看的范围内。")
    return entry


AWAITING_CONFIRMATION = "appeals.awaiting_confirmation"  # session key: appeals this browser sent


def remember_unconfirmed(session, appeal: Appeal) -> None:
    """The browser that submitted a 未核验 appeal may go on to confirm it (and only that one)."""
    ids = [i for i in session.get(AWAITING_CONFIRMATION, []) if i != appeal.pk][-19:]
    session[AWAITING_CONFIRMATION] = [*ids, appeal.pk]


def appeal_awaiting_confirmation(session, appeal_id: int) -> Appeal:
    """An appeal this browser submitted on the public form; ``NotFound`` for any other."""
    if appeal_id not in session.get(AWAITING_CONFIRMATION, []):
        raise NotFound(APPEAL_NOT_FOUND)
    appeal = Appeal.objects.filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound(APPEAL_NOT_FOUND)
    return appeal


def public_qr_entry(token: str) -> QrEntry:
    entry = (
        QrEntry.objects.filter(token=token, active=True).select_related("locality", "unit").first()
    )
    if entry is None:
        raise NotFound("二维码无效或已停用，请联系发码单位。")
    return entry


# Tickets on which the unit still owes a reply (the 待答复 line and list).
REPLY_DUE_STATES = WORKING_TICKET_STATES
OPEN_LEADS = ~Q(state=LeadState.CLOSED)


def overdue_ticket_q(now: dt.datetime) -> Q:
    """Open tickets past their signing or reply deadline (the clock not paused)."""
    return Q(state=TicketState.DISPATCHED, sign_due_at__lt=now) | Q(
        state__in=REPLY_DUE_STATES, paused_since__isnull=True, reply_due_at__lt=now
    )


# 诉求编号 SQ + receipt date + id (Appeal.number); the id alone also finds it. Ids reach
# 14 digits once PostgreSQL partitions move them to month bases (core/db/partitions.py)
NUMBER_RE = re.compile(r"^(?:SQ\d{8})?0*(\d{1,15})$")


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def appeal_filter_q(params, *, now: dt.datetime | None = None) -> Q:
    """Filters of the appeal list from GET parameters: state, type, channel, ``open`` (still
    being handled), ``await=rating`` (closed, not yet rated), ``q`` (number, title, enterprise
    or 信用代码), ``from``/``to`` (受理日期), ``overdue`` (a ticket past its deadline)."""
    q = Q()
    if params.get("open"):
        q &= Q(state__in=OPEN_APPEAL_STATES)
    if params.get("await") == "rating":
        q &= Q(state__in=[AppealState.CLOSED, AppealState.ANSWERED], rating__isnull=True)
    words = str(params.get("q") or "").split()
    for word in words[:5]:
        number = NUMBER_RE.match(word.upper())
        by_number = Q(pk=int(number.group(1))) if number else Q(pk__in=[])
        q &= (
            by_number
            | Q(title__icontains=word)
            | Q(enterprise_name__icontains=word)
            | Q(enterprise_uscc__iexact=word)
        )
    start, end = _date(params.get("from")), _date(params.get("to"))
    if start:
        q &= Q(received_at__date__gte=start)
    if end:
        q &= Q(received_at__date__lte=end)
    if params.get("overdue") and now is not None:
        late = Ticket.objects.filter(overdue_ticket_q(now), appeal_id=OuterRef("pk"))
        q &= Q(Exists(late))
    if params.get("state"):
        q &= Q(state=params["state"])
    if params.get("type"):
        q &= Q(appeal_type=params["type"])
    if params.get("channel"):
        q &= Q(channel=params["channel"])
    return q


# ---------------------------------------------------------------------------------------
# Reads for other apps (engagement, problems): through here, never through the tables
# ---------------------------------------------------------------------------------------


def enterprise_qr_token(uscc: str) -> str | None:
    """The token of the enterprise's own active 码上反映 entry, if it has one."""
    entry = QrEntry.objects.filter(enterprise_uscc=uscc, active=True).order_by("-pk").first()
    return entry.token if entry is not None else None


def replied_late(appeal_ref: Any) -> Exists:
    """``Exists``: a primary ticket of the appeal ``appeal_ref`` (an ``OuterRef``) was
    replied after its time limit."""
    return Exists(
        Ticket.objects.filter(appeal_id=appeal_ref, role="primary", replied_on_time=False)
    )


def appeal_texts(area: Unit, start: dt.datetime, end: dt.datetime) -> QuerySet[Any]:
    """``(id, received_at, title, content, locality_id, enterprise_uscc, place)`` of the
    appeals received in ``area`` in ``[start, end)``, for mining recurring themes."""
    return Appeal.objects.filter(
        locality__path__startswith=area.path, received_at__gte=start, received_at__lt=end
    ).values_list(
        "pk", "received_at", "title", "content", "locality_id", "enterprise_uscc", "place"
    )
