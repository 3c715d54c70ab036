"""Scheduled jobs of 接诉即办: reminders (催办) and automatic supervision (督办).

``sweep_tickets(now)`` is idempotent (a second run at the same moment changes nothing),
takes ``now`` from the scheduler, does nothing on a rest day, and works on whole columns:
the deadlines of working-day clocks are recomputed from each ticket's cached clock inputs
(start day, limit, approved extension, paused working days) with the calendar's array API,
so a corrected calendar year is picked up on the next run. ``rebuild_clocks(now)``
recomputes those inputs from the event log for every open ticket.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from qinqing.appeals import rules
from qinqing.appeals.choices import EventKind, TicketState
from qinqing.appeals.models import AppealEvent, AppealSettings, Ticket
from qinqing.core import audit
from qinqing.core.workdays import DEFAULT_OFFICE_HOURS, get_calendar

ACTOR = "系统：时限巡检"
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


def _local_minutes(values: np.ndarray) -> np.ndarray:
    """Aware datetimes (object array, may hold None) → local ``datetime64[m]``; None → NaT."""
    tz = DEFAULT_OFFICE_HOURS.tz
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[m]")
    for i, v in enumerate(values):
        if v is not None:
            out[i] = np.datetime64(v.astimezone(tz).replace(tzinfo=None), "m")
    return out


def _fetch_running(locality_path: str | None) -> dict[str, np.ndarray]:
    """Clock columns of every running ticket, fetched in one query into numpy arrays."""
    states = [str(s) for s in RUNNING_STATES]
    if connection.vendor == "postgresql":
        sql = (
            "SELECT t.id, t.appeal_id, t.state, t.start_on, t.reply_limit, t.reply_unit, "
            "t.extension_amount, t.paused_amount, t.reminder_level, t.supervised, "
            "(t.sign_due_at AT TIME ZONE 'Asia/Shanghai'), "
            "(t.reply_due_at AT TIME ZONE 'Asia/Shanghai'), "
            "(t.dispatched_at AT TIME ZONE 'Asia/Shanghai') "
            "FROM appeals_ticket t "
            + (
                "JOIN appeals_appeal a ON a.id = t.appeal_id JOIN orgs_unit u ON u.id = a.locality_id "
                if locality_path
                else ""
            )
            + "WHERE t.state = ANY(%s) AND t.paused_since IS NULL"
            + (" AND u.path LIKE %s" if locality_path else "")
        )
        params: list = [states] + ([locality_path + "%"] if locality_path else [])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not rows:
            return {}
        cols = list(zip(*rows, strict=True))
        sign_due = np.array(cols[10], dtype="datetime64[m]")
        reply_due = np.array(cols[11], dtype="datetime64[m]")
        dispatched = np.array(cols[12], dtype="datetime64[m]")
    else:
        qs = Ticket.objects.filter(state__in=states, paused_since__isnull=True)
        if locality_path:
            qs = qs.filter(appeal__locality__path__startswith=locality_path)
        rows = list(
            qs.values_list(
                "id", "appeal_id", "state", "start_on", "reply_limit", "reply_unit",
                "extension_amount", "paused_amount", "reminder_level", "supervised",
                "sign_due_at", "reply_due_at", "dispatched_at",
            )
        )  # fmt: skip
        if not rows:
            return {}
        cols = list(zip(*rows, strict=True))
        sign_due = _local_minutes(np.array(cols[10], dtype=object))
        reply_due = _local_minutes(np.array(cols[11], dtype=object))
        dispatched = _local_minutes(np.array(cols[12], dtype=object))
    return {
        "id": np.array(cols[0], dtype=np.int64),
        "appeal_id": np.array(cols[1], dtype=np.int64),
        "state": np.array(cols[2], dtype=object),
        "start_on": np.array(cols[3], dtype="datetime64[D]"),
        "limit": np.array(cols[4], dtype=np.int64),
        "unit": np.array(cols[5], dtype=object),
        "extension": np.array(cols[6], dtype=np.int64),
        "paused": np.array(cols[7], dtype=np.int64),
        "level": np.array(cols[8], dtype=np.int64),
        "supervised": np.array(cols[9], dtype=bool),
        "sign_due": sign_due,
        "reply_due": reply_due,
        "dispatched": dispatched,
    }


def sweep_tickets(
    now: dt.datetime, *, locality_path: str | None = None, calendar=None
) -> SweepResult:
    """催办 at the configured shares of time used; overdue tickets become 督办 (red)."""
    calendar = calendar or get_calendar()
    if rules.is_quiet_day(now, calendar=calendar):
        return SweepResult(skipped_rest_day=True)
    cols = _fetch_running(locality_path)
    if not cols:
        return SweepResult()
    local_now = np.datetime64(now.astimezone(DEFAULT_OFFICE_HOURS.tz).replace(tzinfo=None), "m")
    today = now.astimezone(DEFAULT_OFFICE_HOURS.tz).date()
    close = DEFAULT_OFFICE_HOURS.closes_at
    close_offset = np.timedelta64(close.hour * 60 + close.minute, "m")

    total = cols["limit"] + cols["extension"]
    workday = cols["unit"] == "workdays"
    reply_due = cols["reply_due"].copy()
    share = np.zeros(len(total))
    if workday.any():
        due_days, shares = rules.workday_clock_arrays(
            cols["start_on"][workday],
            total[workday],
            cols["paused"][workday],
            today,
            calendar=calendar,
        )
        reply_due[workday] = due_days.astype("datetime64[m]") + close_offset
        share[workday] = shares
    other = ~workday & ~np.isnat(reply_due)
    if other.any():  # natural days and hours: the cached deadline, share by elapsed time
        span = (reply_due[other] - cols["dispatched"][other]).astype(np.int64)
        spent = (local_now - cols["dispatched"][other]).astype(np.int64)
        share[other] = np.where(span > 0, spent / np.maximum(span, 1), 1.0)

    waiting_sign = cols["state"] == TicketState.DISPATCHED
    sign_overdue = waiting_sign & ~np.isnat(cols["sign_due"]) & (local_now > cols["sign_due"])
    reply_overdue = ~np.isnat(reply_due) & (local_now > reply_due)
    overdue = sign_overdue | reply_overdue

    shares = _reminder_shares()
    level = np.zeros(len(total), dtype=np.int64)
    for threshold in shares:
        level += share >= threshold
    level = np.where(overdue, np.maximum(level, len(shares)), level)
    remind = (level > cols["level"]) & ~overdue
    supervise = overdue & ~cols["supervised"]
    raise_level = level > cols["level"]

    result = SweepResult(checked=len(total))
    if not (raise_level.any() or supervise.any()):
        return result
    with transaction.atomic():
        for value in np.unique(level[raise_level]):
            ids = cols["id"][raise_level & (level == value)]
            _update(ids, reminder_level=int(value))
        if supervise.any():
            _update(cols["id"][supervise], supervised=True, supervised_at=now)
        events = []
        for i in np.flatnonzero(remind):
            events.append(
                (int(cols["appeal_id"][i]), int(cols["id"][i]), EventKind.REMINDED,
                 f"已用时限 {min(share[i], 9.99):.0%}，请抓紧办理。", int(level[i]))
            )  # fmt: skip
        for i in np.flatnonzero(supervise):
            what = "签收" if sign_overdue[i] else "答复"
            events.append(
                (int(cols["appeal_id"][i]), int(cols["id"][i]), EventKind.SUPERVISED,
                 f"超过{what}时限，自动转为督办。", 0)
            )  # fmt: skip
        _insert_events(events, now)
        result.reminded = int(remind.sum())
        result.supervised = int(supervise.sum())
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


def _update(ids: np.ndarray, **values) -> None:
    ids = ids.tolist()
    for start in range(0, len(ids), 50_000):
        Ticket.objects.filter(pk__in=ids[start : start + 50_000]).update(**values)


def _insert_events(rows: list[tuple], now: dt.datetime) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        appeal_ids, ticket_ids, kinds, notes, amounts = (list(c) for c in zip(*rows, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO appeals_appealevent "
                "(appeal_id, ticket_id, kind, at, actor_label, note, amount, data) "
                "SELECT a, t, k, %s, %s, n, m, '{}'::jsonb "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::int[]) "
                "AS x(a, t, k, n, m)",
                [now, ACTOR, appeal_ids, ticket_ids, [str(k) for k in kinds], notes, amounts],
            )
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
            for a, t, k, n, m in rows
        ],
        batch_size=5000,
    )


def rebuild_clocks(now: dt.datetime | None = None, *, calendar=None) -> int:
    """Recompute every open ticket's cached clock from its event log (after a calendar fix)."""
    from qinqing.appeals.service import refresh_clock

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
