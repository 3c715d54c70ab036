"""The bell: the unread count in the header, the inbox it opens, reading a message."""

import pytest


@pytest.fixture
def bell_world(transactional_db):
    from qinqing.core.notifications import notify
    from tests.world import build_world

    world = build_world()
    notify(world.tax_clerk, kind="supervision.notice", title="督办通知<script>x</script>",
           body="请于三日内反馈。", url="/notifications/settings/", key="t:1")  # fmt: skip
    notify(world.tax_clerk, kind="supervision.reminder", title="调度提醒", key="t:2")
    return world


def test_bell_counts_unread_and_reading_updates_it(tab, bell_world):
    tab.login("tax_clerk")
    page = tab.page
    bell = page.locator("header a.bell")
    assert bell.get_attribute("aria-label") == "我的消息，2 条未读"
    assert bell.inner_text().strip().endswith("2")
    tab.assert_accessible()
    bell.click()
    assert page.get_by_role("heading", name="我的消息").is_visible()
    assert "督办通知<script>x</script>" in page.locator("main").inner_text()
    tab.assert_accessible()
    # open the message: it goes to the linked page and counts as read
    page.get_by_role("button", name="查看：督办通知<script>x</script>").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="消息设置").is_visible()
    assert page.locator("header a.bell").get_attribute("aria-label") == "我的消息，1 条未读"
    tab.assert_accessible()
    page.locator("header a.bell").click()
    page.get_by_role("button", name="全部标为已读").click()
    page.wait_for_load_state()
    assert page.locator("header a.bell").get_attribute("aria-label") == "我的消息"
    assert "已将 1 条消息标为已读" in page.locator("main").inner_text()
    tab.assert_no_js_errors()
