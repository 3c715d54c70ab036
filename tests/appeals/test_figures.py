"""三率 per unit and county, as figures, as assessment indicators; counted by hand here."""

from __future__ import annotations

import datetime as dt

import pytest

from qinqing.appeals import figures, service
from qinqing.appeals.choices import Satisfaction
from qinqing.assessment.registry import Period, all_indicators, get_indicator
from tests.appeals.conftest import SHANGHAI
from tests.appeals.factories import dispatched

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31), "2026年3月")


@pytest.fixture
def march(appeals_world):
    """Market: 3 tickets (one signed late, one replied late), 3 callbacks; county: 1 ticket."""
    w = appeals_world
    clerk, office = w.market_clerk, w.office_admin
    # A: signed and replied on time (2 working days), callback 满意, resolved
    a, ta = dispatched(w, at(2026, 3, 9, 9, 50), title="甲", content="道路破损一")
    service.acknowledge_ticket(ta, actor=clerk, now=at(2026, 3, 9, 11))
    service.reply_ticket(
        ta, actor=clerk, now=at(2026, 3, 11, 10), reply="已经修复完毕，请企业确认。"
    )
    service.record_callback(
        a, actor=office, now=at(2026, 3, 12, 10), resolved=True, satisfaction=Satisfaction.SATISFIED
    )
    # B: signed late (Wednesday), replied late (25 March = 12 working days), callback 基本满意, resolved
    b, tb = dispatched(w, at(2026, 3, 9, 9, 50), title="乙", content="检查过多二")
    service.acknowledge_ticket(tb, actor=clerk, now=at(2026, 3, 11, 9))
    service.reply_ticket(
        tb, actor=clerk, now=at(2026, 3, 25, 10), reply="已经协调合并检查，请企业确认。"
    )
    service.record_callback(
        b, actor=office, now=at(2026, 3, 26, 10), resolved=True, satisfaction=Satisfaction.PARTLY
    )
    # C: signed on time, not replied, no callback (reply due 23 March: overdue by the 31st)
    c, tc = dispatched(w, at(2026, 3, 9, 9, 50), title="丙", content="办证难三")
    service.acknowledge_ticket(tc, actor=clerk, now=at(2026, 3, 10, 9))
    # D: replied on time, callback 不满意 (reopened: a 4th market ticket, signed the same day)
    d, td = dispatched(w, at(2026, 3, 16, 9, 50), title="丁", content="许可慢四")
    service.acknowledge_ticket(td, actor=clerk, now=at(2026, 3, 16, 11))
    service.reply_ticket(
        td, actor=clerk, now=at(2026, 3, 17, 10), reply="已经办结许可，请企业确认。"
    )
    service.record_callback(
        d,
        actor=office,
        now=at(2026, 3, 18, 10),
        resolved=False,
        satisfaction=Satisfaction.UNSATISFIED,
    )
    reopened = d.tickets.get(reopened_from=td)
    service.acknowledge_ticket(reopened, actor=clerk, now=at(2026, 3, 18, 11))
    # the county: one ticket signed on time
    e, te = dispatched(w, at(2026, 3, 9, 9, 50), unit=w.county, title="戊", content="用地五")
    service.acknowledge_ticket(te, actor=w.county_clerk, now=at(2026, 3, 9, 15))
    return w


def test_unit_figures_match_a_hand_count(march):
    w = march
    counts = figures.unit_counts(
        MARCH.start, MARCH.end, area_path=w.city.path, as_of=at(2026, 3, 31, 18)
    )
    market = counts[(w.market.pk, "")]
    # tickets: A, B, C, D and D's reopened ticket; all signed; B late
    assert (market.dispatched, market.sign_counted, market.signed_on_time) == (5, 5, 4)
    # replies: A, B (late), D; C overdue unreplied counts against; reopened ticket due in April
    assert (market.replied, market.reply_counted, market.replied_on_time) == (3, 4, 2)
    assert market.reply_workdays_sum == 2 + 12 + 1
    assert (
        market.callbacks,
        market.resolved,
        market.satisfied,
        market.partly,
        market.unsatisfied,
    ) == (3, 2, 1, 1, 1)
    rows = {
        r.key: r
        for r in figures.ranking(MARCH.start, MARCH.end, area=w.city, as_of=at(2026, 3, 31, 18))
    }
    r = rows[w.market.pk]
    assert r.percent("response_rate") == 80.0
    assert r.percent("on_time_rate") == 50.0
    assert r.percent("resolution_rate") == pytest.approx(66.7)
    assert r.percent("satisfaction_rate") == 60.0  # (1 + 0.8) / 3
    assert r.rates["avg_reply_workdays"] == 5.0
    assert rows[w.county.pk].percent("response_rate") == 100.0
    # score = Σ weight × rate over the rates present (0.2 response, 0.3, 0.3, 0.2 on time)
    assert r.rates["score"] == pytest.approx(
        (0.2 * 0.8 + 0.3 * 2 / 3 + 0.3 * 0.6 + 0.2 * 0.5) / 1.0
    )
    county = rows[w.county.pk]  # signed on time, reply overdue, no callback
    assert county.rates["score"] == pytest.approx((0.2 * 1.0 + 0.2 * 0.0) / 0.4)
    assert (r.rank, county.rank) == (1, 2)


def test_a_deadline_still_ahead_counts_neither_way(march):
    w = march
    early = figures.unit_counts(
        MARCH.start, MARCH.end, area_path=w.city.path, as_of=at(2026, 3, 20, 9)
    )
    market = early[(w.market.pk, "")]
    assert market.reply_counted == 3  # C is not yet due on the 20th


def test_county_figures_group_units_under_their_county(march):
    w = march
    rows = figures.ranking(
        MARCH.start, MARCH.end, area=w.city, level="county", as_of=at(2026, 3, 31, 18)
    )
    names = {r.name: r for r in rows}
    assert names["示例县"].counts.dispatched == 1
    assert names["示例市（市直部门）"].counts.dispatched == 5


def test_monthly_series_per_month(march):
    w = march
    series = figures.monthly_series(
        dt.date(2026, 2, 1), MARCH.end, area=w.city, as_of=at(2026, 3, 31, 18)
    )
    assert list(series) == ["2026-03"]
    assert series["2026-03"]["response_rate"] == pytest.approx(5 / 6)


def test_indicators_are_registered_for_the_assessment(march, clock):
    w = march
    clock.set(2026, 4, 1, 9)
    codes = {i.code for i in all_indicators() if i.source == "appeals"}
    assert codes == {
        "appeals.response_rate", "appeals.resolution_rate", "appeals.satisfaction_rate",
        "appeals.on_time_rate", "appeals.avg_reply_workdays",
    }  # fmt: skip
    ids = [w.market.pk, w.county.pk, w.tax.pk]
    assert get_indicator("appeals.response_rate").compute(MARCH, ids) == {
        w.market.pk: 80.0, w.county.pk: 100.0, w.tax.pk: None,
    }  # fmt: skip
    assert get_indicator("appeals.satisfaction_rate").compute(MARCH, ids)[w.market.pk] == 60.0
    avg = get_indicator("appeals.avg_reply_workdays")
    assert avg.compute(MARCH, ids)[w.market.pk] == 5.0 and not avg.higher_is_better


def test_weights_are_configuration(march):
    from qinqing.appeals.models import AppealSettings

    w = march
    config = AppealSettings.objects.get(locality=w.city)
    config.figure_config = {"partly_weight": 1.0, "weights": {"satisfaction_rate": 1}}
    config.save()
    config = service.settings_for(w.city).figure_config
    rows = {
        r.key: r
        for r in figures.ranking(
            MARCH.start, MARCH.end, area=w.city, config=config, as_of=at(2026, 3, 31, 18)
        )
    }
    assert rows[w.market.pk].percent("satisfaction_rate") == pytest.approx(66.7)
    assert rows[w.market.pk].percent("score") == pytest.approx(66.7)
    assert rows[w.county.pk].rates["score"] is None  # nothing to score on


def test_rolled_up_months_give_the_same_figures_as_live_counts(march):
    from qinqing.appeals.models import FigureMonth, FigureMonthMark
    from qinqing.appeals.tasks import roll_up_figures

    w = march
    june = at(2026, 6, 10, 2)  # March is final from June on
    live = figures.unit_counts(
        dt.date(2026, 1, 1), dt.date(2026, 6, 9), by_month=True, as_of=june, use_rollup=False
    )
    assert figures.last_final_month(june) == dt.date(2026, 3, 1)
    assert roll_up_figures(june, months_back=6) == 6
    assert (
        FigureMonthMark.objects.count() == 6
        and FigureMonth.objects.filter(month=dt.date(2026, 3, 1)).count() == 2
    )
    # rows of March now come from the roll-up; a change to a raw row no longer shows there
    rolled = figures.unit_counts(
        dt.date(2026, 1, 1), dt.date(2026, 6, 9), by_month=True, as_of=june
    )
    assert rolled == live
    from qinqing.appeals.models import Callback

    Callback.objects.filter(unit=w.market).update(
        satisfaction="satisfied"
    )  # behind the roll-up's back
    assert (
        figures.unit_counts(dt.date(2026, 1, 1), dt.date(2026, 6, 9), by_month=True, as_of=june)
        == live
    )
    assert (
        figures.unit_counts(
            dt.date(2026, 1, 1), dt.date(2026, 6, 9), by_month=True, as_of=june, use_rollup=False
        )
        != live
    )
    whole = figures.unit_counts(dt.date(2026, 2, 15), dt.date(2026, 6, 9), as_of=june)
    assert whole[(w.market.pk, "")] == live[(w.market.pk, "2026-03")]
    # idempotent: the latest three final months are recomputed, nothing else
    assert roll_up_figures(june, months_back=6) == 3
    assert FigureMonth.objects.filter(month=dt.date(2026, 3, 1)).count() == 2
