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


SENTENCE_ENDS = "。！？…!?."


@register.filter
def as_sentence(value) -> str:
    """A reason typed with or without its full stop, ending in exactly one.

    Examples:
        >>> as_sentence("涉企收费清单尚未公布，请加快进度。")
        '涉企收费清单尚未公布，请加快进度。'
        >>> as_sentence("请加快进度，")
        '请加快进度。'
        >>> as_sentence("")
        ''
    """
    text = str(value or "").strip().rstrip("，,；;：:、 ")
    if not text:
        return ""
    return text if text[-1] in SENTENCE_ENDS else text + "。"


@register.filter
def report_lag(workdays) -> str:
    """报送时限 in words: 0 working days after the period is the period's last day.

    Examples:
        >>> report_lag(0)
        '周期结束当日'
        >>> report_lag(5)
        '周期结束后第 5 个工作日'
    """
    n = int(workdays or 0)
    return "周期结束当日" if n == 0 else f"周期结束后第 {n} 个工作日"
