"""涉企检查 end to end: a department registers a check, the office approves it, the inspector
scans the enterprise's code on a phone (390 px) signed in as themself, and the enterprise
sees the check."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from tests.browser.conftest import Tab
from tests.inspections.conftest import NOW, build_inspection_world

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def onsite_world(transactional_db, monkeypatch):
    from qinqing.onsite import service
    from tests.world import build_world

    monkeypatch.setattr(timezone, "now", lambda: NOW)  # Monday 2026-06-01, no 宁静日 rule here
    iw = build_inspection_world(build_world())
    service.save_settings(actor=iw.office_admin, now=NOW, area=iw.city, approval_required=True)
    return iw


def _logout(tab):
    tab.page.get_by_role("button", name="退出").click()
    tab.page.wait_for_load_state()


TAP_TARGETS = """() => [...document.querySelectorAll(
    'main button, main a.button, main label.check, main input:not([type=hidden]):not([type=checkbox]), main textarea, header button')]
  .filter(e => e.offsetParent !== null)
  .map(e => { const r = e.getBoundingClientRect();
              return [e.tagName + ' ' + (e.textContent.trim() || e.name || ''), r.width, r.height]; })"""


def _assert_phone_friendly(page):
    """No horizontal scrolling at 390 px; every button, field and checkbox label >= 44 px
    (a checkbox is tapped through its 44-px label)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    targets = page.evaluate(TAP_TARGETS)
    assert targets
    small = [t for t in targets if t[1] < 44 or t[2] < 44]
    assert not small, small


def test_register_approve_scan_and_the_enterprise_sees_it(tab, browser, live_server, onsite_world):
    from qinqing.onsite.models import CheckRegistration, EnterpriseCode, RegistrationState
    from tests.world import USCC_A

    page = tab.page
    tab.login("market_clerk")
    page.get_by_role("navigation", name="功能导航").get_by_role("link", name="入企检查备案").click()
    page.get_by_role("link", name="登记入企检查").click()
    page.get_by_label("企业统一社会信用代码").fill(USCC_A)
    page.get_by_label("检查类别").select_option("routine")
    page.get_by_label("检查日期").fill("2026-06-01")
    page.get_by_label("检查事由").fill("年度企业公示信息检查")
    page.get_by_label("检查依据").fill("《企业信息公示暂行条例》第十四条")
    page.get_by_label("SCJG-T01 企业公示信息情况检查").check()
    page.get_by_label("陈立明（SJ0001）").check()
    page.get_by_label("黄晓燕（SJ0002）").check()
    tab.assert_accessible()
    page.get_by_role("button", name="备案").click()
    assert "待营商办核准" in page.locator("main").inner_text()
    registration = CheckRegistration.objects.get()
    _logout(tab)

    tab.login("office_admin")
    tab.visit(f"/onsite/{registration.pk}/")
    page.get_by_label("核准意见").fill("同意")
    page.get_by_role("button", name="核准入企").click()
    assert "已核准" in page.locator("main").inner_text()
    tab.assert_accessible()
    _logout(tab)

    # the enterprise's code exists once the enterprise opens its page
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    enterprise = Tab(phone.new_page(), live_server.url)
    enterprise.login("enterprise_a")
    enterprise.visit("/onsite/mine/")
    assert enterprise.page.get_by_role("img", name=re.compile("企业码")).is_visible()
    token = EnterpriseCode.objects.get().token
    enterprise.page.get_by_role("button", name="退出").click()

    # the inspector, not the unit clerk, scans: with their own login (陈立明, SJ0001)
    inspector = Tab(phone.new_page(), live_server.url)
    inspector.login("inspector_sj0001")
    inspector.visit(f"/onsite/c/{token}/")
    assert inspector.page.get_by_role("heading", name=re.compile("扫码入企")).is_visible()
    assert "检查人员：陈立明" in inspector.page.locator("main").inner_text()
    _assert_phone_friendly(inspector.page)
    inspector.page.get_by_role("button", name="确认入企").click()
    assert "已确认入企" in inspector.page.locator("main").inner_text()
    registration.refresh_from_db()
    assert registration.state == RegistrationState.ARRIVED
    scan = registration.scans.get()
    assert scan.inspector == onsite_world.market_inspectors[0]
    assert scan.scanned_by.username == "inspector_sj0001"
    inspector.assert_accessible()
    inspector.page.get_by_role("button", name="退出").click()

    enterprise.login("enterprise_a")
    enterprise.visit("/onsite/mine/")
    text = enterprise.page.locator("main").inner_text()
    assert "市市场监管局" in text and "已扫码入企" in text and "年度企业公示信息检查" in text
    _assert_phone_friendly(enterprise.page)
    enterprise.assert_accessible()
    enterprise.page.get_by_role("link", name="反映未备案入企").click()
    _assert_phone_friendly(enterprise.page)
    for t in (tab, inspector, enterprise):
        t.assert_no_js_errors()
    phone.close()
