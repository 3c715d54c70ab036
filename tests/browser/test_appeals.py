"""涉企诉求 end to end in a browser: QR link → suggested dispatch → sign and reply →
不满意 reopens → answered again and closed 满意 → the figures page shows it."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

NOW = dt.datetime(2026, 3, 9, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def appeals_browser_world(transactional_db, settings, tmp_path, monkeypatch):
    from django.utils import timezone

    from qinqing.appeals import service, suggest
    from qinqing.appeals.seeds import train_demo_router
    from tests.appeals.factories import configure_city
    from tests.world import build_world

    monkeypatch.setattr(timezone, "now", lambda: NOW)  # deadlines inside a covered year
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.QINQING_APPEALS_ROUTER_MODEL = str(train_demo_router(tmp_path / "router.npz"))
    world = build_world()
    configure_city(world, None)
    entry = service.create_qr_entry(
        actor=world.office_admin, now=NOW, locality=world.city, kind="enterprise",
        enterprise_uscc=world.enterprise_a.profile.uscc, enterprise_name="甲企业",
    )  # fmt: skip
    yield world, entry
    suggest.forget_model()


def logout(tab):
    tab.page.get_by_role("button", name="退出").click()
    tab.page.wait_for_load_state()


def open_appeal_as_clerk(tab, number):
    tab.login("market_clerk")
    nav = tab.page.get_by_role("navigation", name="功能导航")
    nav.get_by_role("link", name="本单位工单").click()
    tab.assert_accessible()
    tab.page.get_by_role("link", name=number).click()


def sign_and_reply(tab, number, text):
    open_appeal_as_clerk(tab, number)
    page = tab.page
    page.get_by_role("button", name="签收").click()
    assert "已签收" in page.locator(".messages").inner_text()
    page.get_by_label("答复内容").fill(text)
    tab.assert_accessible()
    page.get_by_role("button", name="答复", exact=True).click()
    assert "已答复" in page.locator(".messages").inner_text()
    logout(tab)


def call_back(tab, number, resolved, satisfaction):
    tab.login("office_admin")
    page = tab.page
    page.get_by_role("navigation", name="功能导航").get_by_role("link", name="回访").click()
    tab.assert_accessible()
    page.get_by_role("link", name=f"回访 {number}").click()
    page.get_by_label(resolved).check()
    page.get_by_label(satisfaction, exact=True).check()
    tab.assert_accessible()
    page.get_by_role("button", name="记录回访").click()
    logout(tab)


def test_qr_to_closed_appeal_and_figures(tab, appeals_browser_world):
    from qinqing.appeals.models import Appeal

    world, entry = appeals_browser_world
    page = tab.page
    # 1. the enterprise scans its QR code (logged in, so the appeal joins its account)
    tab.login("enterprise_a")
    tab.visit(f"/appeals/q/{entry.token}/")
    tab.assert_accessible()
    assert page.get_by_label("统一社会信用代码").input_value() == world.enterprise_a.profile.uscc
    page.get_by_label("联系人").fill("钱经理")
    page.get_by_label("联系电话").fill("13812345678")
    page.get_by_label("诉求类型").select_option(label="投诉")
    page.get_by_label("标题").fill("超市被反复检查影响正常经营")
    page.get_by_label("诉求内容").fill(
        "本月我公司超市门店先后被三拨人员检查食品标签和价格公示，检查内容基本相同，希望合并检查。"
    )
    page.get_by_role("button", name="提交诉求").click()
    page.wait_for_load_state()
    appeal = Appeal.objects.get()
    number = appeal.number
    assert number in page.locator("h1").inner_text()
    assert "受理登记" in page.locator("#timeline").inner_text()
    tab.assert_accessible()
    logout(tab)

    # 2. the dispatcher accepts the suggested unit
    tab.login("office_admin")
    page.get_by_role("navigation", name="功能导航").get_by_role("link", name="派单").click()
    row = page.locator(f"#queue-{appeal.pk}")
    assert "市市场监管局" in row.inner_text()
    tab.assert_accessible()
    row.get_by_role("button", name=re.compile("按建议派单")).click()
    assert "已派单：市市场监管局" in page.locator(".messages").inner_text()
    logout(tab)

    # 3. the unit signs and replies
    sign_and_reply(tab, number, "经核查，已协调相关科室合并检查事项。")

    # 4. the callback records 不满意: the appeal goes back to the same unit
    call_back(tab, number, "未解决", "不满意")
    appeal.refresh_from_db()
    assert appeal.state == "dispatched" and appeal.reopen_count == 1

    # 5. answered again and closed 满意
    sign_and_reply(tab, number, "已取消重复检查，并书面告知企业今后每季度只安排一次联合检查。")
    call_back(tab, number, "已解决", "满意")
    appeal.refresh_from_db()
    assert appeal.state == "closed"

    # 6. the enterprise follows the timeline and rates the service
    tab.login("enterprise_a")
    tab.visit(f"/appeals/{appeal.pk}/")
    timeline = page.locator("#timeline").inner_text()
    assert "重办" in timeline and "办结" in timeline and "已取消重复检查" in timeline
    page.get_by_label("非常满意").check()
    tab.assert_accessible()
    page.get_by_role("button", name="提交评价").click()
    assert "感谢您的评价" in page.locator(".messages").inner_text()
    logout(tab)

    # 7. the figures page shows the result
    tab.login("office_admin")
    page.get_by_role("navigation", name="功能导航").get_by_role("link", name="三率统计").click()
    ranking = page.locator("#ranking").inner_text()
    assert "市市场监管局" in ranking
    market_row = page.locator("#ranking tbody tr").filter(has_text="市市场监管局")
    cells = market_row.locator("td").all_inner_texts()
    # 派出工单 2 (the reopened one included), 响应率 100%, 解决率 50%, 满意率 50%
    assert cells[1:5] == ["2", "100.0%", "50.0%", "50.0%"]
    page.locator("#chart-ranking canvas").first.wait_for()
    tab.assert_accessible()
    tab.assert_no_js_errors()


def test_an_anonymous_qr_appeal_is_confirmed_with_an_sms_code(tab, appeals_browser_world):
    """Issue 14, hole 6: 未核验 until the code sent to the enterprise's phone is entered."""
    from qinqing.appeals.models import Appeal
    from qinqing.core.notifications.models import SmsOutbox

    world, entry = appeals_browser_world
    profile = world.enterprise_a.profile
    profile.phone = "13900001111"
    profile.save()
    page = tab.page
    tab.visit(f"/appeals/q/{entry.token}/")  # not signed in
    page.get_by_label("联系人").fill("钱经理")
    page.get_by_label("联系电话").fill("13812345678")
    page.get_by_label("诉求类型").select_option(label="咨询")
    page.get_by_label("标题").fill("咨询稳岗补贴申领条件")
    page.get_by_label("诉求内容").fill("请问今年稳岗补贴的申领条件和办理渠道是什么？")
    page.get_by_role("button", name="提交诉求").click()
    page.wait_for_load_state()
    assert "未核验" in page.locator("main").inner_text()
    page.get_by_role("link", name="确认企业身份").click()
    tab.assert_accessible()
    page.get_by_role("button", name="发送验证码").click()
    assert "139****1111" in page.locator(".messages").inner_text()
    code = re.search(r"验证码 (\d{6})", SmsOutbox.objects.latest("pk").text).group(1)
    page.get_by_label("验证码（6 位数字）").fill("111111" if code == "000000" else "000000")
    page.get_by_role("button", name="确认", exact=True).click()
    assert "验证码不正确" in page.locator(".messages").inner_text()
    tab.assert_accessible()
    assert not Appeal.objects.get().identity_confirmed
    page.get_by_label("验证码（6 位数字）").fill(code)
    page.get_by_role("button", name="确认", exact=True).click()
    assert "已确认" in page.locator("main").inner_text()
    assert Appeal.objects.get().identity_confirmed
