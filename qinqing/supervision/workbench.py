"""The 调度督办 lines of each role's home page (``AppManifest.workbench``)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from qinqing.core.accounts.access import has_capability, user_unit
from qinqing.core.manifest import WorkItem
from qinqing.core.workdays import get_calendar
from qinqing.supervision import queries
from qinqing.supervision.models import ReportState
from qinqing.supervision.rules import NoticeState

SECTION = "调度督办"
TODO_STATES = (ReportState.PENDING, ReportState.RETURNED)


def _deadline_colours(due_days, today: dt.date) -> tuple[int, int]:
    """(past due, due within the due-soon window) of a list of due dates."""
    window = queries.due_soon_workdays()
    calendar = get_calendar()
    limit = calendar.add_workdays(today, window) if window else today
    late = sum(1 for d in due_days if d is not None and d < today)
    soon = sum(1 for d in due_days if d is not None and today <= d <= limit)
    return late, soon


def unit_todo_reports(user, today: dt.date):
    """Report slots the unit still has to file (待报送, or returned for changes)."""
    return queries.my_reports(user, today).filter(state__in=TODO_STATES)


def work_items(user, now: dt.datetime) -> list[WorkItem]:
    today = timezone.localdate(now)
    items: list[WorkItem] = []
    if has_capability(user, "plans.review") and queries.scope_area(user) is not None:
        queue = queries.review_queue_for_user(user)
        items.append(
            WorkItem("待审核的进度报送", queue.count(), reverse("supervision:review_queue"),
                     section=SECTION)
        )  # fmt: skip
    if has_capability(user, "plans.report") and user_unit(user) is not None:
        todo = list(unit_todo_reports(user, today).values_list("report_due_on", flat=True))
        late, soon = _deadline_colours(todo, today)
        items.append(
            WorkItem("待报送进度", len(todo), reverse("supervision:my_tasks") + "#h-todo",
                     overdue=late, due_soon=soon, section=SECTION)
        )  # fmt: skip
        notices = queries.visible_notices_for_user(user).filter(state=NoticeState.ISSUED)
        due = list(notices.values_list("response_due_on", flat=True))
        late, soon = _deadline_colours(due, today)
        items.append(
            WorkItem("待反馈的督办单", len(due), reverse("supervision:notices") + "?state=issued",
                     overdue=late, due_soon=soon, section=SECTION)
        )  # fmt: skip
    if has_capability(user, "supervision.referrals"):
        referrals = queries.referrals_for_user(user).exclude(state=NoticeState.CLOSED)
        items.append(
            WorkItem("移送的问责事项（未办结）", referrals.count(),
                     reverse("supervision:referrals") + "?open=1", section="纪检监察")
        )  # fmt: skip
    return items
