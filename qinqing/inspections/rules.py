"""Pure rules of campaigns and credit repair: states, deadlines, input checks.

No ORM, no clock, no I/O: ``today`` is always an argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from qinqing.core.enterprises.uscc import is_valid_uscc
from qinqing.core.errors import IllegalTransition, InvalidInput

DRAFT, COMMITTED, DRAWN, PUBLISHED, CANCELLED = (
    "draft",
    "committed",
    "drawn",
    "published",
    "cancelled",
)
STATE_LABELS = {
    DRAFT: "草稿",
    COMMITTED: "已公布承诺值",
    DRAWN: "已抽取",
    PUBLISHED: "已公布",
    CANCELLED: "已撤销",
}
NEXT_STATES: dict[str, frozenset[str]] = {
    DRAFT: frozenset({COMMITTED, CANCELLED}),
    COMMITTED: frozenset({DRAWN, CANCELLED}),
    DRAWN: frozenset({PUBLISHED}),
    PUBLISHED: frozenset(),
    CANCELLED: frozenset(),
}
ACTION_LABELS = {
    COMMITTED: "公布承诺值",
    DRAWN: "抽取",
    PUBLISHED: "公布抽取结果",
    CANCELLED: "撤销",
}

# 《关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见》：抽查检查结果自
# 产生之日起 20 个工作日内通过国家企业信用信息公示系统公示。
DEFAULT_PUBLISH_WORKDAYS = 20
# Seed 003: 信用修复申请 2 个工作日内完成初审.
DEFAULT_REPAIR_REVIEW_WORKDAYS = 2

_IDENT_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f;,\s]")
_REGION_PREFIX = re.compile(r"\d{2,6}")


def check_transition(current: str, target: str) -> None:
    """Refuse a campaign state change the state machine does not allow.

    Examples:
        >>> check_transition("draft", "committed")
        >>> check_transition("drawn", "committed")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.IllegalTransition: 抽查计划当前状态为“已抽取”，不能公布承诺值。
    """
    if target not in NEXT_STATES[current]:
        raise IllegalTransition(
            f"抽查计划当前状态为“{STATE_LABELS[current]}”，不能{ACTION_LABELS[target]}。"
        )


def is_results_open(state: str) -> bool:
    """Results may be entered once the draw is done (drawn or published).

    Examples:
        >>> is_results_open("drawn"), is_results_open("committed")
        (True, False)
    """
    return state in (DRAWN, PUBLISHED)


def check_identifier(value: str, label: str) -> str:
    """An item code or certificate number as the draw files need it (no separators).

    Examples:
        >>> check_identifier(" SCJG-001 ", "事项编号")
        'SCJG-001'
        >>> check_identifier("A;B", "事项编号")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: “事项编号”为“A;B”，不能为空，也不能含空格、逗号、分号或控制字符（如 SCJG-001）。
    """
    value = (value or "").strip()
    if not value or _IDENT_FORBIDDEN.search(value):
        raise InvalidInput(
            f"“{label}”为“{value}”，不能为空，也不能含空格、逗号、分号或控制字符（如 SCJG-001）。"
        )
    return value


def parse_uscc_list(text: str, label: str = "回避企业") -> list[str]:
    """USCCs separated by ``;``, ``,``, spaces or line breaks; sorted, de-duplicated.

    Examples:
        >>> parse_uscc_list("")
        []
        >>> parse_uscc_list("91420602MA4XXXXXX0", "回避企业")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: “回避企业”中的第 1 个代码“91420602MA4XXXXXX0”不是有效的统一社会信用代码（18 位，末位为校验码），请对照营业执照核对；多个代码用“;”或换行分隔。
    """
    parts = [p.strip().upper() for p in re.split(r"[;；,，\s]+", text or "")]
    codes = [p for p in parts if p]
    for n, code in enumerate(codes, 1):
        if not is_valid_uscc(code):
            raise InvalidInput(
                f"“{label}”中的第 {n} 个代码“{code}”不是有效的统一社会信用代码（18 位，末位为校验码），"
                f"请对照营业执照核对；多个代码用“;”或换行分隔。"
            )
    return sorted(set(codes))


def parse_region_codes(text: str) -> list[str]:
    """Region codes or prefixes (2–6 digits) separated by ``;``; sorted, de-duplicated.

    Examples:
        >>> parse_region_codes("420606; 4206 ;420606")
        ['4206', '420606']
        >>> parse_region_codes("")
        []
    """
    parts = [p.strip() for p in re.split(r"[;；,，\s]+", text or "")]
    codes = [p for p in parts if p]
    for code in codes:
        if not _REGION_PREFIX.fullmatch(code):
            raise InvalidInput(
                f"“抽查地域”中的“{code}”不是行政区划代码：请填写 6 位代码（如 420606）"
                f"或其前 2–4 位（如 4206 表示该市全部区县），多个用“;”分隔。"
            )
    return sorted(set(codes))


def check_window(start: date, end: date, today: date) -> None:
    """A visit window must be ordered and must not lie wholly in the past.

    Examples:
        >>> check_window(date(2025, 6, 1), date(2025, 6, 30), date(2025, 5, 20))
        >>> check_window(date(2025, 6, 30), date(2025, 6, 1), date(2025, 5, 20))
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 检查开始日期 2025-06-30 晚于结束日期 2025-06-01，请调整检查时段。
    """
    if start > end:
        raise InvalidInput(
            f"检查开始日期 {start.isoformat()} 晚于结束日期 {end.isoformat()}，请调整检查时段。"
        )
    if end < today:
        raise InvalidInput(
            f"检查结束日期 {end.isoformat()} 已经过去（今天是 {today.isoformat()}），请选择今后的检查时段。"
        )


def check_monthly_quiet(first_day: int, last_day: int) -> None:
    """Examples:
    >>> check_monthly_quiet(1, 20)
    >>> check_monthly_quiet(21, 5)
    Traceback (most recent call last):
    ...
    qinqing.core.errors.InvalidInput: 每月宁静日 21–5 日无效：应为 1 到 31 之间、开始不晚于结束的日期，如 1–20 表示上、中旬。
    """
    if not 1 <= first_day <= last_day <= 31:
        raise InvalidInput(
            f"每月宁静日 {first_day}–{last_day} 日无效：应为 1 到 31 之间、开始不晚于结束的日期，"
            f"如 1–20 表示上、中旬。"
        )


@dataclass(frozen=True)
class QuietConflict:
    """Why a day is closed to on-site checks of one enterprise (宁静日 or 安静生产期)."""

    kind: str  # "local": 全域宁静日 (recurring days of every month); "enterprise": 企业宁静期
    first: int | date
    last: int | date

    @property
    def label(self) -> str:
        """Examples:
        >>> QuietConflict("local", 1, 20).label, QuietConflict("enterprise", date(2026, 6, 1), date(2026, 6, 5)).label
        ('全域宁静日（每月 1–20 日）', '企业宁静期（2026-06-01 至 2026-06-05）')
        """
        if self.kind == "local":
            return f"全域宁静日（每月 {self.first}–{self.last} 日）"
        return f"企业宁静期（{self.first.isoformat()} 至 {self.last.isoformat()}）"  # type: ignore[union-attr]


def quiet_window_conflict(
    day: date,
    *,
    monthly: Iterable[tuple[int, int]] = (),
    periods: Iterable[tuple[date, date]] = (),
) -> QuietConflict | None:
    """宁静日 / 安静生产期: the window that closes ``day`` to on-site checks, or ``None``.

    The one rule shared by the random draw (``drawing.constraints`` / ``drawing.engine``)
    and the registration of on-site checks (``qinqing.onsite``): ``monthly`` are the
    locality-wide recurring windows as (first, last) days of every month (上、中旬 = 1–20;
    a last day beyond the month's end simply covers the rest of the month), ``periods``
    the enterprise's own quiet periods as inclusive date pairs. Local windows are reported
    first. Whether the day is a working day is the calendar's business, not this rule's.

    Examples:
        >>> quiet_window_conflict(date(2026, 6, 20), monthly=[(1, 20)]).label
        '全域宁静日（每月 1–20 日）'
        >>> quiet_window_conflict(date(2026, 6, 21), monthly=[(1, 20)]) is None
        True
        >>> p = [(date(2026, 6, 22), date(2026, 6, 26))]
        >>> quiet_window_conflict(date(2026, 6, 26), monthly=[(1, 20)], periods=p).kind
        'enterprise'
        >>> quiet_window_conflict(date(2026, 2, 28), monthly=[(21, 31)]).label
        '全域宁静日（每月 21–31 日）'
    """
    for first, last in monthly:
        if first <= day.day <= last:
            return QuietConflict("local", first, last)
    for start, end in periods:
        if start <= day <= end:
            return QuietConflict("enterprise", start, end)
    return None


def deadline_status(due_on: date | None, done_on: date | None, today: date) -> str:
    """``done`` / ``late`` (done after the due day) / ``overdue`` / ``due_today`` / ``open``.

    ``unknown`` while the due day cannot be computed (no calendar data for its year yet).

    Examples:
        >>> d = date(2025, 6, 10)
        >>> [deadline_status(d, None, t) for t in (date(2025, 6, 9), d, date(2025, 6, 11))]
        ['open', 'due_today', 'overdue']
        >>> deadline_status(d, date(2025, 6, 10), date(2025, 7, 1)), deadline_status(d, date(2025, 6, 12), d)
        ('done', 'late')
    """
    if due_on is None:
        return "done" if done_on is not None else "unknown"
    if done_on is not None:
        return "done" if done_on <= due_on else "late"
    if today > due_on:
        return "overdue"
    if today == due_on:
        return "due_today"
    return "open"


DEADLINE_LABELS = {
    "done": ("按时完成", "green"),
    "late": ("逾期完成", "yellow"),
    "overdue": ("已逾期", "red"),
    "due_today": ("今日到期", "yellow"),
    "open": ("未到期", ""),
    "unknown": ("截止日待节假日数据发布后确定", ""),
}


def parse_monthly_quiet(text: str) -> list[list[int]]:
    """全域宁静日 as typed: ``1-20`` or ``1–20；25-28`` (days of every month).

    Examples:
        >>> parse_monthly_quiet("1-20; 25–28"), parse_monthly_quiet("")
        ([[1, 20], [25, 28]], [])
        >>> parse_monthly_quiet("上旬")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: “全域宁静日”中的“上旬”看不懂：请按“开始日-结束日”填写每月的日期，如 1-20 表示上、中旬，多段用“;”分隔。
    """
    out = []
    for part in re.split(r"[;；,，\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"(\d{1,2})\s*[-–—~～至到]\s*(\d{1,2})\s*日?", part)
        if not match:
            raise InvalidInput(
                f"“全域宁静日”中的“{part}”看不懂：请按“开始日-结束日”填写每月的日期，"
                f"如 1-20 表示上、中旬，多段用“;”分隔。"
            )
        first, last = int(match.group(1)), int(match.group(2))
        check_monthly_quiet(first, last)
        out.append([first, last])
    return sorted(out)


def monthly_quiet_text(windows: list[Any]) -> str:
    """Examples:
    >>> monthly_quiet_text([[1, 20]])
    '1-20'
    """
    return "; ".join(f"{a}-{b}" for a, b in windows)


def region_prefix(code: str) -> str:
    """The registry prefix of an area's 行政区划代码 ('' when the area has none).

    Examples:
        >>> region_prefix("420600"), region_prefix("420602"), region_prefix("420000"), region_prefix("")
        ('4206', '420602', '42', '')
    """
    code = (code or "").strip()
    if not re.fullmatch(r"\d{6}", code):
        return ""
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


# 每名执法检查人员每个工作日最多实地检查的对象数 (configurable: QINQING_MAX_VISITS_PER_INSPECTOR_DAY)
DEFAULT_MAX_VISITS_PER_INSPECTOR_DAY = 3


def visits_per_inspector_day(visit_teams: list[tuple[str, ...]], workdays: int) -> float:
    """The heaviest load of one inspector: his visits divided by the window's working days.

    Examples:
        >>> visits_per_inspector_day([("a", "b")] * 88 + [("c", "d")] * 2, 1)
        88.0
        >>> visits_per_inspector_day([("a", "b"), ("a", "c")], 2)
        1.0
        >>> visits_per_inspector_day([], 5)
        0.0
    """
    counts: dict[str, int] = {}
    for team in visit_teams:
        for inspector in team:
            counts[inspector] = counts.get(inspector, 0) + 1
    if not counts:
        return 0.0
    return round(max(counts.values()) / max(workdays, 1), 1)
