"""包联服务 end to end in a browser: the office imports pairings; a cadre records a visit on a
390-px-wide phone and turns a problem into an appeal; the unit answers it; the enterprise
rates the visit on its phone; the dashboard shows the counts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import Tab

NOW = dt.datetime(2026, 3, 9, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def engagement_world(transactional_db, settings, tmp_path, monkeypatch):
    from django.utils import timezone

    from qinqing.appeals.service import forget_settings
    from qinqing.engagement import service
    from tests.engagement.conftest import make_enterprise
    from tests.world import USCC_A, build_world

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    forget_settings()
    world = build_world()
    make_enterprise(USCC_A, "甲企业<script>alert(1)</script>")
    service.register_cadre(world.market_clerk, actor=world.office_admin, now=NOW,
                           level="department", title="科长", phone="13900000001")  # fmt: skip
    yield world
    forget_settings()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield Tab(page, live_server.url)
    context.close()


def assert_fits_phone(tab):
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal scrolling: {width}px on {tab.page.url}"
    small = tab.page.evaluate(
        """() => [...document.querySelectorAll('.eg button, .eg a.button, .eg a.tap, .eg input[type=radio]')]
            .filter(e => e.offsetParent !== null)
            .map(e => { const r = (e.type === 'radio' ? e.closest('label') : e).getBoundingClientRect();
                        return [e.textContent.trim() || e.value, Math.round(r.height)]; })
            .filter(([, h]) => h < 44)"""
    )
    assert not small, f"tap targets under 44 px: {small}"


def logout(tab):
    tab.page.get_by_role("button", name="退出").click()
    tab.page.wait_for_load_state()


def test_import_visit_appeal_answer_rate_dashboard(tab, phone, engagement_world, tmp_path):
    from qinqing.appeals import service as appeals
    from qinqing.appeals.models import Appeal
    from qinqing.core.files.xlsx import write_workbook
    from qinqing.engagement.models import Pairing, Visit
    from tests.world import USCC_A

    world = engagement_world
    page = tab.page
    # 1. the office imports the pairings from Excel
    sheet = tmp_path / "包联关系.xlsx"
    sheet.write_bytes(write_workbook(
        ["干部账号", "统一社会信用代码", "网格层级", "走访频次", "开始日期", "结束日期", "备注"],
        [["market_clerk", USCC_A, "行业监管", "每月", "2026-02-02", "", "重点企业"]],
    ))  # fmt: skip
    tab.login("office_admin")
    page.get_by_role("navigation", name="功能导航").get_by_role("link", name="包联关系").click()
    page.get_by_role("link", name="导入包联关系").click()
    tab.assert_accessible()
    page.get_by_label("包联关系表（.xlsx）").set_input_files(str(sheet))
    page.get_by_role("button", name="导入").click()
    assert "已导入 1 条包联关系" in page.locator(".messages").inner_text()
    assert "甲企业<script>" in page.locator("#pairing-table").inner_text()
    tab.assert_accessible()
    logout(tab)
    assert Pairing.objects.count() == 1

    # 2. the cadre, on a phone, records a visit and turns a problem into an appeal
    phone.login("market_clerk")
    p = phone.page
    p.goto(phone.base_url + "/engagement/mine/")
    assert_fits_phone(phone)
    phone.assert_accessible()
    p.get_by_role("link", name="登记走访：甲企业<script>alert(1)</script>").click()
    p.get_by_label("走访日期").fill("2026-03-06")
    p.get_by_label("实地走访").check()
    p.get_by_label("接待人员").fill("钱经理")
    p.get_by_label("收集问题").check()
    p.get_by_label("用工").check()
    p.get_by_label("走访情况").fill("企业订单增长，一线技术工人缺口约 40 人。")
    assert_fits_phone(phone)
    phone.assert_accessible()
    p.get_by_role("button", name="保存走访记录").click()
    assert "已登记 2026-03-06 的走访" in p.locator(".messages").inner_text()
    assert_fits_phone(phone)
    p.get_by_role("link", name="发现问题，转为诉求").click()
    p.get_by_label("需求类型").select_option(label="用工")
    p.get_by_label("标题").fill("旺季招工难，希望对接职业院校")
    p.get_by_label("联系电话").fill("13812345678")
    assert_fits_phone(phone)
    phone.assert_accessible()
    p.get_by_role("button", name="转为诉求").click()
    appeal = Appeal.objects.get()
    assert appeal.channel == "visit"
    assert appeal.number in p.locator("#issues").inner_text()
    logout(phone)

    # 3. dispatched to the market regulator like any other appeal; the unit answers it
    appeals.dispatch_appeal(appeal, actor=world.office_admin, now=NOW, primary_unit=world.market)
    tab.login("market_clerk")
    page.get_by_role("navigation", name="功能导航").get_by_role("link", name="本单位工单").click()
    page.get_by_role("link", name=appeal.number).click()
    page.get_by_role("button", name="签收").click()
    page.get_by_label("答复内容").fill("已联系市职教中心，3 月 20 日举办专场招聘会。")
    page.get_by_role("button", name="答复", exact=True).click()
    assert "已答复" in page.locator(".messages").inner_text()
    logout(tab)

    # 4. the enterprise rates the visit on its phone
    phone.login("enterprise_a")
    p.goto(phone.base_url + "/engagement/enterprise/")
    assert "market_clerk" in p.locator("#cadres").inner_text()
    assert_fits_phone(phone)
    phone.assert_accessible()
    p.get_by_role("link", name="评价走访 2026-03-06").click()
    p.get_by_label("满意", exact=True).check()
    assert_fits_phone(phone)
    phone.assert_accessible()
    p.get_by_role("button", name="提交评价").click()
    assert "感谢您的评价" in p.locator(".messages").inner_text()
    assert "已评价：满意" in p.locator("#visits").inner_text()
    assert_fits_phone(phone)
    assert Visit.objects.get().rating == "satisfied"

    # 5. the dashboard shows the counts
    tab.login("office_admin")
    page.get_by_role("navigation", name="功能导航").get_by_role("link", name="包联驾驶舱").click()
    assert page.locator("#issues-total").inner_text() == "1"
    assert page.locator("#issues-open").inner_text() == "1"  # replied, awaiting the callback
    row = page.locator("#ranking tbody tr").filter(has_text="示例市")
    assert row.locator("td").all_inner_texts()[1:5] == ["1", "1", "0", "1"]
    row.get_by_role("link", name="示例市").click()
    assert "市市场监管局" in page.locator("#ranking").inner_text()
    tab.assert_accessible()
    tab.assert_no_js_errors()
    phone.assert_no_js_errors()
