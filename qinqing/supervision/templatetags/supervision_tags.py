"""Badges for derived statuses, report states and notice levels."""

from django import template

register = template.Library()

_STATUS = {
    "overdue": "red",
    "not_started": "",
    "in_progress": "",
    "pending_verification": "yellow",
    "completed": "green",
    "ongoing": "",
}
_STATE = {"pending": "yellow", "returned": "red", "submitted": "", "accepted": "green"}
_LEVEL = {"reminder": "", "supervision": "yellow", "interview": "red", "accountability": "red"}


@register.filter
def status_class(value) -> str:
    return _STATUS.get(str(value), "")


@register.filter
def state_class(value) -> str:
    return _STATE.get(str(value), "")


@register.filter
def level_class(value) -> str:
    return _LEVEL.get(str(value), "")


@register.filter
def percent(part, whole) -> str:
    try:
        return f"{100 * part / whole:.1f}%" if whole else "—"
    except (TypeError, ZeroDivisionError):
        return "—"
