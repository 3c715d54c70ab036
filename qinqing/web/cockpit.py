"""领导驾驶舱: the figures a 市长 asks for, on one screen, each linking to the records behind it.

The cockpit sits on top of the domains and reads them only through their ``queries``,
``figures`` and assessment dashboard functions (never their tables directly): the task
ledger's statuses from supervision, the 三率 from appeals, the money from the policy
budgets, the inspection visits, the assessment ranking. Every chart has a table next to it
(for screen readers and for printing).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse

from qinqing.core.accounts.access import has_capability, scope_area
from qinqing.core.orgs.models import Unit


@dataclass
class Table:
    """A chart's data as a table: the same numbers, a link per row where one exists."""

    key: str
    title: str
    columns: list[str]
    rows: list[dict] = field(default_factory=list)  # {"label", "url", "values": [...]}
    note: str = ""

    def chart(self) -> dict:
        return {
            "key": self.key,
            "labels": [r["label"] for r in self.rows],
            "series": [
                {"name": c, "data": [r["values"][i] for r in self.rows]}
                for i, c in enumerate(self.columns)
            ],
            "urls": [r.get("url") or "" for r in self.rows],
        }


def _pct(value) -> float | None:
    return None if value is None else round(float(value), 1)


# --- tasks --------------------------------------------------------------------------------


def task_table(user, area: Unit, today: dt.date) -> tuple[Table, dict]:
    """Completion and overdue by unit (lead or responsible), as the ledger filters them."""
    from qinqing.plans import queries as plan_queries
    from qinqing.supervision import queries as sup_queries
    from qinqing.supervision.rules import TaskStatus

    tasks = sup_queries.area_tasks(area)
    details = sup_queries.status_details(tasks, today)
    by_unit: dict[int, dict[str, int]] = defaultdict(lambda: {"total": 0, "done": 0, "late": 0})
    links = plan_queries.task_unit_links(list(details))
    for pk, detail in details.items():
        for unit_id in links.get(pk, ()):
            row = by_unit[unit_id]
            row["total"] += 1
            row["done"] += detail.status == TaskStatus.COMPLETED
            row["late"] += detail.status == TaskStatus.OVERDUE
    units = Unit.objects.in_bulk(list(by_unit))
    ledger = reverse("plans:ledger")
    table = Table(
        "tasks", "任务完成与逾期（按单位）", ["任务数", "已完成", "逾期"],
        note="按牵头单位或责任单位统计，一项任务由多个单位承担时各计一次。点单位名称查看逾期任务。",
    )  # fmt: skip
    ordered = sorted(by_unit.items(), key=lambda kv: (-kv[1]["late"], -kv[1]["total"]))
    for unit_id, row in ordered[:30]:
        unit = units.get(unit_id)
        if unit is None:
            continue
        table.rows.append(
            {
                "label": unit.name,
                "url": f"{ledger}?{urlencode({'unit': unit_id, 'status': 'overdue'})}",
                "values": [row["total"], row["done"], row["late"]],
            }
        )
    counts: defaultdict[str, int] = defaultdict(int)
    for d in details.values():
        counts[d.status] += 1
    total = len(details)
    done = counts[TaskStatus.COMPLETED]
    kpis = {
        "total": total,
        "done": done,
        "done_rate": round(100 * done / total, 1) if total else None,
        "overdue": counts[TaskStatus.OVERDUE],
        "overdue_url": f"{ledger}?status=overdue",
        "done_url": f"{ledger}?status=completed",
        "ledger_url": ledger,
    }
    return table, kpis


# --- appeals --------------------------------------------------------------------------------


def appeal_tables(area: Unit, start: dt.date, end: dt.date, now: dt.datetime):
    from qinqing.appeals import figures, service

    config = service.settings_for(area).figure_config or None
    out = []
    base = reverse("appeals:list")
    # one reading of the counts for both tables (issue 20: each table read them again)
    counts = figures.unit_counts(start, end, area_path=area.path, as_of=now)
    for level, title in (("unit", "三率（按承办单位）"), ("county", "三率（按县市区）")):
        rows = figures.ranking(
            start, end, area=area, level=level, config=config, as_of=now, counts=counts
        )
        table = Table(
            f"appeals_{level}", title, ["响应率(%)", "解决率(%)", "满意率(%)"],
            note=f"{start} 至 {end}；点名称查看构成该数字的诉求。“—”表示该期间没有可计算的工单。",
        )  # fmt: skip
        for r in rows[:30]:
            query = {"unit": r.key, "start": start, "end": end}
            if level == "county":
                query["level"] = "county"
            table.rows.append(
                {
                    "label": r.name,
                    "url": f"{base}?{urlencode(query)}",
                    "values": [
                        r.percent("response_rate"),
                        r.percent("resolution_rate"),
                        r.percent("satisfaction_rate"),
                    ],
                }
            )
        out.append(table)
    monthly = figures.monthly_series(start, end, area=area, config=config, as_of=now)
    trend = Table("appeals_trend", "三率月度趋势", ["响应率(%)", "解决率(%)", "满意率(%)"])
    for month, rates in monthly.items():
        m_start = dt.date.fromisoformat(f"{month}-01") if len(month) == 7 else None
        url = ""
        if m_start is not None:
            m_end = figures.month_start(m_start, 1) - dt.timedelta(days=1)
            url = f"{reverse('appeals:figures')}?{urlencode({'start': m_start, 'end': m_end})}"
        trend.rows.append(
            {
                "label": month,
                "url": url,
                "values": [
                    None if rates[k] is None else round(100 * rates[k], 1)
                    for k in ("response_rate", "resolution_rate", "satisfaction_rate")
                ],
            }
        )
    return out, trend


# --- policy money --------------------------------------------------------------------------


def money_table(user, year: int) -> tuple[Table, dict]:
    from qinqing.policies import queries as policy_queries

    budgets = policy_queries.visible_budgets_for_user(user).filter(year=year)
    funds = reverse("policies:funds")
    table = Table(
        "money", f"{year} 年惠企政策资金（万元）", ["资金总额", "已核定待拨付", "已拨付"],
        note="点政策名称查看该政策的申报与兑现。",
    )  # fmt: skip
    totals = budgets.aggregate(total=Sum("total"), committed=Sum("committed"), paid=Sum("paid"))
    for b in budgets.order_by("-total")[:20]:
        table.rows.append(
            {
                "label": b.policy.title,
                "url": reverse("policies:detail", args=[b.policy.code]),
                "values": [_wan(b.total), _wan(b.committed), _wan(b.paid)],
            }
        )
    kpis = {
        "total": _wan(totals["total"]),
        "committed": _wan(totals["committed"]),
        "paid": _wan(totals["paid"]),
        "url": funds,
    }
    return table, kpis


def _wan(value) -> float:
    return round(float((value or Decimal(0)) / Decimal(10000)), 2)


# --- inspections --------------------------------------------------------------------------


def inspection_table(user, year: int) -> tuple[Table, dict]:
    from qinqing.inspections import queries as insp_queries

    campaigns = (
        insp_queries.visible_campaigns_for_user(user)
        .filter(window_start_on__year=year)
        .annotate(
            n_visits=Count("visits", distinct=True),
            n_done=Count(
                "visits",
                filter=Q(visits__visit_items__result__gt=""),
                distinct=True,
            ),
        )
        .order_by("window_start_on", "pk")
    )
    table = Table(
        "inspections", f"{year} 年双随机抽查完成情况", ["抽中检查对象", "已录入结果"],
        note="点计划名称查看抽中的检查对象和结果。",
    )  # fmt: skip
    planned = done = 0
    for c in campaigns[:20]:
        planned += c.n_visits
        done += c.n_done
        table.rows.append(
            {
                "label": c.name,
                "url": reverse("inspections:campaign", args=[c.pk]),
                "values": [c.n_visits, c.n_done],
            }
        )
    return table, {"planned": planned, "done": done, "url": reverse("inspections:campaigns")}


# --- assessment -----------------------------------------------------------------------------


def assessment_table(user) -> Table | None:
    from qinqing.assessment import dashboard
    from qinqing.assessment import queries as assess_queries

    overview = dashboard.scheme_overview(user, assess_queries.visible_schemes_for_user(user))
    runs = [r["latest_run"] for r in overview if r["latest_run"] is not None]
    if not runs:
        return None
    run = max(runs, key=lambda r: (r.period_end, r.pk))
    table = Table(
        "assessment", f"考评排名：{run.scheme.name}（{run.period_label}）", ["总分"],
        note="点单位名称查看得分明细；“—”表示缺少数据、未计分。",
    )  # fmt: skip
    for score in run.scores.select_related("unit").order_by("position")[:40]:
        table.rows.append(
            {
                "label": score.unit.name,
                "url": reverse("assessment:unit", args=[run.pk, score.unit_id]),
                "values": [None if score.total is None else float(score.total)],
                "rank": score.rank,
            }
        )
    table.run_url = reverse("assessment:run", args=[run.pk])  # type: ignore[attr-defined]
    return table


def cockpit_context(user, now: dt.datetime) -> dict:
    from django.utils import timezone

    area = scope_area(user)
    today = timezone.localdate(now)
    start = today.replace(month=1, day=1)
    context: dict = {"area": area, "today": today, "start": start, "tables": []}
    if area is None:
        return context
    if has_capability(user, "plans.view"):
        table, context["tasks"] = task_table(user, area, today)
        context["tables"].append(table)
    if has_capability(user, "appeals.view"):
        tables, trend = appeal_tables(area, start, today, now)
        context["tables"] += tables
        context["tables"].append(trend)
    if has_capability(user, "policies.view"):
        table, context["money"] = money_table(user, today.year)
        context["tables"].append(table)
    if has_capability(user, "inspections.view"):
        table, context["inspections"] = inspection_table(user, today.year)
        context["tables"].append(table)
    if has_capability(user, "assessment.view"):
        ranking = assessment_table(user)
        if ranking is not None:
            context["tables"].append(ranking)
    context["charts"] = [t.chart() for t in context["tables"]]
    return context
