"""Assessment tables (考核细则, 考评办法 with indicator tables) and their neighbours (issue 16).

The real documents are c27 and c28 of the corpus (test_parse_corpus_rules.py); these cases pin
the edges of the rules: a task table numbered 一、二、 is still a task table, and a span of years
is not a date.
"""

from __future__ import annotations

import io

import docx

from qinqing.plans.parsing import parse_bytes, parse_text


def _docx(rows: list[list[str]], title: str = "某县2024年度营商环境工作考核细则") -> bytes:
    doc = docx.Document()
    doc.add_paragraph(title)
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_an_assessment_table_gives_one_task_per_item_led_by_the_assessing_unit():
    data = _docx(
        [
            ["序号", "考核项目", "分值", "考核指标", "负责考核部门"],
            ["", "总分", "100", "", ""],
            ["一、", "政务服务", "60", "", ""],
            ["1", "推行一网通办", "30", "网上可办率达到95%以上，得30分。", "县行政审批局"],
            ["2", "压缩开办时间", "30", "1.企业开办1个工作日内办结，得20分。", "县市场监管局"],
            ["二、", "加分项目", "10", "获省级表扬的加5分。", "县营商办"],
        ]
    )
    parsed = parse_bytes(data, "考核细则.docx")
    assert [(t["title"], t["lead_units"]) for t in parsed["tasks"]] == [
        ("推行一网通办", ["县行政审批局"]),
        ("压缩开办时间", ["县市场监管局"]),
    ]
    assert parsed["tasks"][0]["targets"] == ["网上可办率达到95%以上"]
    assert parsed["tasks"][1]["targets"] == ["企业开办1个工作日内办结"]


def test_a_task_table_numbered_with_chinese_numerals_keeps_its_tasks():
    """Without rows numbered 1, 2… a “一、” row is a task, not a part heading."""
    data = _docx(
        [
            ["序号", "重点任务", "牵头单位", "完成时限"],
            ["一、", "推行企业开办全程网办", "县市场监管局", "2024年6月底前"],
            ["二、", "推行水电气报装联办", "县住建局", "2024年9月底前"],
        ],
        title="某县2024年优化营商环境重点任务清单",
    )
    parsed = parse_bytes(data, "任务清单.docx")
    assert [(t["title"], t["lead_units"], t["deadline"]) for t in parsed["tasks"]] == [
        ("推行企业开办全程网办", ["县市场监管局"], "2024-06-30"),
        ("推行水电气报装联办", ["县住建局"], "2024-09-30"),
    ]


def test_a_span_of_years_is_neither_a_deadline_nor_a_date_to_check():
    text = (
        "某市人才工作实施意见\n"
        "一、重点项目\n"
        "1.博士后培养项目。5年内培养资助博士后研究人员不少于400名。"
        "（牵头单位：市人社局，配合单位：各区）\n"
        "2.人才公寓项目。2024年底前筹集建设1000套人才公寓。（牵头单位：市住建局）\n"
    )
    tasks = parse_text(text, "意见.txt")["tasks"]
    assert [t["deadline"] for t in tasks] == [None, None]
    assert "deadline" not in tasks[0]["uncertain"]
    assert "deadline" in tasks[1]["uncertain"]
