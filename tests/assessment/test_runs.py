"""Computing, recomputing and publishing runs; ranking, bottom-N flags and history."""

from decimal import Decimal

import pytest

from qinqing.assessment import queries, registry, service
from qinqing.assessment.models import AssessmentRun, RunStatus, UnitScore
from qinqing.assessment.registry import Indicator, Period
from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import IllegalTransition, InvalidInput
from tests.assessment.support import (
    NOTICES,
    NOW,
    ON_TIME,
    Q1,
    Q2,
    RETURNED,
    build_departments_scheme,
    feed_standard_values,
    run,
    snapshot,
)


def _scores(run_):
    return {s.unit.name: s for s in run_.scores.select_related("unit")}


def test_scores_follow_the_three_methods(world, feed):
    feed_standard_values(feed, world)
    scheme = build_departments_scheme(world)
    result = run(scheme, world=world)
    scores = _scores(result)
    # 按时完成率 (weight 50, linear 60→0, 100→50): 100 → 50, 80 → 25, 60 → 0
    # 退回率 (weight 30, rank, lower is better): 0% first → 30, 5% → 15, 10% last → 0
    # 回复率 (weight 20, 95:100, 80:60): 100 → 20, 90 → 12, 50 → 0
    assert scores["市市场监管局"].total == Decimal("100.00")
    assert scores["市税务局"].total == Decimal("52.00")
    assert scores["市发展和改革委员会"].total == Decimal("0.00")
    assert [s.unit.name for s in result.scores.order_by("position")] == [
        "市市场监管局", "市税务局", "市发展和改革委员会",
    ]  # fmt: skip
    assert [scores[n].rank for n in ("市市场监管局", "市税务局", "市发展和改革委员会")] == [1, 2, 3]
    # bottom 1 is flagged, nobody else
    assert [n for n, s in scores.items() if s.flagged] == ["市发展和改革委员会"]
    tax_items = {i.indicator_code: i for i in scores["市税务局"].items.all()}
    assert tax_items[ON_TIME].raw_value == 80 and tax_items[ON_TIME].points == Decimal("25.00")
    assert tax_items[RETURNED].points == Decimal("15.00")
    assert tax_items[NOTICES].points == Decimal("12.00")
    event = AuditEvent.objects.get(verb="assessment_run.computed")
    assert event.after["units"] == 3


def test_coordinating_office_and_party_bodies_are_not_default_targets(world, feed):
    scheme = build_departments_scheme(world)
    names = set(scheme.targets.values_list("name", flat=True))
    assert names == {"市市场监管局", "市税务局", "市发展和改革委员会"}


def test_equal_totals_share_a_rank_and_ties_at_the_bottom_are_not_flagged(world, feed):
    feed.set(ON_TIME, {world.market: 100, world.tax: 90, world.ndrc: 90})
    feed.set(RETURNED, {world.market: 1, world.tax: 2, world.ndrc: 2})
    feed.set(NOTICES, {world.market: 99, world.tax: 99, world.ndrc: 99})
    scheme = build_departments_scheme(world, bottom_n=1)
    scores = _scores(run(scheme, world=world))
    assert scores["市税务局"].total == scores["市发展和改革委员会"].total
    assert scores["市税务局"].rank == scores["市发展和改革委员会"].rank == 2
    assert not any(s.flagged for s in scores.values())


def test_missing_values_drop_out_and_the_total_is_scaled(world, feed):
    feed_standard_values(feed, world)
    feed.set(NOTICES, {world.market: 100, world.tax: None, world.ndrc: 50})  # tax: no notices
    scheme = build_departments_scheme(world)
    scores = _scores(run(scheme, world=world))
    # tax earned 25 + 15 of the 80 points it could be measured on: 40 / 80 × 100 = 50
    assert scores["市税务局"].total == Decimal("50.00")
    item = scores["市税务局"].items.get(indicator_code=NOTICES)
    assert item.raw_value is None and item.points is None


def test_unit_without_any_value_is_listed_last_unranked(world, feed):
    feed_standard_values(feed, world)
    for code in (ON_TIME, RETURNED, NOTICES):
        values = dict(feed.values[(code, None)])
        values[world.ndrc.pk] = None
        feed.set(code, values)
    scheme = build_departments_scheme(world, bottom_n=1)
    result = run(scheme, world=world)
    last = result.scores.order_by("position").last()
    assert last.unit == world.ndrc and last.total is None and last.rank is None
    assert not last.flagged
    assert _scores(result)["市税务局"].flagged  # the worst unit with a total


def test_indicators_receive_the_period_and_the_target_units(world, feed):
    feed_standard_values(feed, world)
    scheme = build_departments_scheme(world)
    run(scheme, Q2, world=world)
    code, period, unit_ids = feed.calls[-1]
    assert period == Q2 and period.label == "2026年第2季度"
    assert set(unit_ids) == {world.market.pk, world.tax.pk, world.ndrc.pk}


def test_recompute_replaces_scores_until_published(world, feed):
    feed_standard_values(feed, world)
    scheme = build_departments_scheme(world)
    first = run(scheme, world=world)
    feed.set(ON_TIME, {world.market: 60, world.tax: 100, world.ndrc: 60})
    again = run(scheme, world=world)
    assert again.pk == first.pk
    assert UnitScore.objects.filter(run=again).count() == 3
    assert _scores(again)["市税务局"].total == Decimal("77.00")  # 50 + 15 + 12
    assert AuditEvent.objects.filter(verb="assessment_run.recomputed").count() == 1
    service.publish_run(again, actor=world.office_admin, now=NOW)
    before = snapshot()
    with pytest.raises(IllegalTransition, match="已发布，不能重算"):
        run(scheme, world=world)
    assert snapshot() == before
    with pytest.raises(IllegalTransition, match="已发布"):
        service.publish_run(again, actor=world.office_admin, now=NOW)


def test_draft_scheme_cannot_run(world, feed):
    scheme = build_departments_scheme(world, activate=False)
    with pytest.raises(IllegalTransition, match="只有已启用的方案才能计算"):
        run(scheme, world=world)
    assert not AssessmentRun.objects.exists()


def test_period_outside_the_scheme_validity_is_refused(world, feed):
    scheme = build_departments_scheme(world)
    with pytest.raises(InvalidInput, match="超出方案的有效期（2026-01-01 至 2026-12-31）"):
        run(scheme, Period.quarter(2025, 4), world=world)
    assert not AssessmentRun.objects.exists()


def test_failing_indicator_writes_nothing(world, feed):
    from tests.assessment.support import BROKEN

    feed_standard_values(feed, world)
    scheme = service.create_scheme(
        actor=world.office_admin, area=world.city, name="出错测试", target_kind="departments",
        effective_from=Q1.start, now=NOW,
    )  # fmt: skip
    service.add_scheme_item(scheme, actor=world.office_admin, indicator_code=BROKEN,
                            weight=Decimal(100), method="rank", now=NOW)  # fmt: skip
    service.activate_scheme(scheme, actor=world.office_admin, now=NOW)
    before = snapshot()
    with pytest.raises(InvalidInput, match="“出错的指标”.*计算失败.*本次考评未保存"):
        run(scheme, world=world)
    assert snapshot() == before


def test_indicator_unregistered_after_activation_is_explained(world, feed):
    feed_standard_values(feed, world)
    scheme = build_departments_scheme(world)
    saved = registry.get_indicator(NOTICES)
    registry.unregister(NOTICES)
    try:
        with pytest.raises(InvalidInput, match="“督办单按时回复率”.*不再登记"):
            run(scheme, world=world)
    finally:
        registry.register(saved)


def test_indicator_retagged_as_fines_stops_the_run(world, feed):
    feed_standard_values(feed, world)
    scheme = build_departments_scheme(world)
    old = registry.get_indicator(ON_TIME)
    registry.register(
        Indicator(old.code, old.label, old.compute, old.source, tags=frozenset({"fines"}))
    )
    with pytest.raises(InvalidInput, match=r"004 \(二十五\)「严禁下达或变相下达罚没收入指标」"):
        run(scheme, world=world)
    assert not AssessmentRun.objects.exists()


def test_history_follows_the_scheme_across_periods_and_versions(world, feed):
    feed_standard_values(feed, world)
    scheme = build_departments_scheme(world)
    run(scheme, Q1, world=world, publish=True)
    feed.set(ON_TIME, {world.market: 70, world.tax: 100, world.ndrc: 90}, Q2)
    run(scheme, Q2, world=world, publish=True)
    v2 = service.revise_scheme(scheme, actor=world.office_admin, now=NOW)
    service.activate_scheme(v2, actor=world.office_admin, now=NOW)
    q3 = Period.quarter(2026, 3)
    unpublished = run(v2, q3, world=world)
    leader_view = queries.Access(full=True, manage=False)
    office_view = queries.Access(full=True, manage=True)
    assert [r.period_label for r in queries.history_runs(v2, leader_view)] == [
        "2026年第1季度", "2026年第2季度",
    ]  # fmt: skip
    history = queries.history_runs(v2, office_view)
    assert [r.period_label for r in history] == ["2026年第1季度", "2026年第2季度", "2026年第3季度"]
    assert history[-1] == unpublished
    q2 = _scores(history[1])
    # Q2: tax leads on completion (50 vs market 12.5 and ndrc 37.5)
    assert q2["市税务局"].rank == 1
    assert unpublished.status == RunStatus.COMPUTED


def test_same_period_rerun_with_a_new_version_wins_in_history(world, feed):
    feed_standard_values(feed, world)
    scheme = build_departments_scheme(world)
    run(scheme, Q1, world=world, publish=True)
    v2 = service.revise_scheme(scheme, actor=world.office_admin, now=NOW)
    service.activate_scheme(v2, actor=world.office_admin, now=NOW)
    newer = run(v2, Q1, world=world, publish=True)
    history = queries.history_runs(v2, queries.Access(full=True, manage=False))
    assert history == [newer]
