"""通报: the period's bulletin — its figures, a chart, a Word file in official layout and a PDF.

``gather_bulletin`` reads the figures (the same ``queries.area_figures`` as the overview
page, so the bulletin and the dashboard always agree); ``render_chart``, ``render_docx``
and ``render_pdf`` turn a :class:`BulletinData` into bytes without touching the database.

Layout follows 《党政机关公文格式》(GB/T 9704-2012) where a generated file can: A4, margins
37/35/28/26 mm, red masthead and rule, 文号 line (number left blank for the registry to
fill), title in 小标宋 22 pt, body in 仿宋 16 pt with first-line indent, first-level headings
in 黑体, issuing body and date at the foot. Fonts are named as the standard names them; a
computer without them substitutes its own CJK fonts.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from qinqing.supervision.rules import LEVEL_RANK, NoticeLevel, period_label, rate

log = logging.getLogger(__name__)

CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


@dataclass
class RankRow:
    rank: int
    unit: str
    expected: int
    on_time: int
    late: int
    missing: int
    not_due: int
    returned: int
    timeliness: float | None
    returned_rate: float | None
    overdue_tasks: int


@dataclass
class OverdueTask:
    label: str
    title: str
    due_on: date | None


@dataclass
class BulletinData:
    area: str
    issuer: str
    period_start: date
    period_end: date
    as_of: date
    total: int
    counts: list[tuple[str, int]]  # status label → tasks, in STATUS_ORDER
    due_soon: int
    overdue_by_unit: list[tuple[str, list[OverdueTask]]]
    reports_expected: int = 0
    reports_on_time: int = 0
    reports_late: int = 0
    reports_missing: int = 0
    reports_not_due: int = 0
    reports_returned: int = 0
    ranking: list[RankRow] = field(default_factory=list)
    notices: list[tuple[str, int]] = field(default_factory=list)  # level label → issued in period
    addressees: str = "各有关单位："

    @property
    def period(self) -> str:
        return period_label(self.period_start, self.period_end)

    @property
    def title(self) -> str:
        return f"关于{self.period}{self.area}优化营商环境重点任务推进情况的通报"

    @property
    def number_line(self) -> str:
        # the number is assigned by the document registry (文号 placeholder)
        return f"{self.issuer}〔{self.as_of.year}〕　　号"

    @property
    def overdue_total(self) -> int:
        return dict(self.counts).get("逾期", 0)


def cn_date(day: date) -> str:
    """Examples:
    >>> cn_date(date(2025, 7, 3))
    '2025年7月3日'
    """
    return f"{day.year}年{day.month}月{day.day}日"


# ---------------------------------------------------------------------------------------------
# Gathering (database)


def gather_bulletin(area, period_start: date, period_end: date, today: date, *, issuer: str = ""):
    """The bulletin's figures for an area's ledger: statuses on ``today`` (the dashboard's
    figures), report timeliness and notices within the period, and the unit ranking."""
    from django.db.models import Count, F, Q

    from qinqing.core.orgs.models import Unit
    from qinqing.supervision.models import ProgressReport, SupervisionNotice
    from qinqing.supervision.queries import area_figures, area_tasks

    figures = area_figures(area, today)
    overdue_count = {unit.pk: len(tasks) for unit, tasks in figures.overdue_by_unit}
    # the reports of the cycles ending in the period (the June bulletin reads June's reports,
    # due early July); those not yet due and not filed count as neither late nor missing
    rows = (
        ProgressReport.objects.filter(
            task__in=area_tasks(area).values("pk"),
            period_end__gte=period_start,
            period_end__lte=period_end,
        )
        .values("unit_id")
        .annotate(
            n=Count("id"),
            on_time=Count("id", filter=Q(first_submitted_on__lte=F("report_due_on"))),
            late=Count("id", filter=Q(first_submitted_on__gt=F("report_due_on"))),
            not_due=Count(
                "id", filter=Q(first_submitted_on__isnull=True, report_due_on__gte=today)
            ),
            returned=Count("id", filter=Q(return_count__gt=0)),
        )
    )
    rows = list(rows)
    names = dict(Unit.objects.filter(pk__in=[r["unit_id"] for r in rows]).values_list("pk", "name"))
    ranking = []
    for r in rows:
        submitted = r["on_time"] + r["late"]
        ranking.append(
            RankRow(
                rank=0,
                unit=names[r["unit_id"]],
                expected=r["n"],
                on_time=r["on_time"],
                late=r["late"],
                missing=r["n"] - submitted - r["not_due"],
                not_due=r["not_due"],
                returned=r["returned"],
                timeliness=rate(r["on_time"], r["n"] - r["not_due"]),
                returned_rate=rate(r["returned"], submitted),
                overdue_tasks=overdue_count.get(r["unit_id"], 0),
            )
        )
    ranking.sort(
        key=lambda x: (
            -(x.timeliness or 0.0),
            x.overdue_tasks,
            x.returned_rate if x.returned_rate is not None else 0.0,
            x.unit,
        )
    )
    previous = None
    for i, row in enumerate(ranking, start=1):
        key = (row.timeliness, row.overdue_tasks, row.returned_rate)
        row.rank = ranking[i - 2].rank if key == previous else i
        previous = key
    levels = dict(
        SupervisionNotice.objects.filter(
            issuing_unit__path__startswith=area.path,
            issued_on__gte=period_start,
            issued_on__lte=period_end,
        )
        .values("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    addressees = {
        "city": "各县（市、区）人民政府，市直各有关单位：",
        "county": "各乡镇人民政府（街道办事处），县直各有关单位：",
        "province": "各市（州）人民政府，省直各有关单位：",
    }.get(area.kind, "各有关单位：")
    return BulletinData(
        addressees=addressees,
        area=area.name,
        issuer=issuer or f"{area.name}优化营商环境工作领导小组办公室",
        period_start=period_start,
        period_end=period_end,
        as_of=today,
        total=figures.total,
        counts=[(status.label, n) for status, n in figures.counts],
        due_soon=figures.due_soon,
        overdue_by_unit=[
            (unit.name, [OverdueTask(t.label, t.title, t.due_on) for t in tasks])
            for unit, tasks in figures.overdue_by_unit
        ],
        reports_expected=sum(r.expected for r in ranking),
        reports_on_time=sum(r.on_time for r in ranking),
        reports_late=sum(r.late for r in ranking),
        reports_missing=sum(r.missing for r in ranking),
        reports_not_due=sum(r.not_due for r in ranking),
        reports_returned=sum(r.returned for r in ranking),
        ranking=ranking,
        notices=[
            (NoticeLevel(level).label, levels.get(level, 0))
            for level in sorted(LEVEL_RANK, key=LEVEL_RANK.get)
        ],
    )


# ---------------------------------------------------------------------------------------------
# Rendering (no database)


def cjk_font_path() -> str | None:
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return None


def render_chart(data: BulletinData) -> bytes:
    """A PNG bar chart of tasks by status, labelled in Chinese."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    path = cjk_font_path()
    if path is None:
        log.warning("no CJK font found: chart labels may not render")
    font = font_manager.FontProperties(fname=path) if path else None
    labels = [label for label, _ in data.counts]
    values = [n for _, n in data.counts]
    colours = ["#a8071a", "#8c8c8c", "#1d6fb8", "#d48806", "#0e6b2e", "#6b4fbb"][: len(labels)]
    fig = Figure(figsize=(6.4, 3.2), dpi=150)
    ax = fig.subplots()
    bars = ax.bar(range(len(labels)), values, color=colours)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, fontproperties=font, fontsize=9)
    ax.set_ylabel("任务数（项）", fontproperties=font)
    ax.set_title(f"截至{cn_date(data.as_of)}重点任务状态分布", fontproperties=font, fontsize=11)
    for bar, value in zip(bars, values, strict=True):
        ax.annotate(
            str(value),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(y=0.15)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def summary_sentence(data: BulletinData) -> str:
    parts = "、".join(f"{label}{n}项" for label, n in data.counts if n)
    return (
        f"截至{cn_date(data.as_of)}，{data.area}纳入调度台账的重点任务共{data.total}项，"
        f"其中{parts or '暂无任务'}；{data.due_soon}项将在近期到期。"
    )


def reports_sentence(data: BulletinData) -> str:
    if not data.reports_expected:
        return f"{data.period}调度周期无应报送的进度。"
    not_due = f"尚未到报送截止日且未报送{data.reports_not_due}份，" if data.reports_not_due else ""
    due = data.reports_expected - data.reports_not_due
    return (
        f"{data.period}调度周期应报送进度{data.reports_expected}份，按时报送{data.reports_on_time}份，"
        f"逾期报送{data.reports_late}份，逾期未报送{data.reports_missing}份，{not_due}"
        f"按时报送率{_pct(rate(data.reports_on_time, due))}；被退回修改{data.reports_returned}份。"
    )


def notices_sentence(data: BulletinData) -> str:
    total = sum(n for _, n in data.notices)
    if not total:
        return f"{data.period}未签发督办单。"
    parts = "、".join(f"{label}{n}件" for label, n in data.notices if n)
    return f"{data.period}共签发督办单{total}件，其中{parts}。"


REQUIREMENTS = (
    "对逾期任务，各牵头单位要逐项分析原因，制定整改措施，明确完成时限，于通报印发后5个工作日内将整改情况报送{issuer}。",
    "各责任单位要按调度周期及时、如实报送工作进展和量化指标完成情况，不得迟报、漏报。",
    "对连续两次通报逾期或督办后仍未按期反馈的单位，将按程序提级督办、约谈，情节严重的移送纪检监察机关问责。",
)


# paragraph styles of the Word file: (name, font, size pt, first-line indent, alignment, colour)
_DOCX_STYLES = (
    ("公文正文", "仿宋_GB2312", 16, True, None, None),
    ("公文无缩进", "仿宋_GB2312", 16, False, None, None),
    ("公文落款", "仿宋_GB2312", 16, False, "right", None),
    ("公文居中", "仿宋_GB2312", 16, False, "center", None),
    ("公文一级标题", "黑体", 16, True, None, None),
    ("公文二级标题", "楷体_GB2312", 16, True, None, None),
    ("公文标题", "方正小标宋简体", 22, False, "center", None),
    ("公文版头", "方正小标宋简体", 26, False, "center", "C00000"),
    ("表格文字", "仿宋_GB2312", 12, False, None, None),
    ("表格表头", "黑体", 12, False, None, None),
)


def render_docx(data: BulletinData, chart_png: bytes) -> bytes:
    """The bulletin as a Word file in official layout.

    Formatting lives in paragraph styles and each table's rows are copied from one
    formatted row, so a bulletin listing hundreds of units stays fast to build.
    """
    from copy import deepcopy

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

    def east_asian(style, name: str) -> None:
        style.font.name = name
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)

    normal = doc.styles["Normal"]
    east_asian(normal, "仿宋_GB2312")
    normal.font.size = Pt(16)
    normal.paragraph_format.space_after = Pt(0)
    aligns = {"right": WD_ALIGN_PARAGRAPH.RIGHT, "center": WD_ALIGN_PARAGRAPH.CENTER}
    for name, font_name, size, indent, align, colour in _DOCX_STYLES:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
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

    def para(text: str = "", style: str = "公文正文"):
        p = doc.add_paragraph(text)
        p._p.style = ids[style]
        return p

    def table(headers: list[str], rows: list[list[str]], widths: list[float]):
        t = doc.add_table(rows=2, cols=len(headers))
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        for i, (cell, text) in enumerate(zip(t.rows[0].cells, headers, strict=True)):
            cell.text = text
            cell.paragraphs[0]._p.style = ids["表格表头"]
            cell.width = Mm(widths[i])
        template = t.rows[1]
        for i, cell in enumerate(template.cells):
            cell.text = "-"
            cell.paragraphs[0]._p.style = ids["表格文字"]
            cell.width = Mm(widths[i])
        tbl, tr = t._tbl, template._tr
        for row in rows:
            copy = deepcopy(tr)
            for node, text in zip(copy.iter(qn("w:t")), row, strict=True):
                node.text = text
            tbl.append(copy)
        tbl.remove(tr)
        return t

    para(f"{data.area}优化营商环境工作通报", "公文版头")
    number = para(data.number_line, "公文居中")
    # the red rule under the masthead (版头分隔线)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", "18"),
        ("w:space", "6"),
        ("w:color", "C00000"),
    ):
        bottom.set(qn(key), value)
    border.append(bottom)
    number._p.get_or_add_pPr().append(border)
    para()
    para(data.title, "公文标题")
    para()
    para(data.addressees, "公文无缩进")
    para(f"现将{data.period}{data.area}优化营商环境重点任务推进、进度报送和督办情况通报如下。")

    para("一、总体情况", "公文一级标题")
    para(summary_sentence(data))
    table(
        ["任务状态", "任务数（项）", "占比"],
        [[label, str(n), _pct(rate(n, data.total))] for label, n in data.counts]
        + [["合计", str(data.total), "100.0%" if data.total else "—"]],
        [60, 45, 45],
    )
    doc.add_picture(io.BytesIO(chart_png), width=Mm(150))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    para("二、逾期任务情况", "公文一级标题")
    if not data.overdue_by_unit:
        para("截至统计日，无逾期任务。")
    else:
        para(
            f"截至{cn_date(data.as_of)}，共有{data.overdue_total}项任务超过完成时限仍未完成，"
            "按牵头单位列示如下："
        )
        for i, (unit, tasks) in enumerate(data.overdue_by_unit, start=1):
            para(f"（{_cn_number(i)}）{unit}（{len(tasks)}项）", "公文二级标题")
            for j, task in enumerate(tasks, start=1):
                due = cn_date(task.due_on) if task.due_on else "未定"
                label = f"{task.label} " if task.label else ""
                para(f"{j}. {label}{task.title}（完成时限：{due}）")

    para("三、进度报送情况", "公文一级标题")
    para(reports_sentence(data))

    para("四、单位排名", "公文一级标题")
    para("按进度报送按时率从高到低排名，按时率相同的，逾期任务少者在前，再按退回率从低到高。")
    table(
        ["排名", "单位", "应报（份）", "按时（份）", "按时率", "退回率", "逾期任务（项）"],
        [
            [
                str(r.rank),
                r.unit,
                str(r.expected),
                str(r.on_time),
                _pct(r.timeliness),
                _pct(r.returned_rate),
                str(r.overdue_tasks),
            ]
            for r in data.ranking
        ],
        [12, 50, 18, 18, 20, 20, 20],
    )

    para("五、督办情况", "公文一级标题")
    para(notices_sentence(data))

    para("六、有关要求", "公文一级标题")
    for i, text in enumerate(REQUIREMENTS, start=1):
        para(f"{i}. {text.format(issuer=data.issuer)}")

    para()
    para(data.issuer, "公文落款")
    para(cn_date(data.as_of), "公文落款")

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


_CN_DIGITS = "零一二三四五六七八九"


def _cn_number(n: int) -> str:
    """Examples:
    >>> _cn_number(3), _cn_number(10), _cn_number(12), _cn_number(25), _cn_number(99), _cn_number(120)
    ('三', '十', '十二', '二十五', '九十九', '120')
    """
    if n >= 100:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (_CN_DIGITS[tens] if tens > 1 else "") + "十" + (_CN_DIGITS[ones] if ones else "")


def render_pdf(data: BulletinData, chart_png: bytes) -> bytes:
    """The bulletin as PDF (reportlab with its built-in Chinese CID font STSong-Light)."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import (
        HRFlowable,
        Image,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    body = ParagraphStyle(
        "body", fontName=font, fontSize=14, leading=24, firstLineIndent=28, wordWrap="CJK"
    )
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    heading = ParagraphStyle("heading", parent=body, fontSize=14)
    title = ParagraphStyle(
        "title", fontName=font, fontSize=20, leading=30, alignment=TA_CENTER, wordWrap="CJK"
    )
    masthead = ParagraphStyle(
        "mast",
        fontName=font,
        fontSize=24,
        leading=34,
        alignment=TA_CENTER,
        textColor=colors.HexColor("#C00000"),
    )
    centre = ParagraphStyle("centre", parent=plain, alignment=TA_CENTER)
    right = ParagraphStyle("right", parent=plain, alignment=TA_RIGHT)
    cell = ParagraphStyle("cell", fontName=font, fontSize=10.5, leading=14, wordWrap="CJK")

    def p(text: str, style=body):
        return Paragraph(escape(text), style)

    def table(headers, rows, widths, wrap=frozenset({0, 1})):
        # short figures are plain strings (fast); names may wrap, so they are paragraphs
        body = [[p(c, cell) if i in wrap else c for i, c in enumerate(row)] for row in rows]
        t = Table(
            [[p(h, cell) for h in headers], *body],
            colWidths=[w * mm for w in widths],
            repeatRows=1,
        )
        t.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("FONTSIZE", (0, 0), (-1, -1), 10.5),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F0F2F5")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        return t

    story = [
        p(f"{data.area}优化营商环境工作通报", masthead),
        p(data.number_line, centre),
        HRFlowable(
            width="100%",
            thickness=1.5,
            color=colors.HexColor("#C00000"),
            spaceBefore=4,
            spaceAfter=12,
        ),
        p(data.title, title),
        Spacer(1, 8),
        p(data.addressees, plain),
        p(f"现将{data.period}{data.area}优化营商环境重点任务推进、进度报送和督办情况通报如下。"),
        p("一、总体情况", heading),
        p(summary_sentence(data)),
        table(
            ["任务状态", "任务数（项）", "占比"],
            [[label, str(n), _pct(rate(n, data.total))] for label, n in data.counts]
            + [["合计", str(data.total), "100.0%" if data.total else "—"]],
            [60, 45, 45],
        ),
        Spacer(1, 6),
        Image(io.BytesIO(chart_png), width=150 * mm, height=75 * mm),
        p("二、逾期任务情况", heading),
    ]
    if not data.overdue_by_unit:
        story.append(p("截至统计日，无逾期任务。"))
    else:
        story.append(
            p(
                f"截至{cn_date(data.as_of)}，共有{data.overdue_total}项任务超过完成时限仍未完成，按牵头单位列示如下："
            )
        )
        for i, (unit, tasks) in enumerate(data.overdue_by_unit, start=1):
            story.append(p(f"（{_cn_number(i)}）{unit}（{len(tasks)}项）"))
            for j, task in enumerate(tasks, start=1):
                due = cn_date(task.due_on) if task.due_on else "未定"
                label = f"{task.label} " if task.label else ""
                story.append(p(f"{j}. {label}{task.title}（完成时限：{due}）"))
    story += [
        p("三、进度报送情况", heading),
        p(reports_sentence(data)),
        p("四、单位排名", heading),
        p("按进度报送按时率从高到低排名，按时率相同的，逾期任务少者在前，再按退回率从低到高。"),
        table(
            ["排名", "单位", "应报", "按时", "按时率", "退回率", "逾期任务"],
            [
                [
                    str(r.rank),
                    r.unit,
                    str(r.expected),
                    str(r.on_time),
                    _pct(r.timeliness),
                    _pct(r.returned_rate),
                    str(r.overdue_tasks),
                ]
                for r in data.ranking
            ],
            [12, 54, 16, 16, 20, 20, 18],
        ),
        p("五、督办情况", heading),
        p(notices_sentence(data)),
        p("六、有关要求", heading),
        *[
            p(f"{i}. {text.format(issuer=data.issuer)}")
            for i, text in enumerate(REQUIREMENTS, start=1)
        ],
        Spacer(1, 18),
        p(data.issuer, right),
        p(cn_date(data.as_of), right),
    ]
    buf = io.BytesIO()
    SimpleDocTemplate(
        buf,
        pagesize=A4,
        topMargin=37 * mm,
        bottomMargin=35 * mm,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        title=data.title,
        author=data.issuer,
    ).build(story)
    return buf.getvalue()
