"""Pure rules of the supervision loop (调度、督办、通报): no ORM, no clock, no I/O.

Everything that depends on the date takes ``today``; everything that depends on working
days takes a ``calendar`` (a :class:`qinqing.core.workdays.WorkdayCalendar`, which is data).

* Review cycles: the periods a cadence (月调度, 每两月一调度, 季度调度) cuts the year into and
  the date each cycle's progress reports are due.
* Progress reports: the review state machine (待报送 → 待审核 → 已采纳 / 已退回 → 待审核 …).
* Task status, derived from facts and never typed in: 未启动, 推进中, 已完成待核验, 已完成,
  逾期, 长期坚持 (:func:`derive_task_status`).
* Reminders the sweep owes (:func:`plan_reminders`), each with a stable key so that the
  same reminder is never produced twice.
* Supervision notices (督办单): levels 提醒 → 督办 → 约谈 → 问责 and their state machine.
* Attachments: allowed types, checked by name *and* content, and the size limit.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.db.models import TextChoices

from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.files.uploads import check_upload
from qinqing.core.workdays.calendar import MissingCalendarYear, WorkdayCalendar
from qinqing.core.workdays.data import package_years


def _package_calendar() -> WorkdayCalendar:
    """The calendar from package data only (for doctests; the service uses get_calendar())."""
    return WorkdayCalendar(package_years())


# ---------------------------------------------------------------------------------------------
# Vocabulary


class Stage(TextChoices):
    """What the unit says about its work (报送的推进阶段)."""

    NOT_STARTED = "not_started", "未启动"
    IN_PROGRESS = "in_progress", "推进中"
    COMPLETED = "completed", "已完成"


class ReportState(TextChoices):
    """Where a progress report stands in the office's review."""

    PENDING = "pending", "待报送"
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "已退回"
    ACCEPTED = "accepted", "已采纳"


class TaskStatus(TextChoices):
    """A task's status, derived by :func:`derive_task_status`."""

    NOT_STARTED = "not_started", "未启动"
    IN_PROGRESS = "in_progress", "推进中"
    PENDING_VERIFICATION = "pending_verification", "已完成待核验"
    COMPLETED = "completed", "已完成"
    OVERDUE = "overdue", "逾期"
    ONGOING = "ongoing", "长期坚持"


# the order in which statuses are listed on dashboards and bulletins
STATUS_ORDER: tuple[TaskStatus, ...] = (
    TaskStatus.OVERDUE,
    TaskStatus.NOT_STARTED,
    TaskStatus.IN_PROGRESS,
    TaskStatus.PENDING_VERIFICATION,
    TaskStatus.COMPLETED,
    TaskStatus.ONGOING,
)


class ReminderKind(TextChoices):
    REPORT_DUE_SOON = "report_due_soon", "进度报送即将到期"
    REPORT_OVERDUE = "report_overdue", "进度报送已逾期"
    TASK_DUE_SOON = "task_due_soon", "任务即将到期"
    TASK_OVERDUE = "task_overdue", "任务已逾期"


class NoticeLevel(TextChoices):
    """督办单的层级: 提醒 → 督办 → 约谈 → 问责 (问责 = 移送纪检监察机关)."""

    REMINDER = "reminder", "提醒"
    SUPERVISION = "supervision", "督办"
    INTERVIEW = "interview", "约谈"
    ACCOUNTABILITY = "accountability", "问责"


LEVEL_RANK: dict[str, int] = {
    NoticeLevel.REMINDER: 1,
    NoticeLevel.SUPERVISION: 2,
    NoticeLevel.INTERVIEW: 3,
    NoticeLevel.ACCOUNTABILITY: 4,
}
# weight of each level in the supervision-severity indicator (a unit that needed a 问责 did
# worse than one that needed a reminder); configurable by the scheme that uses the indicator
LEVEL_WEIGHT: dict[str, int] = {
    NoticeLevel.REMINDER: 1,
    NoticeLevel.SUPERVISION: 2,
    NoticeLevel.INTERVIEW: 4,
    NoticeLevel.ACCOUNTABILITY: 8,
}


class NoticeState(TextChoices):
    ISSUED = "issued", "待反馈"
    RESPONDED = "responded", "已反馈"
    CLOSED = "closed", "已办结"
    ESCALATED = "escalated", "已升级"


# ---------------------------------------------------------------------------------------------
# Review cycles

CADENCE_MONTHS = {1: "每月", 2: "每两月", 3: "每季度", 6: "每半年", 12: "每年"}
DEFAULT_REPORT_LAG_WORKDAYS = 5  # reports due 5 working days after the period ends
DEFAULT_DUE_SOON_WORKDAYS = 5


def check_cadence(months: int, lag_workdays: int) -> None:
    """Refuse a cadence the sweep cannot run.

    Examples:
        >>> check_cadence(2, 5)
        >>> check_cadence(5, 5)
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 调度周期“5 个月”不受支持：请选择每月、每两月、每季度、每半年、每年。
    """
    if months not in CADENCE_MONTHS:
        choices = "、".join(CADENCE_MONTHS.values())
        raise InvalidInput(f"调度周期“{months} 个月”不受支持：请选择{choices}。")
    if not 0 <= lag_workdays <= 30:
        raise InvalidInput(
            f"报送时限“周期结束后 {lag_workdays} 个工作日”超出范围：请填写 0 到 30 之间的整数。"
        )


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _month_end(index: int) -> date:
    year, month = index // 12, index % 12 + 1
    return date(year, month, _stdlib_calendar.monthrange(year, month)[1])


def period_containing(anchor: date, months: int, day: date) -> tuple[date, date]:
    """The review period of a cadence that contains ``day``.

    Periods are whole months, ``months`` long, aligned on the month of ``anchor``.

    Examples:
        >>> period_containing(date(2025, 1, 1), 2, date(2025, 4, 30))
        (datetime.date(2025, 3, 1), datetime.date(2025, 4, 30))
        >>> period_containing(date(2025, 1, 15), 3, date(2025, 11, 2))
        (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))
        >>> period_containing(date(2025, 2, 1), 2, date(2025, 1, 31))  # before the anchor
        (datetime.date(2024, 12, 1), datetime.date(2025, 1, 31))
    """
    a, d = _month_index(anchor), _month_index(day)
    start = a + ((d - a) // months) * months
    return _month_start(start), _month_end(start + months - 1)


def cycle_periods(anchor: date, months: int, through: date) -> list[tuple[date, date]]:
    """Every period from the anchor's up to the one containing ``through``.

    Examples:
        >>> cycle_periods(date(2025, 1, 1), 2, date(2025, 5, 3))
        [(datetime.date(2025, 1, 1), datetime.date(2025, 2, 28)), (datetime.date(2025, 3, 1), datetime.date(2025, 4, 30)), (datetime.date(2025, 5, 1), datetime.date(2025, 6, 30))]
        >>> cycle_periods(date(2025, 6, 1), 1, date(2025, 5, 31))
        []
    """
    first, last = _month_index(anchor), _month_index(through)
    out = []
    index = first
    while index <= last:
        out.append((_month_start(index), _month_end(index + months - 1)))
        index += months
    return out


def report_due_on(period_end: date, lag_workdays: int, calendar: WorkdayCalendar) -> date:
    """The day a cycle's reports are due: ``lag_workdays`` working days after the period ends.

    ``lag_workdays = 0`` means the last day of the period itself, moved to the next working
    day when that is a rest day.

    Examples:
        >>> cal = _package_calendar()
        >>> report_due_on(date(2025, 9, 30), 5, cal)  # 国庆 holiday, then working days
        datetime.date(2025, 10, 14)
        >>> report_due_on(date(2025, 5, 31), 0, cal)  # a Saturday
        datetime.date(2025, 6, 3)
    """
    if lag_workdays == 0:
        return calendar.workday_on_or_after(period_end)
    return calendar.add_workdays(period_end, lag_workdays)


def period_label(start: date, end: date) -> str:
    """Chinese label of a review period.

    Examples:
        >>> period_label(date(2025, 3, 1), date(2025, 3, 31))
        '2025年3月'
        >>> period_label(date(2025, 11, 1), date(2026, 1, 31))
        '2025年11月至2026年1月'
        >>> period_label(date(2025, 1, 1), date(2025, 3, 31))
        '2025年1月至3月'
    """
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.year}年{start.month}月"
    if start.year == end.year:
        return f"{start.year}年{start.month}月至{end.month}月"
    return f"{start.year}年{start.month}月至{end.year}年{end.month}月"


def parse_month(text: str) -> tuple[date, date]:
    """``YYYY-MM`` → the first and last day of that month, with a clear error otherwise.

    Examples:
        >>> parse_month("2025-02")
        (datetime.date(2025, 2, 1), datetime.date(2025, 2, 28))
        >>> parse_month("2025-13")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 期间“2025-13”无效：请按“年-月”填写，如 2025-06。
    """
    try:
        year_s, month_s = text.strip().split("-")
        year, month = int(year_s), int(month_s)
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
            raise ValueError
    except ValueError:
        raise InvalidInput(f"期间“{text}”无效：请按“年-月”填写，如 2025-06。") from None
    index = year * 12 + month - 1
    return _month_start(index), _month_end(index)


# ---------------------------------------------------------------------------------------------
# Progress reports

REPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    ReportState.PENDING: frozenset({ReportState.SUBMITTED}),
    ReportState.SUBMITTED: frozenset({ReportState.ACCEPTED, ReportState.RETURNED}),
    ReportState.RETURNED: frozenset({ReportState.SUBMITTED}),
    ReportState.ACCEPTED: frozenset(),
}

_REPORT_ACTION = {
    ReportState.SUBMITTED: "报送",
    ReportState.ACCEPTED: "采纳",
    ReportState.RETURNED: "退回",
}


def check_report_transition(current: str, target: str) -> None:
    """Refuse a review step the report's state does not allow.

    Examples:
        >>> check_report_transition("returned", "submitted")
        >>> check_report_transition("accepted", "returned")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.IllegalTransition: 该进度报送当前状态为“已采纳”，不能退回。已采纳的报送不再修改，请在下一调度周期报送新进展。
        >>> check_report_transition("submitted", "submitted")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.IllegalTransition: 该进度报送当前状态为“待审核”，不能报送。请等待营商办审核；如被退回，可修改后重新报送。
    """
    if target in REPORT_TRANSITIONS[current]:
        return
    action = _REPORT_ACTION.get(ReportState(target), ReportState(target).label)
    hint = {
        ReportState.ACCEPTED: "已采纳的报送不再修改，请在下一调度周期报送新进展。",
        ReportState.SUBMITTED: "请等待营商办审核；如被退回，可修改后重新报送。",
        ReportState.PENDING: "请先报送，再由营商办审核。",
        ReportState.RETURNED: "请修改后重新报送。",
    }[ReportState(current)]
    raise IllegalTransition(
        f"该进度报送当前状态为“{ReportState(current).label}”，不能{action}。{hint}"
    )


def check_return_reason(reason: str) -> str:
    """A return must say why, so that the unit knows what to revise.

    Examples:
        >>> check_return_reason("  请补充量化指标完成值  ")
        '请补充量化指标完成值'
        >>> check_return_reason(" ")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 退回时必须填写退回理由，说明需要补充或修改的内容，以便责任单位修改。
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("退回时必须填写退回理由，说明需要补充或修改的内容，以便责任单位修改。")
    return reason


def is_on_time(submitted_on: date | None, due_on: date) -> bool:
    """A report (or response) is on time when first submitted on or before its due day.

    Examples:
        >>> is_on_time(date(2025, 7, 7), date(2025, 7, 7))
        True
        >>> is_on_time(date(2025, 7, 8), date(2025, 7, 7))
        False
        >>> is_on_time(None, date(2025, 7, 7))
        False
    """
    return submitted_on is not None and submitted_on <= due_on


# ---------------------------------------------------------------------------------------------
# Task status


@dataclass(frozen=True)
class StandingReport:
    """A unit's most recent report on a task that stands (submitted or accepted)."""

    stage: Stage
    accepted: bool
    submitted_on: date | None  # the local day of the submission; needed for 已完成 only


@dataclass(frozen=True)
class TaskFacts:
    """What the status of one task is derived from.

    ``owners`` are the units that own the task: its lead units (牵头单位), or its
    responsible units when it names no lead. ``reports`` maps a unit id to its standing
    report; units that have not reported, or whose last report was returned and not yet
    resubmitted, are absent.
    """

    due_on: date | None
    ongoing: bool
    owners: frozenset[int]
    reports: Mapping[int, StandingReport] = field(default_factory=dict)


def owner_units(lead_units: Iterable[int], responsible_units: Iterable[int]) -> frozenset[int]:
    """The units that own a task: the lead units, else the responsible units.

    Examples:
        >>> sorted(owner_units([3], [4, 5]))
        [3]
        >>> sorted(owner_units([], [4, 5]))
        [4, 5]
    """
    leads = frozenset(lead_units)
    return leads if leads else frozenset(responsible_units)


def completion_claimed_on(facts: TaskFacts) -> date | None:
    """The day the owners declared the task complete, or ``None`` if they have not all.

    The last owner's completion report decides it (a task led by two units is complete
    when both say so).

    Examples:
        >>> done = StandingReport(Stage.COMPLETED, True, date(2025, 6, 20))
        >>> later = StandingReport(Stage.COMPLETED, False, date(2025, 6, 28))
        >>> completion_claimed_on(TaskFacts(None, False, frozenset({1, 2}), {1: done, 2: later}))
        datetime.date(2025, 6, 28)
        >>> completion_claimed_on(TaskFacts(None, False, frozenset({1, 2}), {1: done}))
    """
    if not facts.owners:
        return None
    days = []
    for unit in facts.owners:
        report = facts.reports.get(unit)
        if report is None or report.stage != Stage.COMPLETED or report.submitted_on is None:
            return None
        days.append(report.submitted_on)
    return max(days)


def derive_task_status(facts: TaskFacts, today: date) -> TaskStatus:
    """The status of a task on ``today``, from its reports, deadline and reviews.

    The rules, in order:

    1. A task to be kept up continuously (长期坚持) has that status: it never completes
       and has no deadline to miss.
    2. Every owner's standing report says 已完成 and the office accepted them all → 已完成.
    3. Every owner's standing report says 已完成, some not yet accepted → 已完成待核验.
    4. The deadline has passed (``due_on < today``; the due day itself is not late) → 逾期.
    5. Any unit reports 推进中 or 已完成 → 推进中.
    6. Otherwise → 未启动.

    A returned report does not stand until it is resubmitted: the office did not accept
    what it says.

    Examples:
        >>> ongoing = TaskFacts(due_on=None, ongoing=True, owners=frozenset({1}))
        >>> derive_task_status(ongoing, date(2025, 7, 1)).label
        '长期坚持'
        >>> claim = StandingReport(Stage.COMPLETED, accepted=False, submitted_on=date(2025, 6, 30))
        >>> facts = TaskFacts(date(2025, 6, 30), False, frozenset({1}), {1: claim})
        >>> derive_task_status(facts, date(2025, 7, 10)).label
        '已完成待核验'
        >>> accepted = StandingReport(Stage.COMPLETED, accepted=True, submitted_on=date(2025, 6, 30))
        >>> derive_task_status(TaskFacts(date(2025, 6, 30), False, frozenset({1}), {1: accepted}), date(2025, 7, 10)).label
        '已完成'
        >>> working = StandingReport(Stage.IN_PROGRESS, accepted=True, submitted_on=date(2025, 6, 5))
        >>> facts = TaskFacts(date(2025, 6, 30), False, frozenset({1}), {2: working})
        >>> derive_task_status(facts, date(2025, 6, 30)).label  # the due day is not late
        '推进中'
        >>> derive_task_status(facts, date(2025, 7, 1)).label
        '逾期'
        >>> derive_task_status(TaskFacts(None, False, frozenset({1})), date(2025, 7, 1)).label
        '未启动'
    """
    if facts.ongoing:
        return TaskStatus.ONGOING
    if completion_claimed_on(facts) is not None:
        if all(facts.reports[unit].accepted for unit in facts.owners):
            return TaskStatus.COMPLETED
        return TaskStatus.PENDING_VERIFICATION
    if facts.due_on is not None and facts.due_on < today:
        return TaskStatus.OVERDUE
    if any(r.stage != Stage.NOT_STARTED for r in facts.reports.values()):
        return TaskStatus.IN_PROGRESS
    return TaskStatus.NOT_STARTED


OPEN_STATUSES = frozenset({TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS})


def is_due_soon(
    status: TaskStatus,
    due_on: date | None,
    today: date,
    window_workdays: int,
    calendar: WorkdayCalendar,
) -> bool:
    """An open task whose deadline is today or within ``window_workdays`` working days.

    Examples:
        >>> cal = _package_calendar()
        >>> is_due_soon(TaskStatus.IN_PROGRESS, date(2025, 10, 10), date(2025, 9, 30), 3, cal)
        True
        >>> is_due_soon(TaskStatus.IN_PROGRESS, date(2025, 10, 13), date(2025, 9, 30), 3, cal)
        False
        >>> is_due_soon(TaskStatus.COMPLETED, date(2025, 10, 10), date(2025, 9, 30), 3, cal)
        False
    """
    if status not in OPEN_STATUSES or due_on is None or due_on < today:
        return False
    days = (due_on - today).days
    if days <= window_workdays:  # working days never outnumber calendar days
        return True
    if days > 2 * window_workdays + 14:
        # N working days never span more than 2N + 14 calendar days: the longest span in
        # the official calendars 2004–2026 is 15 days for 5 working days, 52 for 30
        return False
    try:
        return calendar.workdays_between(today, due_on) <= window_workdays
    except MissingCalendarYear:
        return True  # the next year's holidays are not in yet: remind rather than stay silent


# ---------------------------------------------------------------------------------------------
# Reminders


@dataclass(frozen=True, order=True)
class ReminderKey:
    """One reminder the sweep owes. ``key`` makes it unique: the cycle, or the deadline."""

    task_id: int
    unit_id: int
    kind: str
    key: str
    cycle_id: int | None = None


@dataclass(frozen=True)
class TaskRow:
    task_id: int
    status: TaskStatus
    due_on: date | None
    units: tuple[int, ...]  # the units reminded about the task (owners first)


@dataclass(frozen=True)
class OpenReport:
    """A report slot not yet standing (待报送 or 已退回) in a cycle."""

    task_id: int
    unit_id: int
    cycle_id: int
    report_due_on: date


def plan_reminders(
    tasks: Iterable[TaskRow],
    open_reports: Iterable[OpenReport],
    *,
    today: date,
    window_workdays: int,
    calendar: WorkdayCalendar,
) -> list[ReminderKey]:
    """Every reminder owed on ``today``; the caller stores them under a unique key.

    * A report not filed (or returned and not refiled) whose due day is within the window
      → 进度报送即将到期; past its due day → 进度报送已逾期. Keyed by the cycle.
    * An open task due within the window → 任务即将到期; overdue → 任务已逾期, to each of
      its units. Keyed by the deadline, so a postponed deadline is reminded afresh.

    Running it twice on the same facts gives the same keys: the unique constraint on the
    stored reminders then makes the second run send nothing.

    Examples:
        >>> cal = _package_calendar()
        >>> rows = [TaskRow(7, TaskStatus.OVERDUE, date(2025, 6, 30), (1, 2))]
        >>> slots = [OpenReport(7, 2, 40, date(2025, 7, 8))]
        >>> for r in plan_reminders(rows, slots, today=date(2025, 7, 3), window_workdays=5, calendar=cal):
        ...     print(r.task_id, r.unit_id, r.kind, r.key)
        7 1 task_overdue 2025-06-30
        7 2 report_due_soon cycle:40
        7 2 task_overdue 2025-06-30
    """
    out: set[ReminderKey] = set()
    kinds: dict[date, str | None] = {}  # slots share a few due days: decide each once
    for slot in open_reports:
        kind = kinds.get(slot.report_due_on, "")
        if kind == "":
            if slot.report_due_on < today:
                kind = ReminderKind.REPORT_OVERDUE
            elif calendar.workdays_between(today, slot.report_due_on) <= window_workdays:
                kind = ReminderKind.REPORT_DUE_SOON
            else:
                kind = None
            kinds[slot.report_due_on] = kind
        if kind is None:
            continue
        out.add(
            ReminderKey(
                slot.task_id, slot.unit_id, str(kind), f"cycle:{slot.cycle_id}", slot.cycle_id
            )
        )
    for row in tasks:
        if row.due_on is None:
            continue
        if row.status == TaskStatus.OVERDUE:
            kind = ReminderKind.TASK_OVERDUE
        elif is_due_soon(row.status, row.due_on, today, window_workdays, calendar):
            kind = ReminderKind.TASK_DUE_SOON
        else:
            continue
        for unit in row.units:
            out.add(ReminderKey(row.task_id, unit, str(kind), row.due_on.isoformat()))
    return sorted(out, key=lambda r: (r.task_id, r.unit_id, r.kind, r.key))


# ---------------------------------------------------------------------------------------------
# Supervision notices

NOTICE_TRANSITIONS: dict[str, frozenset[str]] = {
    NoticeState.ISSUED: frozenset({NoticeState.RESPONDED, NoticeState.ESCALATED}),
    NoticeState.RESPONDED: frozenset({NoticeState.CLOSED, NoticeState.ESCALATED}),
    NoticeState.CLOSED: frozenset(),
    NoticeState.ESCALATED: frozenset(),
}
_NOTICE_ACTION = {
    NoticeState.RESPONDED: "反馈",
    NoticeState.CLOSED: "办结",
    NoticeState.ESCALATED: "升级",
}


def check_notice_transition(current: str, target: str) -> None:
    """Refuse a step on a supervision notice that its state does not allow.

    Examples:
        >>> check_notice_transition("issued", "responded")
        >>> check_notice_transition("closed", "responded")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.IllegalTransition: 该督办单当前状态为“已办结”，不能反馈。
    """
    if target not in NOTICE_TRANSITIONS[current]:
        raise IllegalTransition(
            f"该督办单当前状态为“{NoticeState(current).label}”，不能{_NOTICE_ACTION[NoticeState(target)]}。"
        )


def check_escalation(current: str, new: str) -> None:
    """An escalation goes up the ladder 提醒 → 督办 → 约谈 → 问责, never down or sideways.

    Examples:
        >>> check_escalation("reminder", "interview")
        >>> check_escalation("interview", "supervision")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 升级督办必须提高层级：原督办单为“约谈”，新层级“督办”不高于原层级。请选择“问责”。
    """
    if LEVEL_RANK[new] > LEVEL_RANK[current]:
        return
    higher = [
        f"“{NoticeLevel(level).label}”"
        for level, rank in LEVEL_RANK.items()
        if rank > LEVEL_RANK[current]
    ]
    hint = f"请选择{'或'.join(higher)}。" if higher else "“问责”已是最高层级，无法再升级。"
    raise InvalidInput(
        f"升级督办必须提高层级：原督办单为“{NoticeLevel(current).label}”，"
        f"新层级“{NoticeLevel(new).label}”不高于原层级。{hint}"
    )


def check_response_days(days: int) -> None:
    """The response deadline is 1–30 working days.

    Examples:
        >>> check_response_days(0)
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 反馈时限“0 个工作日”超出范围：请填写 1 到 30 之间的整数。
    """
    if not 1 <= days <= 30:
        raise InvalidInput(f"反馈时限“{days} 个工作日”超出范围：请填写 1 到 30 之间的整数。")


def notice_number(year: int, sequence: int, prefix: str = "督办") -> str:
    """The notice's number in the official style.

    Examples:
        >>> notice_number(2025, 7)
        '督办〔2025〕7号'
    """
    return f"{prefix}〔{year}〕{sequence}号"


# ---------------------------------------------------------------------------------------------
# Attachments

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
SUPERVISION_ATTACHMENT_TYPES = (
    "pdf",
    "docx",
    "xlsx",
    "pptx",
    "doc",
    "xls",
    "jpg",
    "jpeg",
    "png",
    "ofd",
)


def check_attachment(
    filename: str, size: int, head: bytes, *, max_bytes: int = MAX_ATTACHMENT_BYTES
) -> str:
    """Accept a progress-report attachment; return its extension (see core.files.uploads).

    Examples:
        >>> check_attachment("进展.pdf", 1200, b"%PDF-1.7 ...")
        'pdf'
    """
    return check_upload(
        filename, size, head, max_bytes=max_bytes, allowed=SUPERVISION_ATTACHMENT_TYPES
    )


def safe_filename(filename: str) -> str:
    """A display name without directories or control characters (kept for the download).

    Examples:
        >>> safe_filename("../../etc/passwd\\x00.pdf")
        'passwd.pdf'
        >>> safe_filename("C:\\\\报送\\\\六月进展.docx")
        '六月进展.docx'
    """
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    return base.strip()[:200] or "附件"


# ---------------------------------------------------------------------------------------------
# Rates


def rate(numerator: int, denominator: int) -> float | None:
    """A percentage rounded to 0.1, or ``None`` when there is nothing to measure.

    Examples:
        >>> rate(2, 3)
        66.7
        >>> rate(0, 0) is None
        True
    """
    if denominator <= 0:
        return None
    return round(100.0 * numerator / denominator, 1)
