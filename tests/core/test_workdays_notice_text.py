"""The State Council's holiday notice as published → rest days and make-up working days.

Real notices (tests/core/fixtures/notices/YYYY.txt, sources in SOURCES.md) are compared with
the chinesecalendar package's table. Every difference is listed below with its reason.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from chinese_calendar import constants

from qinqing.core.errors import InvalidInput
from qinqing.core.workdays.notice import parse_notice
from qinqing.core.workdays.notice_text import parse_notice_text

FIXTURES = Path(__file__).parent / "fixtures" / "notices"
YEARS = sorted(int(p.stem) for p in FIXTURES.glob("*.txt"))
REPO = Path(__file__).resolve().parents[2]


def iso(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# Weekend days that the notice puts inside a holiday period but the package does not list
# (the package is not consistent about naming the Saturday/Sunday of a period: e.g. it lists
# 2019-04-06 for 「4月5日放假，与周末连休」 but not 2024-06-08 for 「6月10日放假，与周末连休」).
# They are rest days either way, so working-day arithmetic is the same.
WEEKEND_ONLY_IN_NOTICE = {
    2011: {"2011-06-05": "端午节 6月4日至6日放假公休，周日在期间内"},
    2012: {"2012-06-23": "端午节 6月22日至24日放假公休，周六在期间内"},
    2014: {
        "2014-05-31": "端午节 6月2日（周一）放假，与周末连休",
        "2014-06-01": "端午节 6月2日（周一）放假，与周末连休",
        "2014-09-06": "中秋节 9月8日（周一）放假，与周末连休",
        "2014-09-07": "中秋节 9月8日（周一）放假，与周末连休",
    },
    2015: {
        "2015-05-02": "劳动节 5月1日（周五）放假，与周末连休",
        "2015-05-03": "劳动节 5月1日（周五）放假，与周末连休",
        "2015-06-21": "端午节 6月20日放假，6月22日补休，其间的周日",
    },
    2016: {
        "2016-01-02": "元旦 1月1日（周五）放假，与周末连休",
        "2016-01-03": "元旦 1月1日（周五）放假，与周末连休",
        "2016-04-02": "清明节 4月4日（周一）放假，与周末连休",
        "2016-04-03": "清明节 4月4日（周一）放假，与周末连休",
    },
    2017: {
        "2017-04-29": "劳动节 5月1日（周一）放假，与周末连休",
        "2017-04-30": "劳动节 5月1日（周一）放假，与周末连休",
    },
    2018: {
        "2017-12-30": "元旦 1月1日（周一）放假，与周末连休（2024 年同样情形包作列出）",
        "2017-12-31": "元旦 1月1日（周一）放假，与周末连休（2024 年同样情形包作列出）",
        "2018-06-16": "端午节 6月18日（周一）放假，与周末连休",
        "2018-06-17": "端午节 6月18日（周一）放假，与周末连休",
        "2018-09-22": "中秋节 9月24日（周一）放假，与周末连休",
        "2018-09-23": "中秋节 9月24日（周一）放假，与周末连休",
    },
    2024: {
        "2024-06-08": "端午节 6月10日（周一）放假，与周末连休",
        "2024-06-09": "端午节 6月10日（周一）放假，与周末连休",
    },
}

# Later supplementary notices that the package carries and the annual notice does not.
SUPPLEMENTARY = {
    # 国务院关于中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日调休放假的通知（2015-05-13）
    2015: {"holidays": {"2015-09-03", "2015-09-04"}, "workdays": {"2015-09-06"}, "drop": set()},
    # 国办发明电〔2019〕2号：劳动节改为5月1日至4日，4月28日、5月5日上班
    2019: {
        "holidays": {"2019-05-02", "2019-05-03", "2019-05-04"},
        "workdays": {"2019-04-28", "2019-05-05"},
        "drop": set(),
    },
    # 国办发明电〔2020〕1号：春节假期延长至2月2日，2月1日（原上班日）不再上班
    2020: {
        "holidays": {"2020-01-31", "2020-02-01", "2020-02-02"},
        "workdays": set(),
        "drop": {"2020-02-01"},
    },
}


def _window(year: int, day: dt.date) -> bool:
    """Dates a year's notice speaks for: its year up to 20 December, and late December of the
    previous year (元旦 may start on 29–31 December); late December belongs to the next notice."""
    return (day.year == year and day < dt.date(year, 12, 21)) or (
        day.year == year - 1 and day >= dt.date(year - 1, 12, 21)
    )


def _split(notice) -> tuple[set[dt.date], set[dt.date]]:
    holidays = {d.day for d in notice.days if d.kind == "public_holiday"}
    workdays = {d.day for d in notice.days if d.kind == "makeup_workday"}
    return holidays, workdays


def _fixture(year: int) -> str:
    return (FIXTURES / f"{year}.txt").read_text(encoding="utf-8")


def test_fixtures_cover_2010_to_2026() -> None:
    assert set(range(2010, 2027)) <= set(YEARS)


@pytest.mark.parametrize("year", YEARS)
def test_real_notice_matches_chinese_calendar(year: int) -> None:
    notice = parse_notice_text(_fixture(year))
    assert notice.year == year
    holidays, workdays = _split(notice)

    package_holidays = {d for d in constants.holidays if _window(year, d)}
    package_workdays = {d for d in constants.workdays if _window(year, d)}
    extra = SUPPLEMENTARY.get(year)
    if extra:
        package_holidays -= {iso(d) for d in extra["holidays"]}
        package_workdays -= {iso(d) for d in extra["workdays"]}
        package_workdays |= {iso(d) for d in extra["drop"]}
    package_holidays |= {iso(d) for d in WEEKEND_ONLY_IN_NOTICE.get(year, {})}

    assert sorted(holidays ^ package_holidays) == []
    assert sorted(workdays ^ package_workdays) == []
    for day in WEEKEND_ONLY_IN_NOTICE.get(year, {}):
        assert iso(day).weekday() >= 5


def test_notice_metadata_and_lines() -> None:
    notice = parse_notice_text(_fixture(2019))
    assert notice.source == "国务院办公厅关于2019年部分节假日安排的通知"
    assert notice.document_number == "国办发明电〔2018〕15号"
    lines = _fixture(2019).splitlines()
    by_day = {d.day: d for d in notice.days}
    assert by_day[iso("2018-12-29")].kind == "makeup_workday"
    assert by_day[iso("2018-12-29")].name == "元旦"
    for entry in notice.days:
        assert entry.name in lines[entry.line - 1] or entry.line > 1


def test_cross_year_and_explicit_years() -> None:
    holidays, workdays = _split(parse_notice_text(_fixture(2023)))
    assert {iso("2022-12-31"), iso("2023-01-01"), iso("2023-01-02")} <= holidays
    holidays, workdays = _split(parse_notice_text(_fixture(2012)))
    assert iso("2011-12-31") in workdays
    text = "国务院办公厅关于2030年部分节假日安排的通知\n一、元旦：12月31日至1月2日放假调休，共3天。"
    holidays, _ = _split(parse_notice_text(text))
    assert holidays == {iso("2029-12-31"), iso("2030-01-01"), iso("2030-01-02")}


def test_month_crossing_and_inherited_month() -> None:
    holidays, workdays = _split(parse_notice_text(_fixture(2010)))
    assert iso("2010-02-21") in workdays and iso("2010-09-25") in workdays
    holidays, _ = _split(parse_notice_text(_fixture(2023)))
    assert {iso("2023-09-29") + dt.timedelta(days=k) for k in range(8)} <= holidays


def test_2008_style_explanations_are_ignored() -> None:
    text = """国务院办公厅关于2009年部分节假日安排的通知
一、元旦：1月1日至3日放假，共3天。其中，1月1日（星期四、新年）为法定节假日，1月3日（星期六）为公休日。1月4日（星期日）公休日调至1月2日（星期五）。1月4日（星期日）上班。
二、春节：1月25日至31日放假，共7天。其中，1月25日（星期日、农历除夕）、1月26日（星期一、农历正月初一）、1月27日（星期二、农历正月初二）为法定节假日，1月31日（星期六）照常公休；1月25日（星期日）公休日调至1月28日（星期三），1月24日（星期六）、2月1日（星期日）两个公休日调至1月29日（星期四）、1月30日（星期五）。1月24日（星期六）、2月1日（星期日）上班。
"""
    holidays, workdays = _split(parse_notice_text(text))
    assert workdays == {iso("2009-01-04"), iso("2009-01-24"), iso("2009-02-01")}
    assert len(holidays) == 10


def test_2008_previous_december_without_year() -> None:
    text = (
        "国务院办公厅关于2008年部分节假日安排的通知\n一、元旦：2007年12月30日—2008年1月1日放假，"
        "共3天。其中：1月1日（星期二）为法定节假日，12月30日（星期日）为公休日，12月29日（星期六）"
        "公休日调至12月31日（星期一），12月29日（星期六）上班。"
    )
    holidays, workdays = _split(parse_notice_text(text))
    assert holidays == {iso("2007-12-30"), iso("2007-12-31"), iso("2008-01-01")}
    assert workdays == {iso("2007-12-29")}


def _full_width(text: str) -> str:
    table = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
    return "".join(table.get(ch, ch) for ch in text)


@pytest.mark.parametrize("year", [2012, 2019, 2025, 2026])
def test_full_width_half_width_and_whitespace_variants(year: int) -> None:
    text = _fixture(year)
    expected = _split(parse_notice_text(text))
    full = _full_width(text)
    assert "１月" in full and "（" in full
    assert _split(parse_notice_text(full)) == expected
    half = unicodedata.normalize("NFKC", full)
    assert _split(parse_notice_text(half)) == expected
    spaced = text.replace("日", "日 ").replace("、", " 、\n").replace("。", "。\n\n  ")
    assert _split(parse_notice_text(spaced)) == expected


def test_year_from_expected_year_when_no_title() -> None:
    text = "一、元旦：1月1日放假，与周末连休。\n二、春节：2月7日至13日放假调休，共7天。2月6日（星期六）、2月14日（星期日）上班。"
    notice = parse_notice_text(text, expected_year=2016)
    assert notice.year == 2016
    assert notice.source == "国务院办公厅关于2016年部分节假日安排的通知"
    with pytest.raises(InvalidInput, match="无法确定通知的年份"):
        parse_notice_text(text)


def test_parse_notice_dispatches_text_and_keeps_csv_yaml() -> None:
    content = _fixture(2026).encode("utf-8")
    assert parse_notice(content, filename="2026.txt").year == 2026
    assert parse_notice(content, filename="").year == 2026
    assert parse_notice(_fixture(2024)).year == 2024
    csv_notice = parse_notice("年份,2030\n文件名称,示例\n日期,类型,名称\n2030-01-01,放假,元旦\n")
    assert csv_notice.year == 2030
    yaml_notice = parse_notice(
        "年份: 2030\n文件名称: 国务院办公厅关于2030年部分节假日安排的通知\n"
        "节假日:\n  - 名称: 元旦\n    放假: 2030-01-01\n"
    )
    assert yaml_notice.year == 2030


# ---------------------------------------------------------------------------- errors

TITLE = "国务院办公厅关于2026年部分节假日安排的通知\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("完全无关的一段中文，今天天气很好，我们去公园散步。", "没有找到任何节假日安排"),
        ("\x00\x01\x02PK\x03\x04", "不是通知文字"),
        ("a,b,c\n1,2,3\n", "不是通知文字"),
        (TITLE + "一、元旦：1月1日至3日放假调休，共3天。1月3日（周六）上班。", "既放假又上班"),
        (TITLE + "二、春节：2月30日放假。", "不是有效日期（2026 年 2 月只有 28 天）"),
        (TITLE + "一、元旦：1月1日（周四）放假。1月5日（周一）上班。", "本来就是工作日"),
        (TITLE + "一、元旦：1月1日（周五）放假。", "但 2026-01-01 是星期四"),
        (TITLE + "七、国庆节：10月7日至1日放假调休，共7天。", "结束日期 2026-10-01 早于开始日期"),
        (
            TITLE + "三、清明节：4月4日至6日放假，共4天。",
            "写明共 4 天，但 2026-04-04 至 2026-04-06 是 3 天",
        ),
    ],
)
def test_bad_input_is_refused_in_chinese(text: str, expected: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_notice_text(text)
    assert expected in info.value.message
    assert "未导入" in info.value.message


def test_error_quotes_the_sentence_and_line() -> None:
    text = TITLE + "\n一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。\n1月5日（周一）上班。"
    with pytest.raises(InvalidInput) as info:
        parse_notice_text(text)
    assert "第 4 行：“1月5日（周一）上班”中的 2026-01-05 是星期一" in info.value.message


def test_other_year_than_expected_is_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_notice_text(_fixture(2025), expected_year=2026)
    message = info.value.message
    assert "2025 年" in message and "2026 年" in message and "第 1 行" in message


def test_binary_file_via_parse_notice() -> None:
    with pytest.raises(InvalidInput, match="UTF-8"):
        parse_notice(b"\xff\xfe\x00junk\x9c", filename="x.txt")


# ---------------------------------------------------------------------------- CLI


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("qinqing")
    return subprocess.run(
        [str(exe), "calendar", "parse-notice", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_cli_parse_notice_json() -> None:
    result = _cli(str(FIXTURES / "2026.txt"), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["year"] == 2026
    assert data["workdays"] == [
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
    ]  # fmt: skip
    assert data["holidays"][:3] == ["2026-01-01", "2026-01-02", "2026-01-03"]
    assert len(data["holidays"]) == 33 and data["holidays"] == sorted(data["holidays"])


def test_cli_parse_notice_text_and_bad_file(tmp_path: Path) -> None:
    result = _cli(str(FIXTURES / "2019.txt"))
    assert result.returncode == 0, result.stderr
    assert "元旦：2018-12-30 至 2019-01-01 放假，共 3 天；2018年12月29日（星期六）上班。" in (
        result.stdout
    )
    bad = tmp_path / "bad.txt"
    bad.write_text("这不是节假日通知。", encoding="utf-8")
    result = _cli(str(bad), "--format", "json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "没有找到任何节假日安排" in result.stderr


def test_cli_parse_notice_does_not_import_django() -> None:
    code = (
        "import sys; from qinqing.cli.main import main; "
        f"main(['calendar', 'parse-notice', {str(FIXTURES / '2026.txt')!r}]); "
        "assert 'django' not in sys.modules"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert result.returncode == 0, result.stderr
