"""Pure rules of 接诉即办: ticket state machine, SLA clocks, reminders, figures, duplicates.

No ORM, no clock, no I/O: callers pass ``now`` and the working-day ``calendar``
(``qinqing.core.workdays.get_calendar()``, fetched once per request or job).

SLA clocks are recomputed from a ticket's event log (:func:`ticket_clock`): the clock starts
at dispatch; an approved 挂起 (waiting for the enterprise) and a 退单 awaiting the
dispatcher's review pause it; an approved 延期 extends it. Because the working days a pause
covers are counted from the event times with the calendar in force, a corrected calendar
year is reflected on the next recomputation and no time is lost. The sweep computes the
same deadlines for a whole column of tickets at once (:func:`reply_due_days_array`)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from qinqing.appeals.choices import (
    OPEN_TICKET_STATES,
    AppealType,
    EventKind,
    SlaStage,
    SlaStatus,
    TicketState,
)
from qinqing.core.errors import InvalidInput
from qinqing.core.workdays.rules import (
    DEFAULT_OFFICE_HOURS,
    OfficeHours,
    TimeLimit,
    TimeUnit,
    deemed_received_on,
)

if TYPE_CHECKING:
    from qinqing.core.workdays.calendar import WorkdayCalendar


# ---------------------------------------------------------------------------------------
# SLA policy (data with defaults)
# ---------------------------------------------------------------------------------------

DEFAULT_SLA_SOURCE = (
    "《2022年以更大力度优化营商环境实施方案》第16条“畅通政企沟通渠道”："
    "“1个工作日签收、咨询和表扬类3个工作日内回复；建议类5个工作日内回复；"
    "投诉和求助类10个工作日内回复”"
)
LOCAL_DEFAULT_SOURCE = "亲清默认值（实施方案未作规定），请按本地工作办法调整"


@dataclass(frozen=True)
class SlaRule:
    """One time limit: stage, appeal type ("" = every type), limit, from when, per which text."""

    stage: str
    appeal_type: str
    limit: TimeLimit
    effective_from: dt.date
    source: str


_SINCE = dt.date(2022, 1, 1)
DEFAULT_SLA: tuple[SlaRule, ...] = (
    SlaRule(SlaStage.SIGN, "", TimeLimit(1), _SINCE, DEFAULT_SLA_SOURCE),
    SlaRule(SlaStage.REPLY, AppealType.CONSULTATION, TimeLimit(3), _SINCE, DEFAULT_SLA_SOURCE),
    SlaRule(SlaStage.REPLY, AppealType.PRAISE, TimeLimit(3), _SINCE, DEFAULT_SLA_SOURCE),
    SlaRule(SlaStage.REPLY, AppealType.SUGGESTION, TimeLimit(5), _SINCE, DEFAULT_SLA_SOURCE),
    SlaRule(SlaStage.REPLY, AppealType.COMPLAINT, TimeLimit(10), _SINCE, DEFAULT_SLA_SOURCE),
    SlaRule(SlaStage.REPLY, AppealType.HELP, TimeLimit(10), _SINCE, DEFAULT_SLA_SOURCE),
    SlaRule(SlaStage.CALLBACK, "", TimeLimit(3), _SINCE, LOCAL_DEFAULT_SOURCE),
    SlaRule(SlaStage.RECTIFICATION, "", TimeLimit(10), _SINCE, LOCAL_DEFAULT_SOURCE),
)


def pick_limit(rules: Iterable[SlaRule], stage: str, appeal_type: str, on: dt.date) -> SlaRule:
    """The rule in force on ``on`` for a stage and type (a type-specific rule beats "").

    ``rules`` are a locality's rules; the defaults (:data:`DEFAULT_SLA`) fill any gap.

    Examples:
        >>> pick_limit([], SlaStage.REPLY, AppealType.SUGGESTION, dt.date(2025, 6, 1)).limit
        TimeLimit(amount=5, unit=<TimeUnit.WORKDAYS: 'workdays'>)
        >>> local = [SlaRule("reply", "", TimeLimit(48, TimeUnit.HOURS), dt.date(2025, 7, 1), "本地办法")]
        >>> str(pick_limit(local, "reply", "help", dt.date(2025, 7, 2)).limit)
        '48 小时'
        >>> str(pick_limit(local, "reply", "help", dt.date(2025, 6, 30)).limit)
        '10 个工作日'
    """
    for pool in (list(rules), DEFAULT_SLA):
        candidates = [
            r
            for r in pool
            if r.stage == stage and r.appeal_type in ("", appeal_type) and r.effective_from <= on
        ]
        if candidates:
            return max(candidates, key=lambda r: (r.effective_from, r.appeal_type != ""))
    raise InvalidInput(f"没有找到“{SlaStage(stage).label}”环节的时限设置，请在诉求设置中补充。")


def reply_limits_sentence(rules: Iterable[SlaRule], on: dt.date) -> str:
    """The reply limits in force on ``on``, as the public QR sheet states them.

    Types with the same limit are named together, shortest limit first.

    Examples:
        >>> reply_limits_sentence([], dt.date(2026, 1, 5))
        '咨询、表扬类 3 个工作日内答复，建议类 5 个工作日内答复，求助、投诉类 10 个工作日内答复。'
        >>> local = [SlaRule("reply", "complaint", TimeLimit(48, TimeUnit.HOURS), dt.date(2026, 1, 1), "本地办法")]
        >>> reply_limits_sentence(local, dt.date(2026, 1, 5))
        '投诉类 48 小时内答复，咨询、表扬类 3 个工作日内答复，建议类 5 个工作日内答复，求助类 10 个工作日内答复。'
    """
    pool = list(rules)
    groups: dict[TimeLimit, list[str]] = {}
    for appeal_type in AppealType:
        limit = pick_limit(pool, SlaStage.REPLY, appeal_type, on).limit
        groups.setdefault(limit, []).append(appeal_type.label)
    hours = {TimeUnit.HOURS: 1 / 24, TimeUnit.WORKDAYS: 1.4, TimeUnit.NATURAL_DAYS: 1.0}
    ordered = sorted(
        groups.items(), key=lambda item: item[0].amount * hours[TimeUnit(item[0].unit)]
    )
    return "，".join(f"{'、'.join(labels)}类 {limit}内答复" for limit, labels in ordered) + "。"


# ---------------------------------------------------------------------------------------
# SLA clocks from the event log
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockEvent:
    """One entry of a ticket's log as the clock reads it (``amount``: extension granted)."""

    kind: str
    at: dt.datetime
    amount: int = 0


PAUSE_STARTS = frozenset({EventKind.SUSPENDED, EventKind.RETURN_REQUESTED})
PAUSE_ENDS = frozenset({EventKind.RESUMED, EventKind.RETURN_REJECTED, EventKind.RETURN_APPROVED})


@dataclass(frozen=True)
class TicketClock:
    """A ticket's SLA clock recomputed from its log.

    ``paused`` is the time the clock stood still, in the limit's unit (working days, natural
    days, or minutes for an hours limit); ``reply_due_at``/``sign_due_at`` are ``None``
    while a pause is running (the deadline is not known until the clock restarts).
    """

    start_at: dt.datetime
    start_on: dt.date
    sign_limit: TimeLimit
    reply_limit: TimeLimit
    extension: int
    paused: int
    paused_since: dt.datetime | None
    acknowledged_at: dt.datetime | None
    replied_at: dt.datetime | None
    sign_due_at: dt.datetime | None
    reply_due_at: dt.datetime | None
    pauses: tuple[tuple[dt.datetime, dt.datetime | None], ...] = field(default=())

    @property
    def total_amount(self) -> int:
        return self.reply_limit.amount + self.extension


def _local_date(moment: dt.datetime, office_hours: OfficeHours) -> dt.date:
    return moment.astimezone(office_hours.tz).date()


def pause_length(
    start: dt.datetime,
    end: dt.datetime,
    unit: TimeUnit,
    *,
    calendar: WorkdayCalendar,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> int:
    """How long a pause lasted in a limit's unit (working days, natural days, minutes).

    Working days: those after the deemed day the pause began, up to and including the
    deemed day it ended (the day the clock restarts is a day the unit did not have).

    Examples:
        >>> from qinqing.core.workdays.calendar import WorkdayCalendar
        >>> from qinqing.core.workdays.data import package_years
        >>> cal = WorkdayCalendar(package_years())
        >>> at = lambda *a: dt.datetime(*a, tzinfo=DEFAULT_OFFICE_HOURS.tz)
        >>> pause_length(at(2025, 9, 29, 10), at(2025, 10, 9, 10), TimeUnit.WORKDAYS, calendar=cal)  # Sep 30, Oct 9
        2
        >>> pause_length(at(2025, 9, 29, 10), at(2025, 9, 29, 16), TimeUnit.HOURS, calendar=cal)
        360
    """
    if end <= start:
        return 0
    unit = TimeUnit(unit)
    if unit is TimeUnit.HOURS:
        return math.ceil((end - start).total_seconds() / 60)
    if unit is TimeUnit.NATURAL_DAYS:
        return (_local_date(end, office_hours) - _local_date(start, office_hours)).days
    a = deemed_received_on(start, calendar=calendar, office_hours=office_hours)
    b = deemed_received_on(end, calendar=calendar, office_hours=office_hours)
    return max(0, calendar.workdays_between(a, b))


def due_after(
    start_at: dt.datetime,
    amount: int,
    unit: TimeUnit,
    paused: int,
    *,
    calendar: WorkdayCalendar,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> dt.datetime:
    """Deadline of ``amount`` units from ``start_at``, pushed back by ``paused``.

    Working and natural days end at the office's closing time on the due day (see
    docs/dev/workdays.md); hours are elapsed time and ``paused`` is then in minutes.
    """
    unit = TimeUnit(unit)
    if unit is TimeUnit.HOURS:
        moment = start_at + dt.timedelta(hours=amount, minutes=paused)
        return moment.astimezone(office_hours.tz)
    start_on = deemed_received_on(start_at, calendar=calendar, office_hours=office_hours)
    if unit is TimeUnit.WORKDAYS:
        day = calendar.add_workdays(start_on, amount + paused)
    else:
        day = calendar.workday_on_or_after(start_on + dt.timedelta(days=amount + paused))
    return dt.datetime.combine(day, office_hours.closes_at, tzinfo=office_hours.tz)


def ticket_clock(
    events: Sequence[ClockEvent],
    *,
    sign_limit: TimeLimit,
    reply_limit: TimeLimit,
    calendar: WorkdayCalendar,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> TicketClock:
    """Recompute a ticket's clock from its log (events in time order).

    The clock starts at the ``dispatched`` event. Pauses run from ``suspended`` or
    ``return_requested`` to ``resumed``/``return_rejected``; ``extension_approved``
    events add their ``amount``. The sign deadline is pushed back only by pauses that
    began before the ticket was signed; the reply deadline by every pause.

    Examples:
        >>> from qinqing.core.workdays.calendar import WorkdayCalendar
        >>> from qinqing.core.workdays.data import package_years
        >>> cal = WorkdayCalendar(package_years())
        >>> at = lambda *a: dt.datetime(*a, tzinfo=DEFAULT_OFFICE_HOURS.tz)
        >>> log = [ClockEvent("dispatched", at(2025, 9, 30, 10)),
        ...        ClockEvent("acknowledged", at(2025, 10, 9, 9)),
        ...        ClockEvent("suspended", at(2025, 10, 10, 9)),
        ...        ClockEvent("resumed", at(2025, 10, 14, 9)),
        ...        ClockEvent("extension_approved", at(2025, 10, 15, 9), amount=2)]
        >>> # paused Oct 11 (make-up Saturday), 13, 14; due = 3 + 2 + 3 working days after Sep 30
        >>> clock = ticket_clock(log, sign_limit=TimeLimit(1), reply_limit=TimeLimit(3), calendar=cal)
        >>> clock.sign_due_at.date(), clock.paused, clock.reply_due_at.date()
        (datetime.date(2025, 10, 9), 3, datetime.date(2025, 10, 17))
    """
    start = next((e for e in events if e.kind == EventKind.DISPATCHED), None)
    if start is None:
        raise InvalidInput("工单没有派单记录，无法计算办理时限。")
    unit = TimeUnit(reply_limit.unit)
    extension = 0
    acknowledged_at = replied_at = None
    pauses: list[tuple[dt.datetime, dt.datetime | None]] = []
    paused_since: dt.datetime | None = None
    for event in events:
        if event.at < start.at:
            continue
        if event.kind in PAUSE_STARTS and paused_since is None:
            paused_since = event.at
        elif event.kind in PAUSE_ENDS and paused_since is not None:
            pauses.append((paused_since, event.at))
            paused_since = None
        elif event.kind == EventKind.EXTENSION_APPROVED:
            extension += int(event.amount)
        elif event.kind == EventKind.ACKNOWLEDGED and acknowledged_at is None:
            acknowledged_at = event.at
        elif event.kind == EventKind.REPLIED and replied_at is None:
            replied_at = event.at
    if paused_since is not None:
        pauses.append((paused_since, None))

    def length(begin: dt.datetime, end: dt.datetime | None, in_unit: TimeUnit) -> int:
        if end is None:
            return 0
        return pause_length(begin, end, in_unit, calendar=calendar, office_hours=office_hours)

    paused = sum(length(b, e, unit) for b, e in pauses)
    sign_unit = TimeUnit(sign_limit.unit)
    sign_pauses = [(b, e) for b, e in pauses if acknowledged_at is None or b < acknowledged_at]
    sign_paused = sum(length(b, e, sign_unit) for b, e in sign_pauses)
    running_pause = paused_since is not None
    sign_due = None
    if not (running_pause and acknowledged_at is None):
        sign_due = due_after(
            start.at,
            sign_limit.amount,
            sign_unit,
            sign_paused,
            calendar=calendar,
            office_hours=office_hours,
        )
    reply_due = None
    if not running_pause:
        reply_due = due_after(
            start.at,
            reply_limit.amount + extension,
            unit,
            paused,
            calendar=calendar,
            office_hours=office_hours,
        )
    return TicketClock(
        start_at=start.at,
        start_on=deemed_received_on(start.at, calendar=calendar, office_hours=office_hours),
        sign_limit=sign_limit,
        reply_limit=reply_limit,
        extension=extension,
        paused=paused,
        paused_since=paused_since,
        acknowledged_at=acknowledged_at,
        replied_at=replied_at,
        sign_due_at=sign_due,
        reply_due_at=reply_due,
        pauses=tuple(pauses),
    )


def used_share(
    start_at: dt.datetime,
    total: int,
    unit: TimeUnit,
    paused: int,
    now: dt.datetime,
    *,
    calendar: WorkdayCalendar,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> float:
    """Share of the time limit used at ``now`` (0 at dispatch, 1 on the due day).

    Working days count the working days after the deemed start day up to and including
    today, minus the paused ones; natural days likewise; hours use minutes.

    Examples:
        >>> from qinqing.core.workdays.calendar import WorkdayCalendar
        >>> from qinqing.core.workdays.data import package_years
        >>> cal = WorkdayCalendar(package_years())
        >>> at = lambda *a: dt.datetime(*a, tzinfo=DEFAULT_OFFICE_HOURS.tz)
        >>> used_share(at(2025, 9, 29, 10), 10, TimeUnit.WORKDAYS, 0, at(2025, 10, 10, 9), calendar=cal)  # Sep 30, Oct 9, 10
        0.3
    """
    unit = TimeUnit(unit)
    if total <= 0:
        return 1.0
    if unit is TimeUnit.HOURS:
        used = (now - start_at).total_seconds() / 60 - paused
        return max(0.0, used / (total * 60))
    start_on = deemed_received_on(start_at, calendar=calendar, office_hours=office_hours)
    today = _local_date(now, office_hours)
    if unit is TimeUnit.WORKDAYS:
        used = calendar.workdays_between(start_on, today) - paused
    else:
        used = (today - start_on).days - paused
    return max(0.0, used / total)


def sla_status(
    now: dt.datetime,
    due_at: dt.datetime | None,
    share: float,
    *,
    yellow_share: float = 0.8,
    done: bool = False,
) -> SlaStatus:
    """Traffic light of a clock: red past the deadline, yellow from ``yellow_share`` used.

    Examples:
        >>> at = lambda *a: dt.datetime(*a, tzinfo=DEFAULT_OFFICE_HOURS.tz)
        >>> sla_status(at(2025, 10, 1, 9), at(2025, 10, 9, 17, 30), 0.3).value
        'green'
        >>> sla_status(at(2025, 10, 9, 9), at(2025, 10, 9, 17, 30), 0.9).value
        'yellow'
        >>> sla_status(at(2025, 10, 9, 17, 31), at(2025, 10, 9, 17, 30), 1.0).value
        'red'
        >>> sla_status(at(2025, 10, 9, 17, 31), None, 1.0).value
        'paused'
    """
    if done:
        return SlaStatus.DONE
    if due_at is None:
        return SlaStatus.PAUSED
    if now > due_at:
        return SlaStatus.RED
    if share >= yellow_share:
        return SlaStatus.YELLOW
    return SlaStatus.GREEN


@dataclass(frozen=True)
class SlaInputs:
    """What a ticket's traffic light reads: its state and the clock cached on its row.

    ``paused`` is in the reply limit's unit; the due instants are those cached by the last
    recomputation from the log (``None`` while a pause runs).
    """

    state: str
    start_at: dt.datetime
    sign_limit: TimeLimit
    reply_limit: TimeLimit
    extension: int = 0
    paused: int = 0
    paused_since: dt.datetime | None = None
    sign_due_at: dt.datetime | None = None
    reply_due_at: dt.datetime | None = None

    @property
    def signing(self) -> bool:
        """Waiting to be signed: the sign clock is the one that counts."""
        return self.state == TicketState.DISPATCHED

    @property
    def due_at(self) -> dt.datetime | None:
        return self.sign_due_at if self.signing else self.reply_due_at


def ticket_sla(
    ticket: SlaInputs,
    now: dt.datetime,
    *,
    calendar: WorkdayCalendar,
    yellow_share: float = 0.8,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> SlaStatus:
    """The one SLA status of a ticket (lists, detail pages and the sweep agree on it).

    Closed tickets are done, paused ones paused; a ticket waiting to be signed runs on its
    sign limit, any other on its reply limit plus approved extensions less paused time.

    Examples:
        >>> from qinqing.core.workdays.calendar import WorkdayCalendar
        >>> from qinqing.core.workdays.data import package_years
        >>> cal = WorkdayCalendar(package_years())
        >>> at = lambda *a: dt.datetime(*a, tzinfo=DEFAULT_OFFICE_HOURS.tz)
        >>> t = SlaInputs("acknowledged", at(2025, 9, 29, 10), TimeLimit(1), TimeLimit(10),
        ...               reply_due_at=at(2025, 10, 20, 17, 30))
        >>> [ticket_sla(t, at(*d), calendar=cal).value for d in ((2025, 10, 9, 9), (2025, 10, 17, 9), (2025, 10, 21, 9))]
        ['green', 'yellow', 'red']
        >>> ticket_sla(SlaInputs("closed", at(2025, 9, 29, 10), TimeLimit(1), TimeLimit(10)), at(2025, 10, 21), calendar=cal).value
        'done'
    """
    if ticket.state not in OPEN_TICKET_STATES:
        return SlaStatus.DONE
    if ticket.paused_since is not None:
        return SlaStatus.PAUSED
    if ticket.signing:
        total, unit, paused = ticket.sign_limit.amount, ticket.sign_limit.unit, 0
    else:
        total = ticket.reply_limit.amount + ticket.extension
        unit, paused = ticket.reply_limit.unit, ticket.paused
    share = used_share(
        ticket.start_at, total, unit, paused, now, calendar=calendar, office_hours=office_hours
    )
    return sla_status(now, ticket.due_at, share, yellow_share=yellow_share)


DEFAULT_REMINDER_SHARES: tuple[float, ...] = (0.5, 0.8)


def reminder_level(share: float, shares: Sequence[float] = DEFAULT_REMINDER_SHARES) -> int:
    """How many reminder thresholds (催办 at shares of time used) ``share`` has crossed.

    Examples:
        >>> [reminder_level(s) for s in (0.1, 0.5, 0.79, 0.8, 1.2)]
        [0, 1, 1, 2, 2]
    """
    return sum(1 for threshold in sorted(shares) if share >= threshold)


def parse_shares(text: str) -> tuple[float, ...]:
    """Read reminder shares written as percentages or fractions: ``"50%, 80%"``.

    Examples:
        >>> parse_shares("50%，80%")
        (0.5, 0.8)
        >>> parse_shares("0.6")
        (0.6,)
        >>> parse_shares("120%")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 催办比例“120%”应在 1% 到 99% 之间（例如：50%，80%）。
    """
    out = []
    for part in re.split(r"[,，、\s]+", text.strip()):
        if not part:
            continue
        try:
            value = float(part.rstrip("%％")) / (100 if part[-1] in "%％" else 1)
        except ValueError:
            raise InvalidInput(f"催办比例“{part}”不是数字（例如：50%，80%）。") from None
        if not 0 < value < 1:
            raise InvalidInput(f"催办比例“{part}”应在 1% 到 99% 之间（例如：50%，80%）。")
        out.append(round(value, 4))
    return tuple(sorted(set(out)))


def is_quiet_day(
    now: dt.datetime,
    *,
    calendar: WorkdayCalendar,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> bool:
    """Reminders and 督办 never fire on a rest day (weekend or public holiday)."""
    return not calendar.is_workday(_local_date(now, office_hours))


# ---------------------------------------------------------------------------------------
# Vectorised clocks for the sweep (working-day limits; other units go through the scalar)
# ---------------------------------------------------------------------------------------


def deemed_start_days_array(
    start_local: np.ndarray,
    *,
    calendar: WorkdayCalendar,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> np.ndarray:
    """Vectorised :func:`deemed_received_on` over local ``datetime64[m]`` instants.

    Received on a working day before closing time → that day; otherwise the next working day.
    """
    days = start_local.astype("datetime64[D]")
    minutes = (start_local - days).astype("timedelta64[m]").astype(np.int64)
    close = office_hours.closes_at.hour * 60 + office_hours.closes_at.minute
    same_day = calendar.is_workday_array(days) & (minutes < close)
    return np.where(same_day, days, calendar.next_workday_array(days))


def workday_clock_arrays(
    start_on: np.ndarray,
    total: np.ndarray,
    paused: np.ndarray,
    today: dt.date,
    *,
    calendar: WorkdayCalendar,
) -> tuple[np.ndarray, np.ndarray]:
    """Due days and used shares for many working-day clocks at once.

    ``start_on``: deemed start days (``datetime64[D]``); ``total``: limit plus extensions;
    ``paused``: paused working days. Matches :func:`due_after` and :func:`used_share`.
    """
    due = calendar.add_workdays_array(start_on, total + paused)
    used = calendar.workdays_between_array(start_on, np.datetime64(today, "D")) - paused
    share = np.where(total > 0, np.maximum(used, 0) / np.maximum(total, 1), 1.0)
    return due, share


# Limit units as small integers for the column arrays (index into this tuple).
UNIT_CODES: tuple[TimeUnit, ...] = (TimeUnit.WORKDAYS, TimeUnit.NATURAL_DAYS, TimeUnit.HOURS)
WORKDAYS_CODE, NATURAL_DAYS_CODE, HOURS_CODE = range(3)


def unit_code(unit: str) -> int:
    """Column code of a limit unit (see :data:`UNIT_CODES`).

    Examples:
        >>> [unit_code(u) for u in ("workdays", "natural_days", "hours")]
        [0, 1, 2]
    """
    return UNIT_CODES.index(TimeUnit(unit))


_CODE_OF = {unit.value: code for code, unit in enumerate(UNIT_CODES)}


def unit_codes(units: Iterable[str]) -> np.ndarray:
    """:func:`unit_code` of each stored limit unit, as an ``int64`` column.

    Examples:
        >>> unit_codes(["hours", "workdays"]).tolist()
        [2, 0]
    """
    return np.array([_CODE_OF[u] for u in units], dtype=np.int64)


def used_share_array(
    start: np.ndarray,
    start_on: np.ndarray,
    total: np.ndarray,
    unit: np.ndarray,
    paused: np.ndarray,
    now: np.datetime64,
    today: dt.date,
    *,
    calendar: WorkdayCalendar,
) -> np.ndarray:
    """:func:`used_share` for many clocks at once.

    ``start``: dispatch instants and ``now``, both local ``datetime64[us]``; ``start_on``:
    deemed start days (``datetime64[D]``); ``unit``: codes of :data:`UNIT_CODES`.
    """
    used = np.zeros(len(total), dtype=np.float64)
    today_d = np.datetime64(today, "D")
    workday = unit == WORKDAYS_CODE
    if workday.any():
        days = calendar.workdays_between_array(start_on[workday], today_d)
        used[workday] = days - paused[workday]
    natural = unit == NATURAL_DAYS_CODE
    if natural.any():
        used[natural] = (today_d - start_on[natural]).astype(np.int64) - paused[natural]
    hours = unit == HOURS_CODE
    if hours.any():
        micros = (now - start[hours]).astype("timedelta64[us]").astype(np.int64)
        used[hours] = micros / 10**6 / 60 - paused[hours]
    scale = np.where(hours, total * 60, total)
    return np.where(total > 0, np.maximum(used, 0.0) / np.maximum(scale, 1), 1.0)


def ticket_sla_array(
    *,
    signing: np.ndarray,
    start: np.ndarray,
    start_on: np.ndarray,
    sign_total: np.ndarray,
    sign_unit: np.ndarray,
    reply_total: np.ndarray,
    reply_unit: np.ndarray,
    paused: np.ndarray,
    sign_due: np.ndarray,
    reply_due: np.ndarray,
    now: np.datetime64,
    today: dt.date,
    calendar: WorkdayCalendar,
    yellow_share: float = 0.8,
) -> np.ndarray:
    """:func:`ticket_sla` for many running tickets (open, no pause running) at once.

    Columns as in :func:`used_share_array`; ``reply_total`` is the limit plus approved
    extensions; due instants are local ``datetime64[us]`` (``NaT`` while unknown). Returns
    an array of :class:`SlaStatus` values (tested equal to the scalar, tests/appeals).
    """
    total = np.where(signing, sign_total, reply_total)
    unit = np.where(signing, sign_unit, reply_unit)
    share = used_share_array(
        start, start_on, total, unit, np.where(signing, 0, paused), now, today, calendar=calendar
    )
    due = np.where(signing, sign_due, reply_due)
    unknown = np.isnat(due)
    late = ~unknown & (now > due)
    return np.select(
        [unknown, late, share >= yellow_share],
        [SlaStatus.PAUSED.value, SlaStatus.RED.value, SlaStatus.YELLOW.value],
        default=SlaStatus.GREEN.value,
    )
