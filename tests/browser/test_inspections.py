"""双随机、一公开 end to end: the office plans, commits, draws and publishes a campaign; an
inspector enters a result; the public page shows it; the downloaded files verify."""

from __future__ import annotations

import re
import zipfile

import pytest
from django.utils import timezone

from tests.inspections.conftest import NOW, build_inspection_world


@pytest.fixture
def inspection_world(transactional_db, monkeypatch):
    from tests.world import build_world

    monkeypatch.setattr(timezone, "now", lambda: NOW)  # June 2026: calendar data exists
    return build_inspection_world(build_world())


def _logout(tab):
    tab.page.get_by_role("button", name="退出").click()
    tab.page.wait_for_load_state()


def test_office_runs_a_campaign_and_the_public_sees_the_results(tab, inspection_world, tmp_path):
    from qinqing.cli.main import main
    from qinqing.inspections.models import Campaign

    iw = inspection_world
    page = tab.page
    tab.login("office_admin")
    page.get_by_role("navigation", name="功能导航").get_by_role("link", name="抽查计划").click()
    page.get_by_role("link", name="制定抽查计划").click()
    tab.assert_accessible()
    page.get_by_label("计划名称").fill("2026 年 6 月市场监管、税务联合抽查")
    page.get_by_label("SCJG-T01 企业公示信息情况检查（市市场监管局）").check()
    page.get_by_label("SW-T01 发票使用和管理情况检查（市税务局）").check()
    page.get_by_label("检查开始日期").fill("2026-06-01")
    page.get_by_label("检查结束日期").fill("2026-06-30")
    page.get_by_label("全域宁静日（每月）").fill("1-20")
    page.get_by_role("button", name="保存草稿").click()
    assert page.get_by_role("heading", name=re.compile("2026 年 6 月市场监管")).is_visible()
    page.get_by_role("link", name="预检").click()
    assert page.get_by_role("heading", name="预检结果").is_visible()
    tab.assert_accessible()

    page.get_by_role("button", name="公布承诺值").click()
    campaign = Campaign.objects.get()
    assert campaign.commitment in page.locator("main").inner_text()
    tab.assert_accessible()
    page.get_by_role("button", name="抽取").click()
    assert page.get_by_role("heading", name="检查对象").is_visible()
    page.get_by_role("button", name="公布抽取结果").click()
    assert "已公布" in page.locator("h1").inner_text()
    tab.assert_accessible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载输入文件和 DRAW.json").click()
    archive = tmp_path / "campaign.zip"
    download_info.value.save_as(archive)
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(tmp_path)
    code = main(
        [
            "inspections",
            "verify",
            str(tmp_path / "DRAW.json"),
            "--entities",
            str(tmp_path / "entities.csv"),
            "--items",
            str(tmp_path / "items.csv"),
            "--inspectors",
            str(tmp_path / "inspectors.csv"),
            "--commitment",
            campaign.commitment,
        ]
    )
    assert code == 0
    _logout(tab)

    # an inspector of 市市场监管局 records a result
    tab.login("market_clerk")
    tab.visit(f"/inspections/campaigns/{campaign.pk}/")
    tab.assert_accessible()
    visits = page.get_by_role("table").filter(has_text="计划检查日期")
    visits.get_by_role("link").first.click()
    enterprise = page.locator("h1").inner_text()
    page.get_by_label("检查结果").select_option(label="发现问题，已责令整改")
    page.get_by_label("检查日期").fill("2026-06-01")
    page.get_by_label("内部备注（不公开）").fill("负责人称下周补报年报")
    page.get_by_role("button", name="保存检查结果").click()
    assert "已保存 1 项检查结果" in page.locator("main").inner_text()
    tab.assert_accessible()
    _logout(tab)

    # the public page, without logging in
    tab.visit("/inspections/public/")
    tab.assert_accessible()
    page.get_by_role("link", name="2026 年 6 月市场监管、税务联合抽查").click()
    results = page.get_by_role("table").filter(has_text="检查结果")
    text = results.inner_text()
    assert enterprise in text and "发现问题，已责令整改" in text
    main_text = page.locator("main").inner_text()
    assert campaign.seed in main_text and "负责人称下周补报年报" not in main_text
    assert not any(p.name in main_text for p in iw.market_inspectors + iw.tax_inspectors)
    tab.assert_accessible()
    assert main(["inspections", "verify-campaign", str(campaign.pk)]) == 0
    tab.assert_no_js_errors()


def test_bad_input_is_explained_on_the_campaign_page(tab, inspection_world):
    from qinqing.inspections.models import Campaign, CampaignState
    from tests.inspections.conftest import plan

    plan(inspection_world, monthly_quiet=[[1, 31]], name="整月宁静日的计划")
    tab.login("office_admin")
    campaign = Campaign.objects.get()
    tab.visit(f"/inspections/campaigns/{campaign.pk}/")
    tab.page.get_by_role("button", name="公布承诺值").click()
    alert = tab.page.get_by_role("alert")
    assert "全部落在全域宁静日（每月 1–31 日）内" in alert.inner_text()
    tab.assert_accessible()
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DRAFT
    tab.assert_no_js_errors()


def test_every_inspections_page_is_accessible(tab, inspection_world):
    from qinqing.inspections import service
    from qinqing.inspections.models import CreditListKind
    from tests.inspections.conftest import TODAY, drawn_campaign
    from tests.world import USCC_A

    iw = inspection_world
    campaign = drawn_campaign(iw, publish=True)
    enterprise = iw.enterprises[-1]
    entry = service.add_list_entry(
        enterprise, actor=iw.office_admin, area=iw.city, kind=CreditListKind.BLACK,
        reason="拒不履行行政处罚决定", source="市市场监管局", listed_on=TODAY, ends_on=None, now=NOW,
    )  # fmt: skip
    service.submit_credit_repair(
        enterprise,
        actor=iw.office_admin,
        area=iw.city,
        statement="已履行",
        list_entry=entry,
        now=NOW,
    )
    service.add_quiet_period(
        actor=iw.office_admin, area=iw.city, enterprise=enterprise, start_on=TODAY,
        end_on=TODAY, reason="安静生产期", now=NOW,
    )  # fmt: skip
    visit = campaign.visits.order_by("number").first()
    tab.login("office_admin")
    for path in [
        "/inspections/",
        "/inspections/items/",
        "/inspections/items/new/",
        f"/inspections/items/{iw.market_item.pk}/",
        "/inspections/inspectors/",
        "/inspections/inspectors/new/",
        f"/inspections/inspectors/{iw.market_inspectors[0].pk}/",
        "/inspections/quiet/",
        "/inspections/credit/?q=甲企业",
        f"/inspections/credit/enterprises/{USCC_A}/",
        f"/inspections/visits/{visit.pk}/",
        "/inspections/campaigns/new/",
    ]:
        tab.visit(path)
        assert tab.page.locator("h1").count() == 1, path
        tab.assert_accessible()
    tab.assert_no_js_errors()
