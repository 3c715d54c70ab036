"""The review page: fields the parser was unsure of are marked; the office adds a missed task."""

from __future__ import annotations

import re
from datetime import date

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.plans.models import PlanStatus, Task
from tests.plans.samples import import_plan, state, task

# Task 2 names no lead while the others do, and its body holds a date but no 完成时限.
UNSURE_PLAN = """示例市2025年政务服务提升工作方案
为进一步提升政务服务效能，制定本方案。
一、提升政务服务效能
1.压缩企业开办时间。企业开办时间压缩至1个工作日以内。
牵头单位：市市场监管局
责任单位：市税务局
完成时限：2025年6月底前
2.推行涉税事项网上办理。9月底前上线电子税务局新版。
责任单位：市税务局
3.规范涉企行政检查。推行“综合查一次”。
牵头单位：市发展和改革委员会
责任单位：市政府各部门
完成时限：2025年12月底前
"""


def _row(page: str, task_pk: int) -> str:
    start = page.index(f'id="task-{task_pk}"')
    return page[start : page.index("</tr>", start)]


def test_fields_the_parser_was_unsure_of_are_marked_until_the_task_is_saved(world, client_for):
    plan = import_plan(world, UNSURE_PLAN, "工作方案.txt")
    client = client_for(world.office_admin)
    page = client.get(f"/plans/plans/{plan.pk}/").content.decode()
    assert "有 1 项任务的部分字段解析结果不确定" in page
    t1, t2 = task(plan, "1"), task(plan, "2")
    assert "待核对" not in _row(page, t1.pk)
    row = _row(page, t2.pk)
    assert row.count('class="uncertain"') == 2 and row.count("待核对") == 2  # lead, deadline

    r = client.post(
        f"/plans/plans/{plan.pk}/tasks/{t2.pk}/edit/",
        {"label": "2", "title": t2.title, "body": t2.body, "lead_units": "市税务局",
         "responsible_units": "", "deadline_raw": "2025年9月底前", "targets": ""},
    )  # fmt: skip
    assert r.status_code == 302
    page = client.get(f"/plans/plans/{plan.pk}/").content.decode()
    assert "待核对" not in _row(page, t2.pk) and "解析结果不确定" not in page


def test_office_adds_a_task_the_parser_missed(world, client_for):
    plan = import_plan(world)
    client = client_for(world.office_admin)
    page = client.get(f"/plans/plans/{plan.pk}/").content.decode()
    assert "补充遗漏的任务" in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # the add form does not clash with the details form
    section = plan.sections.get(label="二")
    r = client.post(
        f"/plans/plans/{plan.pk}/tasks/add/",
        {"add-label": "4", "add-section": section.pk, "add-title": "清理涉企证明事项",
         "add-body": "全面清理没有法律法规依据的证明事项。", "add-lead_units": "市发展和改革委员会",
         "add-responsible_units": "市市场监管局、市税务局", "add-deadline_raw": "2025年10月底前",
         "add-targets": "证明事项减少50%"},
    )  # fmt: skip
    added = Task.objects.get(plan=plan, label="4")
    assert r.status_code == 302 and r["Location"].endswith(f"#task-{added.pk}")
    assert (added.title, added.section, added.due_on) == (
        "清理涉企证明事项",
        section,
        date(2025, 10, 31),
    )
    assert list(added.lead_units.all()) == [world.ndrc]
    assert set(added.responsible_units.all()) == {world.market, world.tax}
    assert [t.text for t in added.targets.all()] == ["证明事项减少50%"]
    assert added.order > task(plan, "3").order
    event = AuditEvent.objects.get(verb="plan.task_added")
    assert event.actor_id == world.office_admin.pk and event.after["title"] == "清理涉企证明事项"
    assert event.object_id == str(added.pk)
    assert "清理涉企证明事项" in client.get(f"/plans/plans/{plan.pk}/").content.decode()


def test_an_added_task_needs_a_title_and_nothing_is_written_without_one(world, client_for):
    plan = import_plan(world)
    before = state()
    r = client_for(world.office_admin).post(
        f"/plans/plans/{plan.pk}/tasks/add/", {"add-title": "", "add-lead_units": "市税务局"}
    )
    assert r.status_code == 400 and "请填写任务名称" in r.content.decode()
    assert state() == before


@pytest.mark.parametrize("persona", ["market_clerk", "tax_clerk"])
def test_a_unit_clerk_cannot_add_a_task_and_nothing_is_written(world, client_for, persona):
    plan = import_plan(world)
    before = state()
    r = client_for(getattr(world, persona)).post(
        f"/plans/plans/{plan.pk}/tasks/add/",
        {"add-title": "偷偷加的任务", "add-lead_units": "市税务局", "add-deadline_raw": "2025年底"},
    )
    assert r.status_code in (403, 404)
    assert state() == before
    assert not Task.objects.filter(title="偷偷加的任务").exists()
    assert not AuditEvent.objects.filter(verb="plan.task_added").exists()


def test_a_confirmed_plan_takes_no_added_task(world, client_for):
    plan = import_plan(world, confirm=True)
    assert plan.status == PlanStatus.CONFIRMED
    before = state()
    r = client_for(world.office_admin).post(
        f"/plans/plans/{plan.pk}/tasks/add/", {"add-title": "迟到的任务"}
    )
    assert r.status_code == 400 and state() == before


def test_confirming_without_the_checkbox_shows_the_reason_on_the_review_page(world, client_for):
    """Defect 4: unresolved unit names and no 「仍然确认」 tick: the review page again, with the
    reason beside the confirm button, not an error page; the plan stays a draft."""
    plan = import_plan(world, UNSURE_PLAN.replace("市税务局", "市不存在局"), "工作方案.txt")
    client = client_for(world.office_admin)
    r = client.post(f"/plans/plans/{plan.pk}/confirm/", {})
    body = r.content.decode()
    assert r.status_code == 400  # the review page itself, answered as a refused request
    assert "<h1" in body and 'id="tasks"' in body  # not the bare error page
    assert 'id="confirm-error"' in body and "未对应到机构库" in body
    assert 'id="confirm-form"' in body
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
