"""General rules of issue 16: the grammar of closing clauses, role rules, numbering variants.

The corpus (test_parse_corpus.py) holds real plans; these cases pin each rule on a short text.
"""

from __future__ import annotations

import pytest

from qinqing.plans.parsing import parse_text
from qinqing.plans.parsing.roles import first_listed_leads
from qinqing.plans.parsing.units import bracket_annotation, parse_verb_style

PLAN = """某市2023年优化营商环境工作要点
一、提升政务服务
1.深化“一网通办”。推进政务服务事项网上办理（市政务服务中心牵头，市大数据局配合）。推行电子证照共享应用（市档案馆负责）。
2.优化企业开办（20分）。企业开办时间压缩至1个工作日（市市场监管局牵头，市税务局、市公安局配合，9月底前完成）。
3.提升纳税便利度（0.5分）
（9月底前完成，牵头落实单位：市税务局；配合单位：市财政局）
4.加强信用监管。完善信用修复机制。市发展改革委会同有关部门负责。
"""


@pytest.fixture(scope="module")
def tasks():
    return {t["id"]: t for t in parse_text(PLAN, "要点.txt")["tasks"]}


def test_units_of_several_brackets_in_one_task_are_the_union(tasks):
    assert tasks["1"]["lead_units"] == ["市政务服务中心"]
    assert tasks["1"]["responsible_units"] == ["市档案馆"]
    assert tasks["1"]["supporting_units"] == ["市大数据局"]


def test_a_deadline_inside_the_roles_bracket_takes_the_plans_year(tasks):
    assert tasks["2"]["deadline_raw"] == "9月底前完成" and tasks["2"]["deadline"] == "2023-09-30"
    assert tasks["2"]["responsible_units"] == ["市税务局", "市公安局"]


def test_the_deadline_may_come_before_the_label(tasks):
    t = tasks["3"]
    assert (t["lead_units"], t["responsible_units"]) == (["市税务局"], ["市财政局"])
    assert t["deadline"] == "2023-09-30"


def test_score_weights_are_not_part_of_titles(tasks):
    assert tasks["2"]["title"] == "优化企业开办" and tasks["3"]["title"] == "提升纳税便利度"


def test_x_huitong_others_means_x_leads(tasks):
    assert tasks["4"]["lead_units"] == ["市发展改革委"]
    assert tasks["4"]["responsible_units"] == ["有关部门"]


@pytest.mark.parametrize(
    ("inner", "lead", "responsible", "deadline"),
    [
        ("9月底前完成，牵头落实单位：县发改局", ["县发改局"], [], "9月底前完成"),
        ("持续推进，责任单位：县市场监管局、县商务局", [], ["县市场监管局", "县商务局"], "持续推进"),
        ("牵头考核单位：市营商办；责任主体：各县区政府", ["市营商办"], ["各县区政府"], None),
        ("主责单位：市发改委；协同单位：市财政局，6月份取得明显成效", ["市发改委"], ["市财政局"], "6月份取得明显成效"),
        ("责任单位：省发展改革委、商务厅按职责分工负责。具体任务均涉及各市，下同。", [], ["省发展改革委", "商务厅"], None),
    ],
)  # fmt: skip
def test_closing_clause_grammar(inner, lead, responsible, deadline):
    ann = bracket_annotation(inner)
    assert ann.lead == lead
    assert ann.responsible + ann.supporting == responsible
    assert ann.deadline_raw == deadline


def test_names_listed_before_the_verb_clause_take_its_role():
    ann = parse_verb_style("区发改局牵头，区财政局、区水务局等部门，区国投公司配合")
    assert ann.lead == ["区发改局"]
    assert ann.supporting == ["区财政局", "区水务局", "区国投公司"]


def test_first_listed_unit_leads_when_the_document_says_so():
    text = """关于进一步优化营商环境的若干措施
一、优化政务服务
（一）推行“一网通办”。推进事项网上办理。（国家发展改革委、商务部按职责分工负责，列第一位者为牵头单位，下同）
（二）压减审批时限。全面清理审批事项。（市场监管总局、国家发展改革委按职责分工负责）
"""
    assert first_listed_leads(text)
    parsed = parse_text(text, "措施.txt")["tasks"]
    assert [t["lead_units"] for t in parsed] == [["国家发展改革委"], ["市场监管总局"]]
    assert [t["responsible_units"] for t in parsed] == [["商务部"], ["国家发展改革委"]]


@pytest.mark.parametrize("dot", ["．", "﹒", "* .", "、"])
def test_unusual_number_dots(dot):
    text = f"""某县2024年工作方案
一、重点任务
1{dot}推行容缺受理。对次要材料实行容缺后补。（责任单位：县政务服务中心）
2{dot}推行帮办代办。（责任单位：县政务服务中心）
"""
    parsed = parse_text(text, "方案.txt")["tasks"]
    assert [t["id"] for t in parsed] == ["1", "2"]
    assert parsed[0]["title"] == "推行容缺受理"
