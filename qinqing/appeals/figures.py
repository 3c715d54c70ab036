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
from qinqing.appeals.models import Callback, FigureMonth, FigureMonthMark, Ticket
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


COUNT_FIELDS = [f.name for f in fields(rules.FigureCounts)]
FINAL_AFTER_MONTHS = 2  # a month is final two months after it ends


def month_start(day: dt.date, shift: int = 0) -> dt.date:
    """First day of ``day``'s month, shifted by ``shift`` months.

    Examples:
        >>> month_start(dt.date(2026, 6, 16), -2), month_start(dt.date(2026, 1, 31), -1)
        (datetime.date(2026, 4, 1), datetime.date(2025, 12, 1))
    """
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def last_final_month(now: dt.datetime) -> dt.date:
    """The latest month whose figures no longer change (rolled up by the nightly job)."""
    return month_start(now.astimezone(DEFAULT_OFFICE_HOURS.tz).date(), -FINAL_AFTER_MONTHS - 1)


def _scope(qs, unit_ids, area_path):
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    if area_path is not None:
        # the units of the area (a short id list) rather than a join through the appeals
        area_units = list(
            Unit.objects.filter(path__startswith=area_path).values_list("pk", flat=True)
        )
        qs = qs.filter(unit_id__in=area_units)
    return qs


def live_counts(
    ranges: list[tuple[dt.datetime, dt.datetime]],
    *,
    unit_ids: list[int] | None = None,
    area_path: str | None = None,
    by_month: bool = False,
    as_of: dt.datetime,
) -> dict[tuple[int, str], rules.FigureCounts]:
    """Counts straight from tickets and callbacks over half-open instant ranges."""
    if not ranges:
        return {}
    t_when, c_when = Q(), Q()
    for lo, hi in ranges:
        t_when |= Q(dispatched_at__gte=lo, dispatched_at__lt=hi)
        c_when |= Q(called_at__gte=lo, called_at__lt=hi)
    tickets = _scope(
        Ticket.objects.filter(t_when).exclude(state__in=NOT_COUNTED), unit_ids, area_path
    )
    callbacks = _scope(Callback.objects.filter(c_when), unit_ids, area_path)
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
    for row in [*ticket_rows, *callback_rows]:
        key = (row["unit_id"], _month_key(row.get("month")) if by_month else "")
        merged[key].update(
            {k: (row[k] or 0) for k in COUNT_FIELDS if k in row},
        )
    return {key: rules.FigureCounts(**values) for key, values in merged.items()}


def _rolled_up_months(start: dt.date, end: dt.date, as_of: dt.datetime) -> list[dt.date]:
    """Final, rolled-up months lying wholly inside ``start``…``end``."""
    first = month_start(start) if start.day == 1 else month_start(start, 1)
    limit = min(last_final_month(as_of), month_start(end + dt.timedelta(days=1), -1))
    if first > limit:
        return []
    return sorted(
        FigureMonthMark.objects.filter(month__gte=first, month__lte=limit).values_list(
            "month", flat=True
        )
    )


def _complement(start: dt.date, end: dt.date, months: list[dt.date]):
    """Local-midnight instant ranges of ``start``…``end`` not covered by ``months``."""
    lo, hi = period_bounds(start, end)
    tz = DEFAULT_OFFICE_HOURS.tz
    ranges, cursor = [], lo
    for month in months:
        m_lo = dt.datetime.combine(month, dt.time(), tzinfo=tz)
        m_hi = dt.datetime.combine(month_start(month, 1), dt.time(), tzinfo=tz)
        if m_lo > cursor:
            ranges.append((cursor, m_lo))
        cursor = max(cursor, m_hi)
    if cursor < hi:
        ranges.append((cursor, hi))
    return ranges


def unit_counts(
    start: dt.date,
    end: dt.date,
    *,
    unit_ids: list[int] | None = None,
    area_path: str | None = None,
    by_month: bool = False,
    as_of: dt.datetime | None = None,
    use_rollup: bool = True,
) -> dict[tuple[int, str], rules.FigureCounts]:
    """Counts per (unit id, month or "") for tickets dispatched and callbacks made in the period.

    A ticket counts for 响应率 once signed or once its sign deadline has passed by ``as_of``
    (the end of the period, or now if earlier); likewise for 按时办结率 with the reply
    deadline. Transferred tickets do not count for the reply (the new unit's ticket does).
    Final months come from the nightly roll-up (``tasks.roll_up_figures``), the rest live.
    """
    lo, hi = period_bounds(start, end)
    as_of = min(as_of, hi) if as_of else hi
    months = _rolled_up_months(start, end, as_of) if use_rollup else []
    out = live_counts(
        _complement(start, end, months),
        unit_ids=unit_ids,
        area_path=area_path,
        by_month=by_month,
        as_of=as_of,
    )
    if not months:
        return out
    rows = _scope(FigureMonth.objects.filter(month__in=months), unit_ids, area_path)
    # the months of a unit summed in the database (a year is twelve rows per unit: summing
    # them here took a quarter of the cockpit's time, issue 20)
    group = ["unit_id", "month"] if by_month else ["unit_id"]
    sums = {f"sum_{k}": Sum(k) for k in COUNT_FIELDS}
    for row in rows.values(*group).annotate(**sums).order_by():
        key = (row["unit_id"], row["month"].strftime("%Y-%m") if by_month else "")
        counts = rules.FigureCounts(**{k: row[f"sum_{k}"] or 0 for k in COUNT_FIELDS})
        out[key] = add_counts(out[key], counts) if key in out else counts
    return out


def add_counts(a: rules.FigureCounts, b: rules.FigureCounts) -> rules.FigureCounts:
    return rules.FigureCounts(**{k: getattr(a, k) + getattr(b, k) for k in COUNT_FIELDS})


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
    counts: dict[tuple[int, str], rules.FigureCounts] | None = None,
) -> list[FigureRow]:
    """Units (or counties) of ``area`` ranked by the weighted score, best first.

    ``counts``: the area's :func:`unit_counts` for the same period when the caller already
    has them (the cockpit ranks units and counties from one reading)."""
    if counts is None:
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
