"""Pairing import/export (.xlsx, all or nothing), the dashboard counts, indicators, seeds."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from qinqing.assessment.registry import Period
from qinqing.core.audit.models import AuditEvent
from qinqing.core.files.xlsx import write_workbook
from qinqing.engagement import indicators, service
from qinqing.engagement.models import Pairing, RaisedIssue, Visit
from qinqing.engagement.tasks import flag_overdue_visits
from tests.engagement.conftest import NOW, make_enterprise
from tests.world import make_uscc

HEADERS = ["干部账号", "统一社会信用代码", "网格层级", "走访频次", "开始日期", "结束日期", "备注"]


def upload(rows, name="包联.xlsx"):
    return SimpleUploadedFile(name, write_workbook(HEADERS, rows))


def test_import_with_unknown_cadre_and_enterprise_reports_every_row_and_writes_nothing(
    scene, as_user
):
    client = as_user(scene.world.office_admin)
    before = (Pairing.objects.count(), AuditEvent.objects.count())
    unknown = make_uscc("91110000MA01YYYY9")
    rows = [
        ["market_clerk", scene.ent_b.uscc, "行业监管", "每月", "2026-03-01", "", "好行"],
        ["nobody", scene.ent_b.uscc, "属地管理", "每月", "2026-03-01", "", ""],
        ["county_clerk", unknown, "属地管理", "每季度", "2026-03-01", "", ""],
        ["county_clerk", scene.ent_a.uscc, "区级", "每周", "2026-02-30", "", ""],
        ["market_clerk", scene.ent_a.uscc, "", "", "2026-03-01", "", ""],  # overlaps pairing_a
    ]
    response = client.post(reverse("engagement:pairings_import"), {"file": upload(rows)})
    assert response.status_code == 200
    text = response.content.decode()
    assert "干部账号“nobody”不是已登记的包联干部" in text
    assert f"统一社会信用代码“{unknown}”在企业库中找不到" in text
    assert "第 5 行“网格层级”为“区级”" in text and "“走访频次”为“每周”" in text
    assert "第 5 行“开始日期”为“2026-02-30”，不是有效日期" in text
    assert "第 6 行" in text and "重叠" in text
    assert "整个文件未导入" in text
    assert (Pairing.objects.count(), AuditEvent.objects.count()) == before


def test_import_and_export_round_trip(scene, as_user):
    client = as_user(scene.world.office_admin)
    make_enterprise(make_uscc("91110000MA01DDDD3"), "丁企业")
    rows = [
        ["market_clerk", scene.ent_b.uscc, "行业监管", "每季度", dt.date(2026, 3, 1), None, ""],
        ["county_clerk", make_uscc("91110000MA01DDDD3"), "属地管理", "每月", "2026/03/02", "", ""],
    ]
    response = client.post(reverse("engagement:pairings_import"), {"file": upload(rows)})
    assert response.status_code == 302
    assert Pairing.objects.count() == 5
    created = Pairing.objects.get(cadre=scene.market_cadre, enterprise=scene.ent_b)
    assert created.cadence_months == 3 and created.grid_level == "industry"
    assert AuditEvent.objects.filter(verb="pairing.imported").count() == 1
    export = client.get(reverse("engagement:pairings_export"))
    sheet = load_workbook(io.BytesIO(export.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["干部账号", "干部姓名", "层级"]
    assert len(values) == 6
    template = client.get(reverse("engagement:pairings_import") + "?template=1")
    assert load_workbook(io.BytesIO(template.content)).active["A1"].value == "干部账号"


def test_county_office_cannot_import_city_cadres(scene, as_user):
    client = as_user(scene.world.county_officer)
    rows = [["market_clerk", scene.ent_b.uscc, "行业监管", "每月", "2026-03-01", "", ""]]
    response = client.post(reverse("engagement:pairings_import"), {"file": upload(rows)})
    assert "不在您管理的地区内" in response.content.decode()
    assert Pairing.objects.count() == 3


def issue(visit, title, appeal_type="help"):
    return service.raise_issue_from_visit(visit, actor=visit.cadre.user, now=NOW,
                                          need_type="finance", data={
        "title": title, "content": "融资难", "contact_name": "钱经理", "contact_phone": "13800000000",
        "appeal_type": appeal_type,
    })  # fmt: skip


def test_dashboard_counts_and_drill_down(scene, as_user):
    from qinqing.appeals import service as appeals

    w = scene.world
    v1 = service.record_visit(scene.pairing_a, actor=w.market_clerk, now=NOW, mode="onsite",
                              visited_on=dt.date(2026, 1, 20), summary="走访")  # fmt: skip
    service.record_visit(scene.pairing_b, actor=w.county_clerk, now=NOW, mode="onsite",
                         visited_on=dt.date(2026, 3, 5), summary="走访")  # fmt: skip
    flag_overdue_visits(NOW)
    service.rate_visit(v1, actor=w.enterprise_a, now=NOW, rating="partly")
    first = issue(v1, "贷款", "consultation")
    issue(v1, "担保")
    appeals.answer_on_the_spot(first.appeal, actor=w.office_admin, now=NOW, answer="已对接银行。")
    client = as_user(w.office_admin)
    page = client.get(reverse("engagement:dashboard"), {"start": "2026-01-01", "end": "2026-03-09"})
    totals = page.context["total"]
    assert (totals.issues, totals.issues_closed, totals.issues_open) == (2, 1, 1)
    assert "收集诉求 2 个，推动办结 1 个，1 个正在推进中" in page.content.decode()
    # cycles due 1 Jan – 9 Mar: 甲 4 Feb done, 4 Mar missed; 乙 4 Feb missed, 4 Mar missed…
    # …then 乙's visit on 5 March fulfils the cycle due 7 April (not in the period); 丙 4 Feb missed
    assert (totals.cycles_done, totals.cycles_missed) == (1, 4)
    assert totals.satisfaction_rate == 80.0
    rows = {c.label: c for c in page.context["rows"]}
    assert set(rows) == {"示例市", "示例县"}
    city = rows["示例市"]
    drill = client.get(reverse("engagement:dashboard"), {"unit": w.city.pk, "start": "2026-01-01"})
    assert [c.label for c in drill.context["rows"]] == ["市市场监管局"]
    cadres = client.get(
        reverse("engagement:dashboard"), {"unit": w.market.pk, "start": "2026-01-01"}
    )
    assert [c.label for c in cadres.context["rows"]] == ["market_clerk"]
    assert cadres.context["rows"][0].issues == city.issues == 2
    export = client.get(reverse("engagement:dashboard_export"), {"start": "2026-01-01"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet["A1"].value == "地区" and sheet.cell(sheet.max_row, 1).value == "合计"


def test_indicators_for_areas_and_units(scene, clock):
    w = scene.world
    service.record_visit(scene.pairing_a, actor=w.market_clerk, now=NOW, mode="onsite",
                         visited_on=dt.date(2026, 1, 20), summary="走访")  # fmt: skip
    flag_overdue_visits(NOW)
    period = Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    values = indicators.visit_completion(period, [w.market.pk, w.county.pk, w.city.pk, w.tax.pk])
    assert values[w.market.pk] == round(100 * 1 / 3, 1)  # 甲: 1 done, 1 missed; 丙: 1 missed
    assert values[w.county.pk] == 0.0
    assert values[w.city.pk] == round(100 * 1 / 5, 1)
    assert values[w.tax.pk] is None
    key = service.create_enterprise_list(actor=w.office_admin, now=NOW, name="重点", kind="key",
                                         area=w.city)  # fmt: skip
    service.add_to_list(
        key, scene.ent_a, actor=w.office_admin, now=NOW, joined_on=dt.date(2026, 1, 1)
    )
    service.add_to_list(key, make_enterprise(make_uscc("91110000MA01DDDD3"), "丁"), actor=None,
                        now=NOW, joined_on=dt.date(2026, 1, 1))  # fmt: skip
    coverage = indicators.pairing_coverage(period, [w.city.pk, w.market.pk])
    assert coverage == {w.city.pk: 50.0, w.market.pk: None}


def test_demo_seed_is_idempotent(db, clock):
    from qinqing.core.orgs.models import Unit
    from qinqing.engagement.seeds import load_demo
    from qinqing.web.demo import build_demo, build_demo_people

    logs = []
    build_demo(logs.append, with_domains=False)  # directory and personas only
    city = Unit.objects.get(kind="city", parent__kind="province", name="示例市")
    users, _ = build_demo_people(city, reset_passwords=False)
    load_demo(city=city, users=users, log=logs.append)
    pairings = Pairing.objects.count()
    assert pairings >= 5
    assert Visit.objects.exists() and RaisedIssue.objects.count() == 1
    load_demo(city=city, users=users, log=logs.append)
    assert Pairing.objects.count() == pairings
    assert any("包联服务演示数据已存在" in line for line in logs)
