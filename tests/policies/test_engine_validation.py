"""Rule validation: every problem is reported in Chinese with file, line and item."""

from __future__ import annotations

import pytest

from qinqing.policies.engine.spec import (
    RuleValidationError,
    load_ruleset,
    parse_policy,
    validate_policy_text,
)

HEADER = """id: demo
version: 1
title: 示例政策
document: 示例文件
article: 第一条
source_text: 原文。
"""


def errors_of(body: str, header: str = HEADER) -> list[str]:
    return [str(e) for e in validate_policy_text(header + body, "demo.yaml")]


def test_a_valid_rule_has_no_errors():
    assert errors_of("items:\n  - {id: a, title: 甲, amount: 5万元}\n") == []


def test_unknown_attribute_names_file_line_item_and_a_guess():
    (error,) = errors_of("""items:
  - id: grad
    title: 毕业生
    when:
      - attribute: graduate_hire
        at_least: 1
    amount: 1000
""")
    assert error == (
        "demo.yaml 第 11 行（奖励项“grad”的第 1 个条件）："
        "没有名为“graduate_hire”的企业属性。您是不是要写“graduate_hires”（本年度招用高校毕业生人数）？"
    )


def test_chinese_label_instead_of_attribute_name_is_explained():
    (error,) = errors_of(
        "when:\n  - {attribute: 企业规模, in: [small]}\nitems:\n  - {id: a, title: 甲, amount: 1}\n"
    )
    assert "请用属性名“size”" in error


def test_operator_of_the_wrong_type_lists_usable_operators():
    (error,) = errors_of(
        "when:\n  - {attribute: size, at_least: 2}\nitems:\n  - {id: a, title: 甲, amount: 1}\n"
    )
    assert "第 8 行" in error
    assert "属性“size”（企业规模）是枚举（固定取值）类型，不能用“at_least”（不少于）" in error
    assert "可用：equals、not_equals、in、not_in、present" in error


def test_value_of_the_wrong_type():
    errors = errors_of("""when:
  - {attribute: graduate_hires, at_least: 两人}
  - {attribute: serious_dishonesty, equals: 也许}
  - {attribute: high_tech_on, on_or_after: 2025-02-30}
  - {attribute: size, in: [huge]}
items:
  - {id: a, title: 甲, amount: 1}
""")
    assert len(errors) == 4
    assert "整数类型，值“两人”应为整数" in errors[0]
    assert "“是/否”类型，值“也许”应写 true 或 false" in errors[1]
    assert "日期类型，值“2025-02-30”应写成 年-月-日" in errors[2]
    assert (
        "没有“huge”这个取值。允许的取值：large（大型）、medium（中型）、small（小型）、micro（微型）"
        in errors[3]
    )


def test_bad_or_missing_operator():
    errors = errors_of("""when:
  - {attribute: graduate_hires, bigger_than: 1}
  - {attribute: graduate_hires}
  - {attribute: graduate_hires, at_least: 1, at_most: 9}
items:
  - {id: a, title: 甲, amount: 1}
""")
    assert "未知的字段“bigger_than”" in errors[0] and "您是不是要写“greater_than”" in errors[0]
    assert any("条件缺少比较方式" in e for e in errors)
    assert any("一个条件只能写一种比较方式" in e for e in errors)


def test_group_without_amounts_is_rejected():
    (error,) = errors_of("""groups:
  - id: best
    title: 不重复奖
    items: []
""")
    assert error == (
        "demo.yaml 第 8 行（政策“demo”的不重复奖励组“best”）："
        "这个不重复奖励组没有任何带金额的奖励项：请在“items”下列出各项及其金额（amount）。"
    )


def test_item_without_amount_and_policy_without_items():
    (missing,) = errors_of("items:\n  - {id: a, title: 甲}\n")
    assert "缺少金额“amount”" in missing and "奖励项“a”" in missing
    (empty,) = errors_of("")
    assert "没有任何奖励项" in empty


def test_bad_money_and_ids():
    errors = errors_of(
        "items:\n  - {id: A_1, title: 甲, amount: 五万}\n  - {id: b, title: 乙, amount: -5}\n"
    )
    assert any("编号“A_1”不合规" in e for e in errors)
    assert any("金额“五万”无法识别" in e for e in errors)
    assert any("金额“-5”超出范围" in e for e in errors)


def test_missing_header_fields_and_bad_version():
    errors = errors_of(
        "items:\n  - {id: a, title: 甲, amount: 1}\n", header="id: demo\nversion: 0\n"
    )
    assert any("版本号“0”应为正整数" in e for e in errors)
    for field in ("title", "document", "article", "source_text"):
        assert any(f"缺少必填字段“{field}”" in e for e in errors)


def test_yaml_syntax_errors_and_duplicate_keys_give_lines():
    (syntax,) = errors_of("items:\n  - id: a\n   title: 甲\n")
    assert syntax.startswith("demo.yaml 第 9 行：YAML 格式错误")
    assert "缩进不一致" in syntax
    (duplicate,) = errors_of("items:\n  - {id: a, title: 甲, amount: 1}\ntitle: 又一个名称\n")
    assert duplicate == "demo.yaml 第 9 行：字段“title”重复出现，同一层级每个字段只能写一次。"


def test_validity_period_order():
    (error,) = errors_of(
        "valid_from: 2026-01-01\nvalid_until: 2025-12-31\nitems:\n  - {id: a, title: 甲, amount: 1}\n"
    )
    assert "失效日期 2025-12-31 早于生效日期 2026-01-01" in error


def test_duplicate_item_ids_and_policy_ids(tmp_path):
    (error,) = errors_of(
        "items:\n  - {id: a, title: 甲, amount: 1}\n  - {id: a, title: 乙, amount: 2}\n"
    )
    assert "奖励项编号“a”重复" in error
    body = HEADER + "items:\n  - {id: a, title: 甲, amount: 1}\n"
    (tmp_path / "one.yaml").write_text(body, encoding="utf-8")
    (tmp_path / "two.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(RuleValidationError) as exc:
        load_ruleset(tmp_path)
    assert "two.yaml：政策编号“demo”与“one.yaml”重复" in exc.value.message


def test_all_problems_of_all_files_are_reported_together(tmp_path):
    (tmp_path / "a.yaml").write_text(
        HEADER + "items:\n  - {id: x, title: 甲, amount: 一}\n", encoding="utf-8"
    )
    (tmp_path / "b.yaml").write_text(
        HEADER.replace("demo", "other") + "when: [{attribute: nope, equals: 1}]\nitems: []\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleValidationError) as exc:
        load_ruleset(tmp_path)
    assert [e.path for e in exc.value.errors] == ["a.yaml", "b.yaml"]
    assert exc.value.message.startswith("政策规则有 2 处问题，未保存，请逐条修改：")


def test_parse_policy_raises_with_all_errors():
    with pytest.raises(RuleValidationError) as exc:
        parse_policy("id: x\n", "x.yaml")
    assert len(exc.value.errors) >= 5
