"""The appeals lines of each role's home page (``AppManifest.workbench``).

Every count is the length of the list its link opens: the same query, the same filter.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from qinqing.appeals import queries, service
from qinqing.appeals.choices import SlaStatus, TicketState
from qinqing.appeals.models import Ticket
from qinqing.core.accounts.access import has_capability, scope_area, user_unit
from qinqing.core.manifest import WorkItem
from qinqing.core.workdays import get_calendar

SECTION = "涉企诉求"


def _sla_counts(tickets: list[Ticket], now: dt.datetime) -> tuple[int, int]:
    queries.decorate_tickets(tickets, now)
    red = sum(1 for t in tickets if t.sla == SlaStatus.RED)
    yellow = sum(1 for t in tickets if t.sla == SlaStatus.YELLOW)
    return red, yellow


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
        # the clock is on the ticket: no need for each one's appeal and unit here
        requests = list(queries.office_requests(user).select_related(None))
        red, yellow = _sla_counts(requests, now)
        items.append(
            WorkItem(
                "待审核的退单、延期、挂起申请",
                len(requests),
                reverse("appeals:queue") + "#h-requests",
                overdue=red,
                due_soon=yellow,
                section=SECTION,
            )
        )
    if has_capability(user, "appeals.callback") and scope_area(user) is not None:
        # plain rows of the columns the deadline needs: the queue can hold thousands
        waiting = list(
            queries.callback_queue(user).values_list(
                "pk", "locality_id", "appeal_type", "replied_at"
            )
        )
        dues = service.callback_due_dates(waiting, get_calendar())
        late = sum(1 for due in dues.values() if due is not None and now > due)
        items.append(
            WorkItem("待回访", len(waiting), reverse("appeals:callbacks"), overdue=late,
                     section=SECTION)
        )  # fmt: skip
    unit = user_unit(user)
    if has_capability(user, "appeals.handle") and unit is not None:
        for group, label in (("sign", "待签收工单"), ("reply", "待答复工单")):
            rows = list(unit_tickets(unit, group))
            red, yellow = _sla_counts(rows, now)
            items.append(
                WorkItem(label, len(rows), reverse("appeals:tickets") + f"?state={group}",
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
