"""The indicator registry domains code against: periods, registration, drill-down hooks."""

from datetime import date

import pytest

from qinqing.assessment import registry
from qinqing.assessment.registry import Indicator, Period, indicator, registered
from qinqing.core.errors import InvalidInput


@pytest.mark.parametrize(
    ("period", "label"),
    [
        (Period.month(2026, 2), "2026年2月"),
        (Period.quarter(2026, 4), "2026年第4季度"),
        (Period.year(2025), "2025年度"),
        (Period(date(2026, 7, 1), date(2026, 12, 31)), "2026年下半年"),
        (Period(date(2026, 2, 1), date(2026, 3, 31)), "2026-02-01至2026-03-31"),
        (Period(date(2026, 1, 1), date(2026, 3, 31), "一季度"), "一季度"),
    ],
)
def test_period_labels(period, label):
    assert period.label == label


def test_period_with_end_before_start_is_refused():
    with pytest.raises(InvalidInput, match="开始日期 2026-05-01 晚于结束日期 2026-04-30"):
        Period(date(2026, 5, 1), date(2026, 4, 30))


def test_decorator_registers_with_docstring_description_and_registered_restores():
    def compute(period, unit_ids):
        return dict.fromkeys(unit_ids, 1.0)

    original = Indicator("t.x", "原指标", compute, source="t")
    with registered([original]):
        with registered([Indicator("t.x", "替换指标", compute, source="t")]):
            assert registry.get_indicator("t.x").label == "替换指标"
        assert registry.get_indicator("t.x").label == "原指标"
    assert registry.find_indicator("t.x") is None

    try:

        @indicator("t.decorated", "装饰器指标", source="t", higher_is_better=False)
        def decorated(period, unit_ids):
            """Share of something.

            More text.
            """
            return {}

        ind = registry.get_indicator("t.decorated")
        assert ind.description == "Share of something."
        assert ind.direction_label == "越低越好"
        assert ind.drilldown_url(1, Period.year(2026)) is None
    finally:
        registry.unregister("t.decorated")


def test_unknown_code_lists_what_is_registered():
    with pytest.raises(InvalidInput, match="考评指标“nope”不存在"):
        registry.get_indicator("nope")


def test_failing_drilldown_hook_shows_no_link():
    def hook(unit_id, period):
        raise KeyError(unit_id)

    ind = Indicator("t.y", "指标", lambda p, u: {}, source="t", drilldown=hook)
    assert ind.drilldown_url(5, Period.year(2026)) is None
    ok = Indicator("t.y", "指标", lambda p, u: {}, source="t", drilldown=lambda u, p: f"/x/{u}/")
    assert ok.drilldown_url(5, Period.year(2026)) == "/x/5/"
