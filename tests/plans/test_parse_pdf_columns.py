"""Multi-column PDFs (issue 16): read column by column, or refused with a message saying so."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from qinqing.core.errors import InvalidInput
from qinqing.plans.parsing import parse_bytes, parse_file

CORPUS = Path(__file__).resolve().parent / "corpus"


def _two_column_pdf(lines: list[str], *, gutter: float = 24) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("b", fontName="STSong-Light", fontSize=14, leading=20, wordWrap="CJK")
    buf = io.BytesIO()
    width, height = A4
    col = (width - 2 * 50 - gutter) / 2
    frames = [
        Frame(50, 50, col, height - 100, id="left"),
        Frame(50 + col + gutter, 50, col, height - 100, id="right"),
    ]
    doc = BaseDocTemplate(buf, pagesize=A4, invariant=1)
    doc.addPageTemplates([PageTemplate(id="two", frames=frames)])
    doc.build([Paragraph(line, style) for line in lines])
    return buf.getvalue()


def test_a_two_column_pdf_is_read_column_by_column():
    text = (CORPUS / "text" / "c02.txt").read_text(encoding="utf-8")
    pdf = _two_column_pdf([ln for ln in text.splitlines() if ln.strip()])
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1  # the text fills both columns of a page
    parsed = parse_bytes(pdf, "官渡区两栏.pdf")
    expected = parse_file(CORPUS / "c02_kunming-guandu_2016.gbk.txt")["tasks"]
    for field in ("id", "title", "lead_units", "responsible_units"):
        assert [t[field] for t in parsed["tasks"]] == [t[field] for t in expected], field


def test_a_pdf_whose_columns_cannot_be_told_apart_is_refused_with_the_reason():
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("STSong-Light", 10)
    width, height = A4
    y = height - 60
    for i in range(1, 13):
        # a left run that reaches across the middle, beside runs that start in the middle
        c.drawString(
            50, y, f"{i}.推进政务服务事项网上办理，全面提升政务服务事项网上可办率和全程网办率"
        )
        c.drawString(width / 2, y - 14, "牵头单位：市政务服务中心")
        y -= 40
    c.save()
    with pytest.raises(InvalidInput, match="多栏排版"):
        parse_bytes(buf.getvalue(), "混排.pdf")


@pytest.mark.parametrize("name", ["c04_shiyan-fangxian_2023.pdf", "c09_xianyang_2022.pdf"])
def test_one_column_pdfs_are_read_as_before(name):
    assert parse_file(CORPUS / name)["tasks"]
