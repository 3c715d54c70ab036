"""Pure rules of plan import: target numbers, deadlines, version differences."""

from __future__ import annotations

import doctest
from datetime import date
from decimal import Decimal

import pytest

from qinqing.plans import rules, search
from qinqing.plans.rules import TaskRow, diff_ledgers, strict_date, target_value


@pytest.mark.parametrize("module", [rules, search])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("text", "value", "unit", "comparator"),
    [
        ("工程建设项目审批时间压缩至80个工作日以内", "80", "个工作日", "≤"),
        ("不动产登记一般业务办理时间控制在3个工作日", "3", "个工作日", "≤"),
        ("政务服务事项网上可办率不低于90%", "90", "%", "≥"),
        ("新增减税降费20亿元以上", "20", "亿元", "≥"),
        ("每季度更新一次清单", "1", "次", ""),
        ("全面推行证明事项告知承诺制", None, "", ""),
        ("培育省级专精特新企业十五家", "15", "家", ""),
    ],
)
def test_target_numbers(text, value, unit, comparator):
    got = target_value(text)
    assert got.value == (Decimal(value) if value else None)
    assert (got.unit, got.comparator) == (unit, comparator)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2025/6/30", date(2025, 6, 30)),
        ("2025.12.31", date(2025, 12, 31)),
        ("2025-02-29", False),
        ("2025-13-01", False),
        ("2025年6月底前", None),
        ("长期坚持", None),
    ],
)
def test_strict_dates_in_ledger_cells(cell, expected):
    assert strict_date(cell) == expected


def test_diff_reports_each_changed_field_and_keeps_unchanged_tasks_quiet():
    old = [
        TaskRow(1, "1", "压缩企业开办时间", lead_units=("市市场监管局",), targets=("1个工作日",)),
        TaskRow(2, "2", "推行涉税事项网上办理", responsible_units=("市数据局",)),
    ]
    new = [
        TaskRow(3, "1", "压缩企业开办时间", lead_units=("市市场监管局",), targets=("1个工作日",)),
        TaskRow(4, "2", "推行涉税事项网上办理", responsible_units=("市数据局", "市财政局"),
                deadline_raw="2025年9月底前"),
    ]  # fmt: skip
    d = diff_ledgers(old, new)
    assert not d.added and not d.removed
    assert [(c.old.key, c.new.key, c.fields) for c in d.changed] == [
        (2, 4, ["responsible_units", "deadline_raw"])
    ]
    assert d.unchanged == [(old[0], new[0])]


def test_diff_of_identical_ledgers_is_empty():
    rows = [TaskRow(1, "1", "甲"), TaskRow(2, "2", "乙")]
    assert diff_ledgers(rows, rows).empty


def test_search_words_drop_stopwords_and_cut_chinese():
    assert search.query_words("优化营商环境 企业开办") == ["企业", "开办"]
    column = search.tokens_column("推行企业开办一网通办")
    assert " 企业 " in column and " 开办 " in column and column.startswith(" ")
