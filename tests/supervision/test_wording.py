"""Defect 12 (smaller): punctuation of a notice reason on 本单位调度任务, "周期结束当日"
instead of "第 0 个工作日", and the cadence plan picker offers plans, not 材料汇编."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from qinqing.supervision.templatetags.supervision_tags import as_sentence, report_lag
from tests.supervision.factories import at, make_plan, monthly


def test_reason_and_deadline_read_as_two_sentences():
    text = as_sentence("涉企收费清单尚未向社会公布，请加快进度。") + "请于 2025-06-27 前反馈。"
    assert "。，" not in text and text.count("。") == 2
    assert as_sentence("请加快进度，") == "请加快进度。"


def test_report_lag_zero_is_the_last_day_of_the_period(world, client_for):
    assert report_lag(0) == "周期结束当日"
    monthly(world, None, starts_on=date(2025, 1, 1), lag=0, now=at(date(2025, 1, 2)))
    page = client_for(world.office_admin).get(reverse("supervision:cadences")).content.decode()
    assert "周期结束当日" in page and "第 0 个工作日" not in page


def test_cadence_picker_offers_plans_not_compilations(world, client_for):
    from qinqing.plans.models import PlanKind

    plan = make_plan(world, title="行动方案甲")
    compilation = make_plan(world, title="经验材料汇编乙")
    compilation.kind = PlanKind.COMPILATION
    compilation.save(update_fields=["kind"])
    page = client_for(world.office_admin).get(reverse("supervision:cadences")).content.decode()
    assert plan.title in page and compilation.title not in page
