"""Table-driven tests of the parser's pure rules: units, deadlines, targets, headings."""

from __future__ import annotations

import doctest

import pytest

from qinqing.plans import parsing
from qinqing.plans.parsing import (
    blocks,
    compilation,
    deadlines,
    outline,
    plan,
    readers,
    tables,
    targets,
    units,
)
from qinqing.plans.parsing.deadlines import normalise_deadline
from qinqing.plans.parsing.outline import match_marker
from qinqing.plans.parsing.targets import extract_targets, has_quantity
from qinqing.plans.parsing.units import bracket_annotation, parse_labelled, split_units


@pytest.mark.parametrize(
    "module",
    [blocks, compilation, deadlines, outline, plan, readers, tables, targets, units],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.failed == 0


@pytest.mark.parametrize(
    ("written", "units_"),
    [
        ("市政府各部门，各乡、镇、办事处", ["市政府各部门", "各乡、镇、办事处"]),
        ("市、县(区)相关部门(单位)", ["市、县(区)相关部门(单位)"]),
        ("各县（市、区）人民政府（管委会）", ["各县（市、区）人民政府（管委会）"]),
        (
            "市人社局等市直相关部门(单位)，各县(区)人民政府。",
            ["市人社局", "市直相关部门(单位)", "各县(区)人民政府"],
        ),
        ("市住建局等相关部门(单位)", ["市住建局", "相关部门(单位)"]),
        (
            "市公安局、市人社局、市税务局、人行XX支行等",
            ["市公安局", "市人社局", "市税务局", "人行XX支行"],
        ),
        ("市发改委；市财政局;市税务局", ["市发改委", "市财政局", "市税务局"]),
        ("市发改委\n市财政局", ["市发改委", "市财政局"]),
        ("XX高等专科学校、市教育局", ["XX高等专科学校", "市教育局"]),
        ("12345市政务服务热线中心,市直相关部门", ["12345市政务服务热线中心", "市直相关部门"]),
    ],
)
def test_unit_lists_split_as_the_gold_does(written, units_):
    assert split_units(written) == units_


@pytest.mark.parametrize(
    ("text", "lead", "responsible", "deadline_raw"),
    [
        (
            "牵头部门：市行政审批局；责任部门：市政府各部门",
            ["市行政审批局"],
            ["市政府各部门"],
            None,
        ),
        (
            "牵头部门：市自然资源和规划局、市大数据中心，责任部门：市税务局",
            ["市自然资源和规划局", "市大数据中心"],
            ["市税务局"],
            None,
        ),
        (
            "牵头单位:市发展改革委责任单位：市级党委政府各部门(单位)",
            ["市发展改革委"],
            ["市级党委政府各部门(单位)"],
            None,
        ),
        ("责任单位：市发改委；完成时限：2023年6月底前。", [], ["市发改委"], "2023年6月底前"),
        ("主责单位：市商务局；协办单位：市海关", ["市商务局"], ["市海关"], None),
    ],
)
def test_labelled_annotations(text, lead, responsible, deadline_raw):
    ann = parse_labelled(text)
    assert ann.lead == lead
    assert ann.responsible + ann.supporting == responsible
    assert ann.deadline_raw == deadline_raw


@pytest.mark.parametrize(
    ("inner", "lead", "others"),
    [
        (
            "市发展改革委牵头，各县（市、区）人民政府负责",
            ["市发展改革委"],
            ["各县（市、区）人民政府"],
        ),
        ("市商务局、市财政局牵头，市直有关部门配合", ["市商务局", "市财政局"], ["市直有关部门"]),
        ("国家发展改革委牵头，各地区各部门按职责分工负责", ["国家发展改革委"], ["各地区各部门"]),
    ],
)
def test_verb_style_brackets(inner, lead, others):
    ann = bracket_annotation(inner)
    assert ann is not None
    assert ann.lead == lead
    assert ann.responsible + ann.supporting == others


@pytest.mark.parametrize(
    "inner",
    [
        "包括政策名称、享受对象",
        "含离校2年内未就业高校毕业生",
        "由组长单位牵头负责日常工作，统筹推进",
    ],
)
def test_ordinary_brackets_are_not_annotations(inner):
    assert bracket_annotation(inner) is None


@pytest.mark.parametrize(
    ("raw", "year", "expected"),
    [
        ("长期坚持", 2022, "ongoing"),
        ("2022年6月底", None, "2022-06-30"),
        ("2022年12月底", None, "2022-12-31"),
        ("2022年6月底完成清理并长期坚持", None, {"date": "2022-06-30", "ongoing": True}),
        ("2022年3月底前完成公布并长期坚持", None, {"date": "2022-03-31", "ongoing": True}),
        ("9月底前", 2022, "2022-09-30"),
        ("年底前", 2023, "2023-12-31"),
        ("2024年2月底前", None, "2024-02-29"),
        ("2023年11月30日", None, "2023-11-30"),
        ("2023年上半年", None, "2023-06-30"),
        ("2023年第三季度", None, "2023-09-30"),
        ("2023年3月底前制定方案，11月底前全面推行", None, "2023-11-30"),
        ("2025年", None, "2025-12-31"),
        ("持续推进", None, "ongoing"),
        ("2023年起长期坚持", None, "ongoing"),
        ("按省里要求", 2023, None),
        ("", 2023, None),
    ],
)
def test_deadlines_normalise_as_the_gold_encodes_them(raw, year, expected):
    assert normalise_deadline(raw, year) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "确保纳税人年纳税次数平均不超过6次，企业年平均纳税时间进一步压缩10%。",
            ["确保纳税人年纳税次数平均不超过6次", "企业年平均纳税时间进一步压缩10%"],
        ),
        ("2022年底前实现全覆盖。", []),
        ("6月底前“清零”，3月底前完成并向社会公布。", []),
        (
            "实行“1个工作日签收、咨询和表扬类3个工作日内回复；建议类5个工作日内回复”。",
            ["1个工作日签收", "咨询和表扬类3个工作日内回复", "建议类5个工作日内回复"],
        ),
        (
            "落实获得用水“321服务”，即3个工作日（不含施工时间）、2个环节、1项材料。",
            ["即3个工作日（不含施工时间）、2个环节、1项材料"],
        ),
        (
            "金额不得超过估算价的1%，且最高不超过50万元。",
            ["金额不得超过估算价的1%，且最高不超过50万元"],
        ),
        ("依托“12345”热线和“X服通”5.0版，建设“一网通办”平台。", []),
        ("在已开展区域评价的开发区可利用面积9432.9亩范围内，统一使用评估成果。", []),
        ("根据23条产业链企业用工需求，开展招聘。", []),
        ("力争全年为市场主体减负XXX亿元以上。", ["力争全年为市场主体减负XXX亿元以上"]),
    ],
)
def test_targets(body, expected):
    assert extract_targets(body) == expected


@pytest.mark.parametrize(
    "phrase",
    [
        "压缩至5个工作日以内",
        "达到95％以上",
        "每月至少1次",
        "降至1%以下",
        "建设6家人力资源产业园分园",
    ],
)
def test_quantities(phrase):
    assert has_quantity(phrase)


@pytest.mark.parametrize(
    ("line", "kind", "ident"),
    [
        ("一、总体要求", "cn_dun", "一"),
        ("（一）打造更加规范高效的一流政务环境", "cn_paren", "（一）"),
        ("(一)聚焦促进涉企政策落实。", "cn_paren", "(一)"),
        ("（二十三）大力推进包容审慎监管。", "cn_paren", "（二十三）"),
        ("12.强化新增建设用地报批", "ar_dot", "12"),
        ("3、优化纳税服务", "ar_dot", "3"),
        ("4．推进企业注销便利化", "ar_dot", "4"),
        ("（1）推行低压报装“零投资”。", "ar_paren", "（1）"),
        ("②保障用地需求", "circled", "②"),
        ("第三条：鼓励企业科技创新。", "article", "第三条"),
        ("第二部分 重点任务", "part", "第二部分"),
    ],
)
def test_heading_markers(line, kind, ident):
    marker = match_marker(line)
    assert (marker.kind, marker.ident) == (kind, ident)


@pytest.mark.parametrize(
    "line", ["2022年是全面建设的重要一年", "1.5%的企业", "12345热线", "一是强化服务"]
)
def test_lines_that_are_not_headings(line):
    assert match_marker(line) is None


def test_a_stray_number_inside_a_task_does_not_start_a_task():
    text = "一、重点任务\n1.优化审批。具体包括：\n1.精简材料；\n2.压缩时限。（牵头单位：市审批局）\n2.优化服务。（牵头单位：市政务中心）\n"
    doc = parsing.parse_text(text, "方案.txt")
    assert [(t["id"], t["lead_units"]) for t in doc["tasks"]] == [
        ("1", ["市审批局"]),
        ("2", ["市政务中心"]),
    ]


def test_a_unit_bracket_may_span_two_lines():
    text = "一、重点任务\n1.推行告知承诺制。扩大范围。\n（牵头单位：市发改委；\n责任单位：市财政局、各县（区）政府）\n"
    (task,) = parsing.parse_text(text, "方案.txt")["tasks"]
    assert (task["lead_units"], task["responsible_units"]) == (
        ["市发改委"],
        ["市财政局", "各县（区）政府"],
    )
