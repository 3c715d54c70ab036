"""The site admin imports the year's holiday notice from its text and reads what moved."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.core.test_calendar_year_end import NOTICE_2027

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def scene(transactional_db, settings, tmp_path):
    import time_machine

    from tests.appeals.factories import acknowledged
    from tests.world import build_world

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(dt.datetime(2026, 12, 28, 10, 0, tzinfo=SH), tick=True):
        world = build_world()
        appeal, _ = acknowledged(world, dt.datetime(2026, 12, 22, 10, 0, tzinfo=SH))
        yield world, appeal


def test_import_the_notice_text_and_read_the_moved_deadlines(tab, scene):
    world, appeal = scene
    page = tab.page
    tab.login("site_admin")
    banner = page.locator(".banners")
    assert "2027 年的节假日安排尚未导入国务院办公厅通知" in banner.inner_text()
    tab.assert_accessible()
    banner.get_by_role("link", name="导入节假日安排通知").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="导入节假日安排通知").is_visible()
    tab.assert_accessible()

    page.get_by_label("通知原文").fill(NOTICE_2027)
    page.get_by_role("button", name="识别并预览").click()
    page.wait_for_load_state()
    table = page.locator("#comparison")
    assert "2027-01-04" in table.inner_text() and "放假（元旦）" in table.inner_text()
    assert page.get_by_label("通知原文").input_value().startswith("国务院办公厅")  # kept
    tab.assert_accessible()

    page.get_by_role("button", name="确认导入 2027 年节假日安排").click()
    page.wait_for_load_state()
    assert "已导入 2027 年节假日安排" in page.content()
    moved = page.locator("#moved")
    assert appeal.number in moved.inner_text() and "答复截止" in moved.inner_text()
    assert world.market.name in moved.inner_text()
    tab.assert_accessible()
    # the banner is gone once the notice is in
    tab.visit("/")
    assert (
        page.locator(".banners").count() == 0
        or "2027 年" not in page.locator(".banners").inner_text()
    )
    tab.assert_no_js_errors()


def test_a_garbled_notice_is_explained_and_the_text_kept(tab, scene):
    tab.login("site_admin")
    tab.visit("/calendar/import/")
    page = tab.page
    page.get_by_label("通知原文").fill("今天天气很好，我们去公园散步。")
    page.get_by_role("button", name="识别并预览").click()
    page.wait_for_load_state()
    assert "未导入" in page.locator(".error").first.inner_text()
    assert page.get_by_label("通知原文").input_value() == "今天天气很好，我们去公园散步。"
    from qinqing.core.workdays.models import CalendarYear

    assert not CalendarYear.objects.exists()
    tab.assert_no_js_errors()
