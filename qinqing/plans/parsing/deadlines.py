"""完成时限 (deadline) normalisation: the verbatim phrase becomes a date, "ongoing", or both.

Encoding (as in ``../shared/gold/seeds_gold.json``):

* a date only: ``"2022-06-30"``;
* 长期坚持 only: ``"ongoing"``;
* both, as in "2022年6月底前完成清理并长期坚持": ``{"date": "2022-06-30", "ongoing": True}``;
* nothing recognisable: ``None``.

A phrase with several dates ("2022年6月底前出台方案，12月底前全面完成") is due on the latest
one. A date without a year ("9月底前") takes the year of the plan. Pure functions only.
"""

from __future__ import annotations

import re
from collections import Counter

CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

ONGOING_RE = re.compile(
    r"长期坚持|长期推进|长期执行|长期有效|持续推进|持续开展|持续实施|常态化|长期|持续|每年|每季度|每月|定期|"
    r"按进度推进|按计划推进|按时间节点推进|分阶段推进|逐年推进"
)

# 2022年6月30日 / 2022年6月底 / 6月底 / 2022年底 / 2022年上半年 / 2022年第三季度 / 2022年
_YEAR = r"(?:(?P<year>(?:19|20)\d{2})\s*年(?:度)?)"
_MONTH = r"(?P<month>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])\s*月"
_DAY = r"(?P<day>3[01]|[12]\d|0?[1-9])\s*[日号]"
DATE_RE = re.compile(
    rf"{_YEAR}?\s*(?:"
    rf"{_MONTH}\s*(?:{_DAY}|(?P<mend>底|末|中旬|下旬|上旬|份)?)"
    # "5年内", "三年内" are durations, not this year
    r"|(?<![\d一二三四五六七八九十两几])(?P<half>上半年|下半年|年中|年底|年末|年内|全年)"
    r"|(?<=\d{4}年)(?P<yend>底|末|内)"
    r"|第?(?P<quarter>[一二三四1-4])\s*季度(?:末|底)?"
    r")"
    rf"|{_YEAR.replace('year', 'yonly')}"
)
_STARTING_RE = re.compile(r"\s*(?:起|开始|以来)")
_ISO_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-./]\s*(?P<m>1[0-2]|0?[1-9])(?:\s*[-./]\s*(?P<d>3[01]|[12]\d|0?[1-9]))?"
)


def _cn_number(text: str) -> int:
    """Arabic or Chinese numeral below 100.

    Examples:
        >>> _cn_number("12"), _cn_number("十二"), _cn_number("九"), _cn_number("十")
        (12, 12, 9, 10)
    """
    if text.isdigit():
        return int(text)
    if text.startswith("十"):
        return 10 + (CN_DIGITS[text[1]] if len(text) > 1 else 0)
    if len(text) > 1 and text[1] == "十":
        return CN_DIGITS[text[0]] * 10 + (CN_DIGITS[text[2]] if len(text) > 2 else 0)
    return CN_DIGITS[text]


def _days_in_month(year: int, month: int) -> int:
    """Examples:
    >>> _days_in_month(2024, 2), _days_in_month(2023, 2), _days_in_month(2022, 12)
    (29, 28, 31)
    """
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _month_end(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}-{_days_in_month(year, month):02d}"


def dates_in(text: str, year: int | None) -> list[str]:
    """ISO dates named in a deadline phrase, in order; a missing year is ``year``.

    Examples:
        >>> dates_in("2022年6月底完成清理并长期坚持", None)
        ['2022-06-30']
        >>> dates_in("9月底前", 2023)
        ['2023-09-30']
        >>> dates_in("2022年底前", None), dates_in("年底前", 2024)
        (['2022-12-31'], ['2024-12-31'])
        >>> dates_in("2023年3月15日前", None), dates_in("2023年上半年", None)
        (['2023-03-15'], ['2023-06-30'])
        >>> dates_in("2022年6月底前出台方案，12月底前全面完成", None)
        ['2022-06-30', '2022-12-31']
        >>> dates_in("2025年", None), dates_in("第三季度", 2022), dates_in("2023.6.30", None)
        (['2025-12-31'], ['2022-09-30'], ['2023-06-30'])
        >>> dates_in("2023年起长期坚持", None), dates_in("自2023年3月起，6月底前完成", None)
        ([], ['2023-06-30'])
    """
    out: list[str] = []
    current = year
    pos = 0
    text = text.replace("\u3000", " ")
    while pos < len(text):
        iso = _ISO_RE.match(text, pos)
        if iso and (pos == 0 or not text[pos - 1].isdigit()):
            y, mon = int(iso["y"]), int(iso["m"])
            if iso["d"]:
                d = min(int(iso["d"]), _days_in_month(y, mon))
                out.append(f"{y:04d}-{mon:02d}-{d:02d}")
            else:
                out.append(_month_end(y, mon))
            current = y
            pos = iso.end()
            continue
        m = DATE_RE.match(text, pos)
        if not m or m.end() == pos or (pos and text[pos - 1].isdigit()):
            pos += 1
            continue
        pos = m.end()
        starting = bool(
            _STARTING_RE.match(text, pos)
        )  # "2023年起", "自3月1日起": a start, not a due date
        if m["yonly"]:
            current = int(m["yonly"])
            # "2022年" alone is the whole year unless a month follows later in the phrase.
            rest = text[pos : pos + 3]
            if not starting and not re.match(
                r"\s*(?:\d|[一二三四五六七八九十]月|第|上半|下半|年中)", rest
            ):
                out.append(f"{current:04d}-12-31")
            continue
        if m["year"]:
            current = int(m["year"])
        if current is None or starting:
            continue
        if m["month"]:
            month = _cn_number(m["month"])
            if m["day"]:
                day = min(int(m["day"]), _days_in_month(current, month))
                out.append(f"{current:04d}-{month:02d}-{day:02d}")
            elif m["mend"] == "中旬":
                out.append(f"{current:04d}-{month:02d}-20")
            elif m["mend"] == "上旬":
                out.append(f"{current:04d}-{month:02d}-10")
            else:
                out.append(_month_end(current, month))
        elif m["half"]:
            out.append(
                f"{current:04d}-06-30"
                if m["half"] in ("上半年", "年中")
                else f"{current:04d}-12-31"
            )
        elif m["yend"]:
            out.append(f"{current:04d}-12-31")
        elif m["quarter"]:
            q = _cn_number(m["quarter"]) if not m["quarter"].isdigit() else int(m["quarter"])
            out.append(_month_end(current, q * 3))
    return out


def normalise_deadline(
    raw: str | None, year: int | None = None
) -> str | dict[str, str | bool] | None:
    """The gold encoding of a 完成时限 phrase.

    Examples:
        >>> normalise_deadline("长期坚持")
        'ongoing'
        >>> normalise_deadline("2022年6月底")
        '2022-06-30'
        >>> normalise_deadline("2022年3月底前完成公布并长期坚持")
        {'date': '2022-03-31', 'ongoing': True}
        >>> normalise_deadline("9月底前", 2022), normalise_deadline("年底前", 2022)
        ('2022-09-30', '2022-12-31')
        >>> normalise_deadline("按要求推进") is None
        True
    """
    if not raw:
        return None
    dates = dates_in(raw, year)
    ongoing = bool(ONGOING_RE.search(raw))
    if dates and ongoing:
        return {"date": max(dates), "ongoing": True}
    if dates:
        return max(dates)
    if ongoing:
        return "ongoing"
    return None


_YEAR_IN_TEXT = re.compile(r"(?<![\d.])((?:19|20)\d{2})\s*年")


def document_year(
    title: str | None, preamble: str, deadline_phrases: list[str], text: str
) -> int | None:
    """The year a plan is about: from its title, its opening, its deadlines, then its text.

    Years inside 《…》 titles and "（2021年版）" editions do not count.

    Examples:
        >>> document_year("XX市2023年优化营商环境工作要点", "", [], "")
        2023
        >>> document_year(None, "2022年，全市优化营商环境工作", [], "《清单（2021年版）》2021年度")
        2022
        >>> document_year(None, "为优化营商环境", ["2022年6月底"], "")
        2022
    """
    for source in (title or "", preamble[:200]):
        m = _YEAR_IN_TEXT.search(source)
        if m:
            return int(m[1])
    found = Counter(int(m[1]) for p in deadline_phrases for m in _YEAR_IN_TEXT.finditer(p))
    if found:
        return max(found.items(), key=lambda kv: (kv[1], kv[0]))[0]
    cleaned = re.sub(r"《[^》]{0,80}》|[（(]\s*(?:19|20)\d{2}\s*年版\s*[)）]", "", text)
    found = Counter(int(m[1]) for m in _YEAR_IN_TEXT.finditer(cleaned))
    if found:
        return max(found.items(), key=lambda kv: (kv[1], kv[0]))[0]
    return None
