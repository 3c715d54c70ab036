"""Scheduled jobs of policy delivery. Each takes ``now``, runs in one transaction and can
be rerun: a second run on the same day creates nothing new.

* :func:`sweep_fund_arrivals` — funds from above not passed down within 15 natural days of
  arrival (002) are flagged overdue and the owning department is reminded (once a day).
* :func:`sweep_review_deadlines` — an application still waiting after its review time
  limit (working days) is reminded to the owning department once a day.
* :func:`sweep_service_target_lists` — every policy gets its 服务对象清单 row for the
  current quarter; a pending one is reminded from 15 days before the quarter ends, weekly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.errors import QinqingError
from qinqing.core.notifications import notify_unit
from qinqing.policies import matching, rules
from qinqing.policies.models import (
    Application,
    ApplicationState,
    FundArrival,
    MatchRun,
    Policy,
    ServiceTargetList,
)

ACTOR = "system:policies-sweep"


@dataclass
class SweepResult:
    flagged_overdue: int = 0
    fund_reminders: int = 0
    review_reminders: int = 0
    lists_created: int = 0
    list_reminders: int = 0


@transaction.atomic
def sweep_fund_arrivals(now: dt.datetime, result: SweepResult | None = None) -> SweepResult:
    result = result or SweepResult()
    today = timezone.localdate(now)
    pending = FundArrival.objects.select_for_update().filter(disbursed_on__isnull=True)
    for arrival in pending.select_related("budget__policy"):
        if not rules.fund_overdue(due=arrival.due_on, disbursed_on=None, today=today):
            continue
        policy = arrival.budget.policy
        if not arrival.overdue:
            arrival.overdue = True
            arrival.save(update_fields=["overdue"])
            result.flagged_overdue += 1
            audit.record(ACTOR, "fund.overdue", arrival,
                         after={"due_on": arrival.due_on, "today": today}, now=now)  # fmt: skip
        if arrival.reminded_on != today:
            arrival.reminded_on = today
            arrival.save(update_fields=["reminded_on"])
            days = (today - arrival.due_on).days
            notify_unit(
                policy.owner_unit, capability="policies.view", kind="policies.reminder",
                title=f"上级资金逾期未下达：{policy.title}",
                body=(f"{arrival.source}资金 {rules.yuan(arrival.amount)} 于 {arrival.arrived_on} "
                      f"到达本级，应于 {arrival.due_on} 前下达县（区）或直接拨付给企业，"
                      f"已逾期 {days} 天。"),
                url="/policies/funds/", key=f"fund-overdue:{arrival.pk}:{today}", now=now,
            )  # fmt: skip
            result.fund_reminders += 1
    return result


@transaction.atomic
def sweep_service_target_lists(now: dt.datetime, result: SweepResult | None = None) -> SweepResult:
    result = result or SweepResult()
    today = timezone.localdate(now)
    year, quarter = rules.quarter_of(today)
    due = rules.target_list_due_on(year, quarter)
    policies = Policy.objects.filter(is_public=True).select_related("owner_unit")
    active = [
        p for p in policies if (p.ends_on is None or p.ends_on >= rules.quarter_bounds(year, quarter)[0])
    ]  # fmt: skip
    existing = set(
        ServiceTargetList.objects.filter(year=year, quarter=quarter).values_list(
            "policy_id", flat=True
        )
    )
    new = [
        ServiceTargetList(policy=p, year=year, quarter=quarter, unit=p.owner_unit, due_on=due)
        for p in active
        if p.pk not in existing
    ]
    ServiceTargetList.objects.bulk_create(new)
    result.lists_created += len(new)
    pending = ServiceTargetList.objects.select_for_update().filter(
        year=year, quarter=quarter, refreshed_at__isnull=True
    )
    for target in pending.select_related("policy"):
        if not rules.target_list_needs_reminder(
            today=today, due=target.due_on, refreshed=False, reminded_on=target.reminded_on
        ):
            continue
        target.reminded_on = today
        target.save(update_fields=["reminded_on"])
        notify_unit(
            target.unit_id, capability="policies.view", kind="policies.reminder",
            title=f"请更新服务对象清单：{target.policy.title}",
            body=(f"{year} 年第 {quarter} 季度服务对象清单尚未更新，请于 {target.due_on} 前更新"
                  "（每季度更新政策和服务对象清单，并与企业对接）。"),
            url=f"/policies/targets/{target.pk}/", key=f"target-list:{target.pk}:{today}",
            now=now,
        )  # fmt: skip
        audit.record(ACTOR, "service_target_list.reminded", target,
                     after={"due_on": target.due_on}, now=now)  # fmt: skip
        result.list_reminders += 1
    return result


@transaction.atomic
def sweep_review_deadlines(now: dt.datetime, result: SweepResult | None = None) -> SweepResult:
    result = result or SweepResult()
    today = timezone.localdate(now)
    late = Application.objects.select_for_update().filter(
        state=ApplicationState.SUBMITTED, review_due_at__lt=now
    )
    for application in late.select_related("policy"):
        if application.overdue_reminded_on == today:
            continue
        first = application.overdue_reminded_on is None
        application.overdue_reminded_on = today
        application.save(update_fields=["overdue_reminded_on"])
        due = timezone.localtime(application.review_due_at)
        notify_unit(
            application.policy.owner_unit_id, capability="policies.view",
            kind="policies.reminder",
            title=f"政策申报超过审核时限：{application.enterprise_name}",
            body=(f"“{application.policy.title}”申报（编号 {application.number}）应于 "
                  f"{due:%Y-%m-%d %H:%M} 前审核，请尽快办理。"),
            url=application.get_absolute_url(), key=f"review-overdue:{application.pk}:{today}",
            now=now,
        )  # fmt: skip
        if first:
            audit.record(ACTOR, "application.review_overdue", application,
                         after={"due_at": application.review_due_at}, now=now)  # fmt: skip
        result.review_reminders += 1
    return result


def run_sweeps(now: dt.datetime) -> SweepResult:
    """All sweeps (each in its own transaction)."""
    result = sweep_fund_arrivals(now)
    result = sweep_review_deadlines(now, result)
    return sweep_service_target_lists(now, result)


# Scheduled jobs (declared in qinqing/policies/manifest.py; run by qinqing.core.jobs).


def sweep_job(now: dt.datetime) -> dict[str, int]:
    """The policy delivery sweeps as one job (see :func:`run_sweeps`)."""

    return asdict(run_sweeps(now))


def refresh_matching(now: dt.datetime) -> dict[str, int]:
    """政策匹配 refresh: rerun each area's latest matching of a year whose rules or registry
    changed since, in the name of whoever ran it (idempotent: unchanged ones are skipped)."""

    latest: dict[tuple[int | None, int], MatchRun] = {}
    for run in MatchRun.objects.select_related("area", "created_by").order_by("created_at", "pk"):
        latest[(run.area_id, run.year)] = run
    counts = {"refreshed": 0, "unchanged": 0, "not_refreshable": 0}
    for run in latest.values():
        if run.area is None or run.created_by is None:
            counts["not_refreshable"] += 1
            continue
        refs = [
            f"{r.policy.code}@{r.version}"
            for r in matching.active_rules(matching.area_policies(run.area))
        ]
        if refs == run.rule_refs and not matching.registry_changed_since(run):
            counts["unchanged"] += 1
            continue
        try:
            matching.run_matching(actor=run.created_by, year=run.year, area=run.area, now=now)
        except QinqingError:
            counts["not_refreshable"] += 1  # rules withdrawn, or the user lost the right
            continue
        counts["refreshed"] += 1
    return counts
