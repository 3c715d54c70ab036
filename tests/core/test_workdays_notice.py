"""Reading an administrator's notice file: formats and row-numbered Chinese errors (no DB)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qinqing.core.errors import InvalidInput
from qinqing.core.workdays.data import MAKEUP_WORKDAY, PUBLIC_HOLIDAY
from qinqing.core.workdays.notice import parse_notice

SAMPLES = Path(__file__).resolve().parents[2] / "qinqing" / "core" / "workdays" / "samples"

CSV_HEAD = "年份,2027\n文件名称,测试通知\n日期,类型,名称\n"


def error_of(text: str | bytes, filename: str = "notice.csv") -> str:
    with pytest.raises(InvalidInput) as exc:
        parse_notice(text, filename=filename)
    return exc.value.message


def test_yaml_and_csv_samples_describe_the_same_days():
    yaml_notice = parse_notice(
        (SAMPLES / "notice-2027-sample.yaml").read_bytes(), filename="a.yaml"
    )
    csv_notice = parse_notice((SAMPLES / "notice-2027-sample.csv").read_bytes(), filename="a.csv")
    assert yaml_notice.year == csv_notice.year == 2027
    assert "非官方" in yaml_notice.source  # the sample says it is not the official notice
    assert [(d.day, d.kind, d.name) for d in yaml_notice.days] == [
        (d.day, d.kind, d.name) for d in csv_notice.days
    ]
    spring = {d.day for d in yaml_notice.days if d.name == "春节" and d.kind == PUBLIC_HOLIDAY}
    assert spring == {dt.date(2027, 2, 5) + dt.timedelta(days=k) for k in range(9)}


def test_csv_rows_ranges_and_line_numbers():
    notice = parse_notice(
        CSV_HEAD + "2027-10-01至2027-10-03,放假,国庆节\n2027/10/9,上班,国庆节\n",
        filename="x.csv",
    )
    assert [(d.day.isoformat(), d.kind, d.line) for d in notice.days] == [
        ("2027-10-01", PUBLIC_HOLIDAY, 4),
        ("2027-10-02", PUBLIC_HOLIDAY, 4),
        ("2027-10-03", PUBLIC_HOLIDAY, 4),
        ("2027-10-09", MAKEUP_WORKDAY, 5),
    ]


def test_utf8_bom_from_excel_is_accepted():
    data = ("\ufeff" + CSV_HEAD + "2027-01-01,放假,元旦\n").encode("utf-8")
    assert parse_notice(data, filename="x.csv").year == 2027


def test_gbk_file_is_refused_with_its_line_and_the_fix():
    data = (
        "年份,2027\n文件名称,测试通知\n日期,类型,名称\n"
    ).encode() + "2027-01-01,放假,元旦\n".encode("gbk")
    message = error_of(data)
    assert "第 4 行" in message
    assert "不是 UTF-8 编码" in message and "GBK" in message
    assert "CSV UTF-8" in message and "未导入" in message


def test_impossible_date_names_the_row_and_the_month_length():
    message = error_of(CSV_HEAD + "2027-01-01,放假,元旦\n2027-02-30,放假,春节\n")
    assert "第 5 行" in message
    assert "2027-02-30" in message and "只有 28 天" in message
    assert "整个文件未导入" in message


def test_duplicate_day_names_both_rows():
    message = error_of(CSV_HEAD + "2027-10-01至2027-10-07,放假,国庆节\n2027-10-05,放假,国庆节\n")
    assert "第 5 行" in message and "第 4 行已填写" in message and "2027-10-05" in message


def test_every_problem_is_listed_at_once():
    message = error_of(
        CSV_HEAD
        + "2027-01-01,放假,元旦\n"
        + "2027-02-10,上班,春节\n"  # a Wednesday
        + "2026-05-01,放假,劳动节\n"  # another year
        + "2027-03-01,休假,\n"  # unknown type
    )
    assert "3 处问题" in message
    assert "第 5 行：2027-02-10 是星期三" in message
    assert "第 6 行：日期 2026-05-01 不属于 2027 年" in message
    assert "第 7 行" in message and "应为“放假”或“上班”" in message


def test_previous_december_make_up_day_is_allowed():
    notice = parse_notice(
        CSV_HEAD + "2027-01-01,放假,元旦\n2026-12-26,上班,元旦\n", filename="x.csv"
    )
    assert notice.days[0].day == dt.date(2026, 12, 26)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("文件名称,测试通知\n日期,类型,名称\n2027-01-01,放假,元旦\n", "缺少“年份”"),
        ("年份,27\n文件名称,测试通知\n日期,类型,名称\n2027-01-01,放假,元旦\n", "第 1 行"),
        ("年份,2027\n日期,类型,名称\n2027-01-01,放假,元旦\n", "缺少“文件名称”"),
        ("年份,2027\n文件名称,测试通知\n2027-01-01,放假,元旦\n", "第 3 行：无法识别“2027-01-01”"),
        (CSV_HEAD, "没有任何放假日期"),
        (CSV_HEAD + "2027-01-01,放假,\n", "第 4 行：“名称”为空"),
        (CSV_HEAD + "2027-02-13至2027-02-05,放假,春节\n", "结束日期早于开始日期"),
        (CSV_HEAD + "2027-02-13至2027-02-14,上班,春节\n", "要逐日填写"),
    ],
)
def test_bad_csv(text, needle):
    assert needle in error_of(text)


def test_yaml_errors_carry_line_numbers():
    text = (
        "年份: 2027\n"
        "文件名称: 测试通知\n"
        "节假日:\n"
        "  - 名称: 春节\n"
        "    放假: 2027-02-05 至 2027-02-13\n"
        "    上班: [2027-02-14, 2027-02-31]\n"
        "  - 名称: 元旦\n"
        "    放假: 2027-02-06\n"
        "    备注: 无\n"
    )
    message = error_of(text, "x.yaml")
    assert "第 6 行：“上班”“2027-02-31”不是有效日期" in message
    assert "第 8 行：日期 2027-02-06 重复（第 5 行已填写为放假）" in message
    assert "第 9 行：无法识别的项目“备注”" in message


def test_yaml_syntax_error_has_a_line():
    message = error_of("年份: 2027\n节假日:\n  - 名称: [春节\n", "x.yaml")
    assert "YAML 格式错误" in message and "行" in message


def test_format_is_sniffed_without_an_extension():
    csv_text = (SAMPLES / "notice-2027-sample.csv").read_text(encoding="utf-8")
    yaml_text = (SAMPLES / "notice-2027-sample.yaml").read_text(encoding="utf-8")
    assert parse_notice(csv_text.split("\n", 1)[1]).year == 2027  # without the comment line
    assert parse_notice(yaml_text).year == 2027
