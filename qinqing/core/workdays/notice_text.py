"""Reading the State Council's holiday notice as published (节假日安排通知原文).

An administrator pastes or uploads the text of 《国务院办公厅关于20XX年部分节假日安排的通知》 as
it appears on gov.cn or in a newspaper; :func:`parse_notice_text` turns it into a
:class:`~qinqing.core.workdays.notice.Notice` (every rest day of each holiday period and every
make-up working day), so that ``service.import_notice`` stores it like a CSV or YAML file.

Wordings of the 2008–2026 notices are understood: 「1月1日至3日放假调休，共3天」,
「放假公休」, 「4月5日放假，与周末连休」 (the adjacent Saturday and Sunday are part of the
period), 「1月1日放假，1月2日（星期一）补休」, periods crossing a month or the year
(「9月29日至10月6日」, 「2022年12月31日至2023年1月2日」, an un-yeared 12月 date of 元旦
belongs to the previous year), explicit years, 周X / 星期X and 农历 annotations in
parentheses (a weekday annotation must match the date), the 2008–2009 style with 「其中……
调至……」 explanations (only the 放假 period, the 补休 days and the 上班 days count), full-width
or half-width punctuation and digits, extra whitespace, line breaks, page furniture around the
notice and the closing paragraph.

The year comes from the title (「关于2027年部分节假日安排的通知」), else from the opening
sentence (「现将2027年元旦、春节……」), else from ``expected_year``. Problems (no holiday
sentences, another year, a date that does not exist, the same date both rest and work, a
make-up day on Monday–Friday, a wrong 周X, a period ending before it starts, 共N天 not
matching the period) raise one :class:`~qinqing.core.errors.InvalidInput` that quotes each
offending sentence with its line number. Pure: no database, no Django.

Examples:
    >>> notice = parse_notice_text('''国务院办公厅关于2026年部分节假日安排的通知
    ... 一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    ... 二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
    ... 2月14日（周六）、2月28日（周六）上班。''')
    >>> notice.year, notice.source
    (2026, '国务院办公厅关于2026年部分节假日安排的通知')
    >>> [d.day.isoformat() for d in notice.days if d.kind == "makeup_workday"]
    ['2026-01-04', '2026-02-14', '2026-02-28']
    >>> sum(d.kind == "public_holiday" for d in notice.days), notice.days[-1].line
    (12, 4)
    >>> parse_notice_text("三、清明节：4月4日至6日放假，共4天。", expected_year=2026)
    Traceback (most recent call last):
    ...
    qinqing.core.errors.InvalidInput: 节假日通知文件有 1 处问题，整个文件未导入，请修改后重新导入：
    第 1 行：“4月4日至6日放假，共4天”写明共 4 天，但 2026-04-04 至 2026-04-06 是 3 天，请核对通知原文。
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from qinqing.core.errors import InvalidInput
from qinqing.core.workdays.data import MAKEUP_WORKDAY, PUBLIC_HOLIDAY
from qinqing.core.workdays.notice import WEEKDAYS_CN, Notice, NoticeDay, _Problems, _validate

__all__ = ["looks_like_notice_text", "parse_notice_text"]

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}  # fmt: skip
_WEEKDAY_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}

_TITLE_RE = re.compile(r"关于\s*(\d{4})\s*年\s*部分\s*节\s*假\s*日\s*(?:放\s*假\s*)?安\s*排")
_INTRO_RE = re.compile(r"现将\s*(\d{4})\s*年\s*(?:元旦|春节|部分)")
_DOC_NO_RE = re.compile(r"国\s*办\s*发\s*明\s*电\s*[〔\[(【]\s*(\d{4})\s*[〕\])】]\s*(\d+)\s*号")
# An item: 「一、元旦：」. The numeral must not follow a Chinese character, so that
# 「星期一、农历……」 or 「正月初一、初二」 are not taken for an item.
_ITEM_RE = re.compile(
    r"(?<![\u4e00-\u9fff])([一二三四五六七八九十]{1,2})\s*、\s*"
    r"([^\d:\n。]{1,30}?)\s*(?=:|\d|\n)"
)
_END_RE = re.compile(r"节假日期间|鼓励单位和个人|通知要求|国务院办公厅要求")
_DATE_RE = re.compile(
    r"(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日(?:\s*\(([^()]*)\))?"
)
_RANGE_SEP_RE = re.compile(r"\s*(?:至|到|-+|—+|–+|~)\s*")
_COUNT_RE = re.compile(r"(?:共|放假)\s*(\d{1,2}|[一二三四五六七八九十])\s*天")
_WEEKDAY_RE = re.compile(r"(?:星期|周)\s*([一二三四五六日天])")
_PAREN_RE = re.compile(r"\([^()]{0,80}\)")
_HOLIDAY_WORDS = ("放假", "上班", "补休", "公休", "调休")


@dataclass
class _Date:
    """A date written in the text, before the year is settled."""

    year: int | None  # written explicitly
    month: int | None  # written, else inherited
    day: int
    note: str  # the parenthesised annotation, e.g. 「农历除夕、周二」
    start: int  # offsets in the normalised text
    end: int


@dataclass
class _Item:
    name: str
    start: int
    end: int
    rest: list[tuple[dt.date, int]] = field(default_factory=list)  # (day, offset)
    work: list[tuple[dt.date, int]] = field(default_factory=list)


class _Text:
    """The pasted text, NFKC-normalised (full-width → half-width) with a map back."""

    def __init__(self, original: str) -> None:
        self.original = original.replace("\r\n", "\n").replace("\r", "\n")
        chars: list[str] = []
        origin: list[int] = []
        for index, char in enumerate(self.original):
            normal = unicodedata.normalize("NFKC", char)
            if char in "〔〕【】" or not normal:
                normal = char
            chars.append(normal)
            origin.extend([index] * len(normal))
        self.norm = "".join(chars)
        self.origin = origin + [len(self.original)]

    def line(self, offset: int) -> int:
        return self.original.count("\n", 0, self.origin[min(offset, len(self.norm))]) + 1

    def quote(self, start: int, end: int) -> str:
        """The original text of a span, whitespace collapsed, for messages."""
        text = self.original[self.origin[start] : self.origin[max(end - 1, start)] + 1]
        return re.sub(r"\s+", "", text).strip("。.,，;；:：")


def looks_like_notice_text(text: str) -> bool:
    """Whether ``text`` reads like the notice itself rather than a CSV/YAML transcription."""
    norm = unicodedata.normalize("NFKC", text)
    if re.search(r"^\s*(?:年份|year|文件名称|source|节假日|holidays)\s*[:,]", norm, re.M):
        return False  # a YAML or CSV transcription
    if "部分节假日安排" in re.sub(r"\s+", "", norm):
        return True
    return bool(re.search(r"\d\s*日[^\n]{0,40}?放假", norm))


def parse_notice_text(text: str, *, expected_year: int | None = None) -> Notice:
    """Parse the notice as published into a validated :class:`Notice`.

    ``line`` numbers of the returned days refer to ``text``. Raises
    :class:`~qinqing.core.errors.InvalidInput` listing every problem; nothing is kept.
    """
    text = str(text).removeprefix("\ufeff")
    source = _Text(text)
    norm = source.norm
    problems = _Problems()

    if "\x00" in text or not re.search(r"[\u4e00-\u9fff]", text):
        raise InvalidInput(
            "无法识别节假日通知：内容不是通知文字（可能是二进制文件或编码错误）。请粘贴或上传"
            "《国务院办公厅关于××年部分节假日安排的通知》的原文（UTF-8 文本）。整个文件未导入。"
        )

    year, title = _year_and_title(source, expected_year)
    items = _items(source)
    if not items:
        raise InvalidInput(
            "没有找到任何节假日安排的句子（如“一、元旦：1月1日至3日放假调休，共3天。1月4日（周日）"
            "上班。”）。请粘贴《国务院办公厅关于××年部分节假日安排的通知》的完整原文。整个文件未导入。"
        )
    if year is None:
        raise InvalidInput(
            "无法确定通知的年份：没有找到标题“国务院办公厅关于××年部分节假日安排的通知”。"
            "请把标题一并粘贴，或在导入时指定年份。整个文件未导入。"
        )

    for item in items:
        _parse_item(source, item, year, problems)

    rest: dict[dt.date, tuple[_Item, int]] = {}
    work: dict[dt.date, tuple[_Item, int]] = {}
    for item in items:
        for day, offset in item.rest:
            rest.setdefault(day, (item, offset))
        for day, offset in item.work:
            if day in work:
                continue
            work[day] = (item, offset)
            if day in rest:
                other, other_offset = rest[day]
                problems.add(
                    source.line(offset),
                    f"{day}（星期{WEEKDAYS_CN[day.weekday()]}）在“{_sentence(source, offset)}”中"
                    f"是上班日，但在第 {source.line(other_offset)} 行"
                    f"“{_sentence(source, other_offset)}”中是放假日，同一天不能既放假又上班。",
                )
    problems.raise_if_any()

    days = [NoticeDay(d, PUBLIC_HOLIDAY, it.name, source.line(o)) for d, (it, o) in rest.items()]
    days += [NoticeDay(d, MAKEUP_WORKDAY, it.name, source.line(o)) for d, (it, o) in work.items()]
    number = _DOC_NO_RE.search(norm)
    document_number = f"国办发明电〔{number.group(1)}〕{number.group(2)}号" if number else ""
    return _validate(year, title, document_number, None, days, problems, source_line=None)


# ---------------------------------------------------------------------------- structure


def _year_and_title(source: _Text, expected_year: int | None) -> tuple[int | None, str]:
    norm = source.norm
    title_match = _TITLE_RE.search(norm)
    found = title_match or _INTRO_RE.search(norm)
    if found is None:
        year = expected_year
    else:
        year = int(found.group(1))
        if expected_year is not None and year != expected_year:
            what = "标题" if title_match else "正文"
            raise InvalidInput(
                f"第 {source.line(found.start())} 行：{what}“{source.quote(found.start(), found.end())}”"
                f"是 {year} 年的节假日安排，而这里要导入的是 {expected_year} 年。"
                f"请核对年份或换成 {expected_year} 年的通知。整个文件未导入。"
            )
    title = f"国务院办公厅关于{year}年部分节假日安排的通知" if year else ""
    return year, title


def _items(source: _Text) -> list[_Item]:
    norm = source.norm
    matches = list(_ITEM_RE.finditer(norm))
    items: list[_Item] = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(norm)
        closing = _END_RE.search(norm, match.end(), end)
        if closing:
            end = closing.start()
        body = norm[match.end() : end]
        if not any(word in body for word in _HOLIDAY_WORDS) or not _DATE_RE.search(body):
            continue
        name = re.sub(r"[\s:“”\"']+", "", match.group(2)) or "节假日"
        items.append(_Item(name=name, start=match.end(), end=end))
    return items


def _masked(text: str) -> str:
    """``text`` with the inside of every (closed, short) parenthesis replaced by blanks."""
    return _PAREN_RE.sub(lambda m: "(" + " " * (len(m.group()) - 2) + ")", text)


def _sentence(source: _Text, offset: int) -> str:
    """The sentence (between 。, ; or an item's colon) containing ``offset``, as written."""
    norm = source.norm
    masked = _masked(norm)
    starts = [masked.rfind(mark, 0, offset) for mark in "。;:"]
    start = max(starts) + 1
    ends = [i for i in (masked.find(mark, offset) for mark in "。;") if i != -1]
    end = min(ends) if ends else len(norm)
    return source.quote(start, end)


# ---------------------------------------------------------------------------- one holiday


def _parse_item(source: _Text, item: _Item, year: int, problems: _Problems) -> None:
    norm = source.norm
    body = norm[item.start : item.end]
    masked = _masked(body)
    dates = _dates(body, masked, item.start)
    crosses_year = any(d.month == 12 and d.year is None for d in dates) and (
        "元旦" in item.name or any(d.month == 1 for d in dates)
    )
    sentences = list(re.finditer(r"[^。;]+", masked))
    period_seen = False
    for sentence in sentences:
        lead = len(sentence.group()) - len(sentence.group().lstrip())
        s_start, s_end = sentence.start() + lead + item.start, sentence.end() + item.start
        quote = source.quote(s_start, s_end)
        line = source.line(s_start)
        clauses = list(re.finditer(r"[^,:]+", sentence.group()))
        for clause in clauses:
            c_start = clause.start() + sentence.start() + item.start
            c_end = clause.end() + sentence.start() + item.start
            clause_text = clause.group()
            inside = [d for d in dates if c_start <= d.start < c_end]
            if not inside:
                continue
            resolved = []
            for d in inside:
                day = _resolve(d, year, crosses_year, quote, line, problems)
                if day is not None:
                    resolved.append((d, day))
            if len(resolved) != len(inside):
                continue
            if "上班" in clause_text:
                for d, day in resolved:
                    if day.weekday() < 5:
                        problems.add(
                            line,
                            f"“{quote}”中的 {day} 是星期{WEEKDAYS_CN[day.weekday()]}，本来就是"
                            f"工作日，不能作为调休上班日。调休上班日应是星期六或星期日，请核对通知原文。",
                        )
                    item.work.append((day, d.start))
            elif "补休" in clause_text:
                for d, day in resolved:
                    item.rest.append((day, d.start))
                    _fill_gap(item, day, d.start)
            elif "放假" in clause_text and not period_seen:
                period_seen = True
                period = _period(source, resolved, clause_text, c_start, quote, line, problems)
                if period is None:
                    continue
                first, last = period
                count = _COUNT_RE.search(_masked(norm[c_start:s_end]))
                if count:
                    n = _number(count.group(1))
                    actual = (last - first).days + 1
                    if n != actual:
                        span = f"{first} 至 {last}" if first != last else f"{first}"
                        problems.add(
                            line,
                            f"“{quote}”写明共 {n} 天，但 {span} 是 {actual} 天，请核对通知原文。",
                        )
                offset = resolved[0][0].start
                day = first
                while day <= last:
                    item.rest.append((day, offset))
                    day += dt.timedelta(days=1)
                if "与周末连休" in re.sub(r"\s+", "", norm[c_start:s_end]):
                    _join_weekend(item, first, last, offset)


def _dates(body: str, masked: str, base: int) -> list[_Date]:
    """Dates outside parentheses, with the month inherited from the previous date."""
    found: list[_Date] = []
    month: int | None = None
    year: int | None = None
    for match in _DATE_RE.finditer(body):
        if masked[match.start()] == " " and body[match.start()] != " ":
            continue  # inside a parenthesised remark, e.g. 「除夕（2月9日）」
        y, m, d, note = match.groups()
        if y:
            year = int(y)
        if m:
            month = int(m)
        found.append(
            _Date(
                year=int(y) if y else (year if not m else None),
                month=month,
                day=int(d),
                note=note or "",
                start=base + match.start(),
                end=base + match.end(),
            )
        )
    return found


def _resolve(
    d: _Date, year: int, crosses_year: bool, quote: str, line: int, problems: _Problems
) -> dt.date | None:
    if d.month is None:
        problems.add(line, f"“{quote}”中的“{d.day}日”没有写月份，无法确定日期。")
        return None
    y = d.year or (year - 1 if d.month == 12 and crosses_year else year)
    try:
        day = dt.date(y, d.month, d.day)
    except ValueError:
        if not 1 <= d.month <= 12:
            reason = "月份应为 1 至 12"
        else:
            last = (dt.date(y + d.month // 12, d.month % 12 + 1, 1) - dt.timedelta(days=1)).day
            reason = f"{y} 年 {d.month} 月只有 {last} 天"
        problems.add(line, f"“{quote}”中的“{d.month}月{d.day}日”不是有效日期（{reason}）。")
        return None
    weekday = _WEEKDAY_RE.search(d.note)
    if weekday and _WEEKDAY_INDEX[weekday.group(1)] != day.weekday():
        problems.add(
            line,
            f"“{quote}”中 {d.month}月{d.day}日 注明为“{weekday.group(0)}”，但 {day} 是"
            f"星期{WEEKDAYS_CN[day.weekday()]}，请核对日期或星期。",
        )
    return day


def _period(
    source: _Text,
    resolved: list[tuple[_Date, dt.date]],
    clause: str,
    clause_start: int,
    quote: str,
    line: int,
    problems: _Problems,
) -> tuple[dt.date, dt.date] | None:
    """The first and last rest day of 「A至B放假」 or 「A放假」."""
    first_date, first = resolved[0]
    if len(resolved) == 1:
        return first, first
    second_date, last = resolved[1]
    between = source.norm[first_date.end : second_date.start]
    if not _RANGE_SEP_RE.fullmatch(_masked(between)):
        return first, first
    if last < first:
        if (
            first.month == 12
            and last.month == 1
            and second_date.year is None
            and first_date.year is None
        ):
            last = last.replace(year=first.year + 1)
        else:
            problems.add(
                line,
                f"“{quote}”中放假期间的结束日期 {last} 早于开始日期 {first}，请核对通知原文。",
            )
            return None
    if (last - first).days > 31:
        problems.add(line, f"“{quote}”中的放假期间超过 31 天，请核对通知原文。")
        return None
    return first, last


def _fill_gap(item: _Item, day: dt.date, offset: int) -> None:
    """A 补休 day joins the holiday through the weekend between them."""
    rest = {d for d, _ in item.rest}
    before = [d for d in rest if d < day]
    if not before:
        return
    gap = max(before) + dt.timedelta(days=1)
    if all((gap + dt.timedelta(days=k)).weekday() >= 5 for k in range((day - gap).days)):
        while gap < day:
            item.rest.append((gap, offset))
            gap += dt.timedelta(days=1)


def _join_weekend(item: _Item, first: dt.date, last: dt.date, offset: int) -> None:
    """「与周末连休」: the Saturday and Sunday next to the period are part of it."""
    day = last + dt.timedelta(days=1)
    while day.weekday() >= 5:
        item.rest.append((day, offset))
        day += dt.timedelta(days=1)
    day = first - dt.timedelta(days=1)
    while day.weekday() >= 5:
        item.rest.append((day, offset))
        day -= dt.timedelta(days=1)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _CN_DIGITS[text]
