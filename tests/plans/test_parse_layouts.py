"""Plan layouts from other cities: GBK text, three heading levels, units on separate lines,
配合单位 and 时间节点, task tables in .txt and .docx, automatic numbering, text-layer PDF.

The .txt fixtures live in tests/plans/fixtures/; .docx and .pdf files are built here with
python-docx and reportlab so that their content stays readable in this file.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from qinqing.plans.parsing import parse_bytes, parse_file, parse_text

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]


def _task(doc: dict, ident: str) -> dict:
    return next(t for t in doc["tasks"] if t["id"] == ident)


# ---------------------------------------------------------------------------------------------
# GBK text, three heading levels, 配合单位, verb-style brackets, 〔责任单位〕


@pytest.fixture(scope="module")
def nanling() -> dict:
    raw = (FIXTURES / "nanling_2023_gbk.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is GBK
    return parse_file(FIXTURES / "nanling_2023_gbk.txt")


def test_gbk_plan_is_decoded_and_titled(nanling):
    assert nanling["kind"] == "plan"
    assert nanling["title_guess"] == "南岭市2023年优化营商环境攻坚行动方案"
    assert nanling["year"] == 2023


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le"]
)
def test_text_encodings_officials_save_in(nanling, encoding):
    text = (FIXTURES / "nanling_2023_gbk.txt").read_bytes().decode("gbk")
    doc = parse_bytes(text.encode(encoding), "方案.txt")
    assert [t["title"] for t in doc["tasks"]] == [t["title"] for t in nanling["tasks"]]


def test_three_heading_levels_give_sections_of_the_middle_level(nanling):
    assert [t["id"] for t in nanling["tasks"]] == ["1", "2", "3", "4", "5", "6"]
    assert nanling["sections"] == [
        {"id": "（一）", "title": "提升政务服务效能"},
        {"id": "（二）", "title": "优化市场环境"},
        {"id": "（三）", "title": "强化法治保障"},
    ]
    assert [t["section"] for t in nanling["tasks"]] == ["（一）"] * 3 + ["（二）"] * 2 + ["（三）"]


def test_goals_and_safeguards_without_units_are_not_tasks(nanling):
    titles = {t["title"] for t in nanling["tasks"]}
    assert not titles & {"指导思想", "工作目标", "加强组织领导", "强化督查考核"}


def test_supporting_units_count_as_responsible_and_are_kept_apart(nanling):
    task = _task(nanling, "1")
    assert task["lead_units"] == ["市政务服务数据管理局"]
    assert task["supporting_units"] == ["市直各部门", "各县（市、区）人民政府"]
    assert task["responsible_units"] == ["市直各部门", "各县（市、区）人民政府"]
    assert task["deadline"] == "2023-09-30"


def test_verb_style_bracket_names_lead_and_responsible_units(nanling):
    task = _task(nanling, "2")
    assert task["lead_units"] == ["市财政局", "市发展改革委"]
    assert task["responsible_units"] == ["市直有关部门"]
    assert task["deadline"] is None
    assert task["targets"] == ["年底前实现不少于50项政策“免申即享”"]


def test_unit_list_continued_on_the_next_line(nanling):
    task = _task(nanling, "3")
    assert task["lead_units"] == ["市市场监管局"]
    assert task["supporting_units"] == ["市公安局", "市税务局", "人行南岭市中心支行"]
    assert task["deadline"] == "ongoing"


def test_bracket_suffix_and_date_with_ongoing(nanling):
    assert _task(nanling, "4")["responsible_units"] == ["市市场监管局", "市发展改革委"]
    assert _task(nanling, "4")["lead_units"] == []
    five = _task(nanling, "5")
    assert five["deadline"] == {"date": "2023-06-30", "ongoing": True}
    assert five["targets"] == ["新增普惠小微贷款不低于30亿元", "平均融资担保费率降至1%以下"]


def test_year_end_takes_the_year_of_the_plan(nanling):
    six = _task(nanling, "6")
    assert (six["deadline_raw"], six["deadline"]) == ("年底前", "2023-12-31")


# ---------------------------------------------------------------------------------------------
# Title on its own line, units on separate lines, 时间节点, sub-points


@pytest.fixture(scope="module")
def xishan() -> dict:
    return parse_file(FIXTURES / "xishan_2024_units_on_lines.txt")


def test_units_written_one_per_line(xishan):
    task = _task(xishan, "1")
    assert task["title"] == "推进工程建设项目审批提速"
    assert task["lead_units"] == ["区住房城乡建设局"]
    assert task["responsible_units"] == ["区自然资源局", "区行政审批局"]
    assert task["targets"] == [
        "一般社会投资项目审批时间压缩至30个工作日以内",
        "小型工业项目压缩至15个工作日以内",
    ]


def test_milestones_are_due_on_the_last_one(xishan):
    task = _task(xishan, "1")
    assert task["deadline_raw"] == "2024年3月底前制定方案，11月底前全面推行"
    assert task["deadline"] == "2024-11-30"


def test_units_after_the_last_sub_point_belong_to_the_item(xishan):
    task = _task(xishan, "3")
    assert task["lead_units"] == ["区发展改革局"]
    assert "（2）用水报装办理时间压缩至3个工作日" in task["body"]
    assert "用水报装办理时间压缩至3个工作日" in task["targets"]


def test_sub_points_with_their_own_units_are_sub_tasks(xishan):
    ids = [t["id"] for t in xishan["tasks"]]
    assert ids == ["1", "2", "3", "4-1", "4-2"]
    first, second = _task(xishan, "4-1"), _task(xishan, "4-2")
    assert (first["title"], first["lead_units"], first["deadline"]) == (
        "保障用地需求",
        ["区自然资源局"],
        "2024-12-31",
    )
    assert second["parent_task"] == {"id": "4", "title": "强化要素保障"}
    assert second["deadline"] == "ongoing"  # 每季度开展
    assert second["section"] == "一"


def test_closing_requirements_are_not_tasks(xishan):
    assert all("报送工作进展" not in t["body"] for t in xishan["tasks"])


# ---------------------------------------------------------------------------------------------
# Task tables


def test_tab_separated_task_table_in_a_text_file():
    doc = parse_file(FIXTURES / "donghu_task_table.txt")
    assert doc["sections"] == [{"id": "一", "title": "政务服务"}, {"id": "二", "title": "市场环境"}]
    assert [t["id"] for t in doc["tasks"]] == ["1", "2", "3", "4"]
    two = _task(doc, "2")
    assert two["lead_units"] == ["市政务服务中心"]
    assert two["responsible_units"] == ["市直各部门"]
    assert two["deadline"] == "2023-12-31"
    assert _task(doc, "4")["targets"] == ["无分歧欠款清偿率100%"]
    assert _task(doc, "4")["deadline"] == "2023-12-31"  # 年底前, year from the other deadlines
    assert _task(doc, "3")["targets"] == ["小微企业宽带资费平均降低10%"]


def test_supporting_units_stay_apart_when_responsible_units_are_named():
    text = (
        "序号\t重点任务\t牵头单位\t责任单位\t配合单位\t完成时限\n"
        "1\t推行告知承诺制\t市审批局\t市直各部门\t市司法局\t2023年底前\n"
        "2\t深化一网通办\t市政务中心\t\t市大数据局\t2023年底前\n"
    )
    one, two = parse_text(text, "清单.txt")["tasks"]
    assert (one["responsible_units"], one["supporting_units"]) == (["市直各部门"], ["市司法局"])
    assert (two["responsible_units"], two["supporting_units"]) == (["市大数据局"], ["市大数据局"])


def _docx_bytes(document: docx.document.Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _task_table_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("北河市2023年优化营商环境重点任务清单")
    document.add_paragraph("为持续优化营商环境，制定本清单。")
    header = ["序号", "重点任务", "具体内容", "牵头单位", "配合单位", "完成时限"]
    rows = [
        ["一、提升审批效率"] * 6,
        [
            "1",
            "推行工程项目审批“拿地即开工”",
            "一般工业项目审批时间压缩至20个工作日以内。",
            "市住建局",
            "市自然资源局、市行政审批局",
            "2023年6月底前",
        ],
        [
            "2",
            "深化企业开办便利化",
            "开办时间压缩至0.5个工作日，免费刻制公章。",
            "市市场监管局",
            "市公安局",
            "长期坚持",
        ],
        [
            "2",
            "深化企业开办便利化",
            "推行企业登记“全程电子化”，电子营业执照应用率达到80%以上。",
            "市行政审批局",
            "市税务局",
            "9月底前",
        ],
        ["二、降低企业成本"] * 6,
        [
            "3",
            "减轻企业用电成本",
            "落实电价优惠政策，小微企业办电“零投资”。",
            "国网北河供电公司",
            "",
            "年底前",
        ],
    ]
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    for j, text in enumerate(header):
        table.cell(0, j).text = text
    for i, row in enumerate(rows, start=1):
        if len(set(row)) == 1:
            merged = table.cell(i, 0).merge(table.cell(i, len(header) - 1))
            merged.text = row[0]
            continue
        for j, text in enumerate(row):
            table.cell(i, j).text = text
    # the 序号 and 重点任务 cells of task 2 span two rows, as Word writes a merged cell
    for j in (0, 1):
        merged = table.cell(3, j).merge(table.cell(4, j))
        merged.text = rows[2][j]
    return _docx_bytes(document)


def test_docx_task_table_with_merged_cells():
    doc = parse_bytes(_task_table_docx(), "北河市重点任务清单.docx")
    assert doc["title_guess"] == "北河市2023年优化营商环境重点任务清单"
    assert doc["sections"] == [
        {"id": "一", "title": "提升审批效率"},
        {"id": "二", "title": "降低企业成本"},
    ]
    assert [t["id"] for t in doc["tasks"]] == ["1", "2-1", "2-2", "3"]
    one = _task(doc, "1")
    assert one["title"] == "推行工程项目审批“拿地即开工”"
    assert one["lead_units"] == ["市住建局"]
    assert one["responsible_units"] == ["市自然资源局", "市行政审批局"]
    assert one["deadline"] == "2023-06-30"
    assert one["targets"] == ["一般工业项目审批时间压缩至20个工作日以内"]
    first, second = _task(doc, "2-1"), _task(doc, "2-2")
    assert first["parent_task"] == {"id": "2", "title": "深化企业开办便利化"}
    assert (first["lead_units"], second["lead_units"]) == (["市市场监管局"], ["市行政审批局"])
    assert second["deadline"] == "2023-09-30"
    assert _task(doc, "3")["responsible_units"] == []
    assert _task(doc, "3")["deadline"] == "2023-12-31"
    # line numbers point into the text the review screen shows beside the ledger
    assert one["line"] > 2


def test_docx_paragraph_plan_with_automatic_numbering():
    """Word's own list numbering ("1." not typed) still gives numbered tasks."""
    document = docx.Document()
    document.add_paragraph("南山县优化营商环境实施方案")
    document.add_paragraph("一、重点任务")
    document.add_paragraph(
        "推行“证照分离”改革。涉企经营许可事项全部纳入改革范围。〔责任单位：县市场监管局、县行政审批局〕",
        style="List Number",
    )
    document.add_paragraph(
        "优化不动产登记。一般登记办理时间压缩至1个工作日。〔责任单位：县自然资源局〕",
        style="List Number",
    )
    doc = parse_bytes(_docx_bytes(document), "南山县方案.docx")
    assert [(t["id"], t["title"]) for t in doc["tasks"]] == [
        ("1", "推行“证照分离”改革"),
        ("2", "优化不动产登记"),
    ]
    assert _task(doc, "1")["responsible_units"] == ["县市场监管局", "县行政审批局"]
    assert _task(doc, "2")["targets"] == ["一般登记办理时间压缩至1个工作日"]


def _set_list_number_format(document: docx.document.Document, fmt: str, text: str) -> None:
    """Make the "List Number" style count as Word does in Chinese plans ("（一）", "一、")."""
    from docx.oxml.ns import qn

    numbering = document.part.numbering_part.element
    num_id = document.styles["List Number"].element.pPr.numPr.numId.val
    num = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == str(num_id))
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    abstract = next(
        a
        for a in numbering.findall(qn("w:abstractNum"))
        if a.get(qn("w:abstractNumId")) == abstract_id
    )
    level = next(lv for lv in abstract.findall(qn("w:lvl")) if lv.get(qn("w:ilvl")) == "0")
    level.find(qn("w:numFmt")).set(qn("w:val"), fmt)
    level.find(qn("w:lvlText")).set(qn("w:val"), text)


def test_docx_automatic_chinese_numbering():
    document = docx.Document()
    _set_list_number_format(document, "chineseCounting", "（%1）")
    document.add_paragraph("一、营造高效的政务环境")
    for text in [
        "推行告知承诺制。〔责任单位：市行政审批局〕",
        "深化“一网通办”。〔责任单位：市政务服务中心〕",
    ]:
        document.add_paragraph(text, style="List Number")
    doc = parse_bytes(_docx_bytes(document), "方案.docx")
    assert [(t["id"], t["section"], t["title"]) for t in doc["tasks"]] == [
        ("（一）", "一", "推行告知承诺制"),
        ("（二）", "一", "深化“一网通办”"),
    ]


def _plan_with_attached_table(units_in_text: bool) -> bytes:
    document = docx.Document()
    document.add_paragraph("西湖区营商环境提升方案")
    document.add_paragraph("一、重点任务")
    suffix = "〔责任单位：区审批局〕" if units_in_text else ""
    document.add_paragraph("1.推行告知承诺制。扩大承诺审批范围。" + suffix)
    document.add_paragraph("2.深化“一网通办”。推动事项网上可办。" + suffix)
    document.add_paragraph("附件：任务分解表")
    table = document.add_table(rows=3, cols=4)
    for i, row in enumerate(
        [
            ["序号", "重点任务", "牵头单位", "完成时限"],
            ["1", "推行告知承诺制", "区审批局", "2024年6月底前"],
            ["2", "深化“一网通办”", "区政务中心", "长期坚持"],
        ]
    ):
        for j, text in enumerate(row):
            table.cell(i, j).text = text
    return _docx_bytes(document)


def test_attached_task_table_gives_the_units_the_text_lacks():
    doc = parse_bytes(_plan_with_attached_table(units_in_text=False), "方案.docx")
    assert [(t["title"], t["lead_units"], t["deadline"]) for t in doc["tasks"]] == [
        ("推行告知承诺制", ["区审批局"], "2024-06-30"),
        ("深化“一网通办”", ["区政务中心"], "ongoing"),
    ]


def test_numbered_text_with_units_wins_over_a_duplicate_table():
    doc = parse_bytes(_plan_with_attached_table(units_in_text=True), "方案.docx")
    assert [(t["id"], t["section"], t["responsible_units"]) for t in doc["tasks"]] == [
        ("1", "一", ["区审批局"]),
        ("2", "一", ["区审批局"]),
    ]


def test_docx_paragraphs_and_tables_keep_document_order():
    document = docx.Document()
    document.add_paragraph("一、政务环境")
    table = document.add_table(rows=2, cols=4)
    for j, text in enumerate(["序号", "任务", "责任单位", "完成时限"]):
        table.cell(0, j).text = text
    for j, text in enumerate(["1", "推行“一窗通办”", "市政务服务中心", "2023年底前"]):
        table.cell(1, j).text = text
    document.add_paragraph("二、市场环境")
    table = document.add_table(rows=2, cols=4)
    for j, text in enumerate(["序号", "任务", "责任单位", "完成时限"]):
        table.cell(0, j).text = text
    for j, text in enumerate(["2", "清理隐性壁垒", "市发改委", "长期坚持"]):
        table.cell(1, j).text = text
    doc = parse_bytes(_docx_bytes(document), "两张表.docx")
    assert [(t["id"], t["section"], t["responsible_units"]) for t in doc["tasks"]] == [
        ("1", "一", ["市政务服务中心"]),
        ("2", "二", ["市发改委"]),
    ]
    assert doc["sections"] == [{"id": "一", "title": "政务环境"}, {"id": "二", "title": "市场环境"}]


# ---------------------------------------------------------------------------------------------
# PDF with a text layer


def _text_pdf(lines: list[str]) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("STSong-Light", 11)
    y = 800
    for line in lines:
        page.drawString(40, y, line)
        y -= 18
    page.drawString(290, 40, "- 1 -")  # a page number is not text of the plan
    page.save()
    return buffer.getvalue()


def test_text_layer_pdf_with_lines_wrapped_by_the_page():
    pdf = _text_pdf(
        [
            "北川市2023年优化营商环境工作方案",
            "一、重点任务",
            "1.深化“一网通办”改革。推动政务服务事项网上可办率达到98%以上，全面推行“掌上",
            "办”。（牵头单位：市政务服务局；责任单位：市直各部门）",
            "2.压减企业开办时间。企业开办时间压缩至1个工作日以内，实现“零成本”开办企业。",
            "（牵头单位：市市场监管局；完成时限：2023年6月底前）",
        ]
    )
    doc = parse_bytes(pdf, "北川市方案.pdf")
    assert doc["title_guess"] == "北川市2023年优化营商环境工作方案"
    one, two = doc["tasks"]
    assert (one["id"], one["title"]) == ("1", "深化“一网通办”改革")
    assert one["lead_units"] == ["市政务服务局"]
    assert one["responsible_units"] == ["市直各部门"]
    assert "全面推行“掌上办”" in one["body"]
    assert two["deadline"] == "2023-06-30"
    assert two["targets"] == ["企业开办时间压缩至1个工作日以内"]


# ---------------------------------------------------------------------------------------------
# Plans without numbering, and the CLI on a fixture


def test_unnumbered_paragraphs_with_unit_labels_are_tasks():
    text = (
        "关于进一步优化营商环境的若干措施\n"
        "全面推行告知承诺制，扩大承诺审批事项范围。（责任单位：市行政审批局）\n"
        "建立涉企政策直达机制，惠企资金兑付时间压缩至10个工作日。（责任单位：市财政局）\n"
    )
    doc = parse_text(text, "措施.txt")
    assert [(t["id"], t["responsible_units"]) for t in doc["tasks"]] == [
        ("1", ["市行政审批局"]),
        ("2", ["市财政局"]),
    ]
    assert doc["tasks"][1]["targets"] == ["惠企资金兑付时间压缩至10个工作日"]


def test_unnumbered_plan_with_title_lines_and_label_lines():
    text = (
        "关于进一步优化营商环境的若干措施\n"
        "为进一步优化营商环境，制定以下措施。\n"
        "政务服务\n"
        "推行告知承诺制\n"
        "扩大承诺审批事项范围，审批时间压缩至3个工作日。\n"
        "牵头单位：市行政审批局\n"
        "责任单位：市直各部门\n"
        "完成时限：2023年6月底前\n"
        "深化一网通办\n"
        "推动事项网上可办。\n"
        "牵头单位：市政务服务局\n"
        "市场环境\n"
        "建立涉企政策直达机制，惠企资金兑付时间压缩至10个工作日。（责任单位：市财政局）\n"
    )
    doc = parse_text(text, "措施.txt")
    assert doc["sections"] == [{"id": "1", "title": "政务服务"}, {"id": "2", "title": "市场环境"}]
    got = [
        (t["section"], t["title"], t["lead_units"], t["responsible_units"], t["deadline"])
        for t in doc["tasks"]
    ]
    assert got == [
        ("1", "推行告知承诺制", ["市行政审批局"], ["市直各部门"], "2023-06-30"),
        ("1", "深化一网通办", ["市政务服务局"], [], None),
        ("2", "建立涉企政策直达机制，惠企资金兑付时间压缩至10个工作日", [], ["市财政局"], None),
    ]


def test_more_annotation_styles():
    text = (
        "一、重点任务\n"
        "1.推行“一网通办”（2023年6月底前）。推动事项网上可办。（市政务服务局、市直各部门）\n"
        "2.清理隐性壁垒。全面清理各类规定。（市发改委牵头，2023年底前完成）\n"
        "3.优化纳税服务。推行“非接触式”办税。（各县区政府按职责分工负责）\n"
        "4.加强信用监管。推行信用分级分类监管。\n"
        "责任单位 市发改委（牵头）、市市场监管局和市税务局\n"
        "5.深化监督。问题线索移交市纪委监委（派驻纪检组）。\n"
    )
    doc = parse_text(text, "方案.txt")
    got = {
        t["id"]: (t["title"], t["lead_units"], t["responsible_units"], t["deadline"])
        for t in doc["tasks"]
    }
    assert got["1"] == ("推行“一网通办”", [], ["市政务服务局", "市直各部门"], "2023-06-30")
    assert got["2"] == ("清理隐性壁垒", ["市发改委"], [], "2023-12-31")
    assert got["3"] == ("优化纳税服务", [], ["各县区政府"], None)
    assert got["4"] == ("加强信用监管", ["市发改委"], ["市市场监管局", "市税务局"], None)
    assert got["5"] == ("深化监督", [], [], None)  # a bracket of prose is not a unit list


def test_a_plan_with_a_table_of_contents_is_still_a_plan():
    text = (
        "XX市营商环境三年行动方案\n目录\n一、总体要求……………1\n二、重点任务……………2\n三、保障措施……………5\n\n"
        "一、总体要求\n以习近平新时代中国特色社会主义思想为指导。\n"
        "二、重点任务\n（一）推行告知承诺制。扩大承诺范围。\n（二）深化一网通办。推动网上可办率达到95%以上。\n"
        "三、保障措施\n（一）加强组织领导。\n"
    )
    doc = parse_text(text, "三年行动方案.txt")
    assert doc["kind"] == "plan"
    assert doc["sections"] == [{"id": "二", "title": "重点任务"}]
    assert [(t["id"], t["title"]) for t in doc["tasks"]] == [
        ("（一）", "推行告知承诺制"),
        ("（二）", "深化一网通办"),
    ]


def test_compilation_without_contents_is_split_at_standalone_titles():
    text = (
        "优化营商环境典型经验选编\n\n"
        "甲县：推行“一窗通办”\n\n"
        "今年以来，甲县全面推行综合窗口改革，群众办事由“多窗跑”变为“一窗办”。\n"
        "“前台综合受理”\n"
        "全县设立综合窗口12个，办件量同比增长30%。\n\n\n"
        "乙区：打造“企业服务专员”制度\n\n"
        "乙区为每家规上企业配备服务专员，累计解决问题200余个。\n\n"
        "【某某素材网】每天更新材料，添加客服微信领取会员。\n"
    )
    doc = parse_text(text, "经验选编.txt")
    assert doc["kind"] == "compilation"
    assert [a["title"] for a in doc["articles"]] == [
        "甲县：推行“一窗通办”",
        "乙区：打造“企业服务专员”制度",
    ]
    assert "“前台综合受理”" in doc["articles"][0]["body"]  # a sub-heading inside an article
    assert "素材" not in doc["articles"][1]["body"]


def test_cli_does_not_need_django_settings():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="no_such_settings_module")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "qinqing.cli.main",
            "plan",
            "parse",
            str(FIXTURES / "donghu_task_table.txt"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert json.loads(result.stdout)["tasks"]


def test_cli_prints_one_json_object_for_a_gbk_plan():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "qinqing.cli.main",
            "plan",
            "parse",
            str(FIXTURES / "nanling_2023_gbk.txt"),
            "--format",
            "json",
        ],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    doc = json.loads(result.stdout.decode("utf-8"))
    assert doc["file"] == "nanling_2023_gbk.txt"
    assert "市政务服务数据管理局" in result.stdout.decode(
        "utf-8"
    )  # ensure_ascii=False: readable Chinese
    assert len(doc["tasks"]) == 6


def test_cli_text_format_is_a_readable_ledger():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "qinqing.cli.main",
            "plan",
            "parse",
            str(FIXTURES / "donghu_task_table.txt"),
            "--format",
            "text",
        ],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    out = result.stdout.decode("utf-8")
    assert result.returncode == 0
    assert "牵头单位：市行政审批局" in out and "完成时限：2023年6月底前" in out


# ---------------------------------------------------------------------------------------------
# 分工方案: an item with a body and its own units, then numbered 具体措施 with their own units


MEASURES_PLAN = """XX市优化营商环境工作方案
一、主要任务
（一）优化政务服务（牵头单位：市政务服务局）
1.推行一网通办。全面推行网上办理。（责任单位：市大数据局）
2.推行帮办代办。建立帮办队伍。（责任单位：各县区政府）
（二）降低企业成本。清理涉企收费，减轻企业负担。（牵头单位：市发展改革委；责任单位：市财政局）
具体措施：
1.2024年6月底前公布涉企收费清单。（牵头单位：市市场监管局）
2.开展转供电加价清理。（牵头单位：市发展改革委）
（三）优化涉企服务。建立企业诉求台账。（市工信局牵头，市直有关部门按职责分工负责）
具体措施：2024年9月底前上线企业诉求平台，实现诉求一口受理。（市政务服务局负责）
"""


def test_an_item_with_its_own_units_keeps_them_and_its_measures_are_sub_tasks():
    doc = parse_text(MEASURES_PLAN)
    ids = [t["id"] for t in doc["tasks"]]
    assert ids == ["1", "2", "（二）", "（二）-1", "（二）-2", "（三）", "（三）-1"]
    item = _task(doc, "（二）")
    assert (item["title"], item["lead_units"], item["responsible_units"]) == (
        "降低企业成本",
        ["市发展改革委"],
        ["市财政局"],
    )
    first = _task(doc, "（二）-1")
    # "1.2024年…" is measure 1 whose text starts with a year, not the decimal 1.2024
    assert first["title"] == "2024年6月底前公布涉企收费清单"
    assert first["lead_units"] == ["市市场监管局"]
    assert first["parent_task"] == {"id": "（二）", "title": "降低企业成本"}
    assert first["section"] == "一"
    # a date inside a measure is not its deadline; it is flagged for the reviewer
    assert first["deadline"] is None and "deadline" in first["uncertain"]
    # an unnumbered measure after the lead-in 具体措施：
    third = _task(doc, "（三）")
    assert third["lead_units"] == ["市工信局"] and third["responsible_units"] == ["市直有关部门"]
    measure = _task(doc, "（三）-1")
    assert measure["title"].startswith("2024年9月底前上线企业诉求平台")
    assert measure["responsible_units"] == ["市政务服务局"]
    # a bare heading that only names a lead is not a task of its own (its items are)
    assert "（一）" not in ids
