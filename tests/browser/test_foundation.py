"""Log in, see the role's home page, resolve an alias in the directory."""

import pytest


@pytest.fixture
def browser_world(transactional_db):
    from tests.world import build_world

    return build_world()


def test_office_logs_in_and_resolves_an_alias(tab, browser_world):
    from qinqing.core.orgs.service import add_alias

    add_alias(browser_world.ndrc, "市发改委", actor=browser_world.office_admin)
    tab.login("office_admin")
    page = tab.page
    assert page.get_by_role("heading", name="营商办工作台").is_visible()
    assert "营商办管理员" in page.locator("header").inner_text()
    tab.assert_accessible()
    page.get_by_role("navigation", name="功能导航").get_by_role("link", name="机构库").click()
    tab.assert_accessible()
    page.get_by_role("link", name="名称查询").click()
    page.get_by_label("单位名称或简称").fill("市发改委")
    page.get_by_role("button", name="查询").click()
    result = page.locator("#resolution")
    assert "市发展和改革委员会" in result.inner_text()
    assert "通过别名" in result.inner_text()
    tab.assert_accessible()
    # the office adds another alias through the unit page
    result.get_by_role("link", name="市发展和改革委员会").click()
    page.get_by_label("新增别名").fill("市发改局")
    page.get_by_role("button", name="添加").click()
    assert "市发改局" in page.locator("#aliases").inner_text()
    tab.assert_accessible()
    tab.assert_no_js_errors()


def test_unit_clerk_sees_no_edit_controls_and_enterprise_no_directory(tab, browser_world):
    tab.login("market_clerk")
    page = tab.page
    assert page.get_by_role("heading", name="本单位待办").is_visible()
    tab.visit(f"/directory/units/{browser_world.ndrc.pk}/")
    assert page.get_by_label("新增别名").count() == 0
    tab.page.get_by_role("button", name="退出").click()
    tab.login("enterprise_a")
    assert page.get_by_role("heading", name="企业服务").is_visible()
    tab.assert_accessible()
    response = tab.visit("/directory/")
    assert "没有“查看机构库”的权限" in response.locator("main").inner_text()
    tab.assert_no_js_errors()


def test_login_page_is_accessible_and_wrong_password_is_explained(tab, browser_world):
    tab.visit("/login/")
    tab.assert_accessible()
    tab.login("office_admin", "wrong-password")
    assert "用户名或密码不正确" in tab.page.locator("main").inner_text()
    tab.assert_no_js_errors()


FOUNDATION_PAGES = [
    "/",
    "/directory/",
    "/directory/groups/",
    "/directory/proposals/",
    "/directory/import/",
    "/directory/units/new/",
    "/directory/resolve/?name=市政府各部门",
    "/audit/",
    "/enterprises/",
    "/enterprises/attributes/",
    "/enterprises/import/",
]


def test_foundation_pages_are_accessible_without_js_errors(tab, browser_world):
    from qinqing.core.orgs.service import resolve_names

    resolve_names(["市数据资源局"], area=browser_world.city)  # a pending proposal to render
    tab.login("office_admin")
    for path in FOUNDATION_PAGES:
        tab.visit(path)
        assert tab.page.locator("h1").count() == 1, path
        tab.assert_accessible()
    tab.visit(f"/directory/groups/{browser_world.city.unit_groups.first().pk}/")
    tab.assert_accessible()
    tab.assert_no_js_errors()
