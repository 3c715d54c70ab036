"""三率 and the other figures of 接诉即办, per unit or per county and period; set-based.

Two grouped queries answer any period and any list of units: one over tickets (by the day
they were dispatched), one over callbacks (by the day of the call). The formulas are
``rules.figure_rates`` with the locality's configuration (docs/appeals.md):

* 响应率 = 按时签收的工单 / 已签收或已过签收时限的工单（不含已同意退单、已撤销的工单）;
* 按时办结率 = 在答复时限内答复的工单 / 已答复或已过答复时限的工单（不含已转办的工单）;
* 平均答复用时 = 已答复工单从派单到答复的工作日数（扣除挂起）之和 / 已答复的工单;
* 解决率 = 回访“已解决” / 回访次数; 满意率 = (满意 + 基本满意 × 权重) / 回访次数.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, fields

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from qinqing.appeals import rules
from qinqing.appeals.choices import Satisfaction, TicketState
from qinqing.appeals.models import Callback, Ticket
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import DEFAULT_OFFICE_HOURS

NOT_COUNTED = [TicketState.RETURNED, TicketState.CANCELLED]


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of ``start`` to local midnight after ``end`` (both days included)."""
    tz = DEFAULT_OFFICE_HOURS.tz
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=tz),
    )


def _month_key(value) -> str:
    if value is None:
        return ""
    return (
        value.astimezone(DEFAULT_OFFICE_HOURS.tz).strftime("%Y-%m")
        if hasattr(value, "astimezone")
        else str(value)[:7]
    )


def unit_counts(
    start: dt.date,
    end: dt.date,
    *,
    unit_ids: list[int] | None = None,
    area_path: str | None = None,
    by_month: bool = False,
    as_of: dt.datetime | None = None,
) -> dict[tuple[int, str], rules.FigureCounts]:
    """Counts per (unit id, month or "") for tickets dispatched and callbacks made in the period.

    A ticket counts for 响应率 once signed or once its sign deadline has passed by ``as_of``
    (the end of the period, or now if earlier); likewise for 按时办结率 with the reply
    deadline. Transferred tickets do not count for the reply (the new unit's ticket does).
    """
    lo, hi = period_bounds(start, end)
    as_of = min(as_of, hi) if as_of else hi
    tickets = Ticket.objects.filter(dispatched_at__gte=lo, dispatched_at__lt=hi).exclude(
        state__in=NOT_COUNTED
    )
    callbacks = Callback.objects.filter(called_at__gte=lo, called_at__lt=hi)
    if unit_ids is not None:
        tickets = tickets.filter(unit_id__in=unit_ids)
        callbacks = callbacks.filter(unit_id__in=unit_ids)
    if area_path is not None:
        tickets = tickets.filter(appeal__locality__path__startswith=area_path)
        callbacks = callbacks.filter(appeal__locality__path__startswith=area_path)
    tz = DEFAULT_OFFICE_HOURS.tz
    t_keys, c_keys = ["unit_id"], ["unit_id"]
    if by_month:
        tickets = tickets.annotate(month=TruncMonth("dispatched_at", tzinfo=tz))
        callbacks = callbacks.annotate(month=TruncMonth("called_at", tzinfo=tz))
        t_keys.append("month")
        c_keys.append("month")
    sign_counted = Q(acknowledged_at__isnull=False) | Q(sign_due_at__lt=as_of)
    reply_counted = (Q(replied_at__isnull=False) | Q(reply_due_at__lt=as_of)) & ~Q(
        state=TicketState.TRANSFERRED
    )
    ticket_rows = tickets.values(*t_keys).annotate(
        dispatched=Count("id"),
        sign_counted=Count("id", filter=sign_counted),
        signed_on_time=Count("id", filter=Q(signed_on_time=True)),
        reply_counted=Count("id", filter=reply_counted),
        replied=Count("id", filter=Q(replied_at__isnull=False)),
        replied_on_time=Count("id", filter=Q(replied_on_time=True)),
        reply_workdays_sum=Sum("reply_workdays"),
    )
    callback_rows = callbacks.values(*c_keys).annotate(
        callbacks=Count("id"),
        resolved=Count("id", filter=Q(resolved=True)),
        satisfied=Count("id", filter=Q(satisfaction=Satisfaction.SATISFIED)),
        partly=Count("id", filter=Q(satisfaction=Satisfaction.PARTLY)),
        unsatisfied=Count("id", filter=Q(satisfaction=Satisfaction.UNSATISFIED)),
    )
    merged: dict[tuple[int, str], dict] = defaultdict(dict)
    for row in ticket_rows:
        key = (row["unit_id"], _month_key(row.get("month")) if by_month else "")
        merged[key].update(
            dispatched=row["dispatched"],
            sign_counted=row["sign_counted"],
            signed_on_time=row["signed_on_time"],
            reply_counted=row["reply_counted"],
            replied=row["replied"],
            replied_on_time=row["replied_on_time"],
            reply_workdays_sum=row["reply_workdays_sum"] or 0,
        )
    for row in callback_rows:
        key = (row["unit_id"], _month_key(row.get("month")) if by_month else "")
        merged[key].update(
            callbacks=row["callbacks"],
            resolved=row["resolved"],
            satisfied=row["satisfied"],
            partly=row["partly"],
            unsatisfied=row["unsatisfied"],
        )
    return {key: rules.FigureCounts(**values) for key, values in merged.items()}


def add_counts(a: rules.FigureCounts, b: rules.FigureCounts) -> rules.FigureCounts:
    return rules.FigureCounts(
        **{f.name: getattr(a, f.name) + getattr(b, f.name) for f in fields(rules.FigureCounts)}
    )


@dataclass
class FigureRow:
    key: int
    name: str
    counts: rules.FigureCounts
    rates: dict
    rank: int = 0

    @property
    def pct(self) -> dict[str, float | None]:
        """Rates as percentages (0-100, one decimal) for templates and exports."""
        return {name: self.percent(name) for name in self.rates}

    def percent(self, name: str) -> float | None:
        value = self.rates.get(name)
        return None if value is None else round(100 * value, 1)


def county_of(units: dict[int, Unit], unit_id: int, city: Unit) -> int:
    """The county a unit belongs to, or the city itself for 市直 units."""
    unit = units.get(unit_id)
    node = unit
    while node is not None:
        if node.kind == "county":
            return node.pk
        node = units.get(node.parent_id) if node.parent_id else None
    return city.pk


def ranking(
    start: dt.date,
    end: dt.date,
    *,
    area: Unit,
    level: str = "unit",
    config: dict | None = None,
    as_of: dt.datetime | None = None,
) -> list[FigureRow]:
    """Units (or counties) of ``area`` ranked by the weighted score, best first."""
    counts = unit_counts(start, end, area_path=area.path, as_of=as_of)
    units = {u.pk: u for u in Unit.objects.filter(path__startswith=area.path)}
    grouped: dict[int, rules.FigureCounts] = {}
    for (unit_id, _), c in counts.items():
        key = county_of(units, unit_id, area) if level == "county" else unit_id
        grouped[key] = add_counts(grouped[key], c) if key in grouped else c
    rows = []
    for key, c in grouped.items():
        unit = units.get(key)
        name = unit.name if unit else "?"
        if level == "county" and key == area.pk:
            name = f"{area.name}（市直部门）"
        rows.append(FigureRow(key, name, c, rules.figure_rates(c, config)))
    rows.sort(key=lambda r: (r.rates["score"] is None, -(r.rates["score"] or 0), r.name))
    for rank, row in enumerate(rows, 1):
        row.rank = rank
    return rows


def monthly_series(
    start: dt.date,
    end: dt.date,
    *,
    area: Unit,
    config: dict | None = None,
    as_of: dt.datetime | None = None,
) -> dict[str, dict]:
    """The area's 三率 month by month (for the chart)."""
    counts = unit_counts(start, end, area_path=area.path, by_month=True, as_of=as_of)
    months: dict[str, rules.FigureCounts] = {}
    for (_, month), c in counts.items():
        months[month] = add_counts(months[month], c) if month in months else c
    return {m: rules.figure_rates(months[m], config) for m in sorted(months)}
