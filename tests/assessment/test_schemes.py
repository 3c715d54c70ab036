"""Building schemes: validation messages, the fines refusal, activation and versions."""

from datetime import date
from decimal import Decimal

import pytest

from qinqing.assessment import service
from qinqing.assessment.models import AssessmentScheme, SchemeItem, SchemeStatus
from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import IllegalTransition, InvalidInput
from tests.assessment.support import (
    FINE_LABEL,
    FINE_TAGGED,
    NOTICES,
    NOW,
    ON_TIME,
    RETURNED,
    build_departments_scheme,
    snapshot,
)


def _draft(world, **kwargs):
    args = {
        "actor": world.office_admin,
        "area": world.city,
        "name": "市直部门考评",
        "target_kind": "departments",
        "effective_from": date(2026, 1, 1),
        "now": NOW,
    }
    args.update(kwargs)
    return service.create_scheme(**args)


def _add(scheme, world, code, weight, method="rank", **kwargs):
    return service.add_scheme_item(
        scheme,
        actor=world.office_admin,
        indicator_code=code,
        weight=Decimal(weight),
        method=method,
        now=NOW,
        **kwargs,
    )


def test_new_scheme_is_a_draft_with_default_targets_and_is_audited(world, feed):
    scheme = _draft(world)
    assert scheme.status == SchemeStatus.DRAFT and scheme.version == 1
    assert set(scheme.targets.all()) == {world.market, world.tax, world.ndrc}
    counties = _draft(world, name="县区考评", target_kind="counties")
    assert list(counties.targets.all()) == [world.county]
    assert AuditEvent.objects.filter(verb="assessment_scheme.created").count() == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "  "}, "请填写方案名称"),
        ({"target_kind": "enterprises"}, "考评对象类别应为"),
        ({"effective_to": date(2025, 12, 31)}, "截止日期 2025-12-31 早于生效日期 2026-01-01"),
        ({"bottom_n": -1}, "末位标记名数应为 0 或正整数"),
    ],
)
def test_scheme_fields_are_checked(world, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        _draft(world, **kwargs)
    assert not AssessmentScheme.objects.exists()


def test_unknown_indicator_is_refused_with_the_list_of_known_ones(world, feed):
    scheme = _draft(world)
    with pytest.raises(InvalidInput) as err:
        _add(scheme, world, "supervision.nonexistent", 50)
    assert "指标代码“supervision.nonexistent”不存在" in err.value.message
    assert "任务按时完成率（test.on_time_rate）" in err.value.message
    assert not SchemeItem.objects.exists()


@pytest.mark.parametrize("code", [FINE_TAGGED, FINE_LABEL])
def test_a_scheme_never_rewards_fines(world, feed, code):
    scheme = _draft(world)
    before = snapshot()
    with pytest.raises(InvalidInput) as err:
        _add(scheme, world, code, 20)
    message = err.value.message
    assert "004 (二十五)「严禁下达或变相下达罚没收入指标」" in message
    assert "不能列入考评方案" in message
    assert snapshot() == before


def test_fines_indicator_slipped_into_the_table_blocks_activation(world, feed):
    scheme = _draft(world)
    _add(scheme, world, ON_TIME, 80, "linear", floor=Decimal(0), ceiling=Decimal(100))
    SchemeItem.objects.create(  # e.g. an item typed in through the admin
        scheme=scheme, indicator_code=FINE_LABEL, label="罚款金额", weight=20, method="rank"
    )
    with pytest.raises(InvalidInput, match=r"罚款金额.*004 \(二十五\)"):
        service.activate_scheme(scheme, actor=world.office_admin, now=NOW)
    scheme.refresh_from_db()
    assert scheme.status == SchemeStatus.DRAFT


def test_weights_must_sum_to_100_before_activation(world, feed):
    scheme = _draft(world)
    _add(scheme, world, ON_TIME, 60, "linear", floor=Decimal(60), ceiling=Decimal(100))
    item = _add(scheme, world, RETURNED, 30)
    before = snapshot()
    with pytest.raises(InvalidInput) as err:
        service.activate_scheme(scheme, actor=world.office_admin, now=NOW)
    assert "各项指标权重合计为 90，应为 100（还差 10）" in err.value.message
    assert "任务按时完成率 60、进度报送退回率 30" in err.value.message
    assert snapshot() == before
    service.update_scheme_item(item, actor=world.office_admin, weight=Decimal(40),
                               method="rank", now=NOW)  # fmt: skip
    service.activate_scheme(scheme, actor=world.office_admin, now=NOW)
    scheme.refresh_from_db()
    assert scheme.status == SchemeStatus.ACTIVE and scheme.activated_at == NOW


def test_empty_scheme_and_scheme_without_targets_cannot_be_activated(world, feed):
    scheme = _draft(world)
    service.set_scheme_targets(scheme, [], actor=world.office_admin, now=NOW)
    with pytest.raises(InvalidInput) as err:
        service.activate_scheme(scheme, actor=world.office_admin, now=NOW)
    assert "方案还没有指标" in err.value.message
    assert "方案还没有考评对象" in err.value.message


def test_linear_item_needs_floor_below_ceiling(world, feed):
    scheme = _draft(world)
    with pytest.raises(
        InvalidInput, match="下限（100）应小于上限（60）。请改为例如下限 60、上限 100"
    ):
        _add(scheme, world, ON_TIME, 50, "linear", floor=Decimal(100), ceiling=Decimal(60))
    with pytest.raises(InvalidInput, match="请至少填写一档"):
        _add(scheme, world, NOTICES, 50, "threshold")
    assert not SchemeItem.objects.exists()


def test_same_indicator_twice_is_refused(world, feed):
    scheme = _draft(world)
    _add(scheme, world, RETURNED, 50)
    with pytest.raises(InvalidInput, match="已在方案中"):
        _add(scheme, world, RETURNED, 50)


def test_targets_must_be_the_areas_departments(world, feed):
    scheme = _draft(world)
    with pytest.raises(InvalidInput, match="示例县不是示例市的部门"):
        service.set_scheme_targets(
            scheme, [world.market, world.county], actor=world.office_admin, now=NOW
        )
    assert set(scheme.targets.all()) == {world.market, world.tax, world.ndrc}
    with pytest.raises(InvalidInput, match="邻市营商办不是示例市的部门"):
        service.set_scheme_targets(scheme, [world.other_office], actor=world.office_admin, now=NOW)


def test_active_scheme_is_frozen_and_changes_go_into_a_revision(world, feed):
    scheme = build_departments_scheme(world)
    item = scheme.items.get(indicator_code=RETURNED)
    before = snapshot()
    for change in (
        lambda: service.update_scheme_item(
            item, actor=world.office_admin, weight=Decimal(10), method="rank", now=NOW
        ),
        lambda: service.remove_scheme_item(item, actor=world.office_admin, now=NOW),
        lambda: _add(scheme, world, FINE_LABEL, 10),
        lambda: service.set_scheme_targets(scheme, [], actor=world.office_admin, now=NOW),
        lambda: service.update_scheme(
            scheme,
            actor=world.office_admin,
            name="改名",
            effective_from=date(2026, 1, 1),
            effective_to=None,
            bottom_n=3,
            now=NOW,
        ),  # fmt: skip
    ):
        with pytest.raises(IllegalTransition, match="新建修订版"):
            change()
    assert snapshot() == before

    v2 = service.revise_scheme(scheme, actor=world.office_admin, now=NOW)
    assert (v2.version, v2.status, v2.lineage_id) == (2, SchemeStatus.DRAFT, scheme.pk)
    assert list(v2.items.values_list("indicator_code", "weight")) == list(
        scheme.items.values_list("indicator_code", "weight")
    )
    assert set(v2.targets.all()) == set(scheme.targets.all())
    with pytest.raises(IllegalTransition, match="已有修订中的草稿（第 2 版）"):
        service.revise_scheme(scheme, actor=world.office_admin, now=NOW)
    v2_item = v2.items.get(indicator_code=RETURNED)
    service.update_scheme_item(v2_item, actor=world.office_admin, weight=Decimal(30),
                               method="linear", floor=Decimal(0), ceiling=Decimal(20), now=NOW)  # fmt: skip
    service.activate_scheme(v2, actor=world.office_admin, now=NOW)
    scheme.refresh_from_db()
    assert scheme.status == SchemeStatus.RETIRED
    v3 = service.revise_scheme(scheme, actor=world.office_admin, now=NOW)
    assert v3.version == 3  # numbered after the newest version, not after the one revised


def test_draft_details_can_be_edited(world, feed):
    scheme = _draft(world)
    service.update_scheme(scheme, actor=world.office_admin, name="2026年市直部门考评",
                          effective_from=date(2026, 1, 1), effective_to=date(2026, 12, 31),
                          bottom_n=2, description="按季度计算", now=NOW)  # fmt: skip
    scheme.refresh_from_db()
    assert (scheme.name, scheme.bottom_n, scheme.effective_to) == (
        "2026年市直部门考评",
        2,
        date(2026, 12, 31),
    )
    event = AuditEvent.objects.get(verb="assessment_scheme.updated")
    assert event.before["name"] == "市直部门考评"
