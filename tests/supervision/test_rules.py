"""Pure rules: derived status, cycles and due days, reminders, levels, attachments."""

import doctest
import importlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.supervision import rules
from qinqing.supervision.rules import (
    OpenReport,
    Stage,
    StandingReport,
    TaskFacts,
    TaskRow,
    TaskStatus,
    derive_task_status,
)

CAL = rules._package_calendar()


@pytest.mark.parametrize(
    "name",
    ["qinqing.supervision.rules", "qinqing.supervision.bulletin"],
)
def test_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


D = date(2025, 6, 30)


def rep(stage, accepted=False, on=date(2025, 6, 20)):
    return StandingReport(Stage(stage), accepted, on)


@pytest.mark.parametrize(
    ("due_on", "ongoing", "owners", "reports", "today", "expected"),
    [
        # nothing reported
        (D, False, {1}, {}, date(2025, 6, 1), "未启动"),
        (D, False, {1}, {1: rep("not_started")}, date(2025, 6, 1), "未启动"),
        # the due day itself is not late; the next day is
        (D, False, {1}, {}, D, "未启动"),
        (D, False, {1}, {}, date(2025, 7, 1), "逾期"),
        # a contributing unit's progress counts as progress
        (D, False, {1}, {2: rep("in_progress")}, date(2025, 6, 1), "推进中"),
        (D, False, {1}, {1: rep("in_progress", True)}, date(2025, 7, 1), "逾期"),
        # completion claimed: verification pending, even after the deadline
        (D, False, {1}, {1: rep("completed")}, date(2025, 7, 10), "已完成待核验"),
        (D, False, {1}, {1: rep("completed", True)}, date(2025, 7, 10), "已完成"),
        # a contributor's 已完成 does not complete the owner's task
        (D, False, {1}, {2: rep("completed", True)}, date(2025, 6, 1), "推进中"),
        # two lead units: both must say so
        (D, False, {1, 2}, {1: rep("completed", True)}, date(2025, 6, 1), "推进中"),
        (
            D,
            False,
            {1, 2},
            {1: rep("completed", True), 2: rep("completed")},
            date(2025, 6, 1),
            "已完成待核验",
        ),
        (
            D,
            False,
            {1, 2},
            {1: rep("completed", True), 2: rep("completed", True)},
            date(2025, 6, 1),
            "已完成",
        ),
        # no deadline: never overdue
        (None, False, {1}, {}, date(2030, 1, 1), "未启动"),
        # 长期坚持 whatever is reported
        (None, True, {1}, {1: rep("completed", True)}, date(2030, 1, 1), "长期坚持"),
        # a task without any owner never completes
        (D, False, set(), {1: rep("completed", True)}, date(2025, 6, 1), "推进中"),
    ],
)
def test_derived_status_table(due_on, ongoing, owners, reports, today, expected):
    facts = TaskFacts(due_on, ongoing, frozenset(owners), reports)
    assert derive_task_status(facts, today).label == expected


stages = st.sampled_from(list(Stage))
standing = st.builds(
    StandingReport, stages, st.booleans(), st.dates(date(2024, 1, 1), date(2026, 12, 31))
)


@settings(max_examples=200, deadline=None)
@given(
    due=st.one_of(st.none(), st.dates(date(2024, 1, 1), date(2026, 12, 31))),
    ongoing=st.booleans(),
    owners=st.frozensets(st.integers(1, 4), max_size=3),
    reports=st.dictionaries(st.integers(1, 5), standing, max_size=5),
    today=st.dates(date(2024, 1, 1), date(2026, 12, 31)),
)
def test_status_properties(due, ongoing, owners, reports, today):
    status = derive_task_status(TaskFacts(due, ongoing, owners, reports), today)
    if ongoing:
        assert status == TaskStatus.ONGOING
    if status == TaskStatus.OVERDUE:
        assert due is not None and due < today
    if status == TaskStatus.COMPLETED:
        assert owners and all(
            reports[o].stage == Stage.COMPLETED and reports[o].accepted for o in owners
        )
    if status == TaskStatus.NOT_STARTED:
        assert all(r.stage == Stage.NOT_STARTED for r in reports.values())
    # moving today forward never turns an overdue task back into a running one
    later = derive_task_status(TaskFacts(due, ongoing, owners, reports), date(2027, 1, 1))
    if status == TaskStatus.OVERDUE:
        assert later == TaskStatus.OVERDUE


@pytest.mark.parametrize(
    ("period_end", "lag", "due"),
    [
        (date(2025, 9, 30), 3, date(2025, 10, 11)),  # make-up Saturday after 国庆
        (date(2025, 5, 31), 5, date(2025, 6, 9)),  # 端午 on 06-02
        (date(2025, 12, 31), 1, date(2026, 1, 4)),  # make-up Sunday 2026-01-04
        (date(2025, 6, 30), 0, date(2025, 6, 30)),
        (date(2025, 8, 31), 0, date(2025, 9, 1)),  # Sunday → Monday
    ],
)
def test_report_due_day_counts_working_days(period_end, lag, due):
    assert rules.report_due_on(period_end, lag, CAL) == due


def test_report_due_day_refuses_a_year_without_data():
    from qinqing.core.workdays import MissingCalendarYear

    last = max(CAL.years)
    with pytest.raises(MissingCalendarYear, match=f"{last + 1} 年"):
        rules.report_due_on(date(last, 12, 31), 5, CAL)


@pytest.mark.parametrize(
    ("anchor", "months", "through", "starts"),
    [
        (date(2025, 1, 1), 1, date(2025, 3, 15), ["2025-01-01", "2025-02-01", "2025-03-01"]),
        (date(2025, 1, 1), 2, date(2025, 6, 30), ["2025-01-01", "2025-03-01", "2025-05-01"]),
        (
            date(2025, 2, 10),
            3,
            date(2025, 12, 1),
            ["2025-02-01", "2025-05-01", "2025-08-01", "2025-11-01"],
        ),
        (date(2025, 11, 1), 2, date(2026, 2, 1), ["2025-11-01", "2026-01-01"]),
    ],
)
def test_cycle_periods(anchor, months, through, starts):
    periods = rules.cycle_periods(anchor, months, through)
    assert [s.isoformat() for s, _ in periods] == starts
    for (s, e), nxt in zip(periods, periods[1:] + [None], strict=True):
        assert e >= s
        if nxt:
            assert (nxt[0] - e).days == 1  # contiguous, no gap, no overlap


def test_004_two_cadences_principal_every_two_months_in_charge_monthly():
    principal = rules.cycle_periods(date(2025, 1, 1), 2, date(2025, 12, 31))
    in_charge = rules.cycle_periods(date(2025, 1, 1), 1, date(2025, 12, 31))
    assert len(principal) == 6 and len(in_charge) == 12


def test_report_state_machine():
    rules.check_report_transition("pending", "submitted")
    rules.check_report_transition("submitted", "returned")
    rules.check_report_transition("returned", "submitted")
    rules.check_report_transition("submitted", "accepted")
    for current, target in [
        ("pending", "accepted"),
        ("accepted", "submitted"),
        ("returned", "accepted"),
        ("pending", "returned"),
    ]:
        with pytest.raises(IllegalTransition):
            rules.check_report_transition(current, target)


def test_escalation_only_goes_up():
    rules.check_escalation("reminder", "supervision")
    rules.check_escalation("supervision", "accountability")
    with pytest.raises(InvalidInput, match="已是最高层级"):
        rules.check_escalation("accountability", "accountability")
    with pytest.raises(InvalidInput):
        rules.check_escalation("interview", "reminder")


def test_plan_reminders_is_stable_and_keyed():
    rows = [
        TaskRow(1, TaskStatus.OVERDUE, date(2025, 6, 27), (10, 11)),
        TaskRow(2, TaskStatus.IN_PROGRESS, date(2025, 7, 4), (10,)),
        TaskRow(3, TaskStatus.IN_PROGRESS, date(2025, 9, 30), (12,)),
        TaskRow(4, TaskStatus.PENDING_VERIFICATION, date(2025, 7, 1), (12,)),
    ]
    slots = [OpenReport(3, 12, 7, date(2025, 7, 7)), OpenReport(3, 13, 6, date(2025, 6, 9))]
    keys = rules.plan_reminders(
        rows, slots, today=date(2025, 6, 30), window_workdays=5, calendar=CAL
    )
    got = {(k.task_id, k.unit_id, k.kind, k.key) for k in keys}
    assert got == {
        (1, 10, "task_overdue", "2025-06-27"),
        (1, 11, "task_overdue", "2025-06-27"),
        (2, 10, "task_due_soon", "2025-07-04"),
        (3, 12, "report_due_soon", "cycle:7"),
        (3, 13, "report_overdue", "cycle:6"),
    }
    again = rules.plan_reminders(
        list(reversed(rows)),
        list(reversed(slots)),
        today=date(2025, 6, 30),
        window_workdays=5,
        calendar=CAL,
    )
    assert again == keys
    # a postponed deadline is a new reminder
    moved = rules.plan_reminders(
        [TaskRow(1, TaskStatus.OVERDUE, date(2025, 6, 28), (10,))],
        [],
        today=date(2025, 6, 30),
        window_workdays=5,
        calendar=CAL,
    )
    assert moved[0].key == "2025-06-28"


@pytest.mark.parametrize(
    ("name", "size", "head", "ok"),
    [
        ("a.PDF", 10, b"%PDF-1.7", "pdf"),
        ("表.xlsx", 10, b"PK\x03\x04", "xlsx"),
        ("旧表.xls", 10, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),
        ("照片.jpg", 10, b"\xff\xd8\xff\xe0", "jpg"),
        ("a.docx", 10, b"%PDF-", None),  # content does not match the name
        ("a.html", 10, b"<html>", None),
        ("noext", 10, b"%PDF-", None),
        ("a.pdf", 0, b"", None),
        ("a.pdf", 21 * 1024 * 1024, b"%PDF-", None),
    ],
)
def test_attachments(name, size, head, ok):
    if ok:
        assert rules.check_attachment(name, size, head) == ok
    else:
        with pytest.raises(InvalidInput, match=name.split("/")[-1]):
            rules.check_attachment(name, size, head)


def test_due_soon_near_an_uncovered_year_reminds_instead_of_failing():
    last = max(CAL.years)
    # far beyond the window: no calendar needed
    assert not rules.is_due_soon(
        TaskStatus.IN_PROGRESS, date(last + 1, 6, 30), date(last, 11, 23), 5, CAL
    )
    # within reach but in a year without data: reminded
    assert rules.is_due_soon(
        TaskStatus.IN_PROGRESS, date(last + 1, 1, 7), date(last, 12, 28), 5, CAL
    )


@pytest.mark.parametrize("window", [1, 3, 5, 10, 20, 30])
def test_due_soon_bound_holds_in_every_covered_year(window):
    """The shortcut in is_due_soon: N working days never span more than 2N + 14 days."""
    import numpy as np

    years = sorted(CAL.years)
    days = np.arange(np.datetime64(f"{years[0]}-01-01"), np.datetime64(f"{years[-1]}-11-01"))
    spans = CAL.add_workdays_array(days, window) - days
    assert spans.max().astype(int) <= 2 * window + 14
