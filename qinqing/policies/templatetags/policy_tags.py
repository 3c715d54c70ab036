"""Template filters of the policy pages: money in 元, yes/no marks for conditions."""

from __future__ import annotations

from django import template

from qinqing.policies.rules import yuan as _yuan

register = template.Library()


@register.filter
def yuan(value) -> str:
    """``30000`` → ``30,000 元``; empty for ``None``."""
    if value is None or value == "":
        return ""
    return _yuan(value)


@register.filter
def mark(passed: bool) -> str:
    return "满足" if passed else "不满足"
