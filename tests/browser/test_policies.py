"""惠企政策直达 end to end: the office edits a rule (an error is shown, then fixed), runs
matching, sets a budget and prepares a 免申即享 batch; a second officer approves it; the
enterprise sees what it gets, what it narrowly misses and why."""

from __future__ import annotations

import datetime as dt
import re

import pytest

NOW = dt.datetime(2025, 11, 20, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def policy_world(transactional_db):
    from qinqing.core.enterprises.service import import_registry
    from qinqing.policies.seeds import install_seed_policies
    from tests.policies.conftest import registry_csv, world_registry_rows
    from tests.world import build_world

    world = build_world()
    owners = {
        "district18-art2": world.market,
        "district18-art3": world.ndrc,
        "grad-hiring-subsidy": world.market,
    }
    install_seed_policies(owners, actor=world.office_admin, now=NOW)
    import_registry(
        registry_csv(world_registry_rows()), filename="测试企业.csv", actor=world.office_admin
    )
    return world


def _logout(tab):
    tab.page.get_by_role("button", name="退出").click()
    tab.page.wait_for_load_state()


def test_rule_edit_matching_two_person_grant_and_my_policies(tab, policy_world):
    page = tab.page
    # --- the office edits the graduate subsidy's rule
    tab.login("office_admin")
    nav = page.get_by_role("navigation", name="功能导航")
    nav.get_by_role("link", name="政策库").click()
    tab.assert_accessible()
    page.get_by_label("关键词").fill("毕业生")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name="中小微企业招用高校毕业生一次性就业补贴").click()
    tab.assert_accessible()
    page.get_by_role("link", name="编写或修改规则").click()
    editor = page.get_by_label("规则文本（YAML）")
    text = editor.input_value()
    wrong = text.replace("version: 1", "version: 2").replace("each: 1000元", "each: 1500元")
    wrong = wrong.replace(
        "attribute: graduate_hires\n    at_least: 1", "attribute: graduates\n    at_least: 1"
    )
    editor.fill(wrong)
    page.get_by_role("button", name="保存为新版本").click()
    errors = page.locator("#rule-errors")
    assert "未保存" in errors.inner_text()
    assert "没有名为“graduates”的企业属性" in errors.inner_text()
    assert re.search(r"第 \d+ 行", errors.inner_text())
    tab.assert_accessible()
    page.get_by_label("规则文本（YAML）").fill(
        wrong.replace("attribute: graduates", "attribute: graduate_hires")
    )
    page.get_by_role("button", name="校验").click()
    assert "校验通过" in page.locator("#rule-ok").inner_text()
    page.get_by_role("button", name="保存为新版本").click()
    assert "规则已保存为第 2 版" in page.locator(".messages").inner_text()
    assert "第 2 版" in page.get_by_role("table").inner_text()

    # --- matching for 2025
    nav.get_by_role("link", name="政策匹配").click()
    page.get_by_label("政策年度").fill("2025")
    page.get_by_role("button", name="运行政策匹配").click()
    assert "2025 年度政策匹配完成" in page.locator(".messages").inner_text()
    tab.assert_accessible()

    # --- a budget, then a batch of 鼓励企业科技创新
    nav.get_by_role("link", name="资金与清单").click()
    pool = page.get_by_role("region", name="资金池")
    pool.get_by_label("政策", exact=True).select_option(label="鼓励企业科技创新")
    pool.get_by_label("年度", exact=True).fill("2025")
    pool.get_by_label("资金总额（元）").fill("500000")
    pool.get_by_role("button", name="保存资金池").click()
    assert "资金池已保存" in page.locator(".messages").inner_text()
    tab.assert_accessible()
    nav.get_by_role("link", name="免申即享").click()
    page.get_by_role("button", name="为“鼓励企业科技创新”生成发放批次").click()
    assert "请另一名工作人员审批" in page.locator(".messages").inner_text()
    assert page.get_by_role("button", name="审批通过").count() == 0
    assert "须由另一名工作人员审批" in page.locator("main").inner_text()
    tab.assert_accessible()
    batch_url = page.url
    _logout(tab)

    # --- the second officer approves
    tab.login("office_checker")
    page.goto(batch_url)
    page.get_by_role("button", name="审批通过").click()
    assert "已审批" in page.locator("#batch-state").inner_text()
    assert page.get_by_role("link", name="导出拨付名单（Excel）").is_visible()
    tab.assert_accessible()
    _logout(tab)

    # --- the enterprise sees what it gets and what it narrowly misses, and why
    tab.login("enterprise_a")
    page.get_by_role("navigation", name="功能导航").get_by_role("link", name="我的政策").click()
    eligible = page.locator("#eligible").inner_text()
    assert "鼓励企业科技创新" in eligible and "100,000 元" in eligible
    near = page.locator("#near-misses").inner_text()
    assert "中小微企业招用高校毕业生一次性就业补贴" in near
    assert "本年度招用符合条件的高校毕业生至少 1 人" in near
    assert "已为您的企业核定 100,000 元" in page.locator("#notifications").inner_text()
    tab.assert_accessible()
    page.get_by_role("link", name="查看“中小微企业招用高校毕业生一次性就业补贴”的依据").click()
    why = page.locator("main").inner_text()
    assert "本年度招用高校毕业生人数：0" in why and "不满足" in why
    assert "规则第 2 版" in why
    page.get_by_label("不符合我的情况").check()
    page.get_by_role("button", name="提交反馈").click()
    assert "感谢反馈" in page.locator(".messages").inner_text()
    tab.assert_accessible()
    tab.assert_no_js_errors()
