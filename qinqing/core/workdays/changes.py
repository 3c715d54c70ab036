"""Recomputing every open deadline when the calendar in force changes (期限重算).

When an administrator imports a year's holiday notice (or corrects one), deadlines that
were computed on the provisional year, or on the previous version, may move. Each app that
stores deadlines names a function in its manifest (``AppManifest.deadlines``)::

    def recompute_deadlines(*, now, calendar) -> list[Moved]:
        '''Recompute the app's open deadlines with ``calendar``; save and return what moved.'''

:func:`recompute_if_calendar_changed` is the scheduled job (``workdays.recompute_deadlines``)
and also runs right after an import from the web page: it compares a signature of the
calendar's imported years with the one of the last recomputation and, when they differ,
calls every app's function in one transaction, stores what moved (``DeadlineChange``, shown
on the 期限变动 page) and notifies each unit and enterprise concerned once per
recomputation. Running it again with the same calendar does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

ACTOR = "系统：期限重算"


@dataclass(frozen=True)
class Moved:
    """One deadline that moved (values are dates or aware datetimes; None: no deadline)."""

    what: str  # 「诉求 QQ2026-000123 主办工单（市市场监管局）」
    field: str  # 「答复截止」
    old: dt.date | dt.datetime | None
    new: dt.date | dt.datetime | None
    url: str = ""
    unit_id: int | None = None
    uscc: str = ""


def show(value: dt.date | dt.datetime | None) -> str:
    """A deadline as people read it (local time for datetimes)."""
    if value is None:
        return "无"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def calendar_signature() -> str:
    """Which imported years (and versions) the calendar in force holds."""
    from qinqing.core.workdays.models import CalendarYear

    rows = CalendarYear.objects.order_by("year").values_list("year", "version")
    return ",".join(f"{year}v{version}" for year, version in rows)


def _reason(signature: str, previous: str) -> str:
    before = set(previous.split(",")) - {""}
    after = set(signature.split(",")) - {""}
    added = sorted(after - before)
    if not added:
        return "节假日安排有变化"
    years = "、".join(f"{item.split('v')[0]} 年" for item in added)
    return f"导入{years}节假日安排"


def recompute_if_calendar_changed(now: dt.datetime) -> dict[str, int]:
    """The job: recompute open deadlines once per change of the imported years."""
    from qinqing.core.workdays.models import DeadlineRecompute

    signature = calendar_signature()
    last = DeadlineRecompute.objects.order_by("-id").first()
    if last is None and not signature:
        # First run on a calendar nothing was imported into: remember it, nothing moved.
        DeadlineRecompute.objects.create(
            signature=signature, reason="初始日历", started_at=now, finished_at=now
        )
        return {"checked": 0, "moved": 0}
    if last is not None and last.signature == signature:
        return {"checked": 0, "moved": 0}
    run = recompute_all(now=now, reason=_reason(signature, last.signature if last else ""))
    return {"checked": run.checked, "moved": run.moved}


@transaction.atomic
def recompute_all(*, now: dt.datetime, reason: str) -> Any:
    """Recompute every app's open deadlines with the calendar in force, record and notify."""
    from qinqing.core import audit
    from qinqing.core.manifest import manifests
    from qinqing.core.workdays.loader import get_calendar, invalidate_calendar_cache
    from qinqing.core.workdays.models import DeadlineChange, DeadlineRecompute

    invalidate_calendar_cache()
    calendar = get_calendar()
    run = DeadlineRecompute.objects.create(
        signature=calendar_signature(), reason=reason, started_at=now
    )
    changes: list[DeadlineChange] = []
    checked = 0
    for manifest in manifests():
        if not manifest.deadlines:
            continue
        fn = import_string(manifest.deadlines)
        result = fn(now=now, calendar=calendar)
        checked += result.checked
        changes.extend(
            DeadlineChange(
                recompute=run,
                app_label=manifest.label,
                what=m.what[:300],
                field_label=m.field[:60],
                old_value=show(m.old),
                new_value=show(m.new),
                url=m.url[:300],
                unit_id=m.unit_id,
                uscc=m.uscc,
            )
            for m in result.moved
        )
    DeadlineChange.objects.bulk_create(changes, batch_size=2000)
    run.checked, run.moved, run.finished_at = checked, len(changes), timezone.now()
    run.save(update_fields=["checked", "moved", "finished_at"])
    audit.record(
        ACTOR,
        "deadlines.recomputed",
        run,
        after={"reason": reason, "checked": checked, "moved": len(changes)},
        now=now,
    )
    _notify(run, changes, now=now)
    return run


@dataclass
class Result:
    """What an app's ``recompute_deadlines`` returns."""

    checked: int
    moved: list[Moved]


def _notify(run: Any, changes: list[Any], *, now: dt.datetime) -> None:
    """One message per unit and per enterprise concerned, for this recomputation."""
    from qinqing.core.notifications import notify_enterprise, notify_unit
    from qinqing.core.orgs.models import Unit

    by_unit: dict[int, int] = defaultdict(int)
    by_uscc: dict[str, int] = defaultdict(int)
    for change in changes:
        if change.unit_id:
            by_unit[change.unit_id] += 1
        if change.uscc:
            by_uscc[change.uscc] += 1
    url = f"/calendar/changes/{run.pk}/"
    units = Unit.objects.in_bulk(list(by_unit))
    for unit_id, count in by_unit.items():
        notify_unit(
            units[unit_id],
            kind="workdays.deadlines_moved",
            title=f"{run.reason}后，本单位 {count} 项办理期限已调整",
            body="请查看期限变动清单，按新的期限办理。",
            url=url,
            key=f"deadlines-moved:{run.pk}:unit:{unit_id}",
            channels=("inbox", "email"),
            now=now,
        )
    for uscc, count in by_uscc.items():
        notify_enterprise(
            uscc,
            kind="workdays.deadlines_moved",
            title=f"{run.reason}后，您的 {count} 项事项办理期限已调整",
            body="期限以事项页面显示为准。",
            url="",
            key=f"deadlines-moved:{run.pk}:uscc:{uscc}",
            channels=("inbox",),
            now=now,
        )
