"""系统运行: the site administrator sees a failed job in red, runs jobs by hand, and the
banner on every page goes once the job runs cleanly."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest


@pytest.fixture
def browser_world(transactional_db):
    from tests.world import build_world

    return build_world()


def test_site_admin_handles_a_failed_job(tab, browser_world):
    from qinqing.core.jobs import runner
    from tests.core.jobs.sample_jobs import JOBS

    samples = [j for j in JOBS if j.name in ("sample.count", "sample.boom")]
    with runner.override_jobs(samples):
        runner.run_due(dt.datetime(2025, 10, 10, 9, 1, tzinfo=dt.UTC))
        tab.login("site_admin")
        page = tab.page
        banner = page.locator(".banners")
        assert "定时任务未正常完成：示例：会失败（失败）" in banner.inner_text()
        tab.assert_accessible()
        page.get_by_role("navigation", name="功能导航").get_by_role("link", name="系统运行").click()
        assert page.get_by_role("heading", name="系统运行").is_visible()
        boom = page.locator("#job-sampleboom")
        assert "失败" in boom.locator("span.error").inner_text()
        assert "磁盘已满：无法写入导出文件" in boom.inner_text()
        assert "每个工作日 09:00" in boom.inner_text()
        tab.assert_accessible()

        page.get_by_role("button", name="立即运行：示例：计数").click()
        assert "“示例：计数”已运行完成" in page.locator(".messages").inner_text()
        assert "手动运行，site_admin" in page.locator("body").inner_text()

        page.get_by_role("button", name="立即运行：示例：会失败").click()
        assert "运行失败" in page.locator(".messages").inner_text()
        assert "定时任务未正常完成" in page.locator("main").inner_text()

    # the fault is fixed (the function works again): one more run clears the banner
    fixed = [replace(j, func="tests.core.jobs.sample_jobs.count") for j in samples]
    with runner.override_jobs(fixed):
        page.get_by_role("button", name="立即运行：示例：会失败").click()
        assert "“示例：会失败”已运行完成" in page.locator(".messages").inner_text()
        assert "定时任务未正常完成" not in page.locator("main").inner_text()
        assert "成功" in page.locator("#job-sampleboom").inner_text()
        tab.assert_accessible()
    tab.assert_no_js_errors()


def test_office_sees_the_banner_but_not_the_page(tab, browser_world):
    from qinqing.core.jobs import runner
    from tests.core.jobs.sample_jobs import JOBS

    with runner.override_jobs([j for j in JOBS if j.name == "sample.boom"]):
        runner.run_due(dt.datetime(2025, 10, 10, 9, 1, tzinfo=dt.UTC))
        tab.login("office_admin")
        page = tab.page
        text = page.locator(".banners").inner_text()
        assert "示例：会失败（失败）" in text and "请联系系统管理员处理" in text
        nav = page.get_by_role("navigation", name="功能导航")
        assert nav.get_by_role("link", name="系统运行").count() == 0
        tab.assert_accessible()
