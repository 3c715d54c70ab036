"""Office builds a scheme (an error first, then fixed), runs and publishes; the leader reads."""

import pytest

from tests.assessment.support import (
    NOTICES,
    ON_TIME,
    RETURNED,
    feed_standard_values,
    indicators_registered,
)


@pytest.fixture
def browser_world(transactional_db):
    from tests.world import build_world

    return build_world()


@pytest.fixture
def feed(browser_world):
    with indicators_registered() as values:
        feed_standard_values(values, browser_world)
        yield values


def _add_item(page, code, weight, method, **extra):
    form = page.locator("#add-item")
    form.get_by_label("指标", exact=True).select_option(code)
    form.get_by_label("权重").fill(str(weight))
    form.get_by_label("计分方法").select_option(method)
    for label, value in extra.items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name="添加指标").click()
    page.wait_for_load_state()


def test_office_builds_and_runs_a_scheme_and_the_leader_reads_the_dashboard(
    tab, browser_world, feed
):
    page = tab.page
    tab.login("office_admin")
    page.get_by_role("navigation", name="功能导航").get_by_role("link", name="考评排名").click()
    page.get_by_role("link", name="新建考评方案").click()
    tab.assert_accessible()
    page.get_by_label("方案名称").fill("2026年度市直部门营商环境考评")
    page.get_by_label("考评对象类别").select_option("departments")
    page.get_by_label("生效日期").fill("2026-01-01")
    page.get_by_label("截止日期（可不填）").fill("2026-12-31")
    page.get_by_label("末位标记名数").fill("1")
    page.get_by_role("button", name="新建方案").click()
    page.wait_for_load_state()
    assert "已新建考评方案" in page.locator(".messages").inner_text()

    _add_item(page, ON_TIME, 50, "linear", **{"下限（线性插值）": "60", "上限（线性插值）": "100"})
    _add_item(page, RETURNED, 30, "rank")
    _add_item(
        page, NOTICES, 10, "threshold", **{"分档（门槛:得分比例，逗号分隔）": "95:100, 80:60"}
    )
    assert page.locator("#weight-total").inner_text() == "90"
    tab.assert_accessible()

    page.get_by_role("button", name="启用方案").click()
    page.wait_for_load_state()
    alert = page.get_by_role("alert")
    assert "各项指标权重合计为 90，应为 100（还差 10）" in alert.inner_text()
    tab.assert_accessible()

    row = page.locator("#items tr", has_text="督办单按时回复率")
    row.locator("summary").click()
    row.get_by_label("权重").fill("20")
    row.get_by_role("button", name="保存修改").click()
    page.wait_for_load_state()
    assert page.locator("#weight-total").inner_text() == "100"
    page.get_by_role("button", name="启用方案").click()
    page.wait_for_load_state()
    assert "已启用" in page.locator(".messages").inner_text()

    page.get_by_label("期间开始").fill("2026-01-01")
    page.get_by_label("期间结束").fill("2026-03-31")
    page.get_by_role("button", name="计算", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().endswith("2026年第1季度")
    page.get_by_role("button", name="发布").click()
    page.wait_for_load_state()
    assert "已发布" in page.locator(".messages").inner_text()
    tab.assert_no_js_errors()

    page.get_by_role("button", name="退出").click()
    tab.login("leader")
    page.get_by_role("navigation", name="功能导航").get_by_role("link", name="考评排名").click()
    page.get_by_role("link", name="2026年第1季度").click()
    page.wait_for_load_state()
    chart = page.locator("#ranking-chart")
    chart.locator("canvas").first.wait_for()
    assert chart.get_attribute("data-rendered") == "true"
    # one 30 px row per unit, at least 260 px: set by charts.js, not a style attribute
    assert chart.evaluate("e => e.getBoundingClientRect().height") == 260
    ranking = page.locator("#ranking")
    rows = ranking.locator("tbody tr")
    assert rows.count() == 3
    assert "市市场监管局" in rows.nth(0).inner_text()
    last = rows.nth(2)
    assert "市发展和改革委员会" in last.inner_text() and "末位" in last.inner_text()
    assert "flagged" in last.get_attribute("class")
    assert page.get_by_role("button", name="重算").count() == 0
    tab.assert_accessible()
    last.get_by_role("link", name="查看明细").click()
    page.wait_for_load_state()
    assert "得分明细" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("link", name="查看任务按时完成率明细").count() == 1
    tab.assert_accessible()
    tab.assert_no_js_errors()


def test_office_imports_the_province_ranking_and_sees_the_interview_trigger(
    tab, browser_world, tmp_path
):
    from qinqing.core.orgs.models import UnitKind
    from qinqing.core.orgs.service import create_unit

    create_unit(actor="test", name="西山县", kind=UnitKind.COUNTY, parent=browser_world.city)
    csv_file = tmp_path / "全省排名.csv"
    csv_file.write_bytes(
        "县区,排名,得分,年度\n示例县,15,88.1,2025年度\n西山县,96,60.5,2025年度\n".encode("gbk")
    )
    page = tab.page
    tab.login("office_admin")
    page.get_by_role("navigation", name="功能导航").get_by_role("link", name="外部评价").click()
    tab.assert_accessible()
    page.get_by_role("button", name="保存规则").click()  # the default: last 10 → 约谈
    page.wait_for_load_state()
    page.get_by_label("排名文件（.xlsx 或 .csv）").set_input_files(str(csv_file))
    page.get_by_label("全省参评县（市、区）总数").fill("100")
    page.get_by_role("button", name="导入").click()
    page.wait_for_load_state()
    assert "1 个县区触发督办" in page.locator(".messages").inner_text()
    page.locator("#external-chart canvas").first.wait_for()
    row = page.locator("#external tr", has_text="西山县")
    assert "96 / 100" in row.inner_text() and "约谈" in row.inner_text()
    tab.assert_accessible()
    page.get_by_role("link", name="外部评价").last.click()
    assert "西山县" in page.locator("#triggers").inner_text()
    tab.assert_accessible()
    tab.assert_no_js_errors()
