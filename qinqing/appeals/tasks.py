"""Scheduled jobs of 接诉即办: reminders (催办) and automatic supervision (督办).

``sweep_tickets(now)`` is idempotent (a second run at the same moment changes nothing),
takes ``now`` from the scheduler, does nothing on a rest day, and works on whole columns:
the deadlines of working-day clocks are recomputed from each ticket's cached clock inputs
(start day, limit, approved extension, paused working days) with the calendar's array API,
so a corrected calendar year is picked up on the next run. ``rebuild_clocks(now)``
recomputes those inputs from the event log for every open ticket.

What a sweep writes, on PostgreSQL: one UPDATE of the tickets that change, joined on the
primary key in ticket order (HOT updates: no indexed column changes and ticket pages keep
room, migration 0014), one COPY of the 催办 and 督办 events in ticket order, and one audit
event summarising the run (each ticket's trail is its appeal's event log). The events'
foreign keys are checked per row at commit, which is most of what the first sweep of
freshly loaded appeals costs (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from qinqing.appeals import clock_columns, figures, rules
from qinqing.appeals.choices import EventKind, SlaStatus, TicketState
from qinqing.appeals.models import AppealEvent, AppealSettings, FigureMonth, FigureMonthMark, Ticket
from qinqing.appeals.service import refresh_clock
from qinqing.core import audit
from qinqing.core.workdays import DEFAULT_OFFICE_HOURS, get_calendar
from qinqing.core.workdays.calendar import WorkdayCalendar

ACTOR = "系统：时限巡检"
REMINDER_NOTE = "已用时限 {:.0%}，请抓紧办理。"
SIGN_OVERDUE_NOTE = "超过签收时限，自动转为督办。"
REPLY_OVERDUE_NOTE = "超过答复时限，自动转为督办。"
# Tickets whose clock runs: waiting to be signed, or signed and owing a reply.
RUNNING_STATES = (
    TicketState.DISPATCHED,
    TicketState.ACKNOWLEDGED,
    TicketState.EXTENSION_REQUESTED,
    TicketState.SUSPENSION_REQUESTED,
)


@dataclass
class SweepResult:
    checked: int = 0
    reminded: int = 0
    supervised: int = 0
    skipped_rest_day: bool = False
    reminded_ids: list[int] = field(default_factory=list)
    supervised_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        if self.skipped_rest_day:
            return "今天是休息日，不催办、不督办。"
        return f"检查在办工单 {self.checked} 件：催办 {self.reminded} 件，转督办 {self.supervised} 件。"


def _fetch_running(locality_path: str | None) -> dict[str, np.ndarray]:
    """Clock columns (:func:`clock_columns.read`) of every running ticket, in one pass."""
    tickets = Ticket.objects.filter(state__in=RUNNING_STATES, paused_since__isnull=True)
    if locality_path:
        tickets = tickets.filter(appeal__locality__path__startswith=locality_path)
    return clock_columns.read(tickets)


def _sla_columns(
    cols: dict[str, np.ndarray], now: dt.datetime, calendar: WorkdayCalendar
) -> tuple[np.ndarray, np.ndarray]:
    """Status (:func:`clock_columns.sla_status`) and the reply clock's share used, per ticket.

    The reply deadlines of working-day clocks are recomputed with the calendar in force
    (:func:`clock_columns.recompute_reply_due`), so a corrected calendar year counts from
    the next run on.
    """
    moment, today = clock_columns.local_now(now)
    reply_due = clock_columns.recompute_reply_due(cols, today, calendar)
    # reminders count the reply clock's share used, also while the ticket waits to be signed
    share = rules.used_share_array(
        cols["dispatched"], cols["start_on"], cols["limit"] + cols["extension"], cols["unit"],
        cols["paused"], moment, today, calendar=calendar,
    )  # fmt: skip
    status = clock_columns.sla_status(
        cols, now, calendar=calendar, start_on=cols["start_on"], reply_due=reply_due
    )
    return status, share


def running_sla(
    now: dt.datetime, *, locality_path: str | None = None, calendar: WorkdayCalendar | None = None
) -> dict[int, str]:
    """Ticket id → SLA status of every running ticket, as the sweep sees it."""
    cols = _fetch_running(locality_path)
    if not cols:
        return {}
    status, _ = _sla_columns(cols, now, calendar or get_calendar())
    return dict(zip(cols["id"].tolist(), status.tolist(), strict=True))


def sweep_tickets(
    now: dt.datetime, *, locality_path: str | None = None, calendar: WorkdayCalendar | None = None
) -> SweepResult:
    """催办 at the configured shares of time used; overdue (red) tickets become 督办.

    "Overdue" is :func:`rules.ticket_sla_array` (equal to the pages' :func:`rules.ticket_sla`),
    with the reply deadlines of working-day clocks recomputed with the calendar in force.
    """
    calendar = calendar or get_calendar()
    if rules.is_quiet_day(now, calendar=calendar):
        return SweepResult(skipped_rest_day=True)
    cols = _fetch_running(locality_path)
    if not cols:
        return SweepResult()
    status, share = _sla_columns(cols, now, calendar)
    overdue = status == SlaStatus.RED.value
    sign_overdue = overdue & cols["signing"]

    shares = _reminder_shares()
    level = np.zeros(len(status), dtype=np.int64)
    for threshold in shares:
        level += share >= threshold
    level = np.where(overdue, np.maximum(level, len(shares)), level)
    remind = (level > cols["level"]) & ~overdue
    supervise = overdue & ~cols["supervised"]
    raise_level = level > cols["level"]

    result = SweepResult(checked=len(status))
    if not (raise_level.any() or supervise.any()):
        return result
    with transaction.atomic():
        changed = raise_level | supervise
        _apply(
            cols["id"][changed], np.maximum(level, cols["level"])[changed], supervise[changed], now
        )
        reminded, supervised = np.flatnonzero(remind), np.flatnonzero(supervise)
        notes = np.array(
            [
                *(REMINDER_NOTE.format(v) for v in np.minimum(share[reminded], 9.99).tolist()),
                *np.where(sign_overdue[supervised], SIGN_OVERDUE_NOTE, REPLY_OVERDUE_NOTE),
            ],
            dtype=object,
        )
        kinds = np.array(
            [str(EventKind.REMINDED)] * len(reminded)
            + [str(EventKind.SUPERVISED)] * len(supervised),
            dtype=object,
        )
        rows = np.concatenate([reminded, supervised])
        amounts = np.concatenate([level[reminded], np.zeros(len(supervised), dtype=np.int64)])
        # in ticket order: the key checks and index entries then walk the tables in order
        order = np.argsort(cols["id"][rows], kind="stable")
        _insert_events(
            appeal_ids=cols["appeal_id"][rows][order],
            ticket_ids=cols["id"][rows][order],
            kinds=kinds[order].tolist(),
            notes=notes[order].tolist(),
            amounts=amounts[order],
            now=now,
        )
        result.reminded = len(reminded)
        result.supervised = len(supervised)
        result.reminded_ids = cols["id"][remind].tolist()
        result.supervised_ids = cols["id"][supervise].tolist()
        audit.record(
            ACTOR,
            "appeals.swept",
            ("appeals.sweep", now.isoformat(timespec="minutes"), "时限巡检"),
            after={
                "checked": result.checked,
                "reminded": result.reminded,
                "supervised": result.supervised,
                # the per-ticket trail is in each appeal's event log; ids kept here for review
                "supervised_ids": result.supervised_ids[:1000],
                "reminded_ids": result.reminded_ids[:1000],
            },
            now=now,
        )
    return result


def _reminder_shares() -> tuple[float, ...]:
    """Reminder thresholds: the first configured locality's, else 50% and 80%.

    One deployment serves one city and its counties, which share the city's settings.
    """
    configured = AppealSettings.objects.exclude(reminder_shares=[]).order_by("pk").first()
    return configured.shares if configured else rules.DEFAULT_REMINDER_SHARES


def _int_array(values: np.ndarray) -> str:
    """A PostgreSQL array literal of integers, built by numpy rather than per element."""
    return "{" + ",".join(values.astype(np.int64).astype(str).tolist()) + "}"


def _apply(ids: np.ndarray, levels: np.ndarray, supervise: np.ndarray, now: dt.datetime) -> None:
    """Write new reminder levels and 督办 flags: one statement on PostgreSQL.

    The join probes the primary key in ticket order, so only the pages of the tickets
    written are read (not every ticket's, as a hash join would).
    """
    if connection.vendor == "postgresql":
        order = np.argsort(ids, kind="stable")
        ids, levels, supervise = ids[order], levels[order], supervise[order]
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
            cursor.execute(
                "UPDATE appeals_ticket AS t SET reminder_level = v.lvl, "
                "supervised = t.supervised OR v.sup, "
                "supervised_at = CASE WHEN v.sup AND NOT t.supervised THEN %s ELSE t.supervised_at END "
                "FROM unnest(%s::bigint[], %s::int[], %s::bool[]) AS v(id, lvl, sup) WHERE t.id = v.id",
                [now, _int_array(ids), _int_array(levels), _int_array(supervise)],
            )
            cursor.execute("RESET enable_hashjoin")
            cursor.execute("RESET enable_mergejoin")
        return
    for value in np.unique(levels):
        chosen = ids[levels == value].tolist()
        for start in range(0, len(chosen), 500):
            Ticket.objects.filter(pk__in=chosen[start : start + 500]).update(
                reminder_level=int(value)
            )
    chosen = ids[supervise].tolist()
    for start in range(0, len(chosen), 500):
        Ticket.objects.filter(pk__in=chosen[start : start + 500]).update(
            supervised=True, supervised_at=now
        )


def _copy_text(value: str) -> str:
    """One field of COPY's text format."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _insert_events(
    *,
    appeal_ids: np.ndarray,
    ticket_ids: np.ndarray,
    kinds: list[str],
    notes: list[str],
    amounts: np.ndarray,
    now: dt.datetime,
) -> None:
    """The sweep's 催办 and 督办 events: one COPY on PostgreSQL (batched inserts into the
    partitions), ``bulk_create`` elsewhere."""
    if not len(appeal_ids):
        return
    if connection.vendor == "postgresql":
        tail = "\t".join([now.isoformat(), _copy_text(ACTOR)])
        escaped = {n: _copy_text(n) for n in set(notes)}  # a few dozen distinct notes
        lines = [
            f"{a}\t{t}\t{k}\t{tail}\t{escaped[n]}\t{m}\t{{}}\n"
            for a, t, k, n, m in zip(
                appeal_ids.tolist(), ticket_ids.tolist(), [str(k) for k in kinds], notes,
                amounts.tolist(), strict=True,
            )
        ]  # fmt: skip
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY appeals_appealevent "
                "(appeal_id, ticket_id, kind, at, actor_label, note, amount, data) FROM STDIN"
            ) as copy,
        ):
            copy.write("".join(lines))
        return
    AppealEvent.objects.bulk_create(
        [
            AppealEvent(
                appeal_id=a,
                ticket_id=t,
                kind=k,
                at=now,
                actor_label=ACTOR,
                note=n,
                amount=m,
                data={},
            )  # fmt: skip
            for a, t, k, n, m in zip(
                appeal_ids.tolist(),
                ticket_ids.tolist(),
                kinds,
                notes,
                amounts.tolist(),
                strict=True,
            )
        ],
        batch_size=5000,
    )


def rebuild_clocks(now: dt.datetime | None = None, *, calendar=None) -> int:
    """Recompute every open ticket's cached clock from its event log (after a calendar fix)."""
    calendar = calendar or get_calendar()
    count = 0
    open_states = [*RUNNING_STATES, TicketState.SUSPENDED, TicketState.RETURN_REQUESTED]
    for ticket in Ticket.objects.filter(state__in=open_states).iterator(chunk_size=2000):
        with transaction.atomic():
            refresh_clock(ticket, calendar)
        count += 1
    audit.record(
        ACTOR,
        "appeals.clocks_rebuilt",
        ("appeals.sweep", (now or timezone.now()).isoformat(timespec="minutes"), "重算时限"),
        after={"tickets": count},
        now=now,
    )
    return count


def roll_up_figures(now: dt.datetime, *, months_back: int = 24, recompute_last: int = 3) -> int:
    """Nightly: store the counts of final months (三率 per unit and month), set-based.

    Missing months of the last ``months_back`` are rolled up, and the latest
    ``recompute_last`` final months are recomputed (a late callback still lands there).
    Idempotent; returns how many months were written.
    """
    last = figures.last_final_month(now)
    first = figures.month_start(last, -(months_back - 1))
    fresh_from = figures.month_start(last, -(recompute_last - 1))
    marked = set(
        FigureMonthMark.objects.filter(month__gte=first, month__lte=last).values_list(
            "month", flat=True
        )
    )
    months, month = [], first
    while month <= last:
        if month not in marked or month >= fresh_from:
            months.append(month)
        month = figures.month_start(month, 1)
    if not months:
        return 0
    tz = DEFAULT_OFFICE_HOURS.tz
    ranges = [
        (
            dt.datetime.combine(m, dt.time(), tzinfo=tz),
            dt.datetime.combine(figures.month_start(m, 1), dt.time(), tzinfo=tz),
        )
        for m in months
    ]
    counts = figures.live_counts(ranges, by_month=True, as_of=now)
    wanted = {m.strftime("%Y-%m"): m for m in months}
    rows = [
        FigureMonth(unit_id=unit_id, month=wanted[key], **vars(c))
        for (unit_id, key), c in counts.items()
        if key in wanted
    ]
    with transaction.atomic():
        FigureMonth.objects.filter(month__in=months).delete()
        FigureMonth.objects.bulk_create(rows, batch_size=5000)
        for m in months:
            FigureMonthMark.objects.update_or_create(month=m, defaults={"computed_at": now})
        audit.record(
            ACTOR,
            "appeals.figures_rolled_up",
            ("appeals.figures", now.isoformat(timespec="minutes"), "三率月度汇总"),
            after={"months": [m.strftime("%Y-%m") for m in months], "rows": len(rows)},
            now=now,
        )
    return len(months)


# Scheduled jobs (declared in qinqing/appeals/manifest.py; run by qinqing.core.jobs).


def sweep_job(now: dt.datetime) -> dict[str, int]:
    """诉求时限巡检 as a job: 催办 and 督办 as of ``now`` (nothing on rest days)."""
    result = sweep_tickets(now)
    return {
        "checked": result.checked,
        "reminded": result.reminded,
        "supervised": result.supervised,
        "rest_day": int(result.skipped_rest_day),
    }


def roll_up_job(now: dt.datetime) -> dict[str, int]:
    """三率月度汇总 as a job: every missing final month, and the latest ones again."""
    return {"months": roll_up_figures(now)}
