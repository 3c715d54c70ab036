"""Cadence cycles on the working-day calendar (pure rules)."""

from __future__ import annotations

import datetime as dt

import pytest

from qinqing.core.errors import InvalidInput
from qinqing.core.workdays import get_calendar
from qinqing.engagement import rules

D = dt.date


@pytest.mark.parametrize(
    ("starts_on", "cadence", "cycle", "due"),
    [
        (D(2026, 1, 5), 1, 0, D(2026, 2, 4)),  # an ordinary Wednesday
        (D(2026, 1, 1), 1, 0, D(2026, 2, 2)),  # 31 Jan 2026 is a Saturday → Monday 2 Feb
        (D(2026, 1, 1), 1, 1, D(2026, 2, 28)),  # Saturday 28 Feb 2026 is a make-up workday
        (D(2026, 9, 2), 1, 0, D(2026, 10, 8)),  # ends 1 Oct, National Day → 8 Oct
        (D(2026, 1, 1), 3, 0, D(2026, 3, 31)),  # quarterly
    ],
)
def test_cycle_due_moves_to_a_working_day(starts_on, cadence, cycle, due):
    assert rules.cycle_due_on(starts_on, cadence, cycle, get_calendar()) == due


@pytest.mark.parametrize(
    ("day", "index", "due"),
    [
        (D(2026, 1, 5), 0, D(2026, 2, 4)),
        (D(2026, 2, 4), 0, D(2026, 2, 4)),
        (D(2026, 2, 5), 1, D(2026, 3, 4)),
        (D(2026, 12, 20), 11, D(2027, 1, 4)),
    ],
)
def test_cycle_containing(day, index, due):
    cycle = rules.cycle_containing(D(2026, 1, 5), 1, day, get_calendar())
    assert (cycle.index, cycle.due_on) == (index, due)


def test_weekend_end_belongs_to_the_cycle_it_extends():
    cal = get_calendar()
    # cycle 0 ends Saturday 31 Jan and runs to Monday 2 Feb: a visit that Monday fulfils it
    assert rules.cycle_containing(D(2026, 1, 1), 1, D(2026, 2, 2), cal).index == 0
    assert rules.cycle_containing(D(2026, 1, 1), 1, D(2026, 2, 3), cal).index == 1
    assert rules.next_cycle(D(2026, 1, 1), 1, D(2026, 2, 2), cal).due_on == D(2026, 2, 28)


def test_visit_in_the_future_is_refused():
    with pytest.raises(InvalidInput, match="晚于今天"):
        rules.check_visit_date(D(2026, 3, 10), today=D(2026, 3, 9), starts_on=D(2026, 1, 1),
                               ends_on=None)  # fmt: skip


def test_visit_outside_the_pairing_is_refused():
    with pytest.raises(InvalidInput, match="早于包联关系开始日期"):
        rules.check_visit_date(D(2025, 12, 31), today=D(2026, 3, 9), starts_on=D(2026, 1, 1),
                               ends_on=None)  # fmt: skip
    with pytest.raises(InvalidInput, match="已结束"):
        rules.check_visit_date(D(2026, 3, 1), today=D(2026, 3, 9), starts_on=D(2026, 1, 1),
                               ends_on=D(2026, 2, 28))  # fmt: skip
