"""Document-wide role rules and the confidence of parsed fields.

National and provincial documents often set roles once, by a rule sentence, instead of a
label in every task: 「列第一位者为牵头单位，下同」, 「第一责任单位为牵头单位」. When the text
states such a rule, the first unit listed for a task without a lead is its lead.

``uncertain_fields`` names the fields of a task that a reviewer should check; the review page
highlights them. Pure functions only.
"""

from __future__ import annotations

import re
from typing import Any

from .deadlines import dates_in
from .units import FIRST_LISTED_LEAD_RE, looks_like_unit


def first_listed_leads(text: str) -> bool:
    """Whether the document says the first unit listed is the lead.

    Examples:
        >>> first_listed_leads("（国家发展改革委、商务部按职责分工负责，列第一位者为牵头单位，下同）")
        True
        >>> first_listed_leads("责任单位：市发改委、市财政局（第一责任单位为牵头单位，下同）")
        True
        >>> first_listed_leads("牵头单位：市发改委")
        False
    """
    return bool(FIRST_LISTED_LEAD_RE.search(re.sub(r"\s+", "", text)))


def apply_role_rules(tasks: list[dict[str, Any]], text: str) -> None:
    """Give tasks without a lead their first listed unit as lead when the text says so."""
    if not first_listed_leads(text):
        return
    for task in tasks:
        if task["lead_units"] or not task["responsible_units"]:
            continue
        first, *rest = task["responsible_units"]
        task["lead_units"] = [first]
        task["responsible_units"] = rest
        if task.get("supporting_units") and first in task["supporting_units"]:
            task["supporting_units"].remove(first)


def uncertain_fields(task: dict[str, Any], leads_usual: bool, year: int | None) -> list[str]:
    """The fields of a parsed task a reviewer should check, in ledger order.

    * ``title``: no sentence end was found (a long run-on title) or it is very short;
    * ``lead_units``: missing while most tasks of the plan name one;
    * ``responsible_units``: no unit at all, or a name that does not read as an organisation;
    * ``deadline``: a deadline phrase that gave no date, or none while the text of the task
      holds a date (a staged deadline inside the body).

    Examples:
        >>> t = {"title": "优化服务", "lead_units": [], "responsible_units": ["市发改委"],
        ...      "deadline_raw": None, "deadline": None, "body": "6月底前出台方案。"}
        >>> uncertain_fields(t, leads_usual=True, year=2023)
        ['lead_units', 'deadline']
    """
    out: list[str] = []
    title = task.get("title") or ""
    if len(title) < 4 or len(title) > 60:
        out.append("title")
    if leads_usual and not task.get("lead_units"):
        out.append("lead_units")
    units = list(task.get("lead_units") or []) + list(task.get("responsible_units") or [])
    if not units or any(not looks_like_unit(u) for u in units):
        out.append("responsible_units")
    if task.get("deadline") is None and (
        task.get("deadline_raw") or _has_date(task.get("body") or "", year)
    ):
        out.append("deadline")
    return out


# Where a date may stand; dates_in runs on a few characters around each hint only.
_DATE_HINT_RE = re.compile(
    r"\d{1,2}\s*月|[一二三四五六七八九十]月|季度|年底|年末|年内|上半年|下半年"
)


def _has_date(body: str, year: int | None) -> bool:
    return any(
        dates_in(body[max(0, m.start() - 8) : m.end() + 4], year)
        for m in _DATE_HINT_RE.finditer(body)
    )


def mark_uncertain(tasks: list[dict[str, Any]], year: int | None) -> None:
    """Add ``uncertain: [field, …]`` to every task."""
    with_lead = sum(1 for t in tasks if t["lead_units"])
    leads_usual = with_lead * 2 > len(tasks)
    for task in tasks:
        task["uncertain"] = uncertain_fields(task, leads_usual, year)


__all__ = ["apply_role_rules", "first_listed_leads", "mark_uncertain", "uncertain_fields"]
