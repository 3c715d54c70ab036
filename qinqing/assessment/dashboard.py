"""Read models for the assessment pages: tables, chart data and the xlsx export.

Access has been checked by the caller (``queries.access_*``); these functions only shape data.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Avg, Count, Max, Min

from qinqing.assessment import queries, registry, rules, service
from qinqing.assessment.models import (
    AssessmentRun,
    AssessmentScheme,
    ExternalRanking,
    ExternalRule,
    ExternalTrigger,
    RunStatus,
    SchemeItem,
    SchemeStatus,
    ScoringMethod,
    TargetKind,
    TriggerStatus,
    UnitScore,
)
from qinqing.assessment.registry import Period
from qinqing.core.accounts.access import scope_area

METHOD_LABELS = dict(ScoringMethod.choices)


def fmt_number(value: float | Decimal | None, unit_label: str = "") -> str:
    """Numbers as people read them: at most two decimals, no trailing zeros, unit appended.

    Examples:
        >>> fmt_number(95.0, "%"), fmt_number(0.12345), fmt_number(None, "%")
        ('95%', '0.12', '—')
    """
    if value is None:
        return "—"
    text = rules._num(rules.round2(value))
    return f"{text}{unit_label}"


def source_label(source: str) -> str:
    """The Chinese name of the module an indicator comes from (its app's verbose name)."""
    try:
        return str(apps.get_app_config(source).verbose_name)
    except LookupError:
        return source


def fmt2(value: float | None) -> str:
    """A score with two decimals, as in the ranking table.

    Examples:
        >>> fmt2(59.0), fmt2(None)
        ('59.00', '—')
    """
    return "—" if value is None else str(rules.round2(value))


def method_text(method: str, floor, ceiling, thresholds, higher_is_better: bool = True) -> str:
    """How an item scores, in one line.

    Examples:
        >>> method_text("linear", 60, 100, [])
        '线性插值：60 得 0 分，100 及以上得满分'
        >>> method_text("linear", 0, 10, [], False)
        '线性插值：0 及以下得满分，10 得 0 分'
        >>> method_text("threshold", None, None, [[95, 100], [90, 80]])
        '分档：95:100, 90:80'
    """
    if method == ScoringMethod.LINEAR and floor is not None and ceiling is not None:
        lo, hi = rules._num(Decimal(str(floor))), rules._num(Decimal(str(ceiling)))
        if higher_is_better:
            return f"线性插值：{lo} 得 0 分，{hi} 及以上得满分"
        return f"线性插值：{lo} 及以下得满分，{hi} 得 0 分"
    if method == ScoringMethod.THRESHOLD:
        return f"分档：{rules.format_thresholds(thresholds)}"
    if method == ScoringMethod.RANK:
        return "按名次：第 1 名得满分，末名得 0 分"
    return METHOD_LABELS.get(method, method)


def item_rows(items: list[SchemeItem]) -> list[dict]:
    rows = []
    for item in items:
        ind = registry.find_indicator(item.indicator_code)
        higher = ind.higher_is_better if ind else True
        rows.append(
            {
                "item": item,
                "registered": ind is not None,
                "direction": "越高越好" if higher else "越低越好",
                "method_text": method_text(
                    item.method, item.floor, item.ceiling, item.thresholds, higher
                ),
                "thresholds_text": rules.format_thresholds(item.thresholds),
                "unit_label": ind.unit_label if ind else "",
                "source": source_label(ind.source) if ind else "",
            }
        )
    return rows


def default_period(scheme: AssessmentScheme, today: date) -> dict:
    """The last complete quarter before ``today``, moved into the scheme's validity."""
    q = (today.month - 1) // 3  # quarters completed this year
    period = Period.quarter(today.year, q) if q else Period.quarter(today.year - 1, 4)
    if period.start < scheme.effective_from:
        start = scheme.effective_from
        period = Period.quarter(start.year, (start.month - 1) // 3 + 1)
    return {"period_start": period.start, "period_end": period.end}


# --- overview ------------------------------------------------------------------------------


def scheme_overview(user, schemes) -> list[dict]:
    """One row per scheme lineage: its current version, a draft in progress, the latest run."""
    lineages: dict[int, list[AssessmentScheme]] = defaultdict(list)
    for scheme in schemes:
        lineages[scheme.lineage_root_id].append(scheme)
    rows: list[dict[str, Any]] = []
    for versions in lineages.values():
        versions.sort(key=lambda s: s.version)
        current = next(
            (s for s in reversed(versions) if s.status == SchemeStatus.ACTIVE), versions[-1]
        )
        draft = next((s for s in versions if s.status == SchemeStatus.DRAFT), None)
        access = queries.scheme_access(user, current)
        if access is None:
            continue
        runs = AssessmentRun.objects.filter(scheme__in=queries.lineage_of(current))
        if not access.manage:
            runs = runs.filter(status=RunStatus.PUBLISHED)
        rows.append(
            {
                "scheme": current,
                "draft": draft if draft is not None and draft != current else None,
                "latest_run": runs.order_by("-period_end", "-scheme_version").first(),
                "run_count": runs.count(),
                "access": access,
            }
        )
    rows.sort(key=lambda r: (r["scheme"].area.path, r["scheme"].name))
    return rows


# --- a run ---------------------------------------------------------------------------------


def _score_rows(run: AssessmentRun, access: queries.Access) -> list[dict]:
    scores = run.scores.select_related("unit").prefetch_related("items").order_by("position")
    codes = [i["code"] for i in run.items]
    rows = []
    for score in scores:
        by_code = {i.indicator_code: i for i in score.items.all()}
        rows.append(
            {
                "score": score,
                "unit": score.unit,
                "cells": [
                    {
                        "points": fmt_number(by_code[c].points)
                        if c in by_code and by_code[c].raw_value is not None
                        else MISSING,
                        "raw": fmt_number(by_code[c].raw_value, run.items[n].get("unit_label", ""))
                        if c in by_code and by_code[c].raw_value is not None
                        else MISSING,
                        "missing": c not in by_code or by_code[c].raw_value is None,
                    }
                    for n, c in enumerate(codes)
                ],
                "may_drill": access.may_drill(score.unit_id),
                "own": score.unit_id in access.own_unit_ids,
            }
        )
    return rows


def _trend(scheme: AssessmentScheme, access: queries.Access) -> dict:
    runs = queries.history_runs(scheme, access)
    stats = {
        row["run_id"]: row
        for row in UnitScore.objects.filter(run__in=runs, total__isnull=False)
        .values("run_id")
        .annotate(average=Avg("total"), best=Max("total"), worst=Min("total"))
    }

    def number(run, key):
        value = stats.get(run.pk, {}).get(key)
        return None if value is None else float(rules.round2(Decimal(str(value))))

    return {
        "periods": [r.period_label for r in runs],
        "average": [number(r, "average") for r in runs],
        "best": [number(r, "best") for r in runs],
        "worst": [number(r, "worst") for r in runs],
    }


def _year_of(label: str) -> int | None:
    match = re.search(r"(19|20)\d{2}", label or "")
    return int(match.group(0)) if match else None


def external_for_run(run: AssessmentRun) -> tuple[ExternalRanking | None, dict]:
    """The province's ranking to show beside a county run: same year if any, else the latest."""
    if run.scheme.target_kind != TargetKind.COUNTIES:
        return None, {}
    rankings = list(ExternalRanking.objects.filter(area=run.scheme.area).order_by("-imported_at"))
    if not rankings:
        return None, {}
    same_year = [r for r in rankings if _year_of(r.period_label) == run.period_end.year]
    ranking = (same_year or rankings)[0]
    results = {r.unit_id: r for r in ranking.results.select_related("trigger")}
    return ranking, results


def _coverage_problem(run: AssessmentRun) -> str:
    return service.data_coverage_problem(run)


MISSING = "无数据"  # an indicator without a value: not scored, and said so (not "—")


def run_context(run: AssessmentRun, access: queries.Access) -> dict:
    rows = _score_rows(run, access)
    ranked = [r for r in rows if r["score"].rank is not None]
    external, ext_results = external_for_run(run) if access.full else (None, {})
    for row in rows:
        row["external"] = ext_results.get(row["unit"].pk)
    chart = {
        "title": f"{run.scheme.name} {run.period_label} 总分",
        "names": [r["unit"].name for r in ranked],
        "totals": [float(r["score"].total) for r in ranked],
        "flagged": [r["score"].flagged for r in ranked],
    }
    totals = [r["score"].total for r in ranked]
    trend = _trend(run.scheme, access)
    return {
        "run": run,
        "scheme": run.scheme,
        "access": access,
        "items": run.items,
        "rows": rows,
        "ranked_count": len(ranked),
        "flagged_count": sum(1 for r in ranked if r["score"].flagged),
        "average": rules.round2(sum(totals) / len(totals)) if totals else None,
        "chart": chart,
        "trend": trend,
        "trend_rows": [
            {"period": p, "average": fmt2(a), "best": fmt2(b), "worst": fmt2(w)}
            for p, a, b, w in zip(
                trend["periods"], trend["average"], trend["best"], trend["worst"], strict=True
            )
        ],
        "external": external,
        "can_export": access.full,
        "can_manage": access.manage and not run.is_published,
        "coverage_problem": _coverage_problem(run) if access.full else "",
    }


def unit_context(run: AssessmentRun, access: queries.Access, score: UnitScore) -> dict:
    period = Period(run.period_start, run.period_end, run.period_label)
    by_code = {i.indicator_code: i for i in score.items.all()}
    rows = []
    for snap in run.items:
        code = snap["code"]
        item = by_code.get(code)
        ind = registry.find_indicator(code)
        rows.append(
            {
                "label": snap["label"],
                "code": code,
                "weight": rules._num(Decimal(snap["weight"])),
                "method": method_text(
                    snap["method"],
                    snap.get("floor"),
                    snap.get("ceiling"),
                    snap.get("thresholds", []),
                    snap.get("higher_is_better", True),
                ),
                "direction": "越高越好" if snap.get("higher_is_better", True) else "越低越好",
                "raw": fmt_number(item.raw_value if item else None, snap.get("unit_label", "")),
                "points": fmt_number(item.points if item else None),
                "no_data": item is None or item.raw_value is None,
                "url": ind.drilldown_url(score.unit_id, period) if ind else None,
                "source": ind.source if ind else "",
            }
        )
    past_runs = queries.history_runs(run.scheme, access)
    mine = {s.run_id: s for s in UnitScore.objects.filter(run__in=past_runs, unit=score.unit_id)}
    ranked = dict(
        UnitScore.objects.filter(run__in=past_runs, rank__isnull=False)
        .values("run_id")
        .annotate(n=Count("pk"))
        .values_list("run_id", "n")
    )
    history = []
    for past in past_runs:
        own = mine.get(past.pk)
        history.append(
            {
                "run": past,
                "total": own.total if own else None,
                "rank": own.rank if own else None,
                "ranked": ranked.get(past.pk, 0),
                "flagged": own.flagged if own else False,
                "current": past.pk == run.pk,
            }
        )
    trend = {
        "title": f"{score.unit.name} 历次总分",
        "periods": [h["run"].period_label for h in history],
        "totals": [float(h["total"]) if h["total"] is not None else None for h in history],
        "ranks": [h["rank"] for h in history],
    }
    return {
        "run": run,
        "scheme": run.scheme,
        "access": access,
        "score": score,
        "unit": score.unit,
        "rows": rows,
        "ranked_count": run.scores.exclude(rank=None).count(),
        "history": history,
        "trend": trend,
    }


def export_rows(run: AssessmentRun) -> tuple[list[str], list[list]]:
    headers = ["名次", "单位", "总分", "末位"]
    for snap in run.items:
        unit = snap.get("unit_label", "")
        headers.append(f"{snap['label']}（指标值{'，' + unit if unit else ''}）")
        headers.append(f"{snap['label']}（得分，满分 {rules._num(Decimal(snap['weight']))}）")
    rows = []
    for score in run.scores.select_related("unit").prefetch_related("items").order_by("position"):
        by_code = {i.indicator_code: i for i in score.items.all()}
        row = [
            score.rank if score.rank is not None else "无数据",
            score.unit.name,
            float(score.total) if score.total is not None else None,
            "是" if score.flagged else "",
        ]
        for snap in run.items:
            item = by_code.get(snap["code"])
            row.append(item.raw_value if item and item.raw_value is not None else None)
            row.append(float(item.points) if item and item.points is not None else None)
        rows.append(row)
    return headers, rows


# --- external ------------------------------------------------------------------------------


def handled_triggers(area) -> list[ExternalTrigger]:
    return list(
        ExternalTrigger.objects.filter(ranking__area=area, status=TriggerStatus.HANDLED)
        .select_related("unit", "ranking")
        .order_by("-handled_at")[:20]
    )


def external_context(user, ranking: ExternalRanking) -> dict:
    """The province's ranking beside the internal county scores of the same area."""
    runs = AssessmentRun.objects.filter(
        scheme__area=ranking.area,
        scheme__target_kind=TargetKind.COUNTIES,
        status=RunStatus.PUBLISHED,
    ).select_related("scheme")
    year = _year_of(ranking.period_label)
    same_year = [r for r in runs.order_by("-period_end") if r.period_end.year == year]
    internal = same_year[0] if same_year else runs.order_by("-period_end").first()
    internal_scores = {s.unit_id: s for s in internal.scores.all()} if internal is not None else {}
    rule = ExternalRule.objects.filter(area=ranking.area).first()
    rows: list[dict[str, Any]] = []
    for result in ranking.results.select_related("unit").order_by("rank", "pk"):
        trigger = ExternalTrigger.objects.filter(result=result).first()
        rows.append(
            {
                "result": result,
                "bottom": rule is not None
                and rules.in_province_bottom(result.rank, ranking.total_ranked, rule.bottom_n),
                "trigger": trigger,
                "internal": internal_scores.get(result.unit_id),
            }
        )
    return {
        "ranking": ranking,
        "rows": rows,
        "internal": internal,
        "rule": rule,
        "can_manage": queries.can_manage(user) and scope_area(user) == ranking.area,
        "chart": {
            "title": f"{ranking.source} {ranking.period_label} 全省排名",
            "names": [r["result"].unit.name for r in rows],
            "ranks": [r["result"].rank for r in rows],
            "total": ranking.total_ranked,
            "flagged": [bool(r["trigger"]) for r in rows],
        },
    }
