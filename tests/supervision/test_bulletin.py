"""Bulletins: the Word file read back finds the dashboard's counts; a killed job leaves nothing."""

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from qinqing.core.audit.models import AuditEvent
from qinqing.supervision import bulletin as layout
from qinqing.supervision import service, views
from qinqing.supervision.models import Bulletin
from tests.supervision.factories import at, cycle_of, make_plan, make_task, monthly, slot

TODAY = date(2025, 7, 3)
NOW = datetime(2025, 7, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def ledger(world, monkeypatch):
    monkeypatch.setattr(views, "_now", lambda: NOW)
    plan = make_plan(world)
    t = {}
    t["done"] = make_task(
        plan, label="1", title="企业开办全程网办", lead=[world.market], due_on=date(2025, 6, 30)
    )
    t["claimed"] = make_task(
        plan, label="2", title="不动产登记压缩时限", lead=[world.market], due_on=date(2025, 9, 30)
    )
    t["late1"] = make_task(
        plan, label="3", title="工程建设项目审批提速", lead=[world.tax], due_on=date(2025, 6, 20)
    )
    t["late2"] = make_task(
        plan,
        label="4",
        title="获得电力报装提速",
        lead=[world.tax],
        responsible=[world.market],
        due_on=date(2025, 6, 25),
    )
    t["late3"] = make_task(
        plan, label="5", title="纳税缴费便利化", lead=[world.market], due_on=date(2025, 5, 31)
    )
    t["moving"] = make_task(
        plan, label="6", title="政务服务好差评", lead=[world.market], due_on=date(2025, 12, 31)
    )
    t["idle"] = make_task(
        plan, label="7", title="信用修复一网通办", lead=[world.ndrc], due_on=date(2025, 12, 31)
    )
    t["ongoing"] = make_task(
        plan, label="8", title="常态化政企沟通", lead=[world.county], ongoing=True
    )
    county_task = make_task(
        make_plan(world, title="示例县方案", area=world.county),
        title="县级任务",
        lead=[world.county],
        due_on=date(2025, 1, 31),
    )
    cadence = monthly(world, plan, starts_on=date(2025, 6, 1), now=at(date(2025, 6, 2)))
    june = cycle_of(cadence, date(2025, 6, 1))
    file = service.submit_report
    file(
        slot(t["done"], world.market, june),
        actor=world.market_clerk,
        stage="completed",
        narrative="已完成",
        now=at(date(2025, 6, 27)),
    )
    service.accept_report(
        slot(t["done"], world.market, june), actor=world.office_admin, now=at(date(2025, 6, 30))
    )
    file(
        slot(t["moving"], world.market, june),
        actor=world.market_clerk,
        stage="in_progress",
        narrative="推进中",
        now=at(date(2025, 7, 1)),
    )
    file(
        slot(t["late2"], world.market, june),
        actor=world.market_clerk,
        stage="in_progress",
        narrative="配合推进",
        now=at(date(2025, 7, 2)),
    )
    service.return_report(
        slot(t["late2"], world.market, june),
        actor=world.office_admin,
        reason="请补充报装数据",
        now=at(date(2025, 7, 2)),
    )
    file(
        slot(t["claimed"], world.market, june),
        actor=world.market_clerk,
        stage="completed",
        narrative="已办结",
        now=at(date(2025, 7, 2)),
    )
    service.issue_supervision_notice(
        actor=world.office_admin,
        unit=world.tax,
        task=t["late1"],
        level="supervision",
        reason="逾期",
        response_workdays=5,
        now=at(date(2025, 6, 26)),
    )
    return {"tasks": t, "june": june, "county_task": county_task}


def _dashboard_counts(client) -> dict[str, int]:
    html = client.get("/supervision/").content.decode()
    rows = re.findall(
        r'data-status="(\w+)"><th scope="row"><span class="badge[^"]*">([^<]+)</span></th><td>(\d+)</td>',
        html,
    )
    total = int(re.search(r'<span id="total-tasks">(\d+)</span>', html).group(1))
    return {label: int(n) for _, label, n in rows}, total


def _docx_counts(data: bytes) -> tuple[dict[str, int], int]:
    doc = Document(io.BytesIO(data))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "任务状态")
    rows = {r.cells[0].text: int(r.cells[1].text) for r in table.rows[1:]}
    total = rows.pop("合计")
    return rows, total


def test_docx_read_back_has_the_dashboards_counts(world, client_for, ledger):
    client = client_for(world.office_admin)
    dashboard, total = _dashboard_counts(client)
    # the scene covers every status (and the county's own task stays out of the city's ledger)
    assert dashboard == {
        "逾期": 3,
        "未启动": 1,
        "推进中": 1,
        "已完成待核验": 1,
        "已完成": 1,
        "长期坚持": 1,
    }
    assert total == 8
    r = client.post("/supervision/bulletins/", {"period": "2025-06"})
    assert r.status_code == 302
    row = Bulletin.objects.get()
    data = b"".join(client.get(f"/supervision/bulletins/{row.pk}/docx/").streaming_content)
    counts, docx_total = _docx_counts(data)
    assert counts == dashboard and docx_total == total
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "关于2025年6月示例市优化营商环境重点任务推进情况的通报" in text
    assert "〔2025〕　　号" in text  # 文号 placeholder
    assert "2025年7月3日" in text
    # overdue tasks listed by unit: 市税务局 2, 市市场监管局 1
    assert "市税务局（2项）" in text and "市市场监管局（1项）" in text
    assert "工程建设项目审批提速" in text and "纳税缴费便利化" in text
    assert "督办1件" in text
    assert len(Document(io.BytesIO(data)).inline_shapes) == 1  # the chart
    ranking = next(
        t for t in Document(io.BytesIO(data)).tables if t.rows[0].cells[0].text == "排名"
    )
    units = [r.cells[1].text for r in ranking.rows[1:]]
    assert set(units) == {"市市场监管局", "市税务局", "市发展和改革委员会", "示例县"}


def test_pdf_is_a_pdf_with_the_title(world, ledger):
    from pypdf import PdfReader

    row = service.generate_bulletin(
        actor=world.office_admin,
        area=world.city,
        period_start=date(2025, 6, 1),
        period_end=date(2025, 6, 30),
        now=NOW,
    )
    from django.core.files.storage import default_storage

    with default_storage.open(row.pdf.name, "rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    assert len(reader.pages) >= 2
    text = "".join(page.extract_text() or "" for page in reader.pages)
    assert "优化营商环境" in text and "逾期" in text


def _june_bulletin(world) -> Bulletin:
    return service.generate_bulletin(
        actor=world.office_admin,
        area=world.city,
        period_start=date(2025, 6, 1),
        period_end=date(2025, 6, 30),
        now=NOW,
    )


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_each_bulletin_download_is_audited_as_a_read(world, client_for, ledger, fmt):
    row = _june_bulletin(world)
    for persona in ("tax_clerk", "leader"):  # a unit's clerk, and the read-only 领导
        user = getattr(world, persona)
        r = client_for(user).get(f"/supervision/bulletins/{row.pk}/{fmt}/")
        assert r.status_code == 200 and b"".join(r.streaming_content)
        event = AuditEvent.objects.filter(verb=layout.DOWNLOADED).latest("seq")
        assert event.actor_id == user.pk and event.object_id == str(row.pk)
        assert event.after == {"format": fmt} and event.unit_id == world.city.pk
    assert AuditEvent.objects.filter(verb=layout.DOWNLOADED).count() == 2


def test_a_refused_bulletin_download_leaves_no_download_record(world, client_for, ledger):
    row = _june_bulletin(world)
    for persona in ("enterprise_a", "other_officer"):
        r = client_for(getattr(world, persona)).get(f"/supervision/bulletins/{row.pk}/pdf/")
        assert r.status_code in (403, 404) and not r.has_header("Content-Disposition")
    unknown = client_for(world.tax_clerk).get(f"/supervision/bulletins/{row.pk}/xls/")
    assert unknown.status_code == 404
    assert not AuditEvent.objects.filter(verb=layout.DOWNLOADED).exists()


@pytest.mark.parametrize("stage", ["gathered", "docx", "pdf"])
def test_bulletin_job_killed_halfway_leaves_no_row_or_file(
    world, ledger, monkeypatch, _private_storage, stage
):
    events = AuditEvent.objects.count()

    def kill(at_stage):
        if at_stage == stage:
            raise RuntimeError("killed")

    monkeypatch.setattr(service, "_bulletin_checkpoint", kill)
    with pytest.raises(RuntimeError):
        service.generate_bulletin(
            actor=world.office_admin,
            area=world.city,
            period_start=date(2025, 6, 1),
            period_end=date(2025, 6, 30),
            now=NOW,
        )
    assert not Bulletin.objects.exists() and AuditEvent.objects.count() == events
    bulletins_dir = _private_storage / "supervision" / "bulletins"
    assert not bulletins_dir.exists() or not any(p.is_file() for p in bulletins_dir.rglob("*"))
    monkeypatch.setattr(service, "_bulletin_checkpoint", lambda _s: None)
    service.generate_bulletin(
        actor=world.office_admin,
        area=world.city,
        period_start=date(2025, 6, 1),
        period_end=date(2025, 6, 30),
        now=NOW,
    )
    assert list(Bulletin.objects.values_list("version", flat=True)) == [1]
    assert len([p for p in bulletins_dir.rglob("*") if p.is_file()]) == 2


def test_regenerating_makes_a_new_version(world, ledger):
    for _ in range(2):
        service.generate_bulletin(
            actor=world.office_admin,
            area=world.city,
            period_start=date(2025, 6, 1),
            period_end=date(2025, 6, 30),
            now=NOW,
        )
    assert sorted(Bulletin.objects.values_list("version", flat=True)) == [1, 2]


def test_chart_renders_chinese_labels_with_a_cjk_font():
    from qinqing.core.files.official import cjk_font

    assert cjk_font().path  # the set-up installs one (fonts-wqy-zenhei)
    data = layout.BulletinData(
        area="示例市",
        issuer="示例市营商环境办",
        period_start=date(2025, 6, 1),
        period_end=date(2025, 6, 30),
        as_of=TODAY,
        total=3,
        counts=[("逾期", 1), ("推进中", 2)],
        due_soon=0,
        overdue_by_unit=[],
    )
    png = layout.render_chart(data)
    assert png.startswith(b"\x89PNG")
