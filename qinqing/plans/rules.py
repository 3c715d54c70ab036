"""Pure rules of plan import: target numbers, deadline fields, version differences.

No ORM, no clock, no I/O: the service passes plain values in and stores what comes out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

# ---------------------------------------------------------------- quantified targets

_UNITS = (
    "个百分点|个工作日|个小时|工作日|小时|分钟|万户|万人|万元|亿元|平方米|公里|千米|"
    "%|％|‰|天|日|家|户|个|项|次|件|元|年|月|人|所|亩|倍|条|张|份|批|台|座|场|万|亿"
)
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}  # fmt: skip
_QUANTITY_RE = re.compile(
    r"(?P<num>\d+(?:\.\d+)?|[零一二两三四五六七八九十百]+)\s*(?P<unit>" + _UNITS + r")"
)
_UPPER_AFTER = ("以内", "以下", "之内", "内")
_UPPER_BEFORE = ("压缩至", "压缩到", "缩短至", "缩短到", "控制在", "降至", "降低到", "降低至",
                 "减少至", "减少到", "不超过", "不高于", "不多于", "低于")  # fmt: skip
_LOWER_BEFORE = ("不少于", "不低于", "达到", "达", "超过", "提高到", "提高至", "提升至", "提升到",
                 "突破", "高于")  # fmt: skip


def cn_number(text: str) -> int | None:
    """Small Chinese numerals as written in plans (三, 十五, 二十, 一百).

    Examples:
        >>> cn_number("三"), cn_number("十五"), cn_number("二十"), cn_number("一百二十")
        (3, 15, 20, 120)
        >>> cn_number("百") is None
        True
    """
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            if not current:
                return None
            total += current * 100
            current = 0
        else:
            return None
    return total + current


@dataclass(frozen=True)
class TargetValue:
    value: Decimal | None
    unit: str
    comparator: str


def target_value(text: str) -> TargetValue:
    """The number, its unit and whether it is a ceiling (≤) or a floor (≥) in a target phrase.

    Examples:
        >>> target_value("企业开办时间压缩至1个工作日以内")
        TargetValue(value=Decimal('1'), unit='个工作日', comparator='≤')
        >>> target_value("网上可办率达到95%以上")
        TargetValue(value=Decimal('95'), unit='%', comparator='≥')
        >>> target_value("到达本级15日内")
        TargetValue(value=Decimal('15'), unit='日', comparator='≤')
        >>> target_value("新增市场主体三万户")
        TargetValue(value=Decimal('3'), unit='万户', comparator='')
        >>> target_value("全面推行告知承诺制")
        TargetValue(value=None, unit='', comparator='')
    """
    m = _QUANTITY_RE.search(text)
    if m is None:
        return TargetValue(None, "", "")
    raw = m["num"]
    value: Decimal | None
    if raw[0].isdigit():
        try:
            value = Decimal(raw)
        except InvalidOperation:  # pragma: no cover - the pattern only admits numbers
            value = None
    else:
        number = cn_number(raw)
        value = Decimal(number) if number is not None else None
    unit = m["unit"].replace("％", "%")
    before = text[max(0, m.start() - 4) : m.start()]
    after = text[m.end() : m.end() + 2]
    # the longest verb wins: 不低于 is a floor although it contains 低于
    verbs = [(len(w), "≤") for w in _UPPER_BEFORE if w in before]
    verbs += [(len(w), "≥") for w in _LOWER_BEFORE if w in before]
    comparator = max(verbs)[1] if verbs else ""
    if after.startswith(_UPPER_AFTER):
        comparator = "≤"
    elif after.startswith("以上"):
        comparator = "≥"
    return TargetValue(value, unit, comparator)


# ---------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class Deadline:
    due_on: date | None
    ongoing: bool


def deadline_fields(normalised: str | dict[str, Any] | None) -> Deadline:
    """Turn the parser's deadline (``"2022-06-30"``, ``"ongoing"``, or both) into columns.

    Examples:
        >>> deadline_fields("2022-06-30")
        Deadline(due_on=datetime.date(2022, 6, 30), ongoing=False)
        >>> deadline_fields({"date": "2022-03-31", "ongoing": True})
        Deadline(due_on=datetime.date(2022, 3, 31), ongoing=True)
        >>> deadline_fields("ongoing"), deadline_fields(None)
        (Deadline(due_on=None, ongoing=True), Deadline(due_on=None, ongoing=False))
    """
    if normalised is None:
        return Deadline(None, False)
    if normalised == "ongoing":
        return Deadline(None, True)
    if isinstance(normalised, dict):
        day = normalised.get("date")
        return Deadline(date.fromisoformat(day) if day else None, bool(normalised.get("ongoing")))
    return Deadline(date.fromisoformat(normalised), False)


_STRICT_DATE_RE = re.compile(
    r"^\s*(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?\s*$"
)


def strict_date(text: str) -> date | None | bool:
    """A cell that is written as a full date: the date, ``False`` if it is not a real day.

    ``None`` means the text is not written as a full date (it may still be a phrase such
    as "6月底前" or "长期坚持").

    Examples:
        >>> strict_date("2025-09-30"), strict_date("2025年9月30日")
        (datetime.date(2025, 9, 30), datetime.date(2025, 9, 30))
        >>> strict_date("2027-02-30")
        False
        >>> strict_date("2025年底") is None
        True
    """
    m = _STRICT_DATE_RE.match(text)
    if m is None:
        return None
    try:
        return date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return False


# ---------------------------------------------------------------- version differences

DIFF_FIELDS = {
    "title": "重点任务",
    "body": "具体内容",
    "lead_units": "牵头单位",
    "responsible_units": "责任单位",
    "supporting_units": "配合单位",
    "deadline_raw": "完成时限",
    "targets": "量化指标",
}


@dataclass(frozen=True)
class TaskRow:
    """What two versions of a ledger are compared on; ``key`` identifies the row's task."""

    key: int
    label: str
    title: str
    body: str = ""
    lead_units: tuple[str, ...] = ()
    responsible_units: tuple[str, ...] = ()
    supporting_units: tuple[str, ...] = ()
    deadline_raw: str = ""
    targets: tuple[str, ...] = ()


@dataclass
class Change:
    old: TaskRow
    new: TaskRow
    fields: list[str]


@dataclass
class LedgerDiff:
    added: list[TaskRow] = field(default_factory=list)
    removed: list[TaskRow] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: list[tuple[TaskRow, TaskRow]] = field(default_factory=list)

    @property
    def pairs(self) -> list[tuple[TaskRow, TaskRow]]:
        return [(c.old, c.new) for c in self.changed] + list(self.unchanged)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the character pairs of two texts (0: nothing shared, 1: same).

    Examples:
        >>> round(similarity("压缩企业开办时间", "压缩企业开办时限"), 2)
        0.86
        >>> round(similarity("规范涉企行政检查", "清理涉企证明事项"), 2)
        0.14
    """
    pairs_a = {a[i : i + 2] for i in range(len(a) - 1)}
    pairs_b = {b[i : i + 2] for i in range(len(b) - 1)}
    if not pairs_a or not pairs_b:
        return 1.0 if a == b else 0.0
    return 2 * len(pairs_a & pairs_b) / (len(pairs_a) + len(pairs_b))


def _same_task(a: TaskRow, b: TaskRow) -> bool:
    return similarity(_norm(a.title), _norm(b.title)) >= 0.5 or (
        bool(a.body) and similarity(_norm(a.body), _norm(b.body)) >= 0.6
    )


def diff_ledgers(old: list[TaskRow], new: list[TaskRow]) -> LedgerDiff:
    """Compare two versions of a ledger: tasks added, removed, and changed (with fields).

    Tasks are paired by title first (numbering shifts when a task is inserted), then by
    their number among those left when the title or the text is still alike (a reworded
    task); a different task under a reused number is a removal and an addition.

    Examples:
        >>> a = [TaskRow(1, "1", "压缩开办时间", deadline_raw="6月底"), TaskRow(2, "2", "清理证明"),
        ...      TaskRow(3, "3", "规范涉企行政检查")]
        >>> b = [TaskRow(4, "1", "推行电子证照"), TaskRow(5, "2", "压缩开办时间", deadline_raw="9月底"),
        ...      TaskRow(6, "3", "规范涉企行政检查工作")]
        >>> d = diff_ledgers(a, b)
        >>> [r.title for r in d.added], [r.title for r in d.removed]
        (['推行电子证照'], ['清理证明'])
        >>> [(c.old.key, c.new.key, c.fields) for c in d.changed]
        [(1, 5, ['deadline_raw']), (3, 6, ['title'])]
    """
    result = LedgerDiff()
    remaining_new = list(new)
    pairs: list[tuple[TaskRow, TaskRow]] = []
    unmatched_old: list[TaskRow] = []
    by_title: dict[str, list[TaskRow]] = {}
    for row in remaining_new:
        by_title.setdefault(_norm(row.title), []).append(row)
    for row in old:
        candidates = by_title.get(_norm(row.title))
        if candidates:
            match = candidates.pop(0)
            remaining_new.remove(match)
            pairs.append((row, match))
        else:
            unmatched_old.append(row)
    by_label = {r.label: r for r in remaining_new if r.label}
    for row in unmatched_old:
        found = by_label.get(row.label) if row.label else None
        if found is not None and _same_task(row, found):
            del by_label[row.label]
            remaining_new.remove(found)
            pairs.append((row, found))
        else:
            result.removed.append(row)
    result.added = remaining_new
    for a, b in pairs:
        changed = [
            name
            for name in DIFF_FIELDS
            if (_norm(getattr(a, name)) if isinstance(getattr(a, name), str) else getattr(a, name))
            != (_norm(getattr(b, name)) if isinstance(getattr(b, name), str) else getattr(b, name))
        ]
        if changed:
            result.changed.append(Change(a, b, changed))
        else:
            result.unchanged.append((a, b))
    result.changed.sort(key=lambda c: new.index(c.new))
    return result
