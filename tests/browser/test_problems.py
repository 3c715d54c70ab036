"""The problem ledger in a browser: a 督查 finding, the unit's rectification with evidence,
销号 by the office, then the 回头看 the scheduled job brings up. Pages are checked with axe."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

NOW = datetime(2025, 6, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def scene(transactional_db, monkeypatch, settings, tmp_path):
    from qinqing.problems import views
    from tests.world import build_world

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
    }
    clock = {"now": NOW}
    monkeypatch.setattr(views, "_now", lambda: clock["now"])
    return build_world(), clock


def _logout(tab):
    tab.page.get_by_role("button", name="退出").click()
    tab.page.wait_for_load_state()


def test_inspection_finding_to_close_out_and_follow_up(tab, scene):
    from qinqing.problems import tasks
    from qinqing.problems.models import Problem

    world, clock = scene
    page = tab.page

    # 1. the office records a 督查 visit; its finding enters the ledger
    tab.login("office_admin")
    tab.visit("/problems/visits/")
    tab.assert_accessible()
    page.get_by_label("督查组").fill("市委督查室第一组")
    page.get_by_label("督查日期").fill("2025-06-19")
    page.get_by_label("发现的问题").fill("企业开办专区未落实一窗通办")
    page.get_by_label("牵头单位").select_option(label="市市场监管局")
    page.get_by_label("整改时限").fill("10个工作日")
    page.get_by_label("现场证据").fill("现场 6 名申请人往返两个窗口")
    page.get_by_role("button", name="登记", exact=True).click()
    assert "已登记督查记录" in page.locator("main").inner_text()
    problem = Problem.objects.get()
    _logout(tab)

    # 2. the unit files its rectification with evidence and asks for 销号
    tab.login("market_clerk")
    tab.visit("/problems/")
    tab.assert_accessible()
    page.get_by_role("link", name=problem.number).click()
    tab.assert_accessible()
    page.get_by_label("整改情况").fill("已合并窗口，实行一窗受理。")
    page.get_by_label("佐证说明").fill("窗口调整后的照片和排班表")
    page.get_by_role("button", name="申请销号").click()
    assert page.locator("#problem-state").inner_text() == "待销号审核"
    _logout(tab)

    # 3. the office reviews and closes it out
    tab.login("office_admin")
    tab.visit("/problems/review/")
    tab.assert_accessible()
    page.get_by_role("link", name="审核", exact=True).click()
    page.get_by_role("button", name="同意销号").click()
    assert page.locator("#problem-state").inner_text() == "已销号"

    # 4. ninety days later the job brings the 回头看 up; the office records it
    clock["now"] = NOW + timedelta(days=91)
    assert tasks.schedule_follow_up_checks(clock["now"]) == {"created": 1}
    assert tasks.schedule_follow_up_checks(clock["now"]) == {"created": 0}
    tab.visit("/problems/follow-ups/")
    tab.assert_accessible()
    page.get_by_role("link", name=problem.number).click()
    tab.assert_accessible()
    page.get_by_label("未反弹").check()
    page.get_by_label("回头看情况").fill("暗访复查，一窗通办运行正常。")
    page.get_by_role("button", name="登记回头看").click()
    assert page.locator("#problem-state").inner_text() == "回头看通过"
    tab.assert_no_js_errors()
