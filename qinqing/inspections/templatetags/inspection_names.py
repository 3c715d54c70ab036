"""Names instead of bare codes on inspection pages (行业、地区)."""

from __future__ import annotations

from django import template

from qinqing.inspections import queries, rules
from qinqing.inspections.drawing.industry import ALL_INDUSTRIES
from qinqing.policies.rules import industry_text, region_text

register = template.Library()


@register.filter
def industry_name(code: str) -> str:
    """``C14`` → ``制造业（C14）``; an empty code says so."""
    return industry_text(code) if code else "未登记"


@register.filter
def industries_names(value: str) -> str:
    """An item's ``C14;F52`` (or ``*``) in words."""
    codes = [c.strip() for c in (value or "").split(";") if c.strip()]
    if not codes or ALL_INDUSTRIES in codes:
        return "全部行业"
    return "；".join(industry_text(c) for c in codes)


@register.filter
def region_names(value: str) -> str:
    """A campaign's ``4206;420602`` as the areas' names from the directory."""
    codes = rules.parse_region_codes(value or "")
    if not codes:
        return "企业库全部企业"
    names = queries.region_names(codes)
    return "；".join(region_text(c, names) for c in codes)
