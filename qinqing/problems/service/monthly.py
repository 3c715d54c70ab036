"""每月一题: the monthly job that proposes rising appeal themes to each city's office."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from qinqing.appeals import queries as appeals_queries
from qinqing.core import audit
from qinqing.core.errors import IllegalTransition
from qinqing.core.notifications import notify_unit
from qinqing.core.orgs.models import Unit, UnitKind
from qinqing.problems import themes as mining
from qinqing.problems.models import (
    Problem,
    ThemeProposal,
    ThemeRun,
)
from qinqing.problems.rules import (
    Source,
    ThemeState,
)
from qinqing.problems.service.common import local_date, office_area
from qinqing.problems.service.ledger import create_problem

# ---------------------------------------------------------------------------------------------
# 每月一题: themes mined from the month's appeals


def _month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:

    tz = ZoneInfo("Asia/Shanghai")
    year, mon = int(month[:4]), int(month[5:7])
    start = dt.datetime(year, mon, 1, tzinfo=tz)
    end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=tz)
    return start, end


def previous_month(today: dt.date) -> str:
    """
    Examples:
        >>> previous_month(dt.date(2025, 1, 3))
        '2024-12'
    """
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}"


MAX_PROPOSALS = 10
COMPARE_MONTHS = 3


def propose_monthly_themes(now: dt.datetime, *, month: str | None = None) -> dict[str, int]:
    """Job (monthly): group last month's appeals of every city into themes and propose the
    hottest to its office. Idempotent: one run per area and month."""

    month = month or previous_month(local_date(now))
    start, end = _month_bounds(month)
    earliest = _month_bounds(mining.months_before(month, COMPARE_MONTHS)[0])[0]
    runs = proposals = 0
    for area in Unit.objects.filter(kind=UnitKind.CITY, active=True).order_by("path"):
        if ThemeRun.objects.filter(area=area, month=month).exists():
            continue
        rows = appeals_queries.appeal_texts(area, earliest, end)
        messages = [
            mining.Message(
                id=str(pk),
                created_at=timezone.localtime(at).strftime("%Y-%m-%d"),
                title=title,
                body=f"{place} {content}".strip(),
                region_code=str(locality),
                enterprise=uscc,
            )  # fmt: skip
            for pk, at, title, content, locality, uscc, place in rows
        ]
        current = sum(1 for m in messages if m.month == month)
        found = mining.mine_themes(messages, month=month, compare_months=COMPARE_MONTHS)
        rising = [t for t in found if t.size >= 2 and (t.previous == 0 or t.growth > 0)]
        with transaction.atomic():
            run, made = ThemeRun.objects.get_or_create(
                area=area, month=month, defaults={"appeals": current, "ran_at": now}
            )
            if not made:
                continue
            runs += 1
            for rank, theme in enumerate(rising[:MAX_PROPOSALS], start=1):
                ThemeProposal.objects.create(
                    run=run, rank=rank, label=theme.label[:200], top_terms=theme.top_terms,
                    appeal_ids=[int(i) for i in theme.ids], examples=theme.examples,
                    months=theme.months, size=theme.size, previous=theme.previous,
                    heat=theme.heat,
                )  # fmt: skip
                proposals += 1
            audit.record(
                "每月一题定时任务", "themes.proposed", run,
                after={"month": month, "appeals": current, "proposals": len(rising[:MAX_PROPOSALS])},
                unit=area, now=now,
            )  # fmt: skip
            if rising:
                notify_unit(
                    area, capability="problems.manage", kind="problems.themes",
                    title=f"{month} 诉求热点建议 {len(rising[:MAX_PROPOSALS])} 项，请研判",
                    url="/problems/themes/", key=f"themes:{area.pk}:{month}", now=now,
                )  # fmt: skip
    return {"runs": runs, "proposals": proposals}


@transaction.atomic
def open_problem_from_theme(
    proposal: ThemeProposal, *, actor, lead_unit: Unit, time_limit: str, now: dt.datetime
) -> Problem:
    """One click: a proposed theme becomes a problem of the ledger, linked to its appeals."""
    proposal = ThemeProposal.objects.select_for_update().select_related("run").get(pk=proposal.pk)
    if proposal.state != ThemeState.PROPOSED:
        raise IllegalTransition("该热点建议已处理。")
    terms = "、".join(proposal.top_terms[:5])
    problem = create_problem(
        actor=actor, title=f"诉求热点：{proposal.label}"[:300],
        description=f"{proposal.run.month} 共 {proposal.size} 件诉求反映此问题（关键词：{terms}）。",
        source=Source.APPEAL_THEME, source_detail=f"每月一题 {proposal.run.month} 第{proposal.rank}项",
        lead_unit=lead_unit, time_limit=time_limit, appeal_ids=proposal.appeal_ids,
        area=proposal.run.area, now=now,
    )  # fmt: skip
    proposal.state, proposal.problem = ThemeState.OPENED, problem
    proposal.save(update_fields=["state", "problem"])
    return problem


@transaction.atomic
def dismiss_theme(proposal: ThemeProposal, *, actor, now: dt.datetime) -> ThemeProposal:
    office_area(actor)
    proposal = ThemeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != ThemeState.PROPOSED:
        raise IllegalTransition("该热点建议已处理。")
    proposal.state = ThemeState.DISMISSED
    proposal.save(update_fields=["state"])
    audit.record(actor, "themes.dismissed", proposal, unit=proposal.run.area_id, now=now)
    return proposal
