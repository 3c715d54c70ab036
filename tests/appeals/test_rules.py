"""Pure rules: state machine, time limits from seed 000, SLA clocks with pauses, figures."""

from __future__ import annotations

import datetime as dt
import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qinqing.appeals import rules
from qinqing.appeals.choices import (
    AppealType,
    EventKind,
    SlaStage,
    SlaStatus,
    TicketState,
)
from qinqing.core.errors import IllegalTransition
from qinqing.core.workdays.calendar import WorkdayCalendar
from qinqing.core.workdays.data import package_years
from qinqing.core.workdays.rules import SHANGHAI, TimeLimit, TimeUnit

CAL = WorkdayCalendar(package_years())


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_rules_doctests_pass():
    modules = [rules.tickets, rules.sla, rules.identity, rules.figures, rules.text]
    results = [doctest.testmod(module) for module in modules]
    assert sum(r.attempted for r in results) > 20
    assert sum(r.failed for r in results) == 0


# --- state machine ---------------------------------------------------------------------

ALLOWED = [
    (TicketState.DISPATCHED, TicketState.ACKNOWLEDGED),
    (TicketState.DISPATCHED, TicketState.RETURN_REQUESTED),
    (TicketState.RETURN_REQUESTED, TicketState.RETURNED),
    (TicketState.RETURN_REQUESTED, TicketState.DISPATCHED),
    (TicketState.ACKNOWLEDGED, TicketState.REPLIED),
    (TicketState.ACKNOWLEDGED, TicketState.EXTENSION_REQUESTED),
    (TicketState.SUSPENSION_REQUESTED, TicketState.SUSPENDED),
    (TicketState.SUSPENDED, TicketState.ACKNOWLEDGED),
    (TicketState.REPLIED, TicketState.CLOSED),
    (TicketState.REPLIED, TicketState.REOPENED),
]
REFUSED = [
    (TicketState.CLOSED, TicketState.ACKNOWLEDGED, "工单当前状态为“已办结”，不能签收。"),
    (
        TicketState.DISPATCHED,
        TicketState.REPLIED,
        "工单当前状态为“待签收”，不能答复。请先签收工单。",
    ),
    (TicketState.SUSPENDED, TicketState.REPLIED, "请先恢复办理"),
    (TicketState.ACKNOWLEDGED, TicketState.RETURN_REQUESTED, "不能退单"),
    (TicketState.RETURN_REQUESTED, TicketState.ACKNOWLEDGED, "退单正在等待派单员审核"),
    (TicketState.REPLIED, TicketState.REPLIED, "不能答复"),
]


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_allowed_transitions(current, target):
    rules.check_transition(current, target)


@pytest.mark.parametrize(("current", "target", "message"), REFUSED)
def test_refused_transitions_say_why_in_chinese(current, target, message):
    with pytest.raises(IllegalTransition, match=message):
        rules.check_transition(current, target)


def test_final_states_lead_nowhere():
    for state in (
        TicketState.CLOSED,
        TicketState.RETURNED,
        TicketState.TRANSFERRED,
        TicketState.REOPENED,
    ):
        assert rules.NEXT_STATES[state] == frozenset()
    assert set(rules.NEXT_STATES) == set(TicketState)


# --- time limits (seed 000 item 16) -------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "appeal_type", "days"),
    [
        (SlaStage.SIGN, AppealType.COMPLAINT, 1),
        (SlaStage.REPLY, AppealType.CONSULTATION, 3),
        (SlaStage.REPLY, AppealType.PRAISE, 3),
        (SlaStage.REPLY, AppealType.SUGGESTION, 5),
        (SlaStage.REPLY, AppealType.COMPLAINT, 10),
        (SlaStage.REPLY, AppealType.HELP, 10),
    ],
)
def test_default_limits_follow_seed_000_item_16(stage, appeal_type, days):
    rule = rules.pick_limit([], stage, appeal_type, dt.date(2026, 3, 9))
    assert rule.limit == TimeLimit(days)
    assert "优化营商环境实施方案》第16条" in rule.source and "种子文件" not in rule.source


def test_a_local_rule_applies_from_its_date_and_type_specific_wins():
    local = [
        rules.SlaRule("reply", "", TimeLimit(8), dt.date(2026, 1, 1), "本地办法第三条"),
        rules.SlaRule(
            "reply",
            "complaint",
            TimeLimit(72, TimeUnit.HOURS),
            dt.date(2026, 1, 1),
            "本地办法第四条",
        ),
    ]
    assert rules.pick_limit(local, "reply", "complaint", dt.date(2026, 1, 2)).limit == TimeLimit(
        72, TimeUnit.HOURS
    )
    assert rules.pick_limit(local, "reply", "help", dt.date(2026, 1, 2)).limit == TimeLimit(8)
    assert rules.pick_limit(local, "reply", "help", dt.date(2025, 12, 31)).limit == TimeLimit(10)


# --- clocks from the event log ------------------------------------------------------------


def clock(events, reply=10, sign=1, unit=TimeUnit.WORKDAYS):
    return rules.ticket_clock(
        [rules.ClockEvent(kind, moment, amount) for kind, moment, amount in events],
        sign_limit=TimeLimit(sign),
        reply_limit=TimeLimit(reply, unit),
        calendar=CAL,
    )


def test_reply_due_skips_the_national_day_holiday_and_counts_the_makeup_saturday():
    c = clock([(EventKind.DISPATCHED, at(2025, 9, 30, 10), 0)], reply=3)
    assert c.reply_due_at == at(2025, 10, 11, 17, 30)  # docs/dev/workdays.md table
    assert c.sign_due_at == at(2025, 10, 9, 17, 30)


def test_dispatch_after_closing_time_starts_the_next_working_day():
    c = clock([(EventKind.DISPATCHED, at(2025, 9, 30, 18), 0)], reply=3)
    assert c.start_on == dt.date(2025, 10, 9)
    assert c.sign_due_at == at(2025, 10, 10, 17, 30)


def test_suspension_and_extension_push_the_reply_deadline():
    base = [(EventKind.DISPATCHED, at(2026, 3, 9, 10), 0)]
    assert clock(base).reply_due_at == at(2026, 3, 23, 17, 30)  # 10 working days
    paused = base + [
        (EventKind.ACKNOWLEDGED, at(2026, 3, 9, 11), 0),
        (EventKind.SUSPENDED, at(2026, 3, 11, 10), 0),
        (EventKind.RESUMED, at(2026, 3, 13, 10), 0),
    ]
    c = clock(paused)
    assert c.paused == 2  # 12th and 13th March stood still
    assert c.reply_due_at == at(2026, 3, 25, 17, 30)
    extended = paused + [(EventKind.EXTENSION_APPROVED, at(2026, 3, 16, 9), 3)]
    assert clock(extended).reply_due_at == at(2026, 3, 30, 17, 30)


def test_a_running_pause_has_no_deadline_yet():
    c = clock(
        [
            (EventKind.DISPATCHED, at(2026, 3, 9, 10), 0),
            (EventKind.ACKNOWLEDGED, at(2026, 3, 9, 11), 0),
            (EventKind.SUSPENDED, at(2026, 3, 10, 10), 0),
        ]
    )
    assert c.reply_due_at is None and c.paused_since == at(2026, 3, 10, 10)
    assert c.sign_due_at is not None  # signed before the pause


def test_a_return_under_review_pauses_the_sign_clock():
    c = clock(
        [
            (EventKind.DISPATCHED, at(2026, 3, 9, 10), 0),
            (EventKind.RETURN_REQUESTED, at(2026, 3, 9, 15), 0),
            (EventKind.RETURN_REJECTED, at(2026, 3, 11, 9), 0),
        ]
    )
    assert c.paused == 2
    assert c.sign_due_at == at(2026, 3, 12, 17, 30)


def test_hours_limits_are_elapsed_time_and_pauses_count_in_minutes():
    c = clock(
        [
            (EventKind.DISPATCHED, at(2026, 3, 6, 20), 0),  # Friday evening
            (EventKind.SUSPENDED, at(2026, 3, 7, 8), 0),
            (EventKind.RESUMED, at(2026, 3, 7, 10), 0),
        ],
        reply=48,
        unit=TimeUnit.HOURS,
    )
    assert c.paused == 120
    assert c.reply_due_at == at(2026, 3, 8, 22)


def test_status_and_reminder_levels():
    due = at(2026, 3, 23, 17, 30)
    start = at(2026, 3, 9, 10)
    share = rules.used_share(start, 10, TimeUnit.WORKDAYS, 0, at(2026, 3, 16, 10), calendar=CAL)
    assert share == 0.5
    assert rules.reminder_level(share) == 1
    assert rules.sla_status(at(2026, 3, 16, 10), due, share) is SlaStatus.GREEN
    share = rules.used_share(start, 10, TimeUnit.WORKDAYS, 0, at(2026, 3, 19, 10), calendar=CAL)
    assert share == 0.8 and rules.reminder_level(share) == 2
    assert rules.sla_status(at(2026, 3, 19, 10), due, share) is SlaStatus.YELLOW
    assert rules.sla_status(at(2026, 3, 23, 17, 31), due, 1.0) is SlaStatus.RED


def test_quiet_days_are_rest_days():
    assert rules.is_quiet_day(at(2026, 3, 7, 10), calendar=CAL)  # Saturday
    assert not rules.is_quiet_day(at(2026, 3, 9, 10), calendar=CAL)
    assert not rules.is_quiet_day(at(2025, 10, 11, 10), calendar=CAL)  # make-up Saturday
    assert rules.is_quiet_day(at(2025, 10, 2, 10), calendar=CAL)  # National Day


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 9, 30)),
    total=st.integers(0, 15),
    paused=st.integers(0, 5),
    days_later=st.integers(0, 40),
)
def test_vectorised_clock_matches_the_scalar_one(start, total, paused, days_later):
    start_on = CAL.workday_on_or_after(start)
    start_at = dt.datetime.combine(start_on, dt.time(9), tzinfo=SHANGHAI)
    today = start_on + dt.timedelta(days=days_later)
    now = dt.datetime.combine(today, dt.time(12), tzinfo=SHANGHAI)
    due, share = rules.workday_clock_arrays(
        np.array([start_on], dtype="datetime64[D]"),
        np.array([total]),
        np.array([paused]),
        today,
        calendar=CAL,
    )
    expected_due = rules.due_after(start_at, total, TimeUnit.WORKDAYS, paused, calendar=CAL)
    assert due[0].item() == expected_due.date()
    expected_share = rules.used_share(start_at, total, TimeUnit.WORKDAYS, paused, now, calendar=CAL)
    assert share[0] == pytest.approx(expected_share)


def test_deemed_start_days_array_matches_the_calendar_rule():
    from qinqing.core.workdays.rules import deemed_received_on

    moments = [at(2025, 9, 30, 10), at(2025, 9, 30, 18), at(2025, 10, 3, 9), at(2026, 3, 7, 10)]
    local = np.array([m.replace(tzinfo=None) for m in moments], dtype="datetime64[m]")
    got = rules.deemed_start_days_array(local, calendar=CAL)
    assert [d.item() for d in got] == [deemed_received_on(m, calendar=CAL) for m in moments]


# --- callback, figures, duplicates, privacy ---------------------------------------------------


def test_second_unsatisfied_callback_escalates():
    first = rules.callback_outcome("unsatisfied", 0)
    second = rules.callback_outcome("unsatisfied", 1)
    assert first.reopen and not first.escalate
    assert second.reopen and second.escalate
    assert rules.callback_outcome("partly", 1).close


def test_figure_formulas_and_configurable_weights():
    counts = rules.FigureCounts(
        dispatched=5, sign_counted=4, signed_on_time=3, reply_counted=3, replied=2, replied_on_time=1,
        reply_workdays_sum=7,
        callbacks=4, resolved=2, satisfied=2, partly=1, unsatisfied=1,
    )  # fmt: skip
    default = rules.figure_rates(counts)
    assert default["response_rate"] == 0.75
    assert default["resolution_rate"] == 0.5
    assert default["satisfaction_rate"] == pytest.approx((2 + 0.8) / 4)
    assert default["on_time_rate"] == pytest.approx(1 / 3)
    assert default["avg_reply_workdays"] == 3.5
    strict = rules.figure_rates(counts, {"partly_weight": 0, "weights": {"satisfaction_rate": 1}})
    assert strict["satisfaction_rate"] == 0.5 and strict["score"] == 0.5
    # a unit without callbacks is scored on what it has
    only_sign = rules.figure_rates(
        rules.FigureCounts(dispatched=2, sign_counted=2, signed_on_time=1)
    )
    assert only_sign["satisfaction_rate"] is None and only_sign["score"] == 0.5


def test_similarity_is_symmetric_and_ignores_punctuation():
    a = "厂区门口道路破损严重，货车无法通行！"
    b = "厂区门口道路破损严重 货车无法通行"
    assert rules.text_similarity(a, b) == pytest.approx(1.0)
    c = "申请稳岗返还补贴需要哪些材料"
    assert rules.text_similarity(a, c) == rules.text_similarity(c, a) < 0.2


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("0791-86001234", "0791****1234"), ("86001234", "****1234")],
)
def test_phone_masking_hides_the_middle(phone, masked):
    assert rules.mask_phone(phone) == masked
    assert phone[-4:] in masked and len(masked) <= len(phone) + 1


def test_conduct_terms_flag_complaints_about_officials():
    assert "吃拿卡要" in rules.conduct_terms("窗口工作人员吃拿卡要")
    assert rules.conduct_terms("道路破损") == []
