"""``{% load workdays %}``: mark deadlines that fall in a provisional calendar year.

``{{ ticket.due|date:"Y-m-d H:i" }}{{ ticket.due|provisional }}`` adds a 「暂定」 badge when
the date lies in a year whose holiday notice has not been imported, so the deadline may
still move (see qinqing/core/workdays/provisional.py).
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html

from qinqing.core.workdays import get_calendar

register = template.Library()

TITLE = "该年度国务院办公厅节假日安排通知尚未导入，此期限按法定节假日暂定计算，导入通知后可能调整"


def _day(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    return None


def is_provisional(value: object) -> bool:
    day = _day(value)
    return day is not None and get_calendar().is_provisional(day)


@register.filter
def provisional(value: object) -> str:
    """A 「暂定」 badge after a deadline in a provisional year, else nothing."""
    if not is_provisional(value):
        return ""
    return format_html(' <span class="badge yellow provisional" title="{}">暂定</span>', TITLE)


@register.filter
def provisional_text(value: object) -> str:
    """「（暂定）」 for plain-text places (exports, e-mails), else nothing."""
    return "（暂定）" if is_provisional(value) else ""
