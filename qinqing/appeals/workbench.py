"""The appeals lines of each role's home page (``AppManifest.workbench``).

Every count is the length of the list its link opens: the same query, the same filter.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    Count,
    Max,
    Min,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncDate, TruncTime
from django.db.models.lookups import GreaterThanOrEqual
from django.urls import reverse

from qinqing.appeals import clock_columns, queries, rules, service
from qinqing.appeals.choices import OPEN_TICKET_STATES, SlaStatus, TicketState
from qinqing.appeals.models import Appeal, Ticket
from qinqing.core.accounts.access import has_capability, scope_area, user_unit
from qinqing.core.manifest import WorkItem
from qinqing.core.workdays import DEFAULT_OFFICE_HOURS, get_calendar

SECTION = "涉企诉求"
_TZ = DEFAULT_OFFICE_HOURS.tz


def sla_counts(tickets: QuerySet[Ticket], now: dt.datetime) -> tuple[int, int]:
    """(red, yellow) among ``tickets``: the lights :func:`queries.decorate_tickets` shows on
    the list, counted from plain clock columns with :func:`rules.ticket_sla_array` (tested
    equal to the scalar). A unit or an area holds thousands of open tickets, and building a
    ticket object and its clock per row was most of the home page's time (issue 20).

    Closed tickets are done and tickets with a running pause paused: neither is counted,
    so only the running ones are read."""
    cols = clock_columns.read(
        tickets.filter(state__in=OPEN_TICKET_STATES, paused_since__isnull=True)
    )
    if not cols:
        return 0, 0
    calendar = get_calendar()
    # what the list shows: the deemed start day of the dispatch and the cached deadlines
    status = clock_columns.sla_status(
        cols,
        now,
        calendar=calendar,
        start_on=rules.deemed_start_days_array(cols["dispatched"], calendar=calendar),
        reply_due=cols["reply_due"],
    )
    return int((status == SlaStatus.RED.value).sum()), int((status == SlaStatus.YELLOW.value).sum())


def late_callbacks(waiting: QuerySet[Appeal], now: dt.datetime) -> int:
    """How many appeals of ``waiting`` (the 待回访 queue) are past their callback deadline
    (:func:`service.callback_due_dates`, as the callback list shows it).

    The replies are grouped in the database by locality, type, local day and side of
    closing time, and the deadline is computed for the first and the last reply of each
    group: the day's time limit is one, and the deadline never falls as the reply comes
    later, so when those two agree every reply between shares it (working and natural
    days); otherwise (hour limits) the group's replies are read and each is computed. An
    area has thousands of replies waiting; a deadline each was half the office home page's
    time (issue 20)."""
    groups = list(
        waiting.filter(replied_at__isnull=False)
        .order_by()
        .values(
            "locality_id",
            "appeal_type",
            day=TruncDate("replied_at", tzinfo=_TZ),
            evening=Case(
                When(
                    GreaterThanOrEqual(
                        TruncTime("replied_at", tzinfo=_TZ), Value(DEFAULT_OFFICE_HOURS.closes_at)
                    ),
                    then=Value(True),
                ),
                default=Value(False),
            ),
        )
        .annotate(first=Min("replied_at"), last=Max("replied_at"), n=Count("pk"))
    )
    calendar = get_calendar()
    ends = service.callback_due_dates(
        [
            row
            for i, g in enumerate(groups)
            for row in (
                (2 * i, g["locality_id"], g["appeal_type"], g["first"]),
                (2 * i + 1, g["locality_id"], g["appeal_type"], g["last"]),
            )
        ],
        calendar,
    )
    late = 0
    for i, g in enumerate(groups):
        first, last = ends[2 * i], ends[2 * i + 1]
        if first == last:
            late += g["n"] if first is not None and now > first else 0
            continue
        rows = waiting.filter(
            locality_id=g["locality_id"],
            appeal_type=g["appeal_type"],
            replied_at__gte=g["first"],
            replied_at__lte=g["last"],
        ).values_list("pk", "locality_id", "appeal_type", "replied_at")
        dues = service.callback_due_dates(rows, calendar)
        late += sum(1 for due in dues.values() if due is not None and now > due)
    return late


def unit_tickets(unit, state_group: str):
    """The unit's tickets of one group: ``sign`` (待签收) or ``reply`` (待答复)."""
    rows = Ticket.objects.filter(unit=unit)
    if state_group == "sign":
        return rows.filter(state=TicketState.DISPATCHED)
    return rows.filter(state__in=queries.REPLY_DUE_STATES)


def work_items(user, now: dt.datetime) -> list[WorkItem]:
    items: list[WorkItem] = []
    if has_capability(user, "appeals.dispatch") and scope_area(user) is not None:
        items.append(
            WorkItem(
                "待派单诉求",
                queries.dispatch_queue(user).count(),
                reverse("appeals:queue"),
                section=SECTION,
            )
        )
        requests = queries.office_requests(user).select_related(None)
        red, yellow = sla_counts(requests, now)
        items.append(
            WorkItem(
                "待审核的退单、延期、挂起申请",
                requests.count(),
                reverse("appeals:queue") + "#h-requests",
                overdue=red,
                due_soon=yellow,
                section=SECTION,
            )
        )
    if has_capability(user, "appeals.callback") and scope_area(user) is not None:
        waiting = queries.callback_queue(user)
        late = late_callbacks(waiting, now)
        items.append(
            WorkItem("待回访", waiting.count(), reverse("appeals:callbacks"), overdue=late,
                     section=SECTION)
        )  # fmt: skip
    unit = user_unit(user)
    if has_capability(user, "appeals.handle") and unit is not None:
        for group, label in (("sign", "待签收工单"), ("reply", "待答复工单")):
            rows = unit_tickets(unit, group)
            red, yellow = sla_counts(rows, now)
            items.append(
                WorkItem(label, rows.count(), reverse("appeals:tickets") + f"?state={group}",
                         overdue=red, due_soon=yellow, section=SECTION)
            )  # fmt: skip
    if has_capability(user, "appeals.submit"):
        mine = queries.visible_appeals_for_user(user)
        url = reverse("appeals:list")
        items.append(
            WorkItem("办理中的诉求", mine.filter(queries.appeal_filter_q({"open": "1"})).count(),
                     f"{url}?open=1", section=SECTION)
        )  # fmt: skip
        items.append(
            WorkItem("待我评价", mine.filter(queries.appeal_filter_q({"await": "rating"})).count(),
                     f"{url}?await=rating", due_soon=0, section=SECTION)
        )  # fmt: skip
    if has_capability(user, "appeals.discipline"):
        leads = queries.visible_leads_for_user(user).filter(queries.OPEN_LEADS)
        items.append(
            WorkItem("待处置的作风问题线索", leads.count(), reverse("appeals:leads") + "?open=1",
                     section="纪检监察")
        )  # fmt: skip
    return items
