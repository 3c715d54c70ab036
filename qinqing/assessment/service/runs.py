"""Assessment runs: computing a period's values and scores, the coverage check, publication."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from qinqing.assessment import registry, rules
from qinqing.assessment.models import (
    AssessmentRun,
    AssessmentScheme,
    ItemScore,
    RunStatus,
    SchemeItem,
    SchemeStatus,
    UnitScore,
)
from qinqing.assessment.registry import Period
from qinqing.assessment.service.common import _join
from qinqing.assessment.service.schemes import indicator_infos, scheme_errors
from qinqing.core import audit
from qinqing.core.errors import IllegalTransition, InvalidInput

log = logging.getLogger(__name__)

# --- runs ----------------------------------------------------------------------------------


def _rule_for(item: SchemeItem, ind: registry.Indicator) -> rules.ItemRule:
    return rules.ItemRule(
        code=item.indicator_code,
        label=ind.label,
        weight=item.weight,
        method=item.method,
        higher_is_better=ind.higher_is_better,
        floor=float(item.floor) if item.floor is not None else None,
        ceiling=float(item.ceiling) if item.ceiling is not None else None,
        thresholds=tuple((float(a), float(b)) for a, b in item.thresholds),
    )


def _check_period(scheme: AssessmentScheme, period: Period) -> None:
    if period.start < scheme.effective_from or (
        scheme.effective_to is not None and period.end > scheme.effective_to
    ):
        until = scheme.effective_to.isoformat() if scheme.effective_to else "长期"
        raise InvalidInput(
            f"考评期间 {period.start.isoformat()} 至 {period.end.isoformat()} 超出方案的有效期"
            f"（{scheme.effective_from.isoformat()} 至 {until}）。请选择有效期内的期间，"
            "或为新的期间新建修订版并调整有效期。"
        )


def compute_values(
    items: Sequence[SchemeItem], period: Period, unit_ids: list[int]
) -> tuple[list[rules.ItemRule], dict[str, dict[int, float | None]]]:
    """Ask each registered indicator for its values; a failing or missing one stops the run."""
    known = indicator_infos()
    item_rules, values = [], {}
    for item in items:
        ind = registry.find_indicator(item.indicator_code)
        if ind is None:
            raise InvalidInput(
                f"指标“{item.label}”（{item.indicator_code}）已不再登记，无法计算。"
                "请新建修订版，删除或替换该指标后再计算。"
            )
        if rules.concerns_fines(ind.code, ind.label, known[ind.code].tags):
            raise InvalidInput(rules.fines_refusal(ind.code, ind.label))
        try:
            got = ind.compute(period, list(unit_ids)) or {}
        except Exception as exc:
            log.exception("indicator %s failed for %s", ind.code, period)
            raise InvalidInput(
                f"指标“{ind.label}”（{ind.code}）计算失败（{type(exc).__name__}），本次考评未保存。"
                f"请联系“{ind.source}”模块的维护人员。"
            ) from exc
        values[item.indicator_code] = {uid: got.get(uid) for uid in unit_ids}
        item_rules.append(_rule_for(item, ind))
    return item_rules, values


def _snapshot(rule: rules.ItemRule, unit_label: str) -> dict:
    return {
        "code": rule.code,
        "label": rule.label,
        "weight": str(rule.weight),
        "method": rule.method,
        "higher_is_better": rule.higher_is_better,
        "floor": rule.floor,
        "ceiling": rule.ceiling,
        "thresholds": [list(r) for r in rule.thresholds],
        "unit_label": unit_label,
    }


@transaction.atomic
def run_assessment(
    scheme: AssessmentScheme, period: Period, *, actor, now: datetime
) -> AssessmentRun:
    """计算 / 重算: score the scheme's targets for ``period``; a published run is frozen."""
    scheme = AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.status != SchemeStatus.ACTIVE:
        raise IllegalTransition(
            f"方案“{scheme.name}”第 {scheme.version} 版{scheme.get_status_display()}，"
            "只有已启用的方案才能计算考评结果。"
        )
    _check_period(scheme, period)
    errors = scheme_errors(scheme)
    if errors:
        raise InvalidInput("方案有误，无法计算：\n" + _join(errors))
    run = AssessmentRun.objects.filter(
        scheme=scheme, period_start=period.start, period_end=period.end
    ).first()
    if run is not None and run.is_published:
        raise IllegalTransition(
            f"“{scheme.name}”{run.period_label}的考评结果已发布，不能重算。"
            "如需更正，请新建修订版后对该期间重新计算。"
        )
    units = list(scheme.targets.order_by("sort_order", "name"))
    unit_ids = [u.pk for u in units]
    items = list(scheme.items.all())
    item_rules, values = compute_values(items, period, unit_ids)
    results = rules.score_units(item_rules, values, unit_ids, scheme.bottom_n)
    ind_units = {r.code: registry.get_indicator(r.code).unit_label for r in item_rules}
    snapshot = [_snapshot(r, ind_units[r.code]) for r in item_rules]
    verb = "assessment_run.computed"
    if run is None:
        run = AssessmentRun.objects.create(
            scheme=scheme,
            scheme_version=scheme.version,
            period_start=period.start,
            period_end=period.end,
            period_label=period.label,
            items=snapshot,
            bottom_n=scheme.bottom_n,
            computed_at=now,
            computed_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    else:
        verb = "assessment_run.recomputed"
        run.scores.all().delete()
        run.items, run.period_label, run.computed_at = snapshot, period.label, now
        run.bottom_n = scheme.bottom_n
        run.computed_by = actor if getattr(actor, "is_authenticated", False) else None
        run.save(update_fields=["items", "period_label", "computed_at", "bottom_n", "computed_by"])
    scores = UnitScore.objects.bulk_create(
        UnitScore(
            run=run,
            unit_id=r.unit_id,
            total=r.total,
            rank=r.rank,
            flagged=r.flagged,
            position=position,
        )
        for position, r in enumerate(results, start=1)
    )
    ItemScore.objects.bulk_create(
        ItemScore(
            unit_score=score,
            indicator_code=rule.code,
            raw_value=res.raw[rule.code],
            points=res.points[rule.code],
        )
        for score, res in zip(scores, results, strict=True)
        for rule in item_rules
    )
    audit.record(
        actor,
        verb,
        run,
        after={
            "period": period.label,
            "units": len(results),
            "flagged": [r.unit_id for r in results if r.flagged],
        },
        now=now,
    )
    return run


def data_coverage_problem(run: AssessmentRun) -> str:
    """Why a run cannot separate its units, or ``""``: most indicators without data for any
    unit (each unit is then scaled up on the few it has), or every unit on the same total."""
    codes = [item["code"] for item in run.items]
    if not codes:
        return ""
    with_data = set(
        ItemScore.objects.filter(unit_score__run=run, raw_value__isnull=False)
        .values_list("indicator_code", flat=True)
        .distinct()
    )
    missing = [
        item.get("label", item["code"]) for item in run.items if item["code"] not in with_data
    ]
    totals = list(run.scores.exclude(total__isnull=True).values_list("total", flat=True))
    problems = []
    if len(missing) * 2 > len(codes):
        problems.append(
            f"{len(codes)} 项指标中有 {len(missing)} 项没有任何单位的数据（{'、'.join(missing)}），"
            "各单位只按少数有数据的指标折算总分"
        )
    if len(totals) > 1 and len(set(totals)) == 1:
        problems.append(f"全部 {len(totals)} 个单位总分相同（{totals[0]}），排名不能区分单位")
    if not problems:
        return ""
    return (
        "；".join(problems)
        + "。请先补齐数据来源或调整考评方案后重算；确需发布的，请勾选“确认按现有数据发布”。"
    )


@transaction.atomic
def publish_run(
    run: AssessmentRun, *, actor, now: datetime, accept_gaps: bool = False
) -> AssessmentRun:
    """发布: leaders and the assessed units see the run; it can no longer be recomputed.

    A run that cannot separate its units (:func:`data_coverage_problem`) is refused unless
    ``accept_gaps``: a tie at 100.00 on missing data must not reach the leaders as a result.
    """
    run = AssessmentRun.objects.select_for_update().select_related("scheme").get(pk=run.pk)
    if run.is_published:
        raise IllegalTransition(f"“{run.scheme.name}”{run.period_label}的考评结果已发布。")
    problem = data_coverage_problem(run)
    if problem and not accept_gaps:
        raise InvalidInput(problem)
    run.status, run.published_at = RunStatus.PUBLISHED, now
    run.published_by = actor if getattr(actor, "is_authenticated", False) else None
    run.save(update_fields=["status", "published_at", "published_by"])
    audit.record(
        actor,
        "assessment_run.published",
        run,
        before={"status": RunStatus.COMPUTED},
        after={"status": RunStatus.PUBLISHED, "period": run.period_label},
        now=now,
    )
    return run
