"""The pages through the test client: the office builds and runs, leaders and units read."""

import io
import json
import re
from decimal import Decimal

from openpyxl import load_workbook

from qinqing.assessment import service
from qinqing.assessment.models import AssessmentRun, AssessmentScheme, RunStatus, SchemeStatus
from qinqing.core.audit.models import AuditEvent
from tests.assessment.support import (
    NOTICES,
    NOW,
    ON_TIME,
    Q1,
    Q2,
    RETURNED,
    build_departments_scheme,
    feed_standard_values,
    run,
    xlsx_bytes,
)


def _json(body: str, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', body)
    assert match, f"no json_script {element_id}"
    return json.loads(match.group(1))


def test_office_builds_a_scheme_through_the_pages(world, feed, client_for):
    client = client_for(world.office_admin)
    page = client.get("/assessment/schemes/new/")
    assert page.status_code == 200 and "新建考评方案" in page.content.decode()
    r = client.post(
        "/assessment/schemes/new/",
        {"name": "二〇二六年市直部门考评", "target_kind": "departments",
         "effective_from": "2026-01-01", "effective_to": "2026-12-31", "bottom_n": 1},
    )  # fmt: skip
    scheme = AssessmentScheme.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/assessment/schemes/{scheme.pk}/"
    url = f"/assessment/schemes/{scheme.pk}/"
    body = client.get(url).content.decode()
    assert "任务按时完成率（调度督办，越高越好）" in body
    assert f'id="target-{world.market.pk}" checked' in body

    client.post(url + "items/", {"indicator_code": ON_TIME, "weight": "50", "method": "linear",
                                 "floor": "60", "ceiling": "100"})  # fmt: skip
    client.post(url + "items/", {"indicator_code": RETURNED, "weight": "30", "method": "rank"})
    r = client.post(url + "items/", {"indicator_code": NOTICES, "weight": "10",
                                     "method": "threshold", "thresholds": "95:100，80：60"})  # fmt: skip
    assert r.status_code == 302
    # the fines indicator is refused on the page with the article cited
    r = client.post(url + "items/", {"indicator_code": "test.penalty_amount", "weight": "10",
                                     "method": "rank"})  # fmt: skip
    assert r.status_code == 400
    assert "严禁下达或变相下达罚没收入指标" in r.content.decode()
    # weights add up to 90: activation is refused and the page says why
    r = client.post(url + "activate/")
    assert r.status_code == 400
    text = r.content.decode()
    assert "各项指标权重合计为 90，应为 100（还差 10）" in text and 'role="alert"' in text
    assert AssessmentScheme.objects.get().status == SchemeStatus.DRAFT
    item = scheme.items.get(indicator_code=NOTICES)
    r = client.post(url + f"items/{item.pk}/", {"weight": "20", "method": "threshold",
                                                "thresholds": "95:100, 80:60"})  # fmt: skip
    assert r.status_code == 302
    assert client.post(url + "activate/").status_code == 302
    scheme.refresh_from_db()
    assert scheme.status == SchemeStatus.ACTIVE
    assert scheme.items.get(indicator_code=NOTICES).thresholds == [[95.0, 100.0], [80.0, 60.0]]

    feed_standard_values(feed, world)
    r = client.post(url + "runs/", {"period_start": "2026-01-01", "period_end": "2026-03-31"})
    result = AssessmentRun.objects.get()
    assert r["Location"] == f"/assessment/runs/{result.pk}/"
    assert result.period_label == "2026年第1季度" and result.status == RunStatus.COMPUTED
    assert client.post(f"/assessment/runs/{result.pk}/recompute/").status_code == 302
    assert client.post(f"/assessment/runs/{result.pk}/publish/").status_code == 302
    result.refresh_from_db()
    assert result.status == RunStatus.PUBLISHED
    r = client.post(f"/assessment/runs/{result.pk}/recompute/")
    assert r.status_code == 400 and "已发布，不能重算" in r.content.decode()


def test_run_form_errors_are_shown(world, feed, client_for):
    scheme = build_departments_scheme(world)
    client = client_for(world.office_admin)
    url = f"/assessment/schemes/{scheme.pk}/runs/"
    r = client.post(url, {"period_start": "2026-04-01", "period_end": "2026-03-01"})
    assert r.status_code == 400 and "晚于期间结束" in r.content.decode()
    r = client.post(url, {"period_start": "2027-01-01", "period_end": "2027-03-31"})
    assert r.status_code == 400 and "超出方案的有效期" in r.content.decode()
    assert not AssessmentRun.objects.exists()


def test_dashboard_shows_ranking_bottom_in_red_chart_data_and_trend(world, feed, client_for):
    feed_standard_values(feed, world)
    scheme = build_departments_scheme(world)
    run(scheme, Q1, world=world, publish=True)
    feed.set(ON_TIME, {world.market: 60, world.tax: 100, world.ndrc: 100}, Q2)
    second = run(scheme, Q2, world=world, publish=True)
    body = client_for(world.leader).get(f"/assessment/runs/{second.pk}/").content.decode()
    chart = _json(body, "ranking-data")
    # Q2: tax 50+15+12 = 77, ndrc 50+0+0 = 50, market 0+30+20 = 50: tax first, a tie after
    assert chart["names"][0] == "市税务局"
    assert set(chart["names"][1:]) == {"市市场监管局", "市发展和改革委员会"}
    assert chart["totals"] == [77.0, 50.0, 50.0]
    assert chart["flagged"] == [False, False, False]  # the tie at the bottom is not flagged
    trend = _json(body, "trend-data")
    assert trend["periods"] == ["2026年第1季度", "2026年第2季度"]
    assert trend["best"] == [100.0, 77.0] and trend["worst"] == [0.0, 50.0]
    assert 'data-chart="ranking"' in body and "echarts.min.js" in body
    assert "导出 Excel" in body and "重算" not in body  # leaders read, never change

    first = AssessmentRun.objects.get(period_label="2026年第1季度")
    body = client_for(world.leader).get(f"/assessment/runs/{first.pk}/").content.decode()
    row = re.search(r'<tr class="flagged">.*?</tr>', body, re.S).group(0)
    assert "市发展和改革委员会" in row and "末位" in row


def test_drilldown_lists_indicator_values_and_links_to_the_domain(world, feed, client_for):
    feed_standard_values(feed, world)
    scheme = build_departments_scheme(world)
    result = run(scheme, Q1, world=world, publish=True)
    r = client_for(world.office_admin).get(f"/assessment/runs/{result.pk}/units/{world.tax.pk}/")
    body = r.content.decode()
    assert r.status_code == 200
    assert "市税务局 · 2026年第1季度 得分明细" in body
    assert "80%" in body and "25" in body  # raw value and points of 按时完成率
    assert f'href="/supervision/ledger/?unit={world.tax.pk}&amp;from=2026-01-01"' in body
    assert "线性插值：60 得 0 分，100 及以上得满分" in body
    assert "越低越好" in body  # 退回率


def test_export_is_a_workbook_with_every_unit(world, feed, client_for):
    feed_standard_values(feed, world)
    result = run(build_departments_scheme(world), Q1, world=world, publish=True)
    r = client_for(world.leader).get(f"/assessment/runs/{result.pk}/export.xlsx")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("名次", "单位", "总分", "末位")
    assert rows[0][4] == "任务按时完成率（指标值，%）"
    assert rows[0][5] == "任务按时完成率（得分，满分 50）"
    assert [r_[:4] for r_ in rows[1:]] == [
        (1, "市市场监管局", 100.0, None),
        (2, "市税务局", 52.0, None),
        (3, "市发展和改革委员会", 0.0, "是"),
    ]


def test_unit_staff_see_the_ranking_and_only_their_own_details(world, feed, client_for):
    feed_standard_values(feed, world)
    result = run(build_departments_scheme(world), Q1, world=world, publish=True)
    client = client_for(world.market_clerk)
    body = client.get(f"/assessment/runs/{result.pk}/").content.decode()
    assert "市税务局" in body and "本单位" in body
    assert f"/assessment/runs/{result.pk}/units/{world.market.pk}/" in body
    assert f"/assessment/runs/{result.pk}/units/{world.tax.pk}/" not in body
    assert "导出 Excel" not in body
    assert "进度报送退回率" not in body  # no per-item points of other units in the table
    assert client.get(f"/assessment/runs/{result.pk}/units/{world.market.pk}/").status_code == 200
    assert client.get(f"/assessment/runs/{result.pk}/units/{world.tax.pk}/").status_code == 404
    index = client.get("/assessment/").content.decode()
    assert "2026年度市直部门营商环境考评" in index


def test_unpublished_runs_and_drafts_are_the_offices_only(world, feed, client_for):
    feed_standard_values(feed, world)
    scheme = build_departments_scheme(world)
    draft = service.revise_scheme(scheme, actor=world.office_admin, now=NOW)
    result = run(scheme, Q1, world=world)
    for user in (world.leader, world.market_clerk):
        client = client_for(user)
        assert client.get(f"/assessment/runs/{result.pk}/").status_code == 404
        assert client.get(f"/assessment/schemes/{draft.pk}/").status_code == 404
        assert "尚无已发布的结果" in client.get("/assessment/").content.decode()
    office = client_for(world.office_admin)
    assert office.get(f"/assessment/runs/{result.pk}/").status_code == 200
    assert "第 2 版草稿（修订中）" in office.get("/assessment/").content.decode()


def test_pages_escape_names(world, feed, client_for):
    feed_standard_values(feed, world)
    scheme = build_departments_scheme(world, name="<script>alert(1)</script>考评")
    result = run(scheme, Q1, world=world, publish=True)
    client = client_for(world.office_admin)
    for url in (
        "/assessment/",
        f"/assessment/schemes/{scheme.pk}/",
        f"/assessment/runs/{result.pk}/",
        f"/assessment/runs/{result.pk}/units/{world.tax.pk}/",
    ):
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body, url
        assert "&lt;script&gt;" in body or "\\u003Cscript\\u003E" in body, url


def test_external_pages_import_show_beside_internal_and_handle(world, feed, counties, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(world.office_admin)
    assert client.get("/assessment/external/").status_code == 200
    r = client.post("/assessment/external/rule/", {"bottom_n": 10, "level": "interview",
                                                   "active": "on"})  # fmt: skip
    assert r.status_code == 302
    data = xlsx_bytes([["县区", "排名", "得分", "年度/期次"], ["示例县", 12, 88.6, "2026年度"],
                       ["东城区", 95, 61.2, "2026年度"]])  # fmt: skip
    r = client.post(
        "/assessment/external/import/",
        {"file": SimpleUploadedFile("全省排名.xlsx", data), "total_ranked": 100,
         "source": "全省营商环境评价"},
    )  # fmt: skip
    assert r.status_code == 302
    ranking_url = r["Location"]
    body = client.get(ranking_url).content.decode()
    assert "95 / 100" in body and "约谈" in body and "004 (四)" in body

    # a county scheme's dashboard shows the province's rank beside the internal score
    scheme = service.create_scheme(actor=world.office_admin, area=world.city, name="县区考评",
                                   target_kind="counties", effective_from=Q1.start, now=NOW)  # fmt: skip
    service.add_scheme_item(scheme, actor=world.office_admin, indicator_code=ON_TIME,
                            weight=Decimal(100), method="rank", now=NOW)  # fmt: skip
    service.activate_scheme(scheme, actor=world.office_admin, now=NOW)
    feed.set(ON_TIME, {counties[0]: 90, counties[1]: 70, counties[2]: 80})
    county_run = run(scheme, Q1, world=world, publish=True)
    body = client_for(world.leader).get(f"/assessment/runs/{county_run.pk}/").content.decode()
    assert "全省排名" in body and "95 / 100" in body and "12 / 100" in body
    body = client_for(world.leader).get(ranking_url).content.decode()
    assert "县区考评（2026年第1季度）" in body

    # a wrong file is explained on the page, row by row
    client = client_for(world.office_admin)
    bad = "县区,排名,年度\n火星县,1,2026年度\n".encode("gbk")
    r = client.post("/assessment/external/import/", {
        "file": SimpleUploadedFile("b.csv", bad), "total_ranked": 100, "source": "全省营商环境评价",
    })  # fmt: skip
    assert r.status_code == 400 and "第 2 行“县区”为“火星县”" in r.content.decode()

    trigger = county_run.scheme.area.external_rankings.get().triggers.get()
    r = client.post(f"/assessment/external/triggers/{trigger.pk}/handle/", {"note": "已约谈"})
    assert r.status_code == 302
    trigger.refresh_from_db()
    assert trigger.handled_note == "已约谈"
    assert AuditEvent.objects.filter(verb="external_trigger.handled").count() == 1
