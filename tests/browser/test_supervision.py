"""The supervision loop in a browser: file, return, resubmit, accept, issue a 督办单, respond,
and the leader's overview and bulletin download. Every page is checked with axe."""

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

NOW = datetime(2025, 6, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def scene(transactional_db, monkeypatch, settings, tmp_path):
    from qinqing.supervision import views
    from tests.supervision.factories import at, make_plan, make_task, monthly
    from tests.world import build_world

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
    }
    monkeypatch.setattr(views, "_now", lambda: NOW)
    world = build_world()
    plan = make_plan(world, title="示例市优化营商环境行动方案")
    task = make_task(
        plan,
        title="推行企业开办全程网办",
        lead=[world.market],
        responsible=[world.tax],
        due_on=date(2025, 9, 30),
        targets=[("企业开办时间压缩至1个工作日以内", "1", "个工作日")],
    )
    make_task(
        plan,
        label="2",
        title="压缩工程建设项目审批时间",
        lead=[world.tax],
        due_on=date(2025, 6, 10),
    )
    monthly(world, plan, starts_on=date(2025, 6, 1), now=at(date(2025, 6, 2)))
    return world, task


def _logout(tab):
    tab.page.get_by_role("button", name="退出").click()
    tab.page.wait_for_load_state()


def test_report_review_notice_and_bulletin_loop(tab, scene):
    world, task = scene
    page = tab.page

    # 1. unit staff files a report with a target value and an attachment
    tab.login("market_clerk")
    tab.visit("/supervision/my/")
    assert page.get_by_role("heading", name="本单位调度任务").is_visible()
    tab.assert_accessible()
    page.get_by_role("link", name="填报", exact=True).first.click()
    tab.assert_accessible()
    page.get_by_label("推进中").check()
    page.get_by_label("工作进展").fill("已上线企业开办一网通办平台，本月办结 120 户。")
    page.get_by_label("当前值：企业开办时间压缩至1个工作日以内").fill("1.5")
    page.get_by_label("附件").set_input_files(
        files=[{"name": "六月进展.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 demo"}]
    )
    page.get_by_role("button", name="报送").click()
    assert "已报送" in page.locator("main").inner_text()
    assert page.locator("#report-state").inner_text() == "待审核"
    _logout(tab)

    # 2. the office returns it with a reason
    tab.login("office_admin")
    tab.visit("/supervision/review/")
    tab.assert_accessible()
    page.get_by_role("link", name="审核", exact=True).first.click()
    tab.assert_accessible()
    page.get_by_label("退回理由").fill("请补充开办时间的统计口径。")
    page.get_by_role("button", name="退回修改").click()
    assert "已退回" in page.locator("main").inner_text()
    _logout(tab)

    # 3. the unit revises and resubmits
    tab.login("market_clerk")
    tab.visit("/supervision/my/")
    page.get_by_role("link", name="修改重报").first.click()
    assert "请补充开办时间的统计口径" in page.locator("#return-reason").inner_text()
    page.get_by_label("工作进展").fill("按登记到发照全流程统计，平均 0.9 个工作日。")
    page.get_by_label("当前值：企业开办时间压缩至1个工作日以内").fill("0.9")
    page.get_by_role("button", name="报送").click()
    assert page.locator("#versions tbody tr").count() == 2
    _logout(tab)

    # 4. the office accepts it, issues a 督办单 on the late task and generates the bulletin
    tab.login("office_admin")
    tab.visit("/supervision/review/")
    page.get_by_role("link", name="审核", exact=True).first.click()
    page.get_by_role("button", name="采纳").click()
    assert "已采纳" in page.locator("main").inner_text()
    tab.visit("/supervision/overdue/")
    tab.assert_accessible()
    page.locator("#overdue-tasks").get_by_role("link", name="签发督办单").first.click()
    tab.assert_accessible()
    page.get_by_label("督办层级").select_option(label="督办")
    page.get_by_label("督办事由").fill("工程建设项目审批任务已逾期，请说明原因并提出整改措施。")
    page.get_by_label("反馈时限（工作日）").fill("3")
    page.get_by_role("button", name="签发").click()
    assert "已签发督办单 督办〔2025〕1号" in page.locator("main").inner_text()
    tab.assert_accessible()
    tab.visit("/supervision/bulletins/")
    tab.assert_accessible()
    page.get_by_label("通报月份").fill("2025-06")
    page.get_by_role("button", name="生成通报").click()
    assert "已生成" in page.locator("main").inner_text()
    _logout(tab)

    # 5. the supervised unit responds
    tab.login("tax_clerk")
    tab.visit("/supervision/my/")
    page.get_by_role("link", name="督办〔2025〕1号").click()
    tab.assert_accessible()
    page.get_by_label("反馈内容").fill("已召开专题会，审批时限压缩至 40 个工作日，7 月底前完成。")
    page.get_by_role("button", name="提交反馈").click()
    assert page.locator("#notice-state").inner_text().startswith("已反馈")
    _logout(tab)

    # 6. the leader reads the overview and downloads the bulletin; no review controls
    tab.login("leader")
    tab.visit("/supervision/")
    assert page.get_by_role("heading", name="调度总览：示例市").is_visible()
    assert page.locator('#status-counts tr[data-status="overdue"] td').first.inner_text() == "1"
    tab.assert_accessible()
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 Word").first.click()
    download = info.value
    assert download.suggested_filename.endswith(".docx")
    assert Path(download.path()).read_bytes()[:2] == b"PK"
    tab.visit("/supervision/review/")
    assert "没有“审核进度报送”的权限" in page.locator("main").inner_text()
    tab.assert_no_js_errors()


def test_office_pages_and_referrals_are_accessible(tab, scene):
    from qinqing.supervision import service

    world, task = scene
    service.issue_supervision_notice(
        actor=world.office_admin, unit=world.tax, level="accountability",
        reason="多次督办仍未整改", response_workdays=10, now=NOW,
    )  # fmt: skip
    page = tab.page
    tab.login("office_admin")
    for path in (
        "/supervision/cadences/",
        "/supervision/assignments/",
        "/supervision/notices/",
        f"/supervision/tasks/{task.pk}/",
    ):
        tab.visit(path)
        tab.assert_accessible()
    # 交办 through the page: a leader's instruction with a lead unit and a deadline
    tab.visit("/supervision/assignments/")
    page.get_by_label("交办来源").select_option(label="领导批示")
    page.get_by_label("交办依据").fill("周市长批示〔2025〕12号")
    page.get_by_label("交办事项").fill("解决园区企业用电报装慢问题")
    page.get_by_label("牵头单位").select_option(label="市发展和改革委员会")
    page.get_by_label("完成时限").fill("2025-07-31")
    page.get_by_role("button", name="交办").click()
    assert page.get_by_role("heading", name="任务调度情况").is_visible()
    assert "周市长批示〔2025〕12号" in page.locator("main").inner_text()
    tab.assert_accessible()
    _logout(tab)
    tab.login("discipline")
    tab.visit("/supervision/referrals/")
    assert "多次督办仍未整改" in page.locator("#referrals").inner_text()
    tab.assert_accessible()
    tab.assert_no_js_errors()
