"""Recompute open review and fund deadlines when the calendar changes (see workdays.changes)."""

from __future__ import annotations

import datetime as dt

from qinqing.core.workdays import TimeLimit, due_at
from qinqing.core.workdays.changes import Moved, Result
from qinqing.policies import rules
from qinqing.policies.models import Application, ApplicationState, FundArrival


def recompute_deadlines(*, now: dt.datetime, calendar) -> Result:
    moved: list[Moved] = []
    checked = 0
    pending = Application.objects.filter(state=ApplicationState.SUBMITTED).select_related("policy")
    for application in pending.order_by("pk"):
        checked += 1
        limit = TimeLimit(application.policy.review_limit_workdays)
        due = due_at(application.submitted_at, limit, calendar=calendar)
        if due == application.review_due_at:
            continue
        old = application.review_due_at
        application.review_due_at = due
        application.save(update_fields=["review_due_at"])
        moved.append(
            Moved(
                f"政策申报 {application.number}（{application.enterprise_name}）",
                "审核时限",
                old,
                due,
                url=f"/policies/applications/{application.pk}/",
                unit_id=application.policy.owner_unit_id,
                uscc=application.uscc,
            )  # fmt: skip
        )
    arrivals = FundArrival.objects.filter(disbursed_on__isnull=True).select_related(
        "budget__policy"
    )
    for arrival in arrivals.order_by("pk"):
        checked += 1
        fund_due = rules.fund_due_on(arrival.arrived_on, calendar=calendar)
        if fund_due == arrival.due_on:
            continue
        old_due = arrival.due_on
        arrival.due_on = fund_due
        arrival.save(update_fields=["due_on"])
        policy = arrival.budget.policy
        moved.append(
            Moved(
                f"上级资金（{policy.title}）",
                "下达或拨付时限",
                old_due,
                fund_due,
                url="/policies/funds/",
                unit_id=policy.owner_unit_id,
            )  # fmt: skip
        )
    return Result(checked, moved)
