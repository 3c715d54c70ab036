"""Pure rules of on-site checks: entry days, annual caps, list diffs, joint visits, publication.

No ORM, no clock, no I/O. The quiet-window rule itself is the one shared with the random
draw, :func:`qinqing.inspections.rules.quiet_window_conflict`; this module only adds what
a registration may do about it (an exempt category with a reason).
"""

from __future__ import annotations

import calendar as _calendar
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from qinqing.core.errors import InvalidInput
from qinqing.inspections.rules import QuietConflict, quiet_window_conflict

ROUTINE, RANDOM, SPECIAL, SAFETY, COMPLAINT, EMERGENCY = (
    "routine",
    "random",
    "special",
    "safety",
    "complaint",
    "emergency",
)
CATEGORY_LABELS = {
    ROUTINE: "日常检查",
    RANDOM: "双随机抽查",
    SPECIAL: "专项检查",
    SAFETY: "安全生产检查",
    COMPLAINT: "投诉举报核查",
    EMERGENCY: "突发事件处置",
}
# May enter inside a 宁静日 window or on a rest day, with a reason (issue 19: "exempt
# (safety, complaint)"; an emergency cannot wait either)
EXEMPT_CATEGORIES = frozenset({SAFETY, COMPLAINT, EMERGENCY})
# May be recorded after the visit, with the reason (issue 19)
AFTERWARDS_CATEGORIES = frozenset({COMPLAINT, EMERGENCY})
# Count towards the annual cap and need the office's approval where the locality requires
# it; triggered checks (safety, complaint, emergency) do neither.
PLANNED_CATEGORIES = frozenset({ROUTINE, RANDOM, SPECIAL})

DISCRETION_LABELS = {
    "minor_no_penalty": "轻微不罚",
    "first_no_penalty": "首违不罚",
    "no_coercion": "不予强制",
    "lighter": "从轻减轻",
}
ENTRY_FIELDS = ("behaviour", "legal_basis", "conditions", "discretion")
FIELD_LABELS = {
    "behaviour": "违法行为",
    "legal_basis": "法律依据",
    "conditions": "适用条件",
    "discretion": "处理方式",
}


@dataclass(frozen=True)
class EntryDay:
    """What the calendar and the quiet windows say about a planned day of entry."""

    quiet: QuietConflict | None
    workday: bool
    provisional: bool  # the day's year has no State Council notice yet (暂定)


def check_entry_day(
    day: date,
    *,
    category: str,
    exemption_reason: str,
    monthly: Iterable[tuple[int, int]],
    periods: Iterable[tuple[date, date]],
    is_workday: Callable[[date], bool],
    provisional: bool = False,
) -> EntryDay:
    """宁静日 / 安静生产期 and the working-day calendar for one registration.

    A day inside a window (the shared rule) or on a rest day is refused, unless the
    category is exempt and a reason is given. Make-up working days (调休) are working
    days; a provisional year is accepted and flagged.

    Examples:
        >>> workday = lambda d: d.weekday() < 5
        >>> check_entry_day(date(2026, 6, 22), category="routine", exemption_reason="",
        ...     monthly=[(1, 20)], periods=[], is_workday=workday).quiet is None
        True
        >>> check_entry_day(date(2026, 6, 10), category="routine", exemption_reason="",
        ...     monthly=[(1, 20)], periods=[], is_workday=workday)
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 2026-06-10 在全域宁静日（每月 1–20 日）内，日常检查不能安排入企。请改到宁静日以外的工作日；安全生产检查、投诉举报核查、突发事件处置确需入企的，请选择相应类别并填写入企理由。
        >>> check_entry_day(date(2026, 6, 10), category="safety", exemption_reason="燃气泄漏隐患",
        ...     monthly=[(1, 20)], periods=[], is_workday=workday).quiet.kind
        'local'
    """
    reason = (exemption_reason or "").strip()
    exempt = category in EXEMPT_CATEGORIES
    label = CATEGORY_LABELS.get(category, category)
    allowed = "、".join(
        CATEGORY_LABELS[c] for c in sorted(EXEMPT_CATEGORIES, key=list(CATEGORY_LABELS).index)
    )
    conflict = quiet_window_conflict(day, monthly=monthly, periods=periods)
    if conflict is not None:
        if not exempt:
            raise InvalidInput(
                f"{day.isoformat()} 在{conflict.label}内，{label}不能安排入企。"
                f"请改到宁静日以外的工作日；{allowed}确需入企的，请选择相应类别并填写入企理由。"
            )
        if not reason:
            raise InvalidInput(
                f"{day.isoformat()} 在{conflict.label}内。{label}可以入企，"
                f"但须填写“宁静日入企理由”（如隐患情况、投诉编号）。"
            )
    workday = is_workday(day)
    if not workday and not exempt:
        raise InvalidInput(
            f"{day.isoformat()} 不是工作日，{label}应安排在工作日（调休上班日视为工作日）。"
            f"请改到工作日。"
        )
    if not workday and not reason:
        raise InvalidInput(
            f"{day.isoformat()} 不是工作日。{label}可以入企，但须填写“宁静日入企理由”说明原因。"
        )
    return EntryDay(conflict, workday, provisional)


def annual_cap_for(tier: str, *, cap: int, cap_a: int) -> int:
    """Annual cap of one enterprise across all departments: lower for credit tier A.

    Examples:
        >>> annual_cap_for("A", cap=4, cap_a=2), annual_cap_for("C", cap=4, cap_a=2)
        (2, 4)
    """
    return cap_a if tier == "A" else cap


def check_annual_cap(
    *, enterprise_name: str, tier: str, done: int, cap: int, year: int, category: str
) -> None:
    """Refuse one more planned check once the enterprise has reached its cap.

    ``done`` counts the year's planned checks of every department, a joint visit once.

    Examples:
        >>> check_annual_cap(enterprise_name="甲", tier="A", done=1, cap=2, year=2026, category="routine")
        >>> check_annual_cap(enterprise_name="甲", tier="A", done=2, cap=2, year=2026, category="safety")
        >>> check_annual_cap(enterprise_name="甲", tier="A", done=2, cap=2, year=2026, category="routine")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 甲（信用风险分类 A 类）2026 年已安排入企检查 2 次，已达各部门合计的年度上限 2 次。请加入已安排的检查、与其他部门联合检查（进一次门、查多项事），或改用非现场监管。
    """
    if category not in PLANNED_CATEGORIES or done < cap:
        return
    raise InvalidInput(
        f"{enterprise_name}（信用风险分类 {tier} 类）{year} 年已安排入企检查 {done} 次，"
        f"已达各部门合计的年度上限 {cap} 次。请加入已安排的检查、与其他部门联合检查"
        f"（进一次门、查多项事），或改用非现场监管。"
    )


def planned_count(rows: Iterable[tuple[int, int | None]]) -> int:
    """Checks of the year from (registration id, joint id) pairs: a joint visit counts once.

    Examples:
        >>> planned_count([(1, None), (2, 7), (3, 7), (4, None)])
        3
    """
    singles, joints = 0, set()
    for _pk, joint in rows:
        if joint is None:
            singles += 1
        else:
            joints.add(joint)
    return singles + len(joints)


# ---------------------------------------------------------------- list versions


@dataclass(frozen=True)
class ListDiff:
    added: tuple[str, ...]
    changed: tuple[tuple[str, tuple[str, ...]], ...]  # (code, changed fields)
    removed: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "changed": [{"code": c, "fields": list(f)} for c, f in self.changed],
            "removed": list(self.removed),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ListDiff:
        return cls(
            tuple(data.get("added", ())),
            tuple((c["code"], tuple(c["fields"])) for c in data.get("changed", ())),
            tuple(data.get("removed", ())),
        )


def diff_entries(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> ListDiff:
    """Items added, changed (which fields) and removed between two versions, by ``code``.

    Examples:
        >>> a = [{"code": "1", "behaviour": "未公示年报", "legal_basis": "x", "conditions": "首次", "discretion": "first_no_penalty"},
        ...      {"code": "2", "behaviour": "未亮照", "legal_basis": "y", "conditions": "及时改正", "discretion": "minor_no_penalty"}]
        >>> b = [{**a[0], "conditions": "首次且及时改正"},
        ...      {"code": "3", "behaviour": "未备案", "legal_basis": "z", "conditions": "", "discretion": "no_coercion"}]
        >>> diff_entries(a, b)
        ListDiff(added=('3',), changed=(('1', ('conditions',)),), removed=('2',))
    """
    before = {e["code"]: e for e in old}
    after = {e["code"]: e for e in new}
    added = tuple(sorted(set(after) - set(before), key=_code_key))
    removed = tuple(sorted(set(before) - set(after), key=_code_key))
    changed = []
    for code in sorted(set(before) & set(after), key=_code_key):
        fields = tuple(
            f
            for f in ENTRY_FIELDS
            if str(before[code].get(f, "")).strip() != str(after[code].get(f, "")).strip()
        )
        if fields:
            changed.append((code, fields))
    return ListDiff(added, tuple(changed), removed)


def _code_key(code: str) -> tuple[Any, ...]:
    digits = "".join(ch for ch in code if ch.isdigit())
    return (int(digits) if digits else 0, code)


def version_name(number: int) -> str:
    """Examples:
    >>> version_name(1), version_name(2), version_name(11), version_name(23)
    ('第一版', '第二版', '第十一版', '第 23 版')
    """
    digits = "一二三四五六七八九"
    if 1 <= number <= 9:
        return f"第{digits[number - 1]}版"
    if 10 <= number <= 19:
        return f"第十{digits[number - 11] if number > 10 else ''}版"
    return f"第 {number} 版"


def diff_summary(diff: ListDiff, previous_number: int | None) -> str:
    """The published sentence, e.g. 「相较第一版新增11项、调整17项、减少2项」.

    Examples:
        >>> diff_summary(ListDiff(("a",) * 11, (("b", ("conditions",)),) * 17, ("c", "d")), 1)
        '相较第一版新增11项、调整17项、减少2项'
        >>> diff_summary(ListDiff(("a", "b"), (), ()), None)
        '首次发布，共2项'
    """
    if previous_number is None:
        return f"首次发布，共{len(diff.added)}项"
    return (
        f"相较{version_name(previous_number)}新增{len(diff.added)}项、"
        f"调整{len(diff.changed)}项、减少{len(diff.removed)}项"
    )


# ---------------------------------------------------------------- joint visits


@dataclass(frozen=True)
class JointProposal:
    enterprise_id: int
    proposed_on: date
    registration_ids: tuple[int, ...]
    unit_ids: tuple[int, ...]


def propose_joint_visits(
    rows: Iterable[tuple[int, int, int, date]],
) -> list[JointProposal]:
    """进一次门、查多项事: from (registration, enterprise, unit, day) rows of one month,
    one proposal per enterprise that two or more departments plan to visit.

    The proposed day is the earliest planned day (it already passed the enterprise's
    quiet-window check); the others move to it.

    Examples:
        >>> d = date
        >>> propose_joint_visits([(1, 10, 100, d(2026, 6, 25)), (2, 10, 200, d(2026, 6, 23)),
        ...                       (3, 11, 100, d(2026, 6, 24)), (4, 11, 100, d(2026, 6, 26))])
        [JointProposal(enterprise_id=10, proposed_on=datetime.date(2026, 6, 23), registration_ids=(1, 2), unit_ids=(100, 200))]
    """
    by_enterprise: dict[int, list[tuple[int, int, date]]] = defaultdict(list)
    for pk, enterprise_id, unit_id, day in rows:
        by_enterprise[enterprise_id].append((pk, unit_id, day))
    out = []
    for enterprise_id in sorted(by_enterprise):
        members = by_enterprise[enterprise_id]
        units = {u for _, u, _ in members}
        if len(units) < 2:
            continue
        out.append(
            JointProposal(
                enterprise_id,
                min(day for _, _, day in members),
                tuple(sorted(pk for pk, _, _ in members)),
                tuple(sorted(units)),
            )
        )
    return out


def month_bounds(day: date) -> tuple[date, date]:
    """Examples:
    >>> month_bounds(date(2028, 2, 10))
    (datetime.date(2028, 2, 1), datetime.date(2028, 2, 29))
    """
    return day.replace(day=1), day.replace(day=_calendar.monthrange(day.year, day.month)[1])


# ---------------------------------------------------------------- publication


def add_months(day: date, months: int) -> date:
    """Examples:
    >>> add_months(date(2026, 11, 30), 3), add_months(date(2026, 1, 31), 1)
    (datetime.date(2027, 2, 28), datetime.date(2026, 2, 28))
    """
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def publication_ends_on(published_on: date, *, minor: bool, minor_months: int, months: int) -> date:
    """Last day a penalty stays on the public page. 《市场监督管理行政处罚信息公示规定》
    第十四条: 仅受到通报批评或者较低数额罚款的 3 个月，其他 3 年 (the defaults; configurable).

    Examples:
        >>> publication_ends_on(date(2026, 3, 1), minor=True, minor_months=3, months=36)
        datetime.date(2026, 5, 31)
    """

    return add_months(published_on, minor_months if minor else months) - timedelta(days=1)
