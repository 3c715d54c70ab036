"""``qinqing supervision sweep`` and ``qinqing supervision bulletin``."""

import io
from datetime import date

import pytest
from docx import Document

from qinqing.cli.main import main
from qinqing.supervision.models import Bulletin, Reminder
from tests.supervision.factories import at, make_plan, make_task, monthly

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


@pytest.fixture
def ledger(world):
    plan = make_plan(world)
    make_task(plan, label="1", title="逾期任务", lead=[world.tax], due_on=date(2025, 6, 27))
    make_task(plan, label="2", title="进行中任务", lead=[world.market], due_on=date(2025, 12, 31))
    monthly(world, plan, starts_on=date(2025, 6, 1), now=at(date(2025, 6, 2)))
    return plan


def test_sweep_command_prints_counts_and_is_idempotent(ledger, capsys):
    assert main(["supervision", "sweep", "--now", "2025-06-30T09:00", "--no-send"]) == 0
    out = capsys.readouterr().out
    assert "调度巡检（2025-06-30）" in out and "逾期 1" in out
    created = Reminder.objects.count()
    assert created > 0
    assert main(["supervision", "sweep", "--now", "2025-06-30", "--no-send"]) == 0
    assert "新增提醒 0 条" in capsys.readouterr().out
    assert Reminder.objects.count() == created


def test_sweep_command_refuses_a_bad_time(ledger, capsys):
    assert main(["supervision", "sweep", "--now", "6月30日"]) == 2
    assert "错误：时刻“6月30日”无效" in capsys.readouterr().err


def test_bulletin_command_writes_word_and_pdf(ledger, tmp_path, capsys):
    out = tmp_path / "通报.docx"
    pdf = tmp_path / "通报.pdf"
    code = main(
        [
            "supervision",
            "bulletin",
            "--period",
            "2025-06",
            "--out",
            str(out),
            "--pdf",
            str(pdf),
            "--today",
            "2025-07-03",
        ]
    )
    assert code == 0, capsys.readouterr().err
    doc = Document(io.BytesIO(out.read_bytes()))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "任务状态")
    counts = {r.cells[0].text: r.cells[1].text for r in table.rows[1:]}
    assert counts["逾期"] == "1" and counts["推进中"] == "0" and counts["合计"] == "2"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert Bulletin.objects.get().as_of == date(2025, 7, 3)


def test_bulletin_command_explains_bad_input(ledger, tmp_path, capsys):
    assert (
        main(["supervision", "bulletin", "--period", "2025-13", "--out", str(tmp_path / "a.docx")])
        == 2
    )
    assert "期间“2025-13”无效" in capsys.readouterr().err
    assert (
        main(
            [
                "supervision",
                "bulletin",
                "--period",
                "2025-06",
                "--out",
                str(tmp_path / "a.docx"),
                "--area",
                "不存在的县",
            ]
        )
        == 2
    )
    assert "地区“不存在的县”不存在" in capsys.readouterr().err
    assert not Bulletin.objects.exists()
