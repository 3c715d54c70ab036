"""Live figures of 包联服务, grouped by county (area), unit or cadre: a few grouped queries,
never one per row (see bench/engagement.py).

For a period ``[start, end]`` and a day ``today``:

* 包联关系 / 包联企业 / 逾期未走访: pairings in force on ``today`` (and those flagged overdue);
* 走访次数: visits dated in the period;
* 走访完成率 = 按时完成的走访周期 ÷ (按时完成 + 逾期未走访) for cadence cycles due in the
  period: a cycle still running counts only once it is fulfilled;
* 收集诉求 / 已办结 / 正在推进 / 按时办结: appeals opened from visits and meetings in the
  period, by their state now (「收集企业诉求867个，推动办结579个，288个正在推进中」);
* 走访满意率 = (满意 + 基本满意 × 0.8) ÷ 评价次数, for visits dated in the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q

from qinqing.appeals import queries as appeals_queries
from qinqing.engagement import rules
from qinqing.engagement.models import MissedCycle, Pairing, RaisedIssue, Visit, VisitRating

GROUPS = {"area": "area_id", "unit": "unit_id", "cadre": "cadre_id"}
PARTLY_WEIGHT = 0.8
CLOSED_APPEAL_STATES = ("closed", "answered")


@dataclass
class Counts:
    pairings: int = 0
    enterprises: int = 0
    overdue: int = 0
    visits: int = 0
    cycles_done: int = 0
    cycles_missed: int = 0
    issues: int = 0
    issues_closed: int = 0
    issues_on_time: int = 0
    ratings: int = 0
    satisfied: int = 0
    partly: int = 0
    key: int | None = None
    label: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def issues_open(self) -> int:
        return self.issues - self.issues_closed

    @property
    def completion_rate(self) -> float | None:
        return rules.rate(self.cycles_done, self.cycles_done + self.cycles_missed)

    @property
    def on_time_rate(self) -> float | None:
        return rules.rate(self.issues_on_time, self.issues_closed)

    @property
    def closed_rate(self) -> float | None:
        return rules.rate(self.issues_closed, self.issues)

    @property
    def satisfaction_rate(self) -> float | None:
        if not self.ratings:
            return None
        return round(100 * (self.satisfied + PARTLY_WEIGHT * self.partly) / self.ratings, 1)

    def add(self, other: Counts) -> None:
        for name in ("pairings", "enterprises", "overdue", "visits", "cycles_done",
                     "cycles_missed", "issues", "issues_closed", "issues_on_time", "ratings",
                     "satisfied", "partly"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))


def grouped_counts(
    scope: Q, group: str, start: dt.date, end: dt.date, today: dt.date
) -> dict[int, Counts]:
    """Counts per group key (``area``, ``unit`` or ``cadre``) of the rows in ``scope``.

    ``scope`` is a ``Q`` on the denormalised ``area``/``unit``/``cadre`` columns, which
    pairings, visits, missed cycles and issues all carry.
    """
    column = GROUPS[group]
    out: dict[int, Counts] = {}

    def row(key) -> Counts:
        if key not in out:
            out[key] = Counts(key=key)
        return out[key]

    in_force = Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    for r in (
        Pairing.objects.filter(scope)
        .filter(in_force)
        .values(column)
        .annotate(
            n=Count("pk"),
            e=Count("enterprise_id", distinct=True),
            late=Count("pk", filter=Q(overdue_since__isnull=False)),
        )
        .order_by()
    ):
        c = row(r[column])
        c.pairings, c.enterprises, c.overdue = r["n"], r["e"], r["late"]
    for r in (
        Visit.objects.filter(scope)
        .filter(visited_on__gte=start, visited_on__lte=end)
        .values(column)
        .annotate(
            n=Count("pk"),
            rated=Count("pk", filter=~Q(rating="")),
            good=Count("pk", filter=Q(rating=VisitRating.SATISFIED)),
            partly=Count("pk", filter=Q(rating=VisitRating.PARTLY)),
        )
        .order_by()
    ):
        c = row(r[column])
        c.visits, c.ratings, c.satisfied, c.partly = r["n"], r["rated"], r["good"], r["partly"]
    for r in (
        Visit.objects.filter(scope)
        .filter(fulfils_cycle=True, cycle_due_on__gte=start, cycle_due_on__lte=end)
        .values(column)
        .annotate(n=Count(column))
        .order_by()
    ):
        row(r[column]).cycles_done = r["n"]
    for r in (
        MissedCycle.objects.filter(scope)
        .filter(due_on__gte=start, due_on__lte=end)
        .values(column)
        .annotate(n=Count("pk"))
        .order_by()
    ):
        row(r[column]).cycles_missed = r["n"]
    if group == "cadre":
        scope &= Q(cadre__isnull=False)
    for r in (
        issues_with_outcome(RaisedIssue.objects.filter(scope))
        .filter(raised_on__gte=start, raised_on__lte=end)
        .values(column)
        .annotate(
            n=Count("pk"),
            closed=Count("pk", filter=Q(appeal__state__in=CLOSED_APPEAL_STATES)),
            on_time=Count("pk", filter=Q(appeal__state__in=CLOSED_APPEAL_STATES, late=False)),
        )
        .order_by()
    ):
        c = row(r[column])
        c.issues, c.issues_closed, c.issues_on_time = r["n"], r["closed"], r["on_time"]
    return out


def issues_with_outcome(qs):
    """Annotate ``late``: a primary ticket of the appeal was replied after its time limit."""
    return qs.annotate(late=appeals_queries.replied_late(OuterRef("appeal_id")))


def total(rows: dict[int, Counts]) -> Counts:
    out = Counts(label="合计")
    for c in rows.values():
        out.add(c)
    out.enterprises = 0  # distinct counts do not add up across groups
    return out
