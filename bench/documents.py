"""Official documents: how long the 通报 and the 督办单 take to render as Word and PDF.

No database: the renderers take plain data. Measured:

* a large 通报 (300 units in the ranking, 600 overdue tasks under 60 units, a contributed
  chapter with a 300-row table): chart, Word, PDF;
* one 督办单 as Word and as PDF, rendered on each download (cold: first in the process,
  which reads the font; warm: every later one).

Baseline in the same run: the same PDFs with reportlab's built-in, non-embedded CID font
(STSong-Light, what the bulletin used before), so the ratio is the cost of embedding a
subset of the TrueType font. Writes docs/bench/documents.md.

Usage: .venv/bin/python bench/documents.py
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinqing.settings")

import django  # noqa: E402

django.setup()

from bench._common import best, load_note, machine_line, write_doc  # noqa: E402
from qinqing.core.files import official  # noqa: E402
from qinqing.core.manifest import BulletinSection, BulletinTable  # noqa: E402
from qinqing.supervision import bulletin as layout  # noqa: E402
from qinqing.supervision import notice_document  # noqa: E402


def big_bulletin() -> layout.BulletinData:
    ranking = [
        layout.RankRow(
            rank=i,
            unit=f"第{i}单位（示例县市场监督管理局）",
            expected=24,
            on_time=24 - i % 7,
            late=i % 5,
            missing=i % 3,
            not_due=0,
            returned=i % 4,
            timeliness=100.0 - i % 7 * 4.1,
            returned_rate=float(i % 4),
            overdue_tasks=i % 9,
        )
        for i in range(1, 301)
    ]
    overdue = [
        (
            f"第{u}牵头单位",
            [
                layout.OverdueTask(
                    f"{u}-{k}", f"推进第{u}-{k}项营商环境改革任务", date(2025, 6, 20)
                )
                for k in range(1, 11)
            ],
        )
        for u in range(1, 61)
    ]
    section = BulletinSection(
        "问题整改情况",
        "截至2025年7月3日，问题台账共登记问题3000项。",
        [
            BulletinTable(
                [
                    "责任单位",
                    "合计",
                    "整改中",
                    "待销号审核",
                    "已销号",
                    "回头看通过",
                    "已移送",
                    "逾期",
                ],
                [[f"第{i}单位", 10, 3, 2, 3, 1, 1, 1] for i in range(1, 301)],
                empty="本期无。",
                caption="按责任单位统计",
            )
        ],
    )
    return layout.BulletinData(
        area="示例市",
        issuer="示例市营商环境办",
        period_start=date(2025, 6, 1),
        period_end=date(2025, 6, 30),
        as_of=date(2025, 7, 3),
        total=1200,
        counts=[("逾期", 600), ("未启动", 100), ("推进中", 400), ("已完成", 100)],
        due_soon=40,
        overdue_by_unit=overdue,
        ranking=ranking,
        sections=[section],
    )


def a_notice() -> SimpleNamespace:
    unit = SimpleNamespace(name="市税务局")
    return SimpleNamespace(
        issuing_unit=SimpleNamespace(name="示例市营商环境办"),
        unit=unit,
        level="supervision",
        number="督办〔2025〕7号",
        task=SimpleNamespace(label="6", title="工程建设项目审批提速"),
        reason="任务超过完成时限15天仍未完成，进度报送两次逾期。",
        requirement="逐项说明原因并提出整改措施",
        response_workdays=5,
        response_due_on=date(2025, 10, 14),
        issued_on=date(2025, 9, 30),
        escalated_from_id=None,
        response="",
        closed_at=None,
        referred_to_discipline=False,
    )


def with_cid_font() -> None:
    """Baseline: reportlab's built-in STSong-Light, which a PDF names but does not embed."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    official._register_pdf_font = lambda: "STSong-Light"


def main() -> None:
    before = load_note()
    notice = a_notice()
    t0 = time.perf_counter()
    cold_pdf = notice_document.render(notice, "pdf")
    cold = time.perf_counter() - t0
    notice_docx, _ = best(lambda: notice_document.render(notice, "docx"), 5)
    notice_pdf, pdf_bytes = best(lambda: notice_document.render(notice, "pdf"), 5)
    data = big_bulletin()
    chart_s, chart = best(lambda: layout.render_chart(data), 3)
    docx_s, docx_bytes = best(lambda: layout.render_docx(data, chart), 3)
    big_pdf_s, big_pdf = best(lambda: layout.render_pdf(data, chart), 3)
    register = official._register_pdf_font
    with_cid_font()
    base_notice_s, base_notice = best(lambda: notice_document.render(notice, "pdf"), 5)
    base_big_s, base_big = best(lambda: layout.render_pdf(data, chart), 3)
    official._register_pdf_font = register
    after = load_note()

    def ms(s: float) -> str:
        return f"{s * 1000:.0f} ms"

    def kb(b: bytes) -> str:
        return f"{len(b) / 1024:.0f} KB"

    lines = [
        "## Official documents: 通报 and 督办单 (`bench/documents.py`)",
        "",
        "What it measures: rendering with `qinqing.core.files.official` (no database). A large",
        "通报: 300 units ranked, 600 overdue tasks under 60 units, a contributed 300-row chapter;",
        "one 督办单, rendered on every download. Baseline in the same run: the same PDFs with",
        "reportlab's non-embedded CID font STSong-Light (what the 通报 used before), so the ratio",
        "is the cost of embedding the TrueType font subset (文泉驿正黑).",
        "",
        f"- {machine_line()}",
        f"- Command: `.venv/bin/python bench/documents.py`; before the run {before}, after {after}",
        "- Best of 3 (通报) or 5 (督办单) runs; the machine is shared by about eight engineers.",
        "",
        "| | time | size | baseline (CID font, not embedded) | ratio |",
        "|---|---:|---:|---:|---:|",
        f"| 督办单 PDF, first in the process (imports reportlab, reads the 17 MB font) | {ms(cold)} | {kb(cold_pdf)} | | |",
        f"| 督办单 PDF | {ms(notice_pdf)} | {kb(pdf_bytes)} | {ms(base_notice_s)} ({kb(base_notice)}) | {notice_pdf / base_notice_s:.1f}x |",
        f"| 督办单 Word | {ms(notice_docx)} | | | |",
        f"| 通报 chart (PNG) | {ms(chart_s)} | {kb(chart)} | | |",
        f"| 通报 Word | {ms(docx_s)} | {kb(docx_bytes)} | | |",
        f"| 通报 PDF | {ms(big_pdf_s)} | {kb(big_pdf)} | {ms(base_big_s)} ({kb(base_big)}) | {big_pdf_s / base_big_s:.1f}x |",
        "",
        "Reading: a 督办单 download answers well within a second once a worker has loaded the font",
        "(the first download per process pays a few seconds); the embedded font makes the PDF",
        "larger and slower than one that leaves the font to the reader's computer: the price of printing the same everywhere.",
    ]
    path = write_doc("documents", lines)
    print("\n".join(lines))
    print(f"written: {path}")


if __name__ == "__main__":
    main()
