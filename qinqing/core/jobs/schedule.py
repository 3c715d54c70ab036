"""The schedule grammar of :class:`qinqing.core.manifest.Job`, on the working-day calendar.

Times are Asia/Shanghai wall-clock times (the city has no daylight saving). A schedule is
parsed once into a :class:`Schedule`, which lists its slots (the moments a job is due) in a
time range. Pure: the working-day test is passed in (``is_workday``), no clock, no I/O.

Examples:
    >>> import datetime as dt
    >>> s = parse("hourly 08:30-17:30 on workdays")
    >>> weekday = lambda d: d.weekday() < 5
    >>> start = dt.datetime(2025, 10, 10, 16, 0, tzinfo=TZ)   # a Friday
    >>> [t.strftime("%a %H:%M") for t in s.slots(start, start + dt.timedelta(days=3), weekday)]
    ['Fri 16:30', 'Fri 17:30', 'Mon 08:30', 'Mon 09:30', 'Mon 10:30', 'Mon 11:30', 'Mon 12:30', 'Mon 13:30', 'Mon 14:30', 'Mon 15:30']
    >>> parse("monthly 1 02:00").describe()
    '每月 1 日 02:00'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from qinqing.core.errors import InvalidInput

TZ = ZoneInfo("Asia/Shanghai")

_TIME = r"(\d{1,2}):(\d{2})"
_WORKDAYS = r"(?:workdays|working days|working-days)"
_PATTERNS = [
    ("workdays", re.compile(rf"^{_WORKDAYS}\s+{_TIME}$")),
    ("daily", re.compile(rf"^(?:daily|nightly)\s+{_TIME}$")),
    (
        "hourly_window",
        re.compile(rf"^hourly\s+{_TIME}\s*[-–—~]\s*{_TIME}(\s+on\s+{_WORKDAYS})?$"),
    ),
    ("hourly", re.compile(r"^hourly(\s+on\s+" + _WORKDAYS + r")?$")),
    ("monthly", re.compile(rf"^monthly\s+(\d{{1,2}})\s+{_TIME}$")),
    ("every", re.compile(r"^every\s+(\d+)\s+minutes?$")),
]


@dataclass(frozen=True)
class Schedule:
    """When a job is due: ``times`` (minutes after midnight) on the days ``day_rule`` admits."""

    text: str
    times: tuple[int, ...]  # minutes after local midnight, ascending
    workdays_only: bool = False
    month_day: int | None = None

    def _day_matches(self, day: dt.date, is_workday: Callable[[dt.date], bool]) -> bool:
        if self.month_day is not None and day.day != self.month_day:
            return False
        return not self.workdays_only or is_workday(day)

    def slots(
        self,
        after: dt.datetime,
        until: dt.datetime,
        is_workday: Callable[[dt.date], bool],
    ) -> Iterator[dt.datetime]:
        """The due moments ``t`` with ``after < t <= until``, oldest first (aware, local)."""
        start, end = after.astimezone(TZ), until.astimezone(TZ)
        day = start.date()
        while day <= end.date():
            if self._day_matches(day, is_workday):
                midnight = dt.datetime(day.year, day.month, day.day, tzinfo=TZ)
                for minutes in self.times:
                    t = midnight + dt.timedelta(minutes=minutes)
                    if start < t <= end:
                        yield t
            day += dt.timedelta(days=1)

    def next_after(
        self, after: dt.datetime, is_workday: Callable[[dt.date], bool], *, horizon_days: int = 400
    ) -> dt.datetime | None:
        """The first slot strictly after ``after`` (None if none within the horizon)."""
        for t in self.slots(after, after + dt.timedelta(days=horizon_days), is_workday):
            return t
        return None

    def latest_at_or_before(
        self, moment: dt.datetime, is_workday: Callable[[dt.date], bool], *, horizon_days: int = 400
    ) -> dt.datetime | None:
        """The last slot ``<= moment`` (None if none within the horizon)."""
        day = moment.astimezone(TZ).date()
        for _ in range(horizon_days):
            start = dt.datetime(day.year, day.month, day.day, tzinfo=TZ) - dt.timedelta(
                microseconds=1
            )
            found = list(self.slots(start, moment, is_workday))
            if found:
                return found[-1]
            moment = start
            day -= dt.timedelta(days=1)
        return None

    def describe(self) -> str:
        """The schedule in Chinese, for the 系统运行 page."""

        def hm(m: int) -> str:
            return f"{m // 60:02d}:{m % 60:02d}"

        days = "每个工作日" if self.workdays_only else "每天"
        if self.month_day is not None:
            return f"每月 {self.month_day} 日 {hm(self.times[0])}"
        if len(self.times) == 1:
            return f"{days} {hm(self.times[0])}"
        step = self.times[1] - self.times[0]
        if step == 60:
            return f"{days} {hm(self.times[0])}—{hm(self.times[-1])} 每小时"
        return f"{days}每 {step} 分钟"


def _minutes(h: str, m: str, text: str) -> int:
    hour, minute = int(h), int(m)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise InvalidInput(f"定时任务时间“{text}”中的 {h}:{m} 不是有效时刻（应为 00:00—23:59）。")
    return hour * 60 + minute


def parse(text: str) -> Schedule:
    """Parse a schedule string (see :class:`qinqing.core.manifest.Job`).

    Examples:
        >>> parse("workdays 09:00")
        Schedule(text='workdays 09:00', times=(540,), workdays_only=True, month_day=None)
        >>> parse("every 15 minutes").times[:3]
        (0, 15, 30)
        >>> parse("weekly")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 无法识别定时任务时间“weekly”。可用写法：“workdays 09:00”“daily 01:00”“hourly 08:30-17:30 on workdays”“monthly 1 02:00”“every 10 minutes”。
    """
    norm = " ".join(text.strip().lower().split())
    for kind, pattern in _PATTERNS:
        m = pattern.match(norm)
        if not m:
            continue
        g = m.groups()
        if kind == "workdays":
            return Schedule(text, (_minutes(g[0], g[1], text),), workdays_only=True)
        if kind == "daily":
            return Schedule(text, (_minutes(g[0], g[1], text),))
        if kind == "hourly_window":
            first, last = _minutes(g[0], g[1], text), _minutes(g[2], g[3], text)
            if last < first:
                raise InvalidInput(f"定时任务时间“{text}”的结束时刻早于开始时刻。")
            return Schedule(text, tuple(range(first, last + 1, 60)), workdays_only=bool(g[4]))
        if kind == "hourly":
            return Schedule(text, tuple(range(0, 24 * 60, 60)), workdays_only=bool(g[0]))
        if kind == "monthly":
            day = int(g[0])
            if not 1 <= day <= 28:
                # day 29-31 would silently skip short months
                raise InvalidInput(f"定时任务时间“{text}”：每月的日期请填 1 到 28。")
            return Schedule(text, (_minutes(g[1], g[2], text),), month_day=day)
        if kind == "every":
            step = int(g[0])
            if not 1 <= step <= 720 or (24 * 60) % step:
                raise InvalidInput(
                    f"定时任务时间“{text}”：间隔分钟数应能整除一天（如 1、5、10、15、30、60）。"
                )
            return Schedule(text, tuple(range(0, 24 * 60, step)))
    raise InvalidInput(
        f"无法识别定时任务时间“{text}”。可用写法：“workdays 09:00”“daily 01:00”"
        "“hourly 08:30-17:30 on workdays”“monthly 1 02:00”“every 10 minutes”。"
    )
