"""Plan import in the browser: upload a seed plan, fix a unit, confirm, filter, export."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
SEED_002 = SEEDS / "002_d25d4ccf3a63151e.txt"  # lead units written as 市发展改革委 etc.


@pytest.fixture
def browser_world(transactional_db):
    from tests.world import build_world

    assert SEED_002.is_file(), f"seed plan missing: {SEED_002}"
    return build_world()


def test_office_imports_fixes_a_unit_confirms_filters_and_exports(tab, browser_world):
    tab.login("office_admin")
    page = tab.page
    nav = page.get_by_role("navigation", name="功能导航")
    nav.get_by_role("link", name="方案导入").click()
    tab.assert_accessible()
    page.get_by_role("link", name="导入方案或台账").first.click()
    tab.assert_accessible()
    page.get_by_label("方案文件").set_input_files(str(SEED_002))
    page.get_by_label("方案标题（可不填）").fill("关于着力优化营商环境的实施意见")
    page.get_by_role("button", name="上传并识别").click()

    assert page.get_by_role("heading", name="审核：关于着力优化营商环境的实施意见").is_visible()
    assert "加大惠企政策落实力度" in page.locator("#tasks").inner_text()
    assert "按照“谁主管政策谁负责落实" in page.locator(".source-lines").inner_text()
    tab.assert_accessible()

    # 市发展改革委 is unknown to the directory: map it to 市发展和改革委员会
    names = page.locator("#unknown-names")
    assert "市发展改革委" in names.inner_text()
    details = names.locator("details").filter(
        has=page.get_by_text("处理“市发展改革委”", exact=True)
    )
    details.locator("summary").click()
    details.get_by_label("对应现有单位").select_option(label="市发展和改革委员会")
    details.get_by_role("button", name="对应单位").click()
    assert "“市发展改革委”已对应“市发展和改革委员会”" in page.locator(".messages").inner_text()
    first_row = page.locator("#tasks tbody tr").first
    assert "市发展和改革委员会" in first_row.inner_text()

    # confirm although other names are still open; the ledger opens on this plan
    page.get_by_label("仍有未对应的单位名称时仍然确认（这些名称暂不计入任何单位的任务）").check()
    page.get_by_role("button", name="确认并进入台账").click()
    assert page.get_by_role("heading", name="任务台账").is_visible()
    assert "任务已进入台账" in page.locator(".messages").inner_text()
    tab.assert_accessible()

    # filter: tasks that 市发展和改革委员会 leads
    page.get_by_label("单位", exact=True).select_option(label="市发展和改革委员会")
    page.get_by_label("单位角色").select_option(label="牵头单位")
    page.get_by_role("button", name="筛选").click()
    ledger = page.locator("#ledger tbody")
    assert "加大惠企政策落实力度" in ledger.inner_text()
    shown = ledger.locator("tr").count()
    assert 0 < shown < 25
    tab.assert_accessible()

    with page.expect_download() as info:
        page.get_by_role("link", name="导出 Excel").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    rows = list(wb.active.iter_rows(values_only=True))
    assert list(rows[0][:7]) == [
        "序号",
        "重点任务",
        "具体内容",
        "牵头单位",
        "责任单位",
        "完成时限",
        "量化指标",
    ]
    assert len(rows) - 1 == shown
    assert all("市发展改革委" in (row[3] or "") for row in rows[1:])
    assert "加大惠企政策落实力度" in [row[1] for row in rows[1:]]
    tab.assert_no_js_errors()


def _draft(world):
    from django.utils import timezone

    from qinqing.plans import service

    return service.import_document(
        SEED_002.read_bytes(), SEED_002.name, area=world.city, actor=world.office_admin,
        now=timezone.now(),
    )  # fmt: skip


def test_unit_staff_of_another_unit_cannot_open_the_review_page(tab, browser_world):
    plan = _draft(browser_world)
    tab.login("market_clerk")
    page = tab.visit(f"/plans/plans/{plan.pk}/")
    assert "方案不存在，或不在您可查看的范围内" in page.locator("main").inner_text()
    assert page.locator("#tasks").count() == 0
    tab.assert_accessible()
    tab.assert_no_js_errors()


def test_leader_reads_the_review_page_but_cannot_edit(tab, browser_world):
    plan = _draft(browser_world)
    first = plan.tasks.order_by("order").first()
    tab.login("leader")
    page = tab.visit(f"/plans/plans/{plan.pk}/")
    assert "加大惠企政策落实力度" in page.locator("#tasks").inner_text()
    assert page.get_by_role("button", name="确认并进入台账").count() == 0
    assert page.get_by_role("link", name="修改任务 1").count() == 0
    tab.assert_accessible()
    page = tab.visit(f"/plans/plans/{plan.pk}/tasks/{first.pk}/edit/")
    assert "没有“导入方案、维护任务台账”的权限" in page.locator("main").inner_text()
    first.refresh_from_db()
    assert first.title == "加大惠企政策落实力度"
    tab.assert_no_js_errors()


def test_edit_page_diff_page_and_library_are_accessible(tab, browser_world):
    from django.utils import timezone

    from qinqing.plans import service
    from tests.plans.samples import COMPILATION_TEXT, PLAN_TEXT, PLAN_TEXT_V2, import_plan

    v1 = import_plan(browser_world, PLAN_TEXT, "方案.txt", confirm=True)
    import_plan(browser_world, COMPILATION_TEXT, "汇编.txt", confirm=True)
    v2 = import_plan(browser_world, PLAN_TEXT_V2, "方案修订.txt")
    assert v2.previous_version == v1
    tab.login("office_admin")
    page = tab.visit(f"/plans/plans/{v2.pk}/diff/")
    assert "清理涉企证明事项" in page.locator("#added ~ table").inner_text()
    tab.assert_accessible()

    page = tab.visit(f"/plans/plans/{v2.pk}/")
    page.get_by_role("link", name="修改任务 3").click()
    tab.assert_accessible()
    page.get_by_label("完成时限（原文）").fill("2025年11月底前")
    page.get_by_role("button", name="保存").click()
    assert "已保存任务 3" in page.locator(".messages").inner_text()
    assert v2.tasks.get(label="3").due_on.isoformat() == "2025-11-30"
    service.confirm_plan(v2, actor=browser_world.office_admin, now=timezone.now(),
                         accept_unresolved=True)  # fmt: skip

    page = tab.visit("/plans/library/")
    page.get_by_label("搜索经验材料").fill("一网通办")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name="甲区：企业开办一日办结").click()
    assert "压缩企业开办时间" in page.locator("main").inner_text()
    tab.assert_accessible()
    page.get_by_role("link", name="压缩企业开办时间").click()
    assert "第 4 行起" in page.get_by_role("heading", name="原文").inner_text()
    assert "企业开办时间压缩至1个工作日以内" in page.locator("pre.source").inner_text()
    tab.assert_accessible()
    tab.assert_no_js_errors()
