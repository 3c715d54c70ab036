"""Optional campaign constraints of a draw: visit window, quiet periods, caps, avoidance.

None of these is part of the CSV contract; the campaign screens pass them through the
API and the CLI reads them from an optional JSON file (``--constraints``). Whatever is
given is normalised into a canonical JSON object whose SHA-256 is part of the input
snapshot, so a draw made with constraints only verifies with the same constraints.

The working-day calendar is not computed here: the caller passes either a predicate
``is_workday(date) -> bool`` (e.g. from ``qinqing.core.workdays``) or the working dates
themselves. Either way the resolved dates of the window are stored and hashed, so a
later change to the calendar data cannot change a published draw.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from qinqing.core.enterprises.uscc import is_valid_uscc
from qinqing.core.errors import InvalidInput
from qinqing.inspections.drawing.inputs import NOT_DRAWN, TIERS
from qinqing.inspections.rules import quiet_window_conflict

MIN_INSPECTORS = 2  # issue 8: "at least two per visit" (双随机 requires two enforcement officers)

Workdays = Callable[[date], bool] | Iterable[date]


def _days(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


@dataclass(frozen=True)
class VisitWindow:
    """检查时段: the first and last day visits may take place, and its working days."""

    start: date
    end: date
    workdays: tuple[date, ...]

    @classmethod
    def build(cls, start: date, end: date, workdays: Workdays) -> VisitWindow:
        """Resolve ``workdays`` (a predicate or the working dates) inside ``[start, end]``.

        Examples:
            >>> w = VisitWindow.build(date(2025, 6, 27), date(2025, 7, 1), lambda d: d.weekday() < 5)
            >>> [d.isoformat() for d in w.workdays]
            ['2025-06-27', '2025-06-30', '2025-07-01']
        """
        if start > end:
            raise InvalidInput(
                f"检查时段的开始日期 {start.isoformat()} 晚于结束日期 {end.isoformat()}。{NOT_DRAWN}"
            )
        if callable(workdays):
            resolved = tuple(d for d in _days(start, end) if workdays(d))
        else:
            resolved = tuple(sorted({d for d in workdays if start <= d <= end}))
        if not resolved:
            raise InvalidInput(
                f"检查时段 {start.isoformat()} 至 {end.isoformat()} 内没有工作日。"
                f"请延长检查时段或核对工作日历。{NOT_DRAWN}"
            )
        return cls(start, end, resolved)


@dataclass(frozen=True)
class MonthlyQuietWindow:
    """Locality-wide recurring quiet days of every month, e.g. 上、中旬“宁静日” = days 1–20."""

    first_day: int
    last_day: int

    def covers(self, day: date) -> bool:
        """Whether the window closes ``day`` (the shared rule ``rules.quiet_window_conflict``).

        Examples:
        >>> MonthlyQuietWindow(1, 20).covers(date(2025, 6, 20)), MonthlyQuietWindow(1, 20).covers(date(2025, 6, 21))
        (True, False)
        """
        return quiet_window_conflict(day, monthly=[(self.first_day, self.last_day)]) is not None

    def label(self) -> str:
        return f"每月 {self.first_day}–{self.last_day} 日"


@dataclass(frozen=True)
class DrawConstraints:
    """Everything beyond the three CSV files that changes who is drawn and who inspects.

    ``quiet_periods``: per USCC, the enterprise's own quiet periods (inclusive date pairs).
    ``previous_pairs``: (inspector_id, uscc) pairs of the previous campaign, never repeated.
    ``checks_done`` and ``annual_cap``: checks already made this year per USCC and the
    cap per credit tier (a joint visit counts once); an entity at its cap is not drawn.
    ``max_visits_per_inspector``: optional cap on each inspector's visits in this draw.
    ``allow_empty_items``: report an item with no eligible entity instead of refusing.
    """

    window: VisitWindow | None = None
    monthly_quiet: tuple[MonthlyQuietWindow, ...] = ()
    quiet_periods: Mapping[str, tuple[tuple[date, date], ...]] = field(default_factory=dict)
    previous_pairs: frozenset[tuple[str, str]] = frozenset()
    checks_done: Mapping[str, int] = field(default_factory=dict)
    annual_cap: Mapping[str, int] = field(default_factory=dict)
    min_inspectors: int = MIN_INSPECTORS
    max_visits_per_inspector: int | None = None
    allow_empty_items: bool = False

    def __post_init__(self) -> None:
        if self.min_inspectors < MIN_INSPECTORS:
            raise InvalidInput(
                f"每个检查对象至少需要 {MIN_INSPECTORS} 名执法检查人员，"
                f"不能设为 {self.min_inspectors} 名。{NOT_DRAWN}"
            )
        if self.max_visits_per_inspector is not None and self.max_visits_per_inspector < 1:
            raise InvalidInput(f"每名执法检查人员的检查次数上限至少为 1。{NOT_DRAWN}")
        if (self.monthly_quiet or self.quiet_periods) and self.window is None:
            raise InvalidInput(
                f"设置了宁静期，但没有设置检查时段（开始、结束日期和工作日），"
                f"无法判断宁静期是否影响检查。{NOT_DRAWN}"
            )
        for w in self.monthly_quiet:
            if not 1 <= w.first_day <= w.last_day <= 31:
                raise InvalidInput(
                    f"每月宁静日 {w.first_day}–{w.last_day} 日无效：应为 1 到 31 之间、"
                    f"开始不晚于结束的日期，如 1–20 表示上、中旬。{NOT_DRAWN}"
                )
        for code, periods in self.quiet_periods.items():
            _check_uscc(code, "企业宁静期")
            for start, end in periods:
                if start > end:
                    raise InvalidInput(
                        f"企业 {code} 的宁静期 {start.isoformat()} 至 {end.isoformat()} "
                        f"开始日期晚于结束日期。{NOT_DRAWN}"
                    )
        for inspector_id, code in self.previous_pairs:
            _check_uscc(code, f"上次抽查的人员 {inspector_id} 与企业配对")
        for code, count in self.checks_done.items():
            _check_uscc(code, "本年度已检查次数")
            if count < 0:
                raise InvalidInput(f"企业 {code} 的本年度已检查次数不能为负数。{NOT_DRAWN}")
        for tier, cap in self.annual_cap.items():
            if tier not in TIERS or cap < 0:
                raise InvalidInput(
                    f"年度检查次数上限“{tier}: {cap}”无效：信用风险分类应为 A、B、C、D，"
                    f"上限应为不小于 0 的整数。{NOT_DRAWN}"
                )

    @classmethod
    def build(
        cls,
        *,
        window: tuple[date, date] | None = None,
        workdays: Workdays | None = None,
        monthly_quiet: Iterable[tuple[int, int]] = (),
        quiet_periods: Mapping[str, Iterable[tuple[date, date]]] | None = None,
        previous_pairs: Iterable[tuple[str, str]] = (),
        checks_done: Mapping[str, int] | None = None,
        annual_cap: Mapping[str, int] | None = None,
        min_inspectors: int = MIN_INSPECTORS,
        max_visits_per_inspector: int | None = None,
        allow_empty_items: bool = False,
    ) -> DrawConstraints:
        """Convenience constructor from plain values (the campaign screens' entry point).

        Examples:
            >>> c = DrawConstraints.build(
            ...     window=(date(2025, 6, 1), date(2025, 6, 30)),
            ...     workdays=lambda d: d.weekday() < 5,
            ...     monthly_quiet=[(1, 20)],
            ...     annual_cap={"A": 1, "B": 2, "C": 3, "D": 4},
            ... )
            >>> [d.day for d in c.base_visit_dates()]
            [23, 24, 25, 26, 27, 30]
        """
        resolved = None
        if window is not None:
            if workdays is None:
                raise InvalidInput(
                    f"设置了检查时段，但没有提供工作日历（工作日列表或判断函数）。{NOT_DRAWN}"
                )
            resolved = VisitWindow.build(window[0], window[1], workdays)
        return cls(
            window=resolved,
            monthly_quiet=tuple(
                sorted(
                    {MonthlyQuietWindow(int(a), int(b)) for a, b in monthly_quiet},
                    key=lambda w: (w.first_day, w.last_day),
                )
            ),
            quiet_periods={
                code.strip().upper(): tuple(sorted(set(periods)))
                for code, periods in sorted((quiet_periods or {}).items())
            },
            previous_pairs=frozenset((p.strip(), u.strip().upper()) for p, u in previous_pairs),
            checks_done={code.strip().upper(): int(n) for code, n in (checks_done or {}).items()},
            annual_cap=dict(annual_cap or {}),
            min_inspectors=min_inspectors,
            max_visits_per_inspector=max_visits_per_inspector,
            allow_empty_items=allow_empty_items,
        )

    # --- derived -------------------------------------------------------------------

    def base_visit_dates(self) -> tuple[date, ...]:
        """Working days of the window outside the locality-wide quiet days."""
        if self.window is None:
            return ()
        monthly = [(w.first_day, w.last_day) for w in self.monthly_quiet]
        days = tuple(
            d for d in self.window.workdays if quiet_window_conflict(d, monthly=monthly) is None
        )
        if not days:
            quiet = "、".join(w.label() for w in self.monthly_quiet)
            raise InvalidInput(
                f"检查时段 {self.window.start.isoformat()} 至 {self.window.end.isoformat()} 的"
                f"工作日全部落在全域宁静日（{quiet}）内，无法安排检查。"
                f"请调整检查时段，使其包含宁静日以外的工作日。{NOT_DRAWN}"
            )
        return days

    def canonical(self) -> dict[str, Any]:
        """The JSON object hashed into the snapshot (and accepted back by :func:`from_json`)."""
        return {
            "window": None
            if self.window is None
            else {
                "start": self.window.start.isoformat(),
                "end": self.window.end.isoformat(),
                "workdays": [d.isoformat() for d in self.window.workdays],
            },
            "monthly_quiet_days": [[w.first_day, w.last_day] for w in self.monthly_quiet],
            "quiet_periods": {
                code: [[a.isoformat(), b.isoformat()] for a, b in sorted(set(periods))]
                for code, periods in sorted(self.quiet_periods.items())
                if periods
            },
            "previous_pairs": sorted([p, u] for p, u in self.previous_pairs),
            "checks_done": {c: n for c, n in sorted(self.checks_done.items()) if n},
            "annual_cap": dict(sorted(self.annual_cap.items())),
            "min_inspectors": self.min_inspectors,
            "max_visits_per_inspector": self.max_visits_per_inspector,
            "allow_empty_items": self.allow_empty_items,
        }

    @property
    def sha256(self) -> str:
        return hashlib.sha256(canonical_json(self.canonical()).encode("utf-8")).hexdigest()


def canonical_json(value: Any) -> str:
    """Compact, key-sorted JSON text (the form that is hashed).

    Examples:
        >>> canonical_json({"b": [1, "甲"], "a": None})
        '{"a":null,"b":[1,"甲"]}'
    """
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _check_uscc(code: str, where: str) -> None:
    if not is_valid_uscc(code):
        raise InvalidInput(
            f"{where}中的“{code}”不是有效的统一社会信用代码（18 位，末位为校验码）。{NOT_DRAWN}"
        )


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            f"约束文件中{where}的“{value}”不是有效日期（格式：2025-06-30）。{NOT_DRAWN}"
        ) from None


def _calendar_is_workday() -> Callable[[date], bool]:
    """The working-day calendar: the one in force inside the web app, else the package data.

    The DB-free CLI must not import Django, and ``get_calendar`` would, to look for
    administrator-imported years; without Django it would use the package data anyway.
    """
    if "django" in sys.modules:
        from qinqing.core.workdays import get_calendar

        return get_calendar().is_workday
    from qinqing.core.workdays.loader import package_calendar

    return package_calendar().is_workday


def constraints_from_json(data: Any, source: str = "约束文件") -> DrawConstraints:
    """Read constraints from the JSON object of ``--constraints`` (shape of :meth:`canonical`).

    ``window.workdays`` may list the working dates; when it is missing they come from the
    working-day calendar (``qinqing.core.workdays``), which raises for a year without
    official data. Either way the resolved dates are what is hashed and published.
    """
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}应为 JSON 对象（{{...}}）。{NOT_DRAWN}")
    known = set(DrawConstraints().canonical())
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(
            f"{source}中有无法识别的字段：{'、'.join(unknown)}。可用字段：{'、'.join(sorted(known))}。"
            f"{NOT_DRAWN}"
        )
    window = None
    workdays: Workdays | None = None
    raw_window = data.get("window")
    if raw_window is not None:
        if not isinstance(raw_window, dict) or not {"start", "end"} <= set(raw_window):
            raise InvalidInput(
                f"{source}中 window 应包含 start 和 end（检查时段的第一天和最后一天），"
                f"可选 workdays（时段内的全部工作日）。{NOT_DRAWN}"
            )
        window = (
            _date(raw_window["start"], "window.start"),
            _date(raw_window["end"], "window.end"),
        )
        if raw_window.get("workdays") is not None:
            workdays = [_date(d, "window.workdays") for d in raw_window["workdays"]]
        else:
            workdays = _calendar_is_workday()
    try:
        return DrawConstraints.build(
            window=window,
            workdays=workdays,
            monthly_quiet=[(int(a), int(b)) for a, b in data.get("monthly_quiet_days", [])],
            quiet_periods={
                code: [
                    (_date(a, f"quiet_periods.{code}"), _date(b, f"quiet_periods.{code}"))
                    for a, b in periods
                ]
                for code, periods in (data.get("quiet_periods") or {}).items()
            },
            previous_pairs=[(str(p), str(u)) for p, u in data.get("previous_pairs", [])],
            checks_done={str(k): int(v) for k, v in (data.get("checks_done") or {}).items()},
            annual_cap={str(k): int(v) for k, v in (data.get("annual_cap") or {}).items()},
            min_inspectors=int(data.get("min_inspectors", MIN_INSPECTORS)),
            max_visits_per_inspector=(
                None
                if data.get("max_visits_per_inspector") is None
                else int(data["max_visits_per_inspector"])
            ),
            allow_empty_items=bool(data.get("allow_empty_items", False)),
        )
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"{source}的内容格式不对（{exc}）。请对照文档中的示例修改。{NOT_DRAWN}"
        ) from None
