"""Reading a year's holiday notice file (节假日安排通知) that an administrator transcribed.

Two formats, documented for administrators in ``docs/calendar-notice-format.md``:

* **YAML**, one entry per holiday as the notice words it (a range of rest days and the
  make-up working days);
* **CSV** (for Excel users), a few ``键,值`` lines (年份, 文件名称, 文号, 发布日期), then a
  ``日期,类型,名称`` header and one row per day (a 日期 cell may hold a range ``A至B``).

Parsing is pure (no database): :func:`parse_notice` returns a :class:`Notice` or raises one
:class:`~qinqing.core.errors.InvalidInput` listing every problem with its line number, so an
administrator fixes the file in one pass. Nothing is written anywhere by this module.

Examples:
    >>> notice = parse_notice('''年份,2030
    ... 文件名称,示例通知
    ... 日期,类型,名称
    ... 2030-01-01,放假,元旦
    ... 2030-02-02至2030-02-08,放假,春节
    ... 2030-02-09,上班,春节
    ... ''', filename="2030.csv")
    >>> notice.year, len(notice.days), notice.days[-1].kind, notice.days[-1].line
    (2030, 9, 'makeup_workday', 6)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qinqing.core.errors import InvalidInput
from qinqing.core.workdays.data import MAKEUP_WORKDAY, PUBLIC_HOLIDAY, YearData

MAX_REPORTED_ERRORS = 20
WEEKDAYS_CN = "一二三四五六日"

HOLIDAY_WORDS = {"放假", "休", "休息", "法定节假日", "节假日", "public_holiday", "holiday"}
MAKEUP_WORDS = {"上班", "班", "调休上班", "调休上班日", "makeup_workday", "workday"}

# YAML keys: Chinese as documented, English accepted for developers.
_META_KEYS = {
    "年份": "year",
    "year": "year",
    "文件名称": "source",
    "source": "source",
    "文号": "document_number",
    "document_number": "document_number",
    "发布日期": "published_on",
    "published_on": "published_on",
    "节假日": "holidays",
    "holidays": "holidays",
}
_HOLIDAY_KEYS = {
    "名称": "name",
    "name": "name",
    "放假": "rest",
    "rest": "rest",
    "上班": "work",
    "work": "work",
}
_CSV_META_KEYS = {"年份": "year", "文件名称": "source", "文号": "document_number", "发布日期": "published_on"}  # fmt: skip
_CSV_HEADER = ["日期", "类型", "名称"]

_DATE_RES = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
_RANGE_RE = re.compile(r"\s*(?:至|到|~|～|—|--)\s*")


@dataclass(frozen=True)
class NoticeDay:
    day: dt.date
    kind: str  # PUBLIC_HOLIDAY | MAKEUP_WORKDAY
    name: str
    line: int  # 1-based line in the file, for error messages


@dataclass(frozen=True)
class Notice:
    """A validated notice: one year's rest days and make-up working days."""

    year: int
    source: str
    document_number: str
    published_on: dt.date | None
    days: tuple[NoticeDay, ...]

    def to_year_data(
        self, *, version: str = "", effective_from: dt.datetime | None = None
    ) -> YearData:
        return YearData(
            year=self.year,
            holidays={d.day: d.name for d in self.days if d.kind == PUBLIC_HOLIDAY},
            makeup_workdays={d.day: d.name for d in self.days if d.kind == MAKEUP_WORKDAY},
            source=self.source,
            document_number=self.document_number,
            version=version,
            effective_from=effective_from,
            origin="database",
        )


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[int, str]] = []

    def add(self, line: int | None, message: str) -> None:
        self.items.append((line or 0, message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        self.items.sort(key=lambda item: item[0])
        shown = [f"第 {line} 行：{msg}" if line else msg for line, msg in self.items]
        more = len(shown) - MAX_REPORTED_ERRORS
        shown = shown[:MAX_REPORTED_ERRORS] + (
            [f"……另有 {more} 处问题未列出。"] if more > 0 else []
        )
        if len(self.items) == 1:
            head = "节假日通知文件有 1 处问题，整个文件未导入，请修改后重新导入："
        else:
            head = f"节假日通知文件有 {len(self.items)} 处问题，整个文件未导入，请修改后重新导入："
        raise InvalidInput(head + "\n" + "\n".join(shown))


def decode_notice(data: bytes) -> str:
    """UTF-8 text of a notice file (BOM allowed); a GBK file is refused with the fix.

    Examples:
        >>> decode_notice("年份,2027".encode("gbk"))
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 第 1 行：文件不是 UTF-8 编码（看起来是 GBK/GB18030 编码，Excel 直接“另存为 CSV”时常见）。请在 Excel 中选择“另存为 → CSV UTF-8（逗号分隔）”，或用记事本“另存为”并选择 UTF-8 编码后重新导入。整个文件未导入。
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        try:
            data.decode("gb18030")
            guess = "看起来是 GBK/GB18030 编码，Excel 直接“另存为 CSV”时常见"
        except UnicodeDecodeError:
            guess = "无法识别其编码"
        raise InvalidInput(
            f"第 {line} 行：文件不是 UTF-8 编码（{guess}）。请在 Excel 中选择"
            f"“另存为 → CSV UTF-8（逗号分隔）”，或用记事本“另存为”并选择 UTF-8 编码后重新导入。"
            f"整个文件未导入。"
        ) from None


def parse_date(text: str) -> dt.date:
    """A date written as 2027-02-06, 2027/2/6, 2027.2.6 or 2027年2月6日.

    Raises ``ValueError`` with a Chinese explanation.

    Examples:
        >>> parse_date("2027年2月6日")
        datetime.date(2027, 2, 6)
        >>> parse_date("2027-02-30")
        Traceback (most recent call last):
        ...
        ValueError: “2027-02-30”不是有效日期（2027 年 2 月只有 28 天）
    """
    text = str(text).strip()
    for pattern in _DATE_RES:
        m = pattern.match(text)
        if m:
            year, month, day = (int(g) for g in m.groups())
            if not 1 <= month <= 12:
                raise ValueError(f"“{text}”不是有效日期（月份应为 1 至 12）")
            last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
            if not 1 <= day <= last:
                raise ValueError(f"“{text}”不是有效日期（{year} 年 {month} 月只有 {last} 天）")
            return dt.date(year, month, day)
    raise ValueError(f"“{text}”不是有效日期，请写成 2027-02-06 的形式")


def _parse_days(text: str, *, allow_range: bool) -> list[dt.date]:
    parts = [p for p in _RANGE_RE.split(str(text).strip()) if p]
    if len(parts) == 1 and not _RANGE_RE.search(str(text).strip()):
        return [parse_date(parts[0])]
    if len(parts) != 2:
        raise ValueError(f"“{text}”不是有效的日期或日期范围（示例：2027-02-06 至 2027-02-12）")
    if not allow_range:
        raise ValueError(f"调休上班日要逐日填写，不能写成范围“{text}”")
    first, last = parse_date(parts[0]), parse_date(parts[1])
    if last < first:
        raise ValueError(f"日期范围“{text}”的结束日期早于开始日期")
    if (last - first).days > 31:
        raise ValueError(f"日期范围“{text}”超过 31 天，请核对")
    return [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]


def _kind_of(word: str) -> str | None:
    word = word.strip()
    if word in HOLIDAY_WORDS:
        return PUBLIC_HOLIDAY
    if word in MAKEUP_WORDS:
        return MAKEUP_WORKDAY
    return None


def _check_year(value: object, line: int | None, problems: _Problems) -> int | None:
    text = str(value).strip().removesuffix("年")
    if not text.isdigit() or not 1949 <= int(text) <= 2200:
        problems.add(line, f"“年份”为“{value}”，应为四位数年份（示例：2027）。")
        return None
    return int(text)


def _validate(
    year: int | None,
    source: str,
    document_number: str,
    published_on: dt.date | None,
    days: list[NoticeDay],
    problems: _Problems,
    *,
    source_line: int | None,
) -> Notice:
    if not source.strip():
        problems.add(
            source_line,
            "缺少“文件名称”，请填写通知的标题（示例：国务院办公厅关于2027年部分节假日安排的通知）。",
        )
    seen: dict[dt.date, NoticeDay] = {}
    for entry in days:
        if entry.day in seen:
            first = seen[entry.day]
            problems.add(
                entry.line,
                f"日期 {entry.day} 重复（第 {first.line} 行已填写为"
                f"{'放假' if first.kind == PUBLIC_HOLIDAY else '上班'}），每个日期只能出现一次。",
            )
            continue
        seen[entry.day] = entry
        if year is not None and not (
            entry.day.year == year or (entry.day.year == year - 1 and entry.day.month == 12)
        ):
            problems.add(
                entry.line,
                f"日期 {entry.day} 不属于 {year} 年。通知只能包含 {year} 年的日期"
                f"（以及 {year - 1} 年 12 月的调休安排）；请核对年份。",
            )
        if entry.kind == MAKEUP_WORKDAY and entry.day.weekday() < 5:
            problems.add(
                entry.line,
                f"{entry.day} 是星期{WEEKDAYS_CN[entry.day.weekday()]}，本来就是工作日，"
                f"不能填为调休上班日。调休上班日应是星期六或星期日，请核对通知原文。",
            )
    if not any(d.kind == PUBLIC_HOLIDAY for d in days) and not problems.items:
        problems.add(None, "文件中没有任何放假日期，请按通知填写各节日的放假日期。")
    problems.raise_if_any()
    assert year is not None  # a missing year was reported above
    return Notice(
        year=year,
        source=source.strip(),
        document_number=document_number.strip(),
        published_on=published_on,
        days=tuple(sorted(days, key=lambda d: d.day)),
    )


# ---------------------------------------------------------------------------- CSV


def parse_notice_csv(text: str) -> Notice:
    problems = _Problems()
    meta: dict[str, tuple[str, int]] = {}
    days: list[NoticeDay] = []
    header_seen = False
    rows = csv.reader(io.StringIO(text))
    for row in rows:
        line = rows.line_num
        cells = [c.strip() for c in row]
        while cells and not cells[-1]:
            cells.pop()
        if not cells or cells[0].startswith("#"):
            continue
        if not header_seen:
            if cells[: len(_CSV_HEADER)] == _CSV_HEADER:
                header_seen = True
                continue
            key = _CSV_META_KEYS.get(cells[0])
            if key is None:
                problems.add(
                    line,
                    f"无法识别“{cells[0]}”。表头“日期,类型,名称”之前只能填写"
                    f"年份、文件名称、文号、发布日期四项，每行“项目,内容”。",
                )
                continue
            meta[key] = (cells[1] if len(cells) > 1 else "", line)
            continue
        if len(cells) < 2:
            problems.add(line, "每行应有“日期,类型,名称”三列。")
            continue
        kind = _kind_of(cells[1])
        name = cells[2] if len(cells) > 2 else ""
        if kind is None:
            problems.add(line, f"“类型”为“{cells[1]}”，应为“放假”或“上班”。")
            continue
        if not name:
            problems.add(line, "“名称”为空，请填写所属节日（示例：春节）。")
        try:
            dates = _parse_days(cells[0], allow_range=kind == PUBLIC_HOLIDAY)
        except ValueError as exc:
            problems.add(line, f"“日期”{exc}。")
            continue
        days += [NoticeDay(d, kind, name, line) for d in dates]
    if not header_seen:
        problems.add(None, "文件中没有表头行“日期,类型,名称”，请在填写日期之前加上这一行。")
    year = None
    if "year" in meta:
        year = _check_year(meta["year"][0], meta["year"][1], problems)
    else:
        problems.add(None, "缺少“年份”行，请在文件开头写“年份,2027”。")
    published_on = None
    if meta.get("published_on", ("", 0))[0]:
        value, line = meta["published_on"]
        try:
            published_on = parse_date(value)
        except ValueError as exc:
            problems.add(line, f"“发布日期”{exc}。")
    source, source_line = meta.get("source", ("", None))
    return _validate(
        year,
        source,
        meta.get("document_number", ("", 0))[0],
        published_on,
        days,
        problems,
        source_line=source_line,
    )


# ---------------------------------------------------------------------------- YAML


def parse_notice_yaml(text: str) -> Notice:
    import yaml

    problems = _Problems()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "格式错误"
        problems.add(line, f"YAML 格式错误（{problem}）。请检查缩进和冒号。")
        problems.raise_if_any()
    if not isinstance(root, yaml.MappingNode):
        raise InvalidInput(
            "节假日通知文件内容为空或格式不对：应以“年份: 2027”开头，"
            "参见 docs/calendar-notice-format.md 的示例。整个文件未导入。"
        )

    def line_of(node: yaml.Node) -> int:
        return node.start_mark.line + 1

    def scalar(node: yaml.Node, what: str) -> str | None:
        if isinstance(node, yaml.ScalarNode):
            return str(node.value)
        problems.add(line_of(node), f"“{what}”应是单个值。")
        return None

    def as_list(node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
            return []
        return [node]

    year: int | None = None
    year_seen = False
    source, source_line = "", None
    document_number = ""
    published_on = None
    days: list[NoticeDay] = []
    holidays_seen = False
    for key_node, value_node in root.value:
        key = _META_KEYS.get(str(key_node.value).strip())
        if key is None:
            problems.add(
                line_of(key_node),
                f"无法识别的项目“{key_node.value}”。可用的项目：年份、文件名称、文号、发布日期、节假日。",
            )
        elif key == "year":
            year_seen = True
            value = scalar(value_node, "年份")
            if value is not None:
                year = _check_year(value, line_of(value_node), problems)
        elif key == "source":
            source, source_line = scalar(value_node, "文件名称") or "", line_of(key_node)
        elif key == "document_number":
            document_number = scalar(value_node, "文号") or ""
        elif key == "published_on":
            value = scalar(value_node, "发布日期")
            if value:
                try:
                    published_on = parse_date(value)
                except ValueError as exc:
                    problems.add(line_of(value_node), f"“发布日期”{exc}。")
        elif key == "holidays":
            holidays_seen = True
            for item in as_list(value_node):
                days += _yaml_holiday(item, problems, line_of, as_list)
    if not year_seen:
        problems.add(None, "缺少“年份”，请在文件开头写“年份: 2027”。")
    if not holidays_seen:
        problems.add(None, "缺少“节假日”列表，参见 docs/calendar-notice-format.md 的示例。")
    return _validate(
        year, source, document_number, published_on, days, problems, source_line=source_line
    )


def _yaml_holiday(
    item: Any,
    problems: _Problems,
    line_of: Callable[[Any], int],
    as_list: Callable[[Any], list[Any]],
) -> list[NoticeDay]:
    import yaml

    if not isinstance(item, yaml.MappingNode):
        problems.add(line_of(item), "“节假日”下的每一项应包含“名称”“放假”“上班”。")
        return []
    fields: dict[str, yaml.Node] = {}
    for key_node, value_node in item.value:
        key = _HOLIDAY_KEYS.get(str(key_node.value).strip())
        if key is None:
            problems.add(
                line_of(key_node),
                f"无法识别的项目“{key_node.value}”。每个节日可填写：名称、放假、上班。",
            )
            continue
        fields[key] = value_node
    name_node = fields.get("name")
    name = str(name_node.value).strip() if isinstance(name_node, yaml.ScalarNode) else ""
    if not name:
        problems.add(line_of(item), "节日缺少“名称”（示例：名称: 春节）。")
    if "rest" not in fields:
        problems.add(line_of(item), f"节日“{name or '（无名称）'}”缺少“放假”日期。")
    days: list[NoticeDay] = []
    for key, kind in (("rest", PUBLIC_HOLIDAY), ("work", MAKEUP_WORKDAY)):
        if key not in fields:
            continue
        label = "放假" if kind == PUBLIC_HOLIDAY else "上班"
        for node in as_list(fields[key]):
            if not isinstance(node, yaml.ScalarNode):
                problems.add(line_of(node), f"“{label}”应填写日期或日期范围。")
                continue
            try:
                dates = _parse_days(node.value, allow_range=kind == PUBLIC_HOLIDAY)
            except ValueError as exc:
                problems.add(line_of(node), f"“{label}”{exc}。")
                continue
            days += [NoticeDay(d, kind, name, line_of(node)) for d in dates]
    return days


# ---------------------------------------------------------------------------- entry point


def parse_notice(data: bytes | str, *, filename: str = "") -> Notice:
    """Parse and validate a notice file (CSV, YAML or the notice text as published).

    The format is chosen by extension (``.csv``, ``.yaml``/``.yml``, ``.txt``) or, failing
    that, by content: text that reads like the State Council's notice itself (「部分节假日安排」,
    「……日放假」 sentences, no CSV header or YAML keys) goes to
    :func:`~qinqing.core.workdays.notice_text.parse_notice_text`.
    """
    text = decode_notice(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    lower = filename.lower()
    if lower.endswith(".txt"):
        from qinqing.core.workdays.notice_text import parse_notice_text

        return parse_notice_text(text)
    if lower.endswith(".csv"):
        return parse_notice_csv(text)
    if lower.endswith((".yaml", ".yml")):
        return parse_notice_yaml(text)
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if first.startswith(("年份,", "年份，")) or "日期,类型,名称" in text:
        return parse_notice_csv(text)
    from qinqing.core.workdays.notice_text import looks_like_notice_text, parse_notice_text

    if looks_like_notice_text(text):
        return parse_notice_text(text)
    return parse_notice_yaml(text)
