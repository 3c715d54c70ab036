"""领导驾驶舱 in a browser: the charts draw, every chart has a table, the figures equal the
lists they drill down to, and the page passes axe on a desktop and a tablet."""

from __future__ import annotations

import re

from tests.browser.test_workbenches import NOW, count_on_list, scene  # noqa: F401


def test_leader_cockpit_figures_drill_down_to_their_records(tab, scene):  # noqa: F811
    page = tab.page
    tab.login("leader")
    assert page.get_by_role("heading", name=re.compile("领导驾驶舱")).is_visible()
    tab.assert_accessible()
    # every chart has its table, and the chart library drew something
    for key in ("tasks", "appeals_unit", "appeals_county", "appeals_trend"):
        section = page.locator(f"[data-figure='{key}']")
        assert section.locator("table").count() == 1, key
        assert section.locator(f"#chart-{key} canvas").count() >= 1, key
    # the overdue figure equals the ledger it opens
    overdue = page.get_by_role("link", name=re.compile("逾期任务"))
    shown = int(re.search(r"(\d+)", overdue.inner_text()).group(1))
    assert shown == 2
    overdue.click()
    page.wait_for_load_state()
    assert count_on_list(page, page.url.replace(tab.base_url, "")) == shown
    # a unit's overdue figure in the table equals the ledger filtered to that unit
    tab.visit("/cockpit/")
    row = page.locator("#table-tasks tbody tr").filter(has_text="市税务局")
    late = int(row.locator("td").nth(2).inner_text())
    row.get_by_role("link").click()
    page.wait_for_load_state()
    assert count_on_list(page, page.url.replace(tab.base_url, "")) == late == 1
    # the 三率 of a unit drill down to the appeals behind them
    tab.visit("/cockpit/")
    page.locator("#table-appeals_unit tbody tr").filter(has_text="市市场监管局").get_by_role(
        "link"
    ).click()
    page.wait_for_load_state()
    assert "统计明细" in page.locator("main").inner_text()
    # tablet width: no sideways scrolling, still accessible
    page.set_viewport_size({"width": 768, "height": 1024})
    tab.visit("/cockpit/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    tab.assert_accessible()
    tab.assert_no_js_errors()


def test_office_opens_the_cockpit_from_its_home_page(tab, scene):  # noqa: F811
    tab.login("office_admin")
    tab.page.get_by_role("link", name="打开领导驾驶舱").click()
    tab.page.wait_for_load_state()
    assert tab.page.locator("[data-figure='tasks'] table").count() == 1


def test_enterprise_cannot_open_the_cockpit(tab, scene):  # noqa: F811
    tab.login("enterprise_a")
    tab.visit("/cockpit/")
    assert "仅供领导和营商办使用" in tab.page.locator("main").inner_text()
