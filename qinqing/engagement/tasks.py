"""Scheduled jobs of 包联服务 (declared in manifest.py; idempotent, take ``now``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import F, Q

from qinqing.core import audit
from qinqing.core.notifications.api import Message, notify_many
from qinqing.core.workdays import add_workdays, get_calendar
from qinqing.engagement import rules
from qinqing.engagement.models import MissedCycle, Pairing
from qinqing.engagement.service import local_today, settings_for

BATCH = 5000


def flag_overdue_visits(now: dt.datetime) -> dict[str, int]:
    """走访逾期提醒: record every cadence cycle that ended with no visit, flag the pairing
    overdue and remind its cadre; remind cadres a few working days before a visit is due.

    Only pairings whose next due date has passed are read (an index range on
    ``next_due_on``), so the run costs what is due today, not what exists. A second run on
    the same day finds nothing left to do.
    """
    today = local_today(now)
    calendar = get_calendar()
    with transaction.atomic():
        # a pairing that ended before its next cycle did has nothing more to be due
        ended = Pairing.objects.filter(next_due_on__lt=today, ends_on__lt=F("next_due_on")).update(
            next_due_on=None, overdue_since=None
        )
        rows = list(
            Pairing.objects.filter(next_due_on__lt=today, starts_on__lte=today)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=F("next_due_on")))
            .values_list(
                "pk",
                "starts_on",
                "ends_on",
                "cadence_months",
                "next_due_on",
                "overdue_since",
                "cadre_id",
                "unit_id",
                "area_id",
                "cadre__user_id",
            )  # fmt: skip
        )
        missed: list[MissedCycle] = []
        changed: list[Pairing] = []
        newly_overdue: dict[int, int] = defaultdict(int)
        for pk, starts_on, ends_on, cadence, due, overdue_since, cadre, unit, area, user in rows:
            while due is not None and due < today and (ends_on is None or due <= ends_on):
                missed.append(MissedCycle(pairing_id=pk, cadre_id=cadre, unit_id=unit,
                                          area_id=area, due_on=due, flagged_on=today))  # fmt: skip
                due = rules.next_cycle(starts_on, cadence, due, calendar).due_on
            if ends_on is not None and due is not None and due > ends_on:
                due = None
            if ends_on is not None and ends_on < today:
                overdue_since = None  # ended: the missed cycles stay in the figures
            elif overdue_since is None:
                overdue_since = today
                newly_overdue[user] += 1
            changed.append(Pairing(pk=pk, next_due_on=due, overdue_since=overdue_since))
        for i in range(0, len(missed), BATCH):
            MissedCycle.objects.bulk_create(missed[i : i + BATCH], ignore_conflicts=True)
        # few distinct (due date, overdue since) pairs: one UPDATE each, not a CASE per row
        groups: dict[tuple, list[int]] = defaultdict(list)
        for p in changed:
            groups[(p.next_due_on, p.overdue_since)].append(p.pk)
        for (due, since), ids in groups.items():
            for i in range(0, len(ids), BATCH):
                Pairing.objects.filter(pk__in=ids[i : i + BATCH]).update(
                    next_due_on=due, overdue_since=since
                )
        notify_many(
            [
                (user_id, Message(
                    kind="engagement.visit_overdue",
                    title=f"您有 {count} 家包联企业（项目）逾期未走访",
                    body="请尽快入企走访，或电话、线上联系企业，并在平台登记走访情况。",
                    url="/engagement/mine/",
                    key=f"engagement.visit_overdue:{user_id}:{today.isoformat()}",
                ))
                for user_id, count in newly_overdue.items()
            ],
            now=now,
        )  # fmt: skip
        soon = _remind_due_soon(now, today)
        if missed or ended:
            audit.record("走访逾期巡检", "visits.swept", ("engagement.sweep", today, "走访逾期巡检"),
                         after={"missed": len(missed), "overdue": sum(newly_overdue.values()),
                                "ended": ended, "reminded": soon}, now=now)  # fmt: skip
    return {
        "missed_cycles": len(missed),
        "newly_overdue": sum(newly_overdue.values()),
        "ended": ended,
        "due_soon_reminded": soon,
    }


def _remind_due_soon(now: dt.datetime, today: dt.date) -> int:
    """One reminder per pairing and cycle, N working days before the visit is due."""
    lead = settings_for(None).due_soon_workdays
    window_end = add_workdays(today, lead)
    window_start = add_workdays(today, lead - 1) + dt.timedelta(days=1) if lead > 1 else today
    rows = (
        Pairing.objects.filter(next_due_on__gte=window_start, next_due_on__lte=window_end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=F("next_due_on")))
        .values_list("cadre__user_id", "next_due_on")
    )
    by_user: dict[int, list[dt.date]] = defaultdict(list)
    for user_id, due in rows:
        if due is not None:  # the filter above keeps only dated rows
            by_user[user_id].append(due)
    notify_many(
        [
            (user_id, Message(
                kind="engagement.visit_due_soon",
                title=f"{len(dues)} 家包联企业（项目）应于 {min(dues):%m月%d日} 前走访",
                url="/engagement/mine/",
                key=f"engagement.visit_due_soon:{user_id}:{min(dues).isoformat()}",
                channels=("inbox",),  # a gentle reminder; an overdue visit also goes by SMS
            ))
            for user_id, dues in by_user.items()
        ],
        now=now,
    )  # fmt: skip
    return sum(len(d) for d in by_user.values())
