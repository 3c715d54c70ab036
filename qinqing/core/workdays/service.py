"""Importing a year's holiday notice (导入节假日安排): validated, all-or-nothing, audited."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from qinqing.core.audit import record
from qinqing.core.errors import InvalidInput
from qinqing.core.workdays.data import KIND_LABELS, package_years
from qinqing.core.workdays.loader import invalidate_calendar_cache, note_pending_change
from qinqing.core.workdays.models import CalendarDay, CalendarYear
from qinqing.core.workdays.notice import Notice, parse_notice


def _read(file_or_text: bytes | str | Path | IO[Any]) -> tuple[bytes | str, str]:
    """The content and file name of what the caller passed (a ``str`` is the text itself)."""
    if isinstance(file_or_text, Path):
        try:
            return file_or_text.read_bytes(), file_or_text.name
        except OSError as exc:
            raise InvalidInput(
                f"无法读取文件“{file_or_text}”（{exc.strerror}）。请检查路径后重试。"
            ) from None
    if isinstance(file_or_text, bytes | str):
        return file_or_text, ""
    content = file_or_text.read()
    return content, str(getattr(file_or_text, "name", "") or "")


def _snapshot(year: CalendarYear) -> dict[str, Any]:
    return {
        "year": year.year,
        "source": year.source,
        "document_number": year.document_number,
        "version": year.version,
        "days": {str(d.day): f"{d.kind}:{d.name}" for d in year.days.order_by("day")},
    }


@transaction.atomic
def import_notice(
    file_or_text: bytes | str | Path | IO[Any],
    *,
    actor: Any,
    replace: bool = False,
    now: dt.datetime | None = None,
) -> CalendarYear:
    """导入节假日安排: store one year's notice; the calendar uses it at once.

    ``file_or_text`` is a path, an open (binary) file or upload, raw bytes, or the text itself
    (CSV or YAML, see docs/calendar-notice-format.md). Everything is validated before anything
    is written, and the write is one transaction: an error leaves the database unchanged.

    A year that the chinesecalendar package already covers, or that was imported before, is
    refused unless ``replace=True`` (a correction: the year's days are replaced and its
    version goes up by one). The audit trail records the previous and the new days.
    """
    content, filename = _read(file_or_text)
    notice = parse_notice(content, filename=filename)
    now = now or timezone.now()

    existing = CalendarYear.objects.select_for_update().filter(year=notice.year).first()
    if not replace:
        _refuse_existing(notice, existing)
    _refuse_days_of_other_years(notice, existing)

    before = _snapshot(existing) if existing else None
    note_pending_change()
    user = actor if getattr(actor, "is_authenticated", False) else None
    if existing:
        existing.days.all().delete()
        existing.source = notice.source
        existing.document_number = notice.document_number
        existing.published_on = notice.published_on
        existing.version += 1
        existing.imported_at = now
        existing.imported_by = user
        existing.save()
        year = existing
    else:
        year = CalendarYear.objects.create(
            year=notice.year,
            source=notice.source,
            document_number=notice.document_number,
            published_on=notice.published_on,
            imported_at=now,
            imported_by=user,
        )
    CalendarDay.objects.bulk_create(
        CalendarDay(calendar_year=year, day=d.day, kind=d.kind, name=d.name) for d in notice.days
    )
    record(
        actor,
        "calendar_year.replaced" if existing else "calendar_year.imported",
        year,
        before=before,
        after=_snapshot(year),
        now=now,
    )
    invalidate_calendar_cache()
    return year


def _refuse_existing(notice: Notice, existing: CalendarYear | None) -> None:
    y = notice.year
    if existing is not None:
        who = f"用户 {existing.imported_by.get_username()} " if existing.imported_by else "命令行"
        when = timezone.localtime(existing.imported_at).strftime("%Y-%m-%d %H:%M")
        raise InvalidInput(
            f"{y} 年的节假日安排已于 {when} 由{who}导入（第 {existing.version} 版，"
            f"{existing.source}）。如需按新文件更正，请使用“覆盖导入”"
            f"（命令行加 --replace）；整个文件未导入。"
        )
    if y in {data.year for data in package_years()}:
        raise InvalidInput(
            f"{y} 年的节假日安排已由系统内置数据（chinesecalendar 软件包）提供，无需导入。"
            f"如确认内置数据有误、需要以通知文件为准，请使用“覆盖导入”"
            f"（命令行加 --replace）；整个文件未导入。"
        )


def _refuse_days_of_other_years(notice: Notice, existing: CalendarYear | None) -> None:
    """A December day of the previous year may already belong to that year's stored notice."""
    days = [d.day for d in notice.days]
    clashes = CalendarDay.objects.filter(day__in=days).select_related("calendar_year")
    if existing is not None:
        clashes = clashes.exclude(calendar_year=existing)
    by_day = {c.day: c for c in clashes}
    if not by_day:
        return
    lines = []
    for entry in notice.days:
        clash = by_day.get(entry.day)
        if clash:
            lines.append(
                f"第 {entry.line} 行：{entry.day} 已在 {clash.calendar_year.year} 年的节假日安排中"
                f"登记为{KIND_LABELS[clash.kind]}（{clash.name}）。"
            )
    raise InvalidInput(
        "以下日期已属于其他年份的节假日安排，整个文件未导入。请先覆盖导入那一年的安排，"
        "或从本文件中删去这些日期：\n" + "\n".join(lines)
    )
