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


def test_application_returned_resubmitted_and_approved(tab, policy_world, tmp_path, settings):
    from decimal import Decimal

    from qinqing.policies import service
    from tests.policies.conftest import make_application_policy

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
    }
    world = policy_world
    policy = make_application_policy(world)
    service.set_budget(policy, year=dt.date.today().year, total=Decimal(100000),
                       actor=world.office_admin, now=NOW)  # fmt: skip
    contract = tmp_path / "劳动合同.pdf"
    contract.write_bytes(b"%PDF-1.4 contract")
    insurance = tmp_path / "社保明细.pdf"
    insurance.write_bytes(b"%PDF-1.4 insurance")
    page = tab.page

    # --- the enterprise applies online; its registry data is already there
    tab.login("enterprise_a")
    tab.visit(f"/policies/p/{policy.code}/")
    page.get_by_role("link", name="在线申报").click()
    assert "小型" in page.get_by_role("region", name="企业信息（来自企业库，已预填）").inner_text()
    tab.assert_accessible()
    page.get_by_label("联系人").fill("钱经理")
    page.get_by_label("联系电话").fill("13800000000")
    page.get_by_label("收款账户（开户行及账号）").fill("示例银行 6222 0200 1234 5678")
    page.get_by_label("申请金额（元）").fill("30000")
    page.get_by_label("劳动合同复印件").set_input_files(str(contract))
    page.get_by_label("社会保险缴费明细").set_input_files(str(insurance))
    page.get_by_role("button", name="提交申报").click()
    assert "申报已提交" in page.locator(".messages").inner_text()
    application_url = page.url
    tab.assert_accessible()
    _logout(tab)

    # --- the owning department returns it for correction
    tab.login("market_clerk")
    page.get_by_role("navigation", name="功能导航").get_by_role("link", name="申报审核").click()
    tab.assert_accessible()
    page.goto(application_url)
    page.get_by_label("退回补正").check()
    page.get_by_label("审核意见").fill("社保缴费明细缺少 10 月")
    page.get_by_role("button", name="提交审核结论").click()
    assert "退回补正" in page.locator("#application-state").inner_text()
    tab.assert_accessible()
    _logout(tab)

    # --- the enterprise corrects and resubmits
    tab.login("enterprise_a")
    page.goto(application_url)
    assert "社保缴费明细缺少 10 月" in page.locator("main").inner_text()
    page.get_by_label("社会保险缴费明细").set_input_files(str(insurance))
    page.get_by_label("申报说明").fill("已补充 10 月明细")
    page.get_by_role("button", name="重新提交").click()
    assert "待审核" in page.locator("#application-state").inner_text()
    tab.assert_accessible()
    _logout(tab)

    # --- the department approves from the 资金池
    tab.login("market_clerk")
    page.goto(application_url)
    page.get_by_label("审核通过").check()
    page.get_by_label("核定金额（元）").fill("28000")
    page.get_by_role("button", name="提交审核结论").click()
    assert "审核通过" in page.locator("#application-state").inner_text()
    page.get_by_role("navigation", name="功能导航").get_by_role("link", name="资金与清单").click()
    assert "28,000 元" in page.get_by_role("region", name="资金池").inner_text()
    tab.assert_accessible()
    tab.assert_no_js_errors()
