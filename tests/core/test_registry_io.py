"""Enterprise registry import: formats, encodings and row-numbered Chinese errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from qinqing.core.enterprises.attributes import ENTERPRISE_ATTRIBUTES, AttributeType
from qinqing.core.enterprises.registry_io import (
    NULL_DAY,
    load_registry,
    read_registry,
    read_registry_records,
    read_registry_row,
)
from qinqing.core.errors import InvalidInput, NotFound

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLE = SHARED / "data" / "enterprises" / "sample_10k.csv"


@pytest.fixture(scope="module")
def sample_text() -> str:
    assert SAMPLE.is_file(), f"shared sample registry missing: {SAMPLE}"
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sample_lines(sample_text) -> list[str]:
    return sample_text.splitlines()


def small_csv(lines: list[str], rows: int = 5) -> str:
    return "\n".join(lines[: rows + 1]) + "\n"


def replace_field(line: str, header: str, column: str, value: str) -> str:
    fields = line.split(",")
    fields[header.split(",").index(column)] = value
    return ",".join(fields)


def write(tmp_path: Path, text: str, name: str = "名录.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_sample_registry_loads_every_row_with_typed_columns(sample_lines):
    imported = read_registry(SAMPLE)
    assert imported.ok, imported.report()
    registry = imported.registry
    assert len(registry) == len(sample_lines) - 1 == 10_000
    assert set(ENTERPRISE_ATTRIBUTES.names) <= set(registry.table.column_names)
    first = sample_lines[1].split(",")
    assert registry.value("uscc", 0) == first[0]
    assert registry.value("established_on", 0) == dt.date.fromisoformat(first[5])
    assert registry.value("serious_dishonesty", 0) is (first[6] == "True")
    assert registry.value("graduate_hires", 0) == int(first[7])


def test_date_columns_become_day_numbers_with_a_null_marker(sample_lines):
    registry = load_registry(SAMPLE)
    header = sample_lines[0].split(",")
    column = header.index("tech_leader_provincial_on")
    raw = [line.split(",")[column] for line in sample_lines[1:]]
    days = registry.column("tech_leader_provincial_on")
    assert days.dtype == np.int32
    for i, text in enumerate(raw[:300]):
        if text:
            assert days[i] == (dt.date.fromisoformat(text) - dt.date(1970, 1, 1)).days
        else:
            assert days[i] == NULL_DAY


def test_enum_and_text_columns_are_coded(sample_lines):
    registry = load_registry(SAMPLE)
    sizes = registry.column("size")
    header = sample_lines[0].split(",")
    raw = [line.split(",")[header.index("size")] for line in sample_lines[1:50]]
    values = ENTERPRISE_ATTRIBUTES["size"].values
    assert [values[c] for c in sizes[:49]] == raw
    industry = registry.column("industry_code")
    cats = registry.categories("industry_code")
    assert cats[industry[0]] == sample_lines[1].split(",")[header.index("industry_code")]


def test_gbk_csv_reads_the_same_as_utf8(tmp_path, sample_lines):
    text = small_csv(sample_lines, 50)
    utf8 = load_registry(write(tmp_path, text, "utf8.csv"))
    gbk = load_registry(write(tmp_path, text, "gbk.csv", "gbk"))
    assert gbk.table.equals(utf8.table)
    assert gbk.value("name", 0).startswith("示例企业")


def test_utf8_bom_and_crlf_are_accepted(tmp_path, sample_lines):
    text = "\ufeff" + "\r\n".join(sample_lines[:6]) + "\r\n"
    registry = load_registry(write(tmp_path, text))
    assert len(registry) == 5
    assert registry.value("uscc", 0) == sample_lines[1].split(",")[0]


def test_chinese_column_labels_are_accepted_as_headers(tmp_path, sample_lines):
    header = sample_lines[0].split(",")
    labels = [ENTERPRISE_ATTRIBUTES[h].label for h in header]
    text = ",".join(labels) + "\n" + "\n".join(sample_lines[1:4]) + "\n"
    registry = load_registry(write(tmp_path, text))
    assert registry.value("uscc", 2) == sample_lines[3].split(",")[0]


def test_alternative_date_spellings_are_accepted(tmp_path, sample_lines):
    header = sample_lines[0]
    rows = [
        replace_field(sample_lines[1], header, "established_on", "2010/3/5"),
        replace_field(sample_lines[2], header, "established_on", "2010年3月5日"),
    ]
    registry = load_registry(write(tmp_path, "\n".join([header, *rows]) + "\n"))
    assert registry.value("established_on", 0) == dt.date(2010, 3, 5)
    assert registry.value("established_on", 1) == dt.date(2010, 3, 5)


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_accepted(tmp_path, sample_lines):
    header = sample_lines[0]
    rows = list(sample_lines[1:8])
    uscc = rows[1].split(",")[0]
    wrong_check = uscc[:17] + ("0" if uscc[17] != "0" else "1")
    rows[1] = replace_field(rows[1], header, "uscc", wrong_check)
    rows[2] = replace_field(rows[2], header, "high_tech_on", "2025-02-30")
    rows[3] = replace_field(rows[3], header, "size", "huge")
    rows[4] = replace_field(rows[4], header, "graduate_hires", "三")
    rows[5] = replace_field(rows[5], header, "serious_dishonesty", "maybe")
    path = write(tmp_path, "\n".join([header, *rows]) + "\n")
    imported = read_registry(path)
    assert imported.registry is None
    messages = [e.message for e in imported.errors]
    assert messages[0].startswith("第 3 行“统一社会信用代码”（uscc）")
    assert "校验位（第 18 位）应为" in messages[0]
    assert messages[1] == (
        "第 4 行“国家高新技术企业认定日期”（high_tech_on）为“2025-02-30”，"
        "不是有效日期（应写成 年-月-日，例如 2025-02-28）。"
    )
    assert messages[2].startswith("第 5 行“企业规模”（size）为“huge”，不是允许的取值。")
    assert "small（小型）" in messages[2]
    assert messages[3].startswith(
        "第 6 行“本年度招用高校毕业生人数”（graduate_hires）为“三”，应为整数"
    )
    assert messages[4].startswith("第 7 行“严重失信主体”（serious_dishonesty）为“maybe”")
    assert imported.bad_lines == [3, 4, 5, 6, 7]
    report = imported.report()
    assert "整个文件未导入" in report and "跳过错误行" in report
    with pytest.raises(InvalidInput) as exc:
        load_registry(path)
    assert "第 4 行" in exc.value.message


def test_skip_mode_accepts_good_rows_and_reports_bad_ones(tmp_path, sample_lines):
    header = sample_lines[0]
    rows = list(sample_lines[1:6])
    rows[2] = replace_field(rows[2], header, "established_on", "2023-13-01")
    imported = read_registry(write(tmp_path, "\n".join([header, *rows]) + "\n"), on_error="skip")
    registry = imported.registry
    assert registry is not None and len(registry) == 4
    assert imported.bad_lines == [4]
    kept = registry.uscc.to_pylist()
    assert rows[2].split(",")[0] not in kept
    assert registry.line_of(2) == 5  # the row after the skipped one keeps its file line
    assert "跳过 1 行" in imported.report() and "第 4 行" in imported.report()


def test_missing_column_rejects_the_file_even_in_skip_mode(tmp_path, sample_lines):
    header = sample_lines[0].split(",")
    drop = header.index("size")
    lines = [
        ",".join(f for i, f in enumerate(line.split(",")) if i != drop) for line in sample_lines[:4]
    ]
    imported = read_registry(write(tmp_path, "\n".join(lines) + "\n"), on_error="skip")
    assert imported.registry is None
    assert imported.errors[0].line is None
    assert "缺少必需的列“size”（企业规模）" in imported.errors[0].message


def test_duplicate_codes_are_reported_against_the_first_occurrence(tmp_path, sample_lines):
    rows = [sample_lines[1], sample_lines[2], sample_lines[1]]
    imported = read_registry(write(tmp_path, "\n".join([sample_lines[0], *rows]) + "\n"))
    assert imported.registry is None
    assert imported.errors[0].line == 4
    assert "与第 2 行重复" in imported.errors[0].message


def test_empty_required_value_and_year_typo(tmp_path, sample_lines):
    header = sample_lines[0]
    rows = [
        replace_field(sample_lines[1], header, "region_code", ""),
        replace_field(sample_lines[2], header, "established_on", "0201-05-01"),
        replace_field(sample_lines[3], header, "region_code", "42060"),
    ]
    imported = read_registry(write(tmp_path, "\n".join([header, *rows]) + "\n"))
    messages = [e.message for e in imported.errors]
    assert messages[0] == "第 2 行“行政区划代码”（region_code）为空，这一列必须填写。"
    assert "年份不在 1900—2100 年之间" in messages[1]
    assert "应为 6 位数字" in messages[2]


def test_spaces_around_codes_are_trimmed(tmp_path, sample_lines):
    header = sample_lines[0]
    code = sample_lines[1].split(",")[0]
    row = replace_field(sample_lines[1], header, "uscc", f" {code} ")
    registry = load_registry(write(tmp_path, f"{header}\n{row}\n"))
    assert registry.value("uscc", 0) == code


def test_xlsx_import_with_real_date_cells(tmp_path, sample_lines):
    from openpyxl import Workbook

    header = sample_lines[0].split(",")
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for line in sample_lines[1:4]:
        values: list[object] = []
        for name, text in zip(header, line.split(","), strict=True):
            kind = ENTERPRISE_ATTRIBUTES[name].type
            if kind is AttributeType.DATE and text:
                values.append(dt.datetime.fromisoformat(text))
            elif kind is AttributeType.INT:
                values.append(int(text))
            elif kind is AttributeType.BOOL:
                values.append(text == "True")
            else:
                values.append(text or None)
        sheet.append(values)
    sheet.append([None] * len(header))  # trailing empty row is ignored
    path = tmp_path / "名录.xlsx"
    book.save(path)
    xlsx = load_registry(path)
    csv = load_registry(write(tmp_path, small_csv(sample_lines, 3)))
    assert xlsx.table.equals(csv.table)


def test_parquet_import_typed_and_text(tmp_path, sample_lines):
    csv = load_registry(write(tmp_path, small_csv(sample_lines, 20)))
    typed = tmp_path / "typed.parquet"
    pq.write_table(csv.table, typed)
    assert load_registry(typed).table.equals(csv.table)
    text = tmp_path / "text.parquet"
    pq.write_table(
        pa.table({c: csv.table.column(c).cast(pa.string()) for c in csv.table.column_names}), text
    )
    assert load_registry(text).table.equals(csv.table)


def test_records_use_python_values(sample_lines):
    imported = read_registry_records(
        [
            {
                "uscc": "914403001922038216",
                "name": "示例公司",
                "region_code": "440300",
                "industry_code": "C39",
                "size": "大型",
                "established_on": dt.date(1987, 9, 15),
                "serious_dishonesty": False,
                "graduate_hires": 0,
            }
        ]
    )
    assert imported.ok
    assert imported.registry.value("size", 0) == "large"


def test_one_row_is_read_from_a_csv_without_loading_the_rest(tmp_path, sample_lines):
    path = write(tmp_path, small_csv(sample_lines, 200))
    code = sample_lines[150].split(",")[0]
    one = read_registry_row(path, code.lower())
    assert len(one) == 1
    assert one.value("uscc", 0) == code
    assert one.line_of(0) == 151
    with pytest.raises(NotFound):
        read_registry_row(path, "914403001922038216")


def test_unreadable_inputs_get_clear_messages(tmp_path):
    with pytest.raises(InvalidInput, match="找不到文件"):
        load_registry(tmp_path / "none.csv")
    with pytest.raises(InvalidInput, match="空文件"):
        load_registry(write(tmp_path, ""))
    with pytest.raises(InvalidInput, match="格式无法识别"):
        load_registry(write(tmp_path, "x", "名录.doc"))
    with pytest.raises(InvalidInput, match="只有表头"):
        load_registry(write(tmp_path, ",".join(ENTERPRISE_ATTRIBUTES.names) + "\n"))


def test_rows_with_a_wrong_number_of_fields_are_named(tmp_path, sample_lines):
    rows = list(sample_lines[1:5])
    rows[2] = rows[2] + ",多余"
    with pytest.raises(InvalidInput) as exc:
        load_registry(write(tmp_path, "\n".join([sample_lines[0], *rows]) + "\n"))
    assert "第 4 行有 25 列，表头有 24 列" in exc.value.message
    assert "整个文件未导入" in exc.value.message
