"""Recompute open report and 督办 deadlines when the calendar changes (see workdays.changes)."""

from __future__ import annotations

import datetime as dt

from qinqing.core.workdays.changes import Moved, Result
from qinqing.supervision import rules
from qinqing.supervision.models import ProgressReport, ReviewCycle, SupervisionNotice
from qinqing.supervision.rules import NoticeState, ReportState

OPEN_REPORTS = [ReportState.PENDING, ReportState.RETURNED]


def recompute_deadlines(*, now: dt.datetime, calendar) -> Result:
    moved: list[Moved] = []
    checked = 0
    cycles = ReviewCycle.objects.filter(reports__state__in=OPEN_REPORTS).distinct()
    for cycle in cycles.select_related("cadence").order_by("pk"):
        checked += 1
        due = rules.report_due_on(cycle.period_end, cycle.cadence.report_lag_workdays, calendar)
        if due == cycle.report_due_on:
            continue
        old = cycle.report_due_on
        cycle.report_due_on = due
        cycle.save(update_fields=["report_due_on"])
        reports = ProgressReport.objects.filter(cycle=cycle, state__in=OPEN_REPORTS)
        units = sorted(set(reports.values_list("unit_id", flat=True)))
        reports.update(report_due_on=due)
        period = rules.period_label(cycle.period_start, cycle.period_end)
        for unit_id in units:
            moved.append(
                Moved(
                    f"{cycle.cadence.label} {period} 进度报送",
                    "报送截止",
                    old,
                    due,
                    url="/supervision/my/",
                    unit_id=unit_id,
                )  # fmt: skip
            )
    notices = SupervisionNotice.objects.filter(state=NoticeState.ISSUED).select_related("unit")
    for notice in notices.order_by("pk"):
        checked += 1
        due = calendar.add_workdays(notice.issued_on, notice.response_workdays)
        if due == notice.response_due_on:
            continue
        old = notice.response_due_on
        notice.response_due_on = due
        notice.save(update_fields=["response_due_on"])
        moved.append(
            Moved(
                f"督办单 {notice.number}（{notice.unit.name}）",
                "反馈截止",
                old,
                due,
                url=f"/supervision/notices/{notice.pk}/",
                unit_id=notice.unit_id,
            )  # fmt: skip
        )
    return Result(checked, moved)
