"""Scoring math (pure): linear, rank-based and threshold methods, ties, totals, validation."""

import doctest
import importlib
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qinqing.assessment import rules
from qinqing.assessment.rules import (
    LINEAR,
    RANK,
    THRESHOLD,
    IndicatorInfo,
    ItemRule,
    bottom_flags,
    competition_ranks,
    concerns_fines,
    item_errors,
    linear_fraction,
    rank_fractions,
    score_units,
    threshold_fraction,
    weight_errors,
)


@pytest.mark.parametrize(
    "name",
    [
        "qinqing.assessment.rules",
        "qinqing.assessment.registry",
        "qinqing.assessment.dashboard",
    ],
)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("value", "floor", "ceiling", "higher", "expected"),
    [
        (100, 60, 100, True, 1.0),
        (80, 60, 100, True, 0.5),
        (60, 60, 100, True, 0.0),
        (30, 60, 100, True, 0.0),  # below the floor: nothing, never negative
        (130, 60, 100, True, 1.0),  # above the ceiling: full weight, never more
        (0, 0, 10, False, 1.0),  # 退回率 0%: best
        (2.5, 0, 10, False, 0.75),
        (12, 0, 10, False, 0.0),
    ],
)
def test_linear(value, floor, ceiling, higher, expected):
    assert linear_fraction(value, floor, ceiling, higher) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "higher", "expected"),
    [
        (99, True, 1.0),
        (95, True, 1.0),  # reaching the limit counts
        (94.99, True, 0.8),
        (80, True, 0.6),
        (79, True, 0.0),
    ],
)
def test_threshold_higher_is_better(value, higher, expected):
    table = [(80, 60), (95, 100), (90, 80)]  # order of rows does not matter
    assert threshold_fraction(value, table, higher) == expected


@pytest.mark.parametrize(("overdue", "expected"), [(0, 1.0), (1, 1.0), (2, 0.8), (5, 0.5), (6, 0)])
def test_threshold_lower_is_better(overdue, expected):
    assert threshold_fraction(overdue, [(1, 100), (3, 80), (5, 50)], False) == expected


def test_rank_based_with_ties_and_missing_values():
    values = {"甲": 98.0, "乙": 91.0, "丙": 91.0, "丁": 70.0, "戊": 60.0, "己": None}
    assert competition_ranks(values) == {"甲": 1, "乙": 2, "丙": 2, "丁": 4, "戊": 5, "己": None}
    shares = rank_fractions(values)
    # five units with values: rank 1 → 1, rank 2 → 3/4, rank 4 → 1/4, rank 5 → 0
    assert shares == {"甲": 1.0, "乙": 0.75, "丙": 0.75, "丁": 0.25, "戊": 0.0, "己": None}


def test_rank_based_lower_is_better():
    assert rank_fractions({"甲": 3.0, "乙": 0.0, "丙": 1.5}, higher_is_better=False) == {
        "甲": 0.0,
        "乙": 1.0,
        "丙": 0.5,
    }


def test_everybody_equal_gets_full_weight_and_nobody_is_flagged():
    rule = ItemRule("a", "按时完成率", Decimal(100), RANK)
    results = score_units([rule], {"a": {1: 90, 2: 90, 3: 90}}, [1, 2, 3], bottom_n=2)
    assert [r.total for r in results] == [Decimal("100.00")] * 3
    assert [r.rank for r in results] == [1, 1, 1]
    assert not any(r.flagged for r in results)


@pytest.mark.parametrize(
    ("ranks", "n", "flagged"),
    [
        ({1: 1, 2: 2, 3: 3, 4: 4, 5: 5}, 2, {4, 5}),
        ({1: 1, 2: 2, 3: 3, 4: 3, 5: 5}, 2, {5}),  # the tie straddles the boundary
        ({1: 1, 2: 2, 3: 3, 4: 4, 5: 4}, 2, {4, 5}),  # the tie is inside the bottom 2
        ({1: 1, 2: 2, 3: None}, 1, {2}),  # no total: never flagged
        ({1: 1, 2: 2}, 0, set()),
        ({1: 1, 2: 2}, 5, {1, 2}),  # N larger than the field
    ],
)
def test_bottom_flags(ranks, n, flagged):
    assert {k for k, v in bottom_flags(ranks, n).items() if v} == flagged


def test_rounding_happens_before_ranking_so_displayed_ties_are_ties():
    # 1/3 of 100 and 33.333 both show as 33.33 and must share the rank
    rule = ItemRule("a", "x", Decimal(100), LINEAR, True, 0, 3)
    results = score_units([rule], {"a": {1: 1, 2: 0.99999}}, [1, 2], bottom_n=0)
    assert [str(r.total) for r in results] == ["33.33", "33.33"]
    assert [r.rank for r in results] == [1, 1]


# Hypothesis's timing checks measure the machine's load, not the rules (speed belongs in bench/)
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.floats(min_value=0, max_value=100, allow_nan=False)),
        min_size=1,
        max_size=12,
    ),
    st.lists(
        st.one_of(st.none(), st.floats(min_value=-5, max_value=20, allow_nan=False)),
        min_size=12,
        max_size=12,
    ),
    st.integers(min_value=0, max_value=5),
)
def test_totals_stay_within_0_and_100_and_ranks_follow_totals(a, b, n):
    unit_ids = list(range(len(a)))
    rules_ = [
        ItemRule("a", "按时完成率", Decimal(60), LINEAR, True, 50, 100),
        ItemRule("b", "退回数", Decimal(40), THRESHOLD, False, thresholds=((0, 100), (3, 50))),
    ]
    values = {"a": dict(enumerate(a)), "b": dict(enumerate(b[: len(a)]))}
    results = score_units(rules_, values, unit_ids, n)
    ranked = [r for r in results if r.total is not None]
    for r in ranked:
        assert Decimal(0) <= r.total <= Decimal(100)
    for better, worse in zip(ranked, ranked[1:], strict=False):
        assert better.total >= worse.total
        assert better.rank <= worse.rank
        assert (better.total == worse.total) == (better.rank == worse.rank)
    assert sum(r.flagged for r in results) <= n
    assert all(r.rank is None for r in results if r.total is None)


@pytest.mark.parametrize(
    ("code", "label", "tags", "expected"),
    [
        ("inspections.fine_income", "执法收入", (), True),
        ("x.amount", "罚没收入完成率", (), True),
        ("x.amount", "罚款金额", (), True),
        ("x.amount", "没收违法所得", (), True),
        ("x.amount", "执法收入", ("fines",), True),
        ("x.penalty_total", "执法金额", (), True),
        ("supervision.on_time_completion", "任务按时完成率", (), False),
        ("core.refined_rate", "精细化比例", (), False),
        ("appeals.satisfaction_rate", "满意率", (), False),
    ],
)
def test_fines_detection(code, label, tags, expected):
    assert concerns_fines(code, label, tags) is expected


def test_fines_refusal_cites_article_twenty_five():
    known = {"x.fines": IndicatorInfo("x.fines", "罚没收入", tags=frozenset({"fines"}))}
    [message] = item_errors(
        code="x.fines",
        weight=Decimal(10),
        method=RANK,
        floor=None,
        ceiling=None,
        thresholds=[],
        known=known,
    )
    assert "004 (二十五)「严禁下达或变相下达罚没收入指标」" in message
    assert "罚没收入" in message and "请删除该指标" in message


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"weight": Decimal(0)}, "权重应大于 0"),
        ({"weight": Decimal(120)}, "不能超过 100"),
        ({"method": "average"}, "计分方法“average”无效"),
        ({"method": LINEAR, "floor": None, "ceiling": 100}, "请填写下限和上限"),
        ({"method": LINEAR, "floor": 100, "ceiling": 100}, "下限（100）应小于上限（100）"),
        ({"method": THRESHOLD, "thresholds": []}, "请至少填写一档"),
        ({"method": THRESHOLD, "thresholds": [(90, 80), (90, 60)]}, "重复的门槛值"),
        ({"method": THRESHOLD, "thresholds": [(90, 120)]}, "得分比例应在 0 到 100 之间"),
    ],
)
def test_item_errors(kwargs, expected):
    args = {
        "code": "a",
        "weight": Decimal(10),
        "method": RANK,
        "floor": None,
        "ceiling": None,
        "thresholds": [],
        "known": {"a": IndicatorInfo("a", "按时完成率")},
    }
    args.update(kwargs)
    errors = item_errors(**args)
    assert any(expected in e for e in errors), errors
    assert all("按时完成率" in e for e in errors)


def test_weights_must_add_up_to_100():
    [message] = weight_errors([("按时完成率", Decimal("60")), ("退回率", Decimal("50.5"))])
    assert "合计为 110.5" in message and "多出 10.5" in message
    assert weight_errors([("a", Decimal("33.34")), ("b", Decimal("66.66"))]) == []


def test_thresholds_round_trip():
    text = "95:100, 90:80, 80:60"
    assert rules.format_thresholds(rules.parse_thresholds(text)) == text
    with pytest.raises(ValueError, match="“abc”格式不对"):
        rules.parse_thresholds("95:100, abc")
