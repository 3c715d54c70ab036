"""通报: the period's bulletin — its figures, a chart, a Word file in official layout and a PDF.

``gather_bulletin`` reads the figures (the same ``queries.area_figures`` as the overview
page, so the bulletin and the dashboard always agree) and the chapters other apps add
through their manifests (``bulletin_sections``, e.g. the problem ledger's counts);
``bulletin_document`` lays them out as an official document, which ``render_docx`` and
``render_pdf`` turn into bytes with ``qinqing.core.files.official`` (red header, 文号 line,
numbering, 落款, embedded Chinese font) without touching the database.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from qinqing.core.audit.verbs import register_read_verbs, register_verbs
from qinqing.core.files import official
from qinqing.core.files.official import (
    Figure,
    Heading,
    OfficialDocument,
    Para,
    Table,
    cn_date,
    cn_number,
)
from qinqing.core.manifest import BulletinSection, all_bulletin_sections
from qinqing.supervision.rules import LEVEL_RANK, NoticeLevel, period_label, rate

# downloading a bulletin is an audited read of an official document (a 领导 may cause it)
DOWNLOADED = "bulletin.downloaded"
register_verbs({DOWNLOADED: "下载工作通报"})
register_read_verbs({DOWNLOADED})

__all__ = [
    "BulletinData",
    "OverdueTask",
    "RankRow",
    "bulletin_document",
    "cn_date",
    "gather_bulletin",
    "render_chart",
    "render_docx",
    "render_pdf",
]


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
    # chapters contributed by other apps (AppManifest.bulletin_sections), in app order
    sections: list[BulletinSection] = field(default_factory=list)

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


# ---------------------------------------------------------------------------------------------
# Gathering (database)


def gather_bulletin(
    area: Any, period_start: date, period_end: date, today: date, *, issuer: str = ""
) -> BulletinData:
    """The bulletin's figures for an area's ledger: statuses on ``today`` (the dashboard's
    figures), report timeliness and notices within the period, the unit ranking, and the
    chapters the other apps register for the area and period."""
    from django.db.models import Count, F, Q

    from qinqing.core.orgs.models import Unit
    from qinqing.supervision.models import ProgressReport, SupervisionNotice
    from qinqing.supervision.queries import area_figures, area_tasks

    figures = area_figures(area, today)
    overdue_count = {unit.pk: len(tasks) for unit, tasks in figures.overdue_by_unit}
    # the reports of the cycles ending in the period (the June bulletin reads June's reports,
    # due early July); those not yet due and not filed count as neither late nor missing
    rows: list[dict[str, Any]] = list(
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
            for level in sorted(LEVEL_RANK, key=lambda lv: LEVEL_RANK[lv])
        ],
        sections=[
            section
            for contribute in all_bulletin_sections()
            if (section := contribute(area, period_start, period_end, today)) is not None
        ],
    )


# ---------------------------------------------------------------------------------------------
# Rendering (no database)


def render_chart(data: BulletinData) -> bytes:
    """A PNG bar chart of tasks by status, labelled in Chinese with the server's CJK font
    (``official.cjk_font``: a clear error instead of empty boxes when none is installed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure as Chart
    from matplotlib.ticker import MaxNLocator

    font = official.cjk_font()
    font_manager.fontManager.addfont(font.path)  # idempotent
    # the family and weight as matplotlib indexed them (文泉驿正黑 is 500, not "normal"):
    # asking for another weight makes findfont log a warning for every label
    entry = next(e for e in font_manager.fontManager.ttflist if e.fname == font.path and e.name)
    family, weight = entry.name, entry.weight
    labels = [label for label, _ in data.counts]
    values = [n for _, n in data.counts]
    colours = ["#a8071a", "#8c8c8c", "#1d6fb8", "#d48806", "#0e6b2e", "#6b4fbb"][: len(labels)]
    with matplotlib.rc_context(
        {
            "font.family": [family],
            "font.weight": weight,
            "axes.titleweight": weight,
            "axes.labelweight": weight,
            "axes.unicode_minus": False,
        }
    ):
        fig = Chart(figsize=(6.4, 3.2), dpi=150)
        ax = fig.subplots()
        bars = ax.bar(range(len(labels)), values, color=colours)
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, fontsize=9)
        ax.set_ylabel("任务数（项）")
        ax.set_title(f"截至{cn_date(data.as_of)}重点任务状态分布", fontsize=11)
        for bar, value in zip(bars, values, strict=True):
            ax.annotate(
                str(value),
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=8,
            )
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


def overdue_item(number: int, task: OverdueTask) -> str:
    """One overdue task, numbered once: the list number leads, the plan's own number (which
    may itself be a bare figure such as "6") goes into the parenthesis.

    >>> overdue_item(1, OverdueTask("6", "加强信用修复", date(2025, 6, 30)))
    '1. 加强信用修复（任务序号6，完成时限：2025年6月30日）'
    >>> overdue_item(2, OverdueTask("", "优化审批", None))
    '2. 优化审批（完成时限：未定）'
    """
    due = cn_date(task.due_on) if task.due_on else "未定"
    label = f"任务序号{task.label}，" if task.label else ""
    return f"{number}. {task.title}（{label}完成时限：{due}）"


REQUIREMENTS = (
    "对逾期任务，各牵头单位要逐项分析原因，制定整改措施，明确完成时限，于通报印发后5个工作日内将整改情况报送{issuer}。",
    "各责任单位要按调度周期及时、如实报送工作进展和量化指标完成情况，不得迟报、漏报。",
    "对连续两次通报逾期或督办后仍未按期反馈的单位，将按程序提级督办、约谈，情节严重的移送纪检监察机关问责。",
)

# the width the text block leaves for a table: A4 less the 28 + 26 mm margins
_TEXT_WIDTH_MM = 156.0


def _section_widths(columns: int) -> list[float]:
    """Column widths of a contributed table: a wide first column (names), even figures.

    >>> _section_widths(2), _section_widths(8)
    ([70.0, 86.0], [44.0, 16.0, 16.0, 16.0, 16.0, 16.0, 16.0, 16.0])
    """
    if columns == 1:
        return [_TEXT_WIDTH_MM]
    first = min(70.0, max(44.0, _TEXT_WIDTH_MM - 18.0 * (columns - 1)))
    rest = (_TEXT_WIDTH_MM - first) / (columns - 1)
    return [first, *[rest] * (columns - 1)]


def bulletin_document(data: BulletinData, chart_png: bytes) -> OfficialDocument:
    """The bulletin laid out as an official document (chapters 一、二、…, each item numbered
    once; an empty table is replaced by its 「本期无……」 sentence)."""
    chapters: list[tuple[str, list[official.Block]]] = []
    chapters.append(
        (
            "总体情况",
            [
                Para(summary_sentence(data)),
                Table(
                    ["任务状态", "任务数（项）", "占比"],
                    [[label, str(n), _pct(rate(n, data.total))] for label, n in data.counts]
                    + [["合计", str(data.total), "100.0%" if data.total else "—"]],
                    [60, 45, 45],
                    empty="本期无纳入调度台账的重点任务。",
                ),
                Figure(chart_png, 150, 75),
            ],
        )
    )
    overdue: list[official.Block]
    if not data.overdue_by_unit:
        overdue = [Para("截至统计日，无逾期任务。")]
    else:
        overdue = [
            Para(
                f"截至{cn_date(data.as_of)}，共有{data.overdue_total}项任务超过完成时限仍未完成，"
                "按牵头单位列示如下："
            )
        ]
        for i, (unit, tasks) in enumerate(data.overdue_by_unit, start=1):
            overdue.append(Heading(f"（{cn_number(i)}）{unit}（{len(tasks)}项）", level=2))
            overdue += [Para(overdue_item(j, task)) for j, task in enumerate(tasks, start=1)]
    chapters.append(("逾期任务情况", overdue))
    chapters.append(("进度报送情况", [Para(reports_sentence(data))]))
    ranking: list[official.Block] = []
    if data.ranking:
        ranking.append(
            Para(
                "按进度报送按时率从高到低排名，按时率相同的，逾期任务少者在前，再按退回率从低到高。"
            )
        )
    ranking.append(
        Table(
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
            [12, 48, 18, 18, 20, 20, 20],
            empty=f"本期无应报送进度的单位，{data.period}不作单位排名。",
        )
    )
    chapters.append(("单位排名", ranking))
    chapters.append(("督办情况", [Para(notices_sentence(data))]))
    for section in data.sections:
        blocks: list[official.Block] = [Para(section.intro)] if section.intro else []
        for k, tab in enumerate(section.tables, start=1):
            if tab.caption:
                blocks.append(Heading(f"（{cn_number(k)}）{tab.caption}", level=2))
            blocks.append(
                Table(
                    list(tab.columns),
                    [[str(c) for c in row] for row in tab.rows],
                    _section_widths(len(tab.columns)),
                    empty=tab.empty,
                    wrap=frozenset({0}),
                )
            )
        chapters.append((section.heading, blocks))
    chapters.append(
        (
            "有关要求",
            [
                Para(f"{i}. {text.format(issuer=data.issuer)}")
                for i, text in enumerate(REQUIREMENTS, start=1)
            ],
        )
    )
    body: list[official.Block] = [
        Para(f"现将{data.period}{data.area}优化营商环境重点任务推进、进度报送和督办情况通报如下。")
    ]
    for n, (heading, blocks) in enumerate(chapters, start=1):
        body.append(Heading(f"{cn_number(n)}、{heading}"))
        body += blocks
    return OfficialDocument(
        masthead=f"{data.area}优化营商环境工作通报",
        number=data.number_line,
        title=data.title,
        addressees=data.addressees,
        body=body,
        issuer=data.issuer,
        issued_on=data.as_of,
    )


def render_docx(data: BulletinData, chart_png: bytes) -> bytes:
    """The bulletin as a Word file in official layout."""
    return official.render_docx(bulletin_document(data, chart_png))


def render_pdf(data: BulletinData, chart_png: bytes) -> bytes:
    """The bulletin as PDF, its Chinese font embedded."""
    return official.render_pdf(bulletin_document(data, chart_png))
