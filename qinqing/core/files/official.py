"""Official documents (公文) as Word and PDF, in the layout of GB/T 9704-2012.

A document is described once as an :class:`OfficialDocument` (版头, 文号, 标题, 主送, 正文
blocks, 落款) and rendered by :func:`render_docx` (python-docx) and :func:`render_pdf`
(reportlab) without touching the database. Both files carry the red header: the
发文机关标志 in red and a red rule under the 文号 line.

Layout where a generated file can follow the standard: A4, margins 37/35/28/26 mm, title
in 小标宋 22 pt, body in 仿宋 16 pt with a two-character first-line indent, first-level
headings in 黑体, second-level in 楷体, issuer and date at the foot, page numbers
"— 1 —" at the bottom. The Word file names the fonts as the standard does (Word substitutes
its own where they are missing). The PDF embeds a Chinese font with TrueType outlines found
on the server (:func:`cjk_font`), so it prints the same everywhere; the set-up installs one
(文泉驿正黑, Debian package fonts-wqy-zenhei).

Numbering is the caller's: headings and items arrive with their 一、/（一）/1. prefixes, so
nothing is numbered twice.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess  # noqa: S404  (fc-list with fixed arguments, no shell)
from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from qinqing.core.errors import QinqingError

RED = "C00000"  # the red of the masthead and its rule

# Chinese fonts with TrueType outlines (reportlab embeds only those), most suitable first;
# fontconfig is asked when none of these is present
KNOWN_CJK_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
)

FONT_MISSING = (
    "服务器上没有可用的中文字体，无法生成公文文件（Word 和 PDF）。"
    "请联系系统管理员安装中文字体（文泉驿正黑）后重新生成。"
)


class CJKFontMissing(QinqingError):
    """No Chinese font with TrueType outlines is installed on the server."""

    def __init__(self) -> None:
        super().__init__(FONT_MISSING)


@dataclass(frozen=True)
class CJKFont:
    path: str
    index: int = 0  # the face inside a .ttc collection


_found: CJKFont | None = None


def _from_fontconfig() -> CJKFont | None:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run(  # noqa: S603
            [
                fc_list,
                ":lang=zh:fontformat=TrueType:outline=true",
                "--format",
                "%{file}\t%{index}\n",
            ],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = []
    for line in out.splitlines():
        path, _, index = line.partition("\t")
        if path.lower().endswith((".ttf", ".ttc")) and Path(path).is_file():
            found.append(CJKFont(path, int(index or 0)))
    # a stable choice when several fonts are installed
    return min(found, key=lambda f: (f.path, f.index)) if found else None


def cjk_font() -> CJKFont:
    """The Chinese font the documents and charts use: ``QINQING_CJK_FONT`` (a .ttf/.ttc
    path) if set, else a known font, else the first one fontconfig lists with
    TrueType outlines. Raises :class:`CJKFontMissing` (a message for people) if none."""
    global _found
    if _found is not None and Path(_found.path).is_file():
        return _found
    configured = os.environ.get("QINQING_CJK_FONT", "")
    candidates = [CJKFont(configured)] if configured else []
    candidates += [CJKFont(path, index) for path, index in KNOWN_CJK_FONTS]
    font = next((c for c in candidates if Path(c.path).is_file()), None) or _from_fontconfig()
    if font is None:
        raise CJKFontMissing()
    _found = font
    return font


# ---------------------------------------------------------------------------------------------
# The document


@dataclass(frozen=True)
class Heading:
    """一级标题 (``level=1``, 黑体, e.g. "一、总体情况") or 二级 (``level=2``, 楷体, "（一）…")."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    """A body paragraph; ``indent=False`` for lines such as the 主送机关."""

    text: str
    indent: bool = True


@dataclass(frozen=True)
class Table:
    """A table with a header row; when it has no rows, the ``empty`` sentence stands in its
    place (a reader is told 本期无…, not shown an empty grid). ``widths`` in mm; columns
    in ``wrap`` may wrap in the PDF (names), the others are short figures."""

    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float]
    empty: str
    wrap: frozenset[int] = frozenset({0, 1})


@dataclass(frozen=True)
class FormTable:
    """A two-column form (label, value), as on a 督办单; values may span several lines."""

    rows: Sequence[tuple[str, str]]
    widths: tuple[float, float] = (36, 120)


@dataclass(frozen=True)
class Figure:
    """A PNG picture, centred (e.g. a chart)."""

    png: bytes
    width_mm: float
    height_mm: float


Block = Heading | Para | Table | FormTable | Figure


@dataclass(frozen=True)
class OfficialDocument:
    masthead: str  # 发文机关标志, printed in red
    number: str  # 发文字号, e.g. 督办〔2025〕7号
    title: str
    addressees: str  # 主送机关, ending with "："
    body: Sequence[Block]
    issuer: str  # 落款
    issued_on: date
    notes: Sequence[str] = field(default_factory=tuple)  # 附注 under the date, no indent


def cn_date(day: date) -> str:
    """Examples:
    >>> cn_date(date(2025, 7, 3))
    '2025年7月3日'
    """
    return f"{day.year}年{day.month}月{day.day}日"


_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """Chinese numerals for headings (一、 （二）).

    Examples:
    >>> cn_number(3), cn_number(10), cn_number(12), cn_number(25), cn_number(99), cn_number(120)
    ('三', '十', '十二', '二十五', '九十九', '120')
    """
    if n >= 100:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (_CN_DIGITS[tens] if tens > 1 else "") + "十" + (_CN_DIGITS[ones] if ones else "")


# ---------------------------------------------------------------------------------------------
# Word


# paragraph styles: (name, font, size pt, first-line indent, alignment, colour)
_DOCX_STYLES: tuple[tuple[str, str, int, bool, str | None, str | None], ...] = (
    ("公文正文", "仿宋_GB2312", 16, True, None, None),
    ("公文无缩进", "仿宋_GB2312", 16, False, None, None),
    ("公文落款", "仿宋_GB2312", 16, False, "right", None),
    ("公文居中", "仿宋_GB2312", 16, False, "center", None),
    ("公文一级标题", "黑体", 16, True, None, None),
    ("公文二级标题", "楷体_GB2312", 16, True, None, None),
    ("公文标题", "方正小标宋简体", 22, False, "center", None),
    ("公文版头", "方正小标宋简体", 26, False, "center", RED),
    ("表格文字", "仿宋_GB2312", 12, False, None, None),
    ("表格表头", "黑体", 12, False, None, None),
)


def render_docx(document: OfficialDocument) -> bytes:
    """The document as a Word file.

    Formatting lives in paragraph styles and each table's rows are copied from one
    formatted row, so a table of hundreds of rows stays fast to build.
    """
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    def east_asian(style: Any, name: str) -> None:
        style.font.name = name
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)

    normal: Any = doc.styles["Normal"]
    east_asian(normal, "仿宋_GB2312")
    normal.font.size = Pt(16)
    normal.paragraph_format.space_after = Pt(0)
    aligns = {"right": WD_ALIGN_PARAGRAPH.RIGHT, "center": WD_ALIGN_PARAGRAPH.CENTER}
    for name, font_name, size, indent, align, colour in _DOCX_STYLES:
        style: Any = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        east_asian(style, font_name)
        style.font.size = Pt(size)
        fmt = style.paragraph_format
        fmt.space_after = Pt(0)
        if size >= 16:
            fmt.line_spacing = Pt(28 if size == 16 else size * 1.5)
        if indent:
            fmt.first_line_indent = Pt(size * 2)
        if align:
            fmt.alignment = aligns[align]
        if colour:
            style.font.color.rgb = RGBColor.from_string(colour)

    # style ids looked up once: python-docx resolves a style name by scanning every style
    ids = {name: doc.styles[name].style_id for name, *_ in _DOCX_STYLES}

    def para(text: str = "", style: str = "公文正文") -> Any:
        p = doc.add_paragraph(text)
        p._p.style = ids[style]
        return p

    def table(block: Table) -> None:
        t = doc.add_table(rows=2, cols=len(block.headers))
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        for i, (cell, text) in enumerate(zip(t.rows[0].cells, block.headers, strict=True)):
            cell.text = text
            cell.paragraphs[0]._p.style = ids["表格表头"]
            cell.width = Mm(block.widths[i])
        template = t.rows[1]
        for i, cell in enumerate(template.cells):
            cell.text = "-"
            cell.paragraphs[0]._p.style = ids["表格文字"]
            cell.width = Mm(block.widths[i])
        tbl, tr = t._tbl, template._tr
        for row in block.rows:
            copy = deepcopy(tr)
            for node, text in zip(copy.iter(qn("w:t")), row, strict=True):
                node.text = " ".join(str(text).split("\n"))
            tbl.append(copy)
        tbl.remove(tr)

    def form(block: FormTable) -> None:
        t = doc.add_table(rows=len(block.rows), cols=2)
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        for row, (label, value) in zip(t.rows, block.rows, strict=True):
            head, cell = row.cells
            head.text, cell.text = label, value
            head.paragraphs[0]._p.style = ids["表格表头"]
            for p in cell.paragraphs:
                p._p.style = ids["表格文字"]
            head.width, cell.width = Mm(block.widths[0]), Mm(block.widths[1])

    para(document.masthead, "公文版头")
    number = para(document.number, "公文居中")
    # the red rule under the masthead (版头分隔线)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "6"), ("w:color", RED)):
        bottom.set(qn(key), value)
    border.append(bottom)
    number._p.get_or_add_pPr().append(border)
    para()
    para(document.title, "公文标题")
    para()
    para(document.addressees, "公文无缩进")
    for block in document.body:
        if isinstance(block, Heading):
            para(block.text, "公文一级标题" if block.level == 1 else "公文二级标题")
        elif isinstance(block, Para):
            para(block.text, "公文正文" if block.indent else "公文无缩进")
        elif isinstance(block, Table):
            if block.rows:
                table(block)
            else:
                para(block.empty)
        elif isinstance(block, FormTable):
            form(block)
        else:
            doc.add_picture(io.BytesIO(block.png), width=Mm(block.width_mm))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    para()
    para(document.issuer, "公文落款")
    para(cn_date(document.issued_on), "公文落款")
    for note in document.notes:
        para(note, "公文无缩进")
    _docx_page_numbers(section, OxmlElement, qn)

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _docx_page_numbers(section: Any, element: Any, qn: Any) -> None:
    """ "— N —" centred in the footer, N being Word's PAGE field."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("— ")
    run = p.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            node = element("w:fldChar")
            node.set(qn("w:fldCharType"), kind)
        else:
            node = element("w:instrText")
            node.set(qn("xml:space"), "preserve")
            node.text = text
        run._r.append(node)
    p.add_run(" —")


# ---------------------------------------------------------------------------------------------
# PDF

_PDF_FONT = "QinqingCJK"


def _register_pdf_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    font = cjk_font()
    if _PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        try:
            face = TTFont(_PDF_FONT, font.path, subfontIndex=font.index)
        except TTFError as exc:  # e.g. QINQING_CJK_FONT names a font with PostScript outlines
            raise CJKFontMissing() from exc
        pdfmetrics.registerFont(face)
    return _PDF_FONT


def render_pdf(document: OfficialDocument) -> bytes:
    """The document as PDF, with its Chinese font embedded (subset)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Flowable,
        HRFlowable,
        Image,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import Table as PdfTable

    font = _register_pdf_font()
    red = colors.HexColor(f"#{RED}")
    body = ParagraphStyle(
        "body", fontName=font, fontSize=14, leading=24, firstLineIndent=28, wordWrap="CJK"
    )
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    heading = ParagraphStyle("heading", parent=body)
    title = ParagraphStyle(
        "title", fontName=font, fontSize=20, leading=30, alignment=TA_CENTER, wordWrap="CJK"
    )
    masthead = ParagraphStyle(
        "mast",
        fontName=font,
        fontSize=24,
        leading=34,
        alignment=TA_CENTER,
        textColor=red,
        wordWrap="CJK",
    )
    centre = ParagraphStyle("centre", parent=plain, alignment=TA_CENTER)
    right = ParagraphStyle("right", parent=plain, alignment=TA_RIGHT)
    cell = ParagraphStyle("cell", fontName=font, fontSize=10.5, leading=14, wordWrap="CJK")

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    grid = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 10.5),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]

    def table(block: Table) -> Flowable:
        # short figures are plain strings (fast); names may wrap, so they are paragraphs
        rows = [
            [p(c, cell) if i in block.wrap else c for i, c in enumerate(row)] for row in block.rows
        ]
        t = PdfTable(
            [[p(h, cell) for h in block.headers], *rows],
            colWidths=[w * mm for w in block.widths],
            repeatRows=1,
        )
        t.setStyle(TableStyle([*grid, ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F0F2F5"))]))
        return t

    def form(block: FormTable) -> Flowable:
        t = PdfTable(
            [[p(label, cell), p(value, cell)] for label, value in block.rows],
            colWidths=[w * mm for w in block.widths],
        )
        t.setStyle(TableStyle([*grid, ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F0F2F5"))]))
        return t

    story: list[Flowable] = [
        p(document.masthead, masthead),
        p(document.number, centre),
        HRFlowable(width="100%", thickness=1.5, color=red, spaceBefore=4, spaceAfter=12),
        p(document.title, title),
        Spacer(1, 8),
        p(document.addressees, plain),
    ]
    for block in document.body:
        if isinstance(block, Heading):
            story.append(p(block.text, heading))
        elif isinstance(block, Para):
            story.append(p(block.text, body if block.indent else plain))
        elif isinstance(block, Table):
            story.append(table(block) if block.rows else p(block.empty))
        elif isinstance(block, FormTable):
            story.append(form(block))
        else:
            story += [
                Spacer(1, 6),
                Image(
                    io.BytesIO(block.png), width=block.width_mm * mm, height=block.height_mm * mm
                ),
            ]
    story += [
        Spacer(1, 18),
        p(document.issuer, right),
        p(cn_date(document.issued_on), right),
        *[p(note, plain) for note in document.notes],
    ]

    def page_number(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 12)
        canvas.drawCentredString(A4[0] / 2, 20 * mm, f"— {doc.page} —")
        canvas.restoreState()

    buf = io.BytesIO()
    SimpleDocTemplate(
        buf,
        pagesize=A4,
        topMargin=37 * mm,
        bottomMargin=35 * mm,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        title=document.title,
        author=document.issuer,
        lang="zh-CN",
        # the canvas's own default (Helvetica, not embedded) would otherwise be listed too
        initialFontName=font,
    ).build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buf.getvalue()
