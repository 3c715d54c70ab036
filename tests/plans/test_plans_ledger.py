"""The ledger: filters, what each role sees, .xlsx export and import of an Excel ledger."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook

from qinqing.plans.models import Plan, PlanStatus, Task
from tests.plans.samples import LEDGER_HEADERS, import_plan, state, task, upload, xlsx


@pytest.fixture
def plan(world):
    return import_plan(world, confirm=True)


def _titles(response) -> set[str]:
    body = response.content.decode()
    return {
        t for t in ("压缩企业开办时间", "推行涉税事项网上办理", "规范涉企行政检查") if t in body
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"压缩企业开办时间", "推行涉税事项网上办理", "规范涉企行政检查"}),
        ({"unit": "market", "unit_role": "lead"}, {"压缩企业开办时间"}),
        ({"unit": "market"}, {"压缩企业开办时间", "规范涉企行政检查"}),
        ({"unit": "county"}, {"压缩企业开办时间"}),
        ({"unit": "tax", "unit_role": "responsible"}, {"压缩企业开办时间", "规范涉企行政检查"}),
        ({"due_from": "2025-06-01", "due_to": "2025-07-01"}, {"压缩企业开办时间"}),
        ({"due_from": "2025-07-01"}, {"规范涉企行政检查"}),
        ({"ongoing": "on"}, {"推行涉税事项网上办理"}),
        ({"q": "综合查一次"}, {"规范涉企行政检查"}),
        ({"section": "二"}, {"规范涉企行政检查"}),
        ({"origin": "meeting"}, set()),
    ],
)
def test_ledger_filters(world, plan, client_for, params, expected):
    params = dict(params)
    if "unit" in params:
        params["unit"] = getattr(world, params["unit"]).pk
    if "section" in params:
        params["section"] = plan.sections.get(label=params["section"]).pk
    params["plan"] = plan.pk
    r = client_for(world.office_admin).get("/plans/", params)
    assert r.status_code == 200
    assert _titles(r) == expected


def test_invalid_filter_date_is_explained(world, plan, client_for):
    r = client_for(world.office_admin).get("/plans/", {"due_from": "2025-02-30"})
    assert "请填写有效日期" in r.content.decode()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("office_admin", {"压缩企业开办时间", "推行涉税事项网上办理", "规范涉企行政检查"}),
        ("leader", {"压缩企业开办时间", "推行涉税事项网上办理", "规范涉企行政检查"}),
        ("market_clerk", {"压缩企业开办时间", "规范涉企行政检查"}),
        ("tax_clerk", {"压缩企业开办时间", "推行涉税事项网上办理", "规范涉企行政检查"}),
        ("county_clerk", {"压缩企业开办时间"}),
        ("other_officer", set()),
    ],
)
def test_each_role_sees_its_part_of_the_ledger(world, plan, client_for, persona, expected):
    r = client_for(getattr(world, persona)).get("/plans/")
    assert r.status_code == 200
    assert _titles(r) == expected


def test_enterprise_sees_no_ledger(world, plan, client_for):
    client = client_for(world.enterprise_a)
    for url in ["/plans/", "/plans/ledger.xlsx", f"/plans/tasks/{task(plan, '1').pk}/"]:
        assert client.get(url).status_code == 403


def test_task_page_shows_the_source_passage(world, plan, client_for):
    t = task(plan, "3")
    body = client_for(world.market_clerk).get(f"/plans/tasks/{t.pk}/").content.decode()
    assert "同一部门对同一企业的检查每年不超过2次" in body
    assert "市政府各部门" in body and "市税务局" in body  # the group and its members


def _read_xlsx(data: bytes) -> list[list]:
    wb = load_workbook(io.BytesIO(data))
    return [list(row) for row in wb.active.iter_rows(values_only=True)]


def test_export_is_the_usual_ledger_columns(world, plan, client_for):
    r = client_for(world.office_admin).get("/plans/ledger.xlsx", {"plan": plan.pk})
    assert r.status_code == 200
    assert "attachment" in r["Content-Disposition"]
    rows = _read_xlsx(r.content)
    assert rows[0][:7] == LEDGER_HEADERS
    by_label = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_label) == {"1", "2", "3"}
    first = by_label["1"]
    assert first["重点任务"] == "压缩企业开办时间"
    assert first["牵头单位"] == "市市场监管局"
    assert first["责任单位"] == "市税务局、各县（区）人民政府"
    assert first["完成时限"] == "2025年6月底前"
    assert first["量化指标"] == "企业开办时间压缩至1个工作日以内"
    assert "一网通办" in first["具体内容"]


def test_export_follows_filters_and_visibility(world, plan, client_for):
    rows = _read_xlsx(client_for(world.market_clerk).get("/plans/ledger.xlsx").content)
    assert sorted(r[1] for r in rows[1:]) == ["压缩企业开办时间", "规范涉企行政检查"]
    rows = _read_xlsx(
        client_for(world.office_admin).get("/plans/ledger.xlsx", {"q": "涉税"}).content
    )
    assert [r[1] for r in rows[1:]] == ["推行涉税事项网上办理"]


def test_status_column_comes_from_the_supervision_app(world, plan, client_for, monkeypatch):
    from django.db.models import TextChoices

    from qinqing.plans import queries
    from qinqing.supervision.rules import TaskStatus

    # the real provider: every task of the ledger shows one of its statuses
    body = client_for(world.office_admin).get("/plans/").content.decode()
    cells = re.findall(r'<td><span class="badge [a-z]*">([^<]+)</span></td>', body)
    assert len(cells) == 3 and set(cells) <= set(TaskStatus.labels)

    class Status(TextChoices):
        OVERDUE = "overdue", "已逾期"

    def provider(task_ids, today):
        return {pk: Status.OVERDUE for pk in task_ids if pk == task(plan, "1").pk}

    monkeypatch.setattr(queries, "_status_provider", lambda: provider)
    body = client_for(world.office_admin).get("/plans/").content.decode()
    assert '<span class="badge red">已逾期</span>' in body
    rows = _read_xlsx(client_for(world.office_admin).get("/plans/ledger.xlsx").content)
    status = {r[0]: r[-1] for r in rows[1:]}
    assert status["1"] == "已逾期" and status["2"] is None
    # and the ledger filters on it
    monkeypatch.setattr(queries, "STATUS_CHOICES", "tests.plans.test_plans_ledger.FakeStatus")
    r = client_for(world.office_admin).get("/plans/", {"status": "overdue"})
    assert _titles(r) == {"压缩企业开办时间"}


class FakeStatus:
    choices = [("overdue", "已逾期")]


GOOD_LEDGER = [
    LEDGER_HEADERS,
    ["1", "推行企业开办一网通办", "企业开办全程网上办理", "市市场监管局", "市税务局、各县（区）人民政府",
     "2025年6月底前", "企业开办时间压缩至1个工作日以内"],
    ["2", "推行告知承诺制", "", "市发展和改革委员会", "市政府各部门", datetime(2025, 9, 30), ""],
    ["3", "常态化开展政企恳谈", "", "市发展和改革委员会", "市税务局", "长期坚持", ""],
]  # fmt: skip


def test_office_imports_an_excel_ledger_as_a_draft(world, client_for):
    client = client_for(world.office_admin)
    r = client.post(
        "/plans/import/",
        {"file": upload("2025年重点任务台账.xlsx", xlsx(GOOD_LEDGER)), "area": world.city.pk},
    )
    assert r.status_code == 302
    plan = Plan.objects.get()
    assert (plan.status, plan.title, plan.year) == (PlanStatus.DRAFT, "2025年重点任务台账", 2025)
    t1, t2, t3 = task(plan, "1"), task(plan, "2"), task(plan, "3")
    assert list(t1.lead_units.all()) == [world.market]
    assert set(t1.responsible_units.all()) == {world.tax, world.county}
    assert t1.targets.get().text == "企业开办时间压缩至1个工作日以内"
    assert str(t2.due_on) == "2025-09-30" and set(t2.responsible_units.all()) == {
        world.market, world.tax, world.ndrc}  # fmt: skip
    assert t3.ongoing and t3.due_on is None
    # the review page shows the rows as source text
    assert "常态化开展政企恳谈" in client.get(f"/plans/plans/{plan.pk}/").content.decode()


def test_excel_ledger_with_bad_rows_is_refused_whole(world, client_for):
    rows = [
        *GOOD_LEDGER,
        ["4", "", "没有写任务名称", "市税务局", "", "2025年底", ""],
        ["5", "优化纳税服务", "", "市税务局", "", "2027-02-30", ""],
        ["3", "重复序号的任务", "", "市税务局", "", "长期坚持", ""],
    ]
    client = client_for(world.office_admin)
    before = state()
    r = client.post(
        "/plans/import/", {"file": upload("台账.xlsx", xlsx(rows)), "area": world.city.pk}
    )
    assert r.status_code == 400
    body = r.content.decode()
    assert "第 5 行“重点任务”为空" in body
    assert "第 6 行“完成时限”为 2027-02-30，不是有效日期" in body
    assert "第 7 行“序号”3 与第 4 行重复" in body
    assert "整个文件未导入" in body
    assert state() == before


def test_excel_ledger_missing_columns_is_explained(world, client_for):
    client = client_for(world.office_admin)
    before = state()
    data = xlsx([["序号", "任务"], ["1", "某任务"]])
    r = client.post("/plans/import/", {"file": upload("台账.xlsx", data), "area": world.city.pk})
    assert r.status_code == 400 and "缺少必需的列" in r.content.decode()
    assert state() == before


def test_exported_ledger_imports_again_as_a_draft(world, plan, client_for):
    client = client_for(world.office_admin)
    exported = client.get("/plans/ledger.xlsx", {"plan": plan.pk}).content
    r = client.post(
        "/plans/import/",
        {"file": upload("台账回读.xlsx", exported), "area": world.city.pk},
    )
    assert r.status_code == 302
    again = Plan.objects.exclude(pk=plan.pk).get()
    assert sorted(again.tasks.values_list("title", flat=True)) == sorted(
        plan.tasks.values_list("title", flat=True)
    )
    assert Task.objects.filter(plan=again, label="1").get().deadline_raw == "2025年6月底前"
