"""State changes of the assessment: one atomic, audited function each (STYLE.md §2)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q

from qinqing.assessment import registry, rules
from qinqing.assessment.external_io import read_external_rows
from qinqing.assessment.models import (
    DEFAULT_EXTERNAL_SOURCE,
    AssessmentRun,
    AssessmentScheme,
    ExternalRanking,
    ExternalResult,
    ExternalRule,
    ExternalTrigger,
    ItemScore,
    RunStatus,
    SchemeItem,
    SchemeStatus,
    ScoringMethod,
    SupervisionLevel,
    TargetKind,
    TriggerStatus,
    UnitScore,
)
from qinqing.assessment.registry import Period
from qinqing.assessment.signals import external_trigger_created
from qinqing.core import audit
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit, UnitKind
from qinqing.core.orgs.service import resolve_name

log = logging.getLogger(__name__)

DEPARTMENT_KINDS = (UnitKind.DEPARTMENT, UnitKind.CENTRAL_PROVINCIAL)
COUNTY_KINDS = (UnitKind.COUNTY, UnitKind.PARK)
MAX_ERRORS_SHOWN = 20


def _join(errors: Sequence[str]) -> str:
    shown = list(errors[:MAX_ERRORS_SHOWN])
    if len(errors) > MAX_ERRORS_SHOWN:
        shown.append(f"另有 {len(errors) - MAX_ERRORS_SHOWN} 处问题未列出。")
    return "\n".join(shown)


# --- schemes -------------------------------------------------------------------------------


def indicator_infos() -> dict[str, rules.IndicatorInfo]:
    return {
        ind.code: rules.IndicatorInfo(ind.code, ind.label, ind.higher_is_better, ind.tags)
        for ind in registry.all_indicators()
    }


def target_kinds_for(kind: str) -> tuple[str, ...]:
    return COUNTY_KINDS if kind == TargetKind.COUNTIES else DEPARTMENT_KINDS


def eligible_targets(area: Unit, kind: str):
    """Units a scheme of ``kind`` may assess: the area's own departments or its counties.

    Coordinating units (营商办, 督查室 …) run the assessment and are not assessed by default.
    """
    return Unit.objects.filter(parent=area, active=True, kind__in=target_kinds_for(kind)).order_by(
        "sort_order", "name"
    )


def default_targets(area: Unit, kind: str):
    return eligible_targets(area, kind).filter(coordinating=False)


def _check_scheme_fields(
    *, name: str, target_kind: str, effective_from: date | None, effective_to: date | None,
    bottom_n: int,
) -> None:  # fmt: skip
    errors = []
    if not (name or "").strip():
        errors.append("请填写方案名称（例如“2026年度市直部门营商环境考评”）。")
    if target_kind not in TargetKind.values:
        errors.append("考评对象类别应为“部门”或“县（市、区）”。")
    if effective_from is None:
        errors.append("请填写方案的生效日期。")
    elif effective_to is not None and effective_to < effective_from:
        errors.append(
            f"截止日期 {effective_to.isoformat()} 早于生效日期 {effective_from.isoformat()}，请改正。"
        )
    if bottom_n is None or bottom_n < 0:
        errors.append("末位标记名数应为 0 或正整数（0 表示不标记末位）。")
    if errors:
        raise InvalidInput(_join(errors))


@transaction.atomic
def create_scheme(
    *,
    actor,
    area: Unit,
    name: str,
    target_kind: str,
    effective_from: date,
    effective_to: date | None = None,
    bottom_n: int = 3,
    description: str = "",
    now: datetime,
) -> AssessmentScheme:
    """新建考评方案 (draft) whose targets default to the area's departments or counties."""
    _check_scheme_fields(
        name=name,
        target_kind=target_kind,
        effective_from=effective_from,
        effective_to=effective_to,
        bottom_n=bottom_n,
    )
    scheme = AssessmentScheme.objects.create(
        area=area,
        name=name.strip(),
        target_kind=target_kind,
        effective_from=effective_from,
        effective_to=effective_to,
        bottom_n=bottom_n,
        description=description.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
    )
    scheme.targets.set(default_targets(area, target_kind))
    audit.record(
        actor,
        "assessment_scheme.created",
        scheme,
        after={"name": scheme.name, "target_kind": target_kind, "version": 1},
        now=now,
    )
    return scheme


def _require_draft(scheme: AssessmentScheme) -> None:
    if scheme.status != SchemeStatus.DRAFT:
        raise IllegalTransition(
            f"方案“{scheme.name}”第 {scheme.version} 版{scheme.get_status_display()}，内容不能再修改。"
            "如需调整，请在方案页点击“新建修订版”，修改后重新启用。"
        )


@transaction.atomic
def update_scheme(
    scheme: AssessmentScheme,
    *,
    actor,
    name: str,
    effective_from: date,
    effective_to: date | None,
    bottom_n: int,
    description: str = "",
    now: datetime,
) -> AssessmentScheme:
    _require_draft(scheme)
    _check_scheme_fields(
        name=name,
        target_kind=scheme.target_kind,
        effective_from=effective_from,
        effective_to=effective_to,
        bottom_n=bottom_n,
    )
    before = {
        "name": scheme.name,
        "effective_from": scheme.effective_from,
        "effective_to": scheme.effective_to,
        "bottom_n": scheme.bottom_n,
    }
    scheme.name = name.strip()
    scheme.effective_from, scheme.effective_to = effective_from, effective_to
    scheme.bottom_n = bottom_n
    scheme.description = description.strip()
    scheme.save(update_fields=["name", "effective_from", "effective_to", "bottom_n", "description"])
    audit.record(
        actor,
        "assessment_scheme.updated",
        scheme,
        before=before,
        after={
            "name": scheme.name,
            "effective_from": effective_from,
            "effective_to": effective_to,
            "bottom_n": bottom_n,
        },
        now=now,
    )
    return scheme


def _clean_item_fields(
    *,
    code: str,
    weight: Decimal | None,
    method: str,
    floor: Decimal | None,
    ceiling: Decimal | None,
    thresholds: Sequence[tuple[float, float]],
) -> None:
    errors = rules.item_errors(
        code=code,
        weight=weight,
        method=method,
        floor=floor,
        ceiling=ceiling,
        thresholds=thresholds,
        known=indicator_infos(),
    )
    if errors:
        raise InvalidInput(_join(errors))


def _item_values(method: str, floor, ceiling, thresholds) -> dict:
    return {
        "floor": floor if method == ScoringMethod.LINEAR else None,
        "ceiling": ceiling if method == ScoringMethod.LINEAR else None,
        "thresholds": [[float(a), float(b)] for a, b in thresholds]
        if method == ScoringMethod.THRESHOLD
        else [],
    }


@transaction.atomic
def add_scheme_item(
    scheme: AssessmentScheme,
    *,
    actor,
    indicator_code: str,
    weight: Decimal | None,
    method: str,
    floor: Decimal | None = None,
    ceiling: Decimal | None = None,
    thresholds: Sequence[tuple[float, float]] = (),
    now: datetime,
) -> SchemeItem:
    """Add an indicator to a draft scheme; fines indicators are refused (004 (二十五))."""
    _require_draft(scheme)
    code = (indicator_code or "").strip()
    _clean_item_fields(
        code=code, weight=weight, method=method, floor=floor, ceiling=ceiling,
        thresholds=thresholds,
    )  # fmt: skip
    ind = registry.get_indicator(code)
    if scheme.items.filter(indicator_code=code).exists():
        raise InvalidInput(
            f"指标“{ind.label}”已在方案中，每项指标只能列入一次。如需调整，请修改该项。"
        )
    position = (scheme.items.aggregate(m=Max("position"))["m"] or 0) + 1
    item = SchemeItem.objects.create(
        scheme=scheme,
        indicator_code=code,
        label=ind.label,
        weight=weight,
        method=method,
        position=position,
        **_item_values(method, floor, ceiling, thresholds),
    )
    audit.record(
        actor,
        "assessment_item.added",
        scheme,
        after={"indicator": code, "weight": weight, "method": method},
        now=now,
    )
    return item


@transaction.atomic
def update_scheme_item(
    item: SchemeItem,
    *,
    actor,
    weight: Decimal | None,
    method: str,
    floor: Decimal | None = None,
    ceiling: Decimal | None = None,
    thresholds: Sequence[tuple[float, float]] = (),
    now: datetime,
) -> SchemeItem:
    _require_draft(item.scheme)
    _clean_item_fields(
        code=item.indicator_code, weight=weight, method=method, floor=floor, ceiling=ceiling,
        thresholds=thresholds,
    )  # fmt: skip
    before = {"weight": item.weight, "method": item.method}
    item.weight, item.method = weight, method
    for key, value in _item_values(method, floor, ceiling, thresholds).items():
        setattr(item, key, value)
    item.save(update_fields=["weight", "method", "floor", "ceiling", "thresholds"])
    audit.record(
        actor,
        "assessment_item.updated",
        item.scheme,
        before={"indicator": item.indicator_code, **before},
        after={"indicator": item.indicator_code, "weight": weight, "method": method},
        now=now,
    )
    return item


@transaction.atomic
def remove_scheme_item(item: SchemeItem, *, actor, now: datetime) -> None:
    scheme = item.scheme
    _require_draft(scheme)
    before = {"indicator": item.indicator_code, "weight": item.weight, "method": item.method}
    item.delete()
    audit.record(actor, "assessment_item.removed", scheme, before=before, now=now)


@transaction.atomic
def set_scheme_targets(
    scheme: AssessmentScheme, units: Iterable[Unit], *, actor, now: datetime
) -> AssessmentScheme:
    """Choose the units a draft scheme assesses (among the area's departments or counties)."""
    _require_draft(scheme)
    chosen = list(units)
    allowed = set(eligible_targets(scheme.area, scheme.target_kind).values_list("pk", flat=True))
    outside = [u.name for u in chosen if u.pk not in allowed]
    if outside:
        kind = scheme.get_target_kind_display()
        raise InvalidInput(
            f"{'、'.join(outside)}不是{scheme.area.name}的{kind}，不能作为本方案的考评对象。"
        )
    before = sorted(scheme.targets.values_list("pk", flat=True))
    scheme.targets.set(chosen)
    audit.record(
        actor,
        "assessment_scheme.targets_set",
        scheme,
        before={"targets": before},
        after={"targets": sorted(u.pk for u in chosen)},
        now=now,
    )
    return scheme


def scheme_errors(scheme: AssessmentScheme) -> list[str]:
    """Everything that stops a scheme from being activated (or run), in Chinese."""
    known = indicator_infos()
    errors: list[str] = []
    items = list(scheme.items.all())
    for item in items:
        if item.indicator_code not in known:
            errors.append(
                f"指标“{item.label}”（{item.indicator_code}）已不再登记（提供它的模块可能已停用或"
                "改名），无法计算。请在草稿或修订版中删除或替换该项。"
            )
            continue
        errors.extend(
            rules.item_errors(
                code=item.indicator_code,
                weight=item.weight,
                method=item.method,
                floor=item.floor,
                ceiling=item.ceiling,
                thresholds=[tuple(r) for r in item.thresholds],
                known=known,
            )
        )
    errors.extend(rules.weight_errors([(i.label, i.weight) for i in items]))
    if not scheme.targets.exists():
        errors.append("方案还没有考评对象，请勾选要考评的单位。")
    return errors


@transaction.atomic
def activate_scheme(scheme: AssessmentScheme, *, actor, now: datetime) -> AssessmentScheme:
    """启用: validate and freeze the draft; the lineage's previously active version retires."""
    scheme = AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)
    _require_draft(scheme)
    errors = scheme_errors(scheme)
    if errors:
        raise InvalidInput("方案未启用：\n" + _join(errors))
    root = scheme.lineage_root_id
    older = AssessmentScheme.objects.filter(
        Q(pk=root) | Q(lineage_id=root), status=SchemeStatus.ACTIVE
    ).exclude(pk=scheme.pk)
    for old in older:
        old.status = SchemeStatus.RETIRED
        old.save(update_fields=["status"])
        audit.record(
            actor,
            "assessment_scheme.retired",
            old,
            before={"status": SchemeStatus.ACTIVE},
            after={"status": SchemeStatus.RETIRED, "replaced_by_version": scheme.version},
            now=now,
        )
    scheme.status, scheme.activated_at = SchemeStatus.ACTIVE, now
    scheme.save(update_fields=["status", "activated_at"])
    audit.record(
        actor,
        "assessment_scheme.activated",
        scheme,
        before={"status": SchemeStatus.DRAFT},
        after={
            "status": SchemeStatus.ACTIVE,
            "version": scheme.version,
            "items": [[i.indicator_code, i.weight, i.method] for i in scheme.items.all()],
        },
        now=now,
    )
    return scheme


@transaction.atomic
def revise_scheme(scheme: AssessmentScheme, *, actor, now: datetime) -> AssessmentScheme:
    """新建修订版: copy an active (or retired) version into a new draft with version + 1."""
    if scheme.status == SchemeStatus.DRAFT:
        raise IllegalTransition(f"方案“{scheme.name}”第 {scheme.version} 版还是草稿，可直接修改。")
    root = scheme.lineage_root_id
    family = AssessmentScheme.objects.select_for_update().filter(Q(pk=root) | Q(lineage_id=root))
    draft = family.filter(status=SchemeStatus.DRAFT).first()
    if draft is not None:
        raise IllegalTransition(
            f"方案“{scheme.name}”已有修订中的草稿（第 {draft.version} 版），请直接修改该草稿。"
        )
    version = (family.aggregate(m=Max("version"))["m"] or scheme.version) + 1
    new = AssessmentScheme.objects.create(
        area=scheme.area,
        name=scheme.name,
        target_kind=scheme.target_kind,
        effective_from=scheme.effective_from,
        effective_to=scheme.effective_to,
        bottom_n=scheme.bottom_n,
        description=scheme.description,
        version=version,
        lineage_id=root,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
    )
    new.targets.set(scheme.targets.all())
    SchemeItem.objects.bulk_create(
        SchemeItem(
            scheme=new,
            indicator_code=i.indicator_code,
            label=i.label,
            weight=i.weight,
            method=i.method,
            floor=i.floor,
            ceiling=i.ceiling,
            thresholds=i.thresholds,
            position=i.position,
        )
        for i in scheme.items.all()
    )
    audit.record(
        actor,
        "assessment_scheme.revised",
        new,
        before={"version": scheme.version},
        after={"version": version},
        now=now,
    )
    return new


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


@transaction.atomic
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


# --- external results ----------------------------------------------------------------------


def _resolve_county(name: str, area: Unit) -> Unit | None:
    candidates = [name]
    for suffix in ("人民政府", "政府"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            candidates.append(name[: -len(suffix)])
    for candidate in candidates:
        res = resolve_name(candidate, area=area)
        if res.unit is not None:
            return res.unit
    return None


def external_rule_for(area: Unit) -> ExternalRule | None:
    return ExternalRule.objects.filter(area=area).first()


def _trigger_reason(result: ExternalResult, ranking: ExternalRanking, rule: ExternalRule) -> str:
    return (
        f"{result.unit.name}在{ranking.source}（{ranking.period_label}）中排名第 {result.rank} 名"
        f"（共 {ranking.total_ranked} 个县（市、区）参评），列全省后 {rule.bottom_n} 名，"
        f"按规则启动{rule.get_level_display()}。依据：{rules.EXTERNAL_BASIS}。"
    )


@transaction.atomic
def import_external_ranking(
    data: bytes,
    *,
    area: Unit,
    total_ranked: int | None,
    actor,
    now: datetime,
    filename: str = "上传文件",
    source: str = DEFAULT_EXTERNAL_SOURCE,
    period_label: str = "",
    replace: bool = False,
) -> ExternalRanking:
    """导入全省营商环境评价排名: all rows or none; bottom ranks raise triggers by the rule."""
    rows = read_external_rows(data, filename=filename)
    errors: list[str] = []
    source = (source or "").strip() or DEFAULT_EXTERNAL_SOURCE
    if total_ranked is None or total_ranked < 1:
        errors.append("请填写全省参评县（市、区）总数（正整数），用于判断是否排名列后。")
    form_period = (period_label or "").strip()
    file_periods = {r.period for r in rows if r.period}
    if len(file_periods) > 1:
        listed = "、".join(sorted(file_periods))
        errors.append(f"文件中的“年度/期次”不一致（{listed}），一个文件只能是同一期的排名。")
    if not file_periods and not form_period:
        errors.append("文件没有“年度/期次”列，请在导入页面填写年度/期次（例如“2025年度”）。")
    if form_period and file_periods and file_periods != {form_period}:
        errors.append(
            f"页面填写的年度/期次“{form_period}”与文件中的“{next(iter(file_periods))}”不一致，请核对。"
        )
    label = form_period or (next(iter(file_periods)) if file_periods else "")
    seen: dict[int, int] = {}
    resolved: list[tuple] = []
    for row in rows:
        errors.extend(row.problems)
        if row.period == "" and file_periods:
            errors.append(f"第 {row.row} 行“年度/期次”为空，请填写“{next(iter(file_periods))}”。")
        if row.rank is not None and total_ranked and row.rank > total_ranked:
            errors.append(
                f"第 {row.row} 行排名为 {row.rank}，超过全省参评总数 {total_ranked}，请核对排名或参评总数。"
            )
        if not row.name:
            continue
        unit = _resolve_county(row.name, area)
        if unit is None:
            errors.append(
                f"第 {row.row} 行“县区”为“{row.name}”，在{area.name}的机构库中找不到。"
                "请核对名称，或先在机构库中为该县区添加别名；如果是外市的县区，请从文件中删除该行。"
            )
            continue
        if unit.kind not in COUNTY_KINDS:
            errors.append(
                f"第 {row.row} 行“{row.name}”对应的是“{unit.name}”（{unit.get_kind_display()}），"
                "不是县（市、区）。请填写县（市、区）名称。"
            )
            continue
        if unit.pk in seen:
            errors.append(
                f"第 {row.row} 行“{row.name}”与第 {seen[unit.pk]} 行是同一县区（{unit.name}），每个县区只能出现一次。"
            )
            continue
        seen[unit.pk] = row.row
        resolved.append((row, unit))
    existing = ExternalRanking.objects.filter(area=area, source=source, period_label=label).first()
    if existing is not None and label:
        if not replace:
            errors.append(
                f"{source}（{label}）的排名已于 {existing.imported_at:%Y-%m-%d} 导入。"
                "如需更正，请勾选“覆盖已导入的同期结果”后重新导入。"
            )
        elif existing.triggers.filter(status=TriggerStatus.HANDLED).exists():
            errors.append(
                f"{source}（{label}）已有触发记录被督办处理，不能覆盖。请联系督办负责人核对后再处理。"
            )
    if errors:
        raise InvalidInput(_join(errors) + "\n整个文件未导入，请修改后重新上传。")
    if existing is not None:
        audit.record(
            actor,
            "external_ranking.replaced",
            existing,
            before={"rows": existing.results.count(), "triggers": existing.triggers.count()},
            now=now,
        )
        existing.delete()
    ranking = ExternalRanking.objects.create(
        area=area,
        source=source,
        period_label=label,
        total_ranked=total_ranked,
        filename=filename[:200],
        imported_at=now,
        imported_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    results = ExternalResult.objects.bulk_create(
        ExternalResult(
            ranking=ranking,
            unit=unit,
            name_in_file=row.name[:100],
            rank=row.rank,
            score=row.score,
            row_number=row.row,
        )
        for row, unit in resolved
    )
    triggers = _apply_rule(ranking, results, now=now)
    audit.record(
        actor,
        "external_ranking.imported",
        ranking,
        after={
            "period": label,
            "rows": len(results),
            "total_ranked": total_ranked,
            "triggers": [t.unit_id for t in triggers],
        },
        now=now,
    )
    return ranking


def _apply_rule(
    ranking: ExternalRanking, results: Sequence[ExternalResult], *, now: datetime
) -> list[ExternalTrigger]:
    rule = external_rule_for(ranking.area)
    if rule is None or not rule.active:
        return []
    triggers = []
    for result in results:
        if not rules.in_province_bottom(result.rank, ranking.total_ranked, rule.bottom_n):
            continue
        trigger = ExternalTrigger.objects.create(
            ranking=ranking,
            result=result,
            unit=result.unit,
            level=rule.level,
            reason=_trigger_reason(result, ranking, rule),
            basis=rules.EXTERNAL_BASIS,
            created_at=now,
        )
        audit.record(
            "system:assessment",
            "external_trigger.created",
            trigger,
            after={"level": rule.level, "rank": result.rank, "period": ranking.period_label},
            now=now,
        )
        triggers.append(trigger)
        transaction.on_commit(
            lambda pk=trigger.pk: external_trigger_created.send(
                sender=ExternalTrigger, trigger_id=pk
            )
        )
    return triggers


@transaction.atomic
def set_external_rule(
    area: Unit, *, actor, bottom_n: int, level: str, active: bool, now: datetime
) -> ExternalRule:
    """配置外部评价触发规则 (default 004 (四): 全省后 10 名 → 约谈)."""
    errors = []
    if bottom_n is None or bottom_n < 1:
        errors.append("“全省排名后 N 名”应为正整数（004 (四) 规定为 10）。")
    if level not in SupervisionLevel.values:
        errors.append("请选择触发的督办层级：提醒、督办、约谈或问责。")
    if errors:
        raise InvalidInput(_join(errors))
    rule = ExternalRule.objects.select_for_update().filter(area=area).first()
    before = (
        None
        if rule is None
        else {"bottom_n": rule.bottom_n, "level": rule.level, "active": rule.active}
    )
    if rule is None:
        rule = ExternalRule(area=area)
    rule.bottom_n, rule.level, rule.active = bottom_n, level, active
    rule.updated_at = now
    rule.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    rule.save()
    audit.record(
        actor,
        "external_rule.set",
        rule,
        before=before,
        after={"bottom_n": bottom_n, "level": level, "active": active},
        now=now,
    )
    return rule


@transaction.atomic
def mark_trigger_handled(
    trigger: ExternalTrigger, *, actor, now: datetime, note: str = ""
) -> ExternalTrigger:
    """The supervision module (or the office) records that a trigger has been acted on.

    ``actor`` may be a user or a job name such as ``"system:supervision"``; ``note`` names
    what was done (e.g. the supervision notice number).
    """
    trigger = ExternalTrigger.objects.select_for_update().get(pk=trigger.pk)
    if trigger.status == TriggerStatus.HANDLED:
        raise IllegalTransition(
            f"{trigger.unit.name}的{trigger.get_level_display()}触发记录已处理。"
        )
    trigger.status, trigger.handled_at = TriggerStatus.HANDLED, now
    trigger.handled_by = actor if getattr(actor, "is_authenticated", False) else None
    trigger.handled_note = (note or "").strip()[:300]
    trigger.save(update_fields=["status", "handled_at", "handled_by", "handled_note"])
    audit.record(
        actor,
        "external_trigger.handled",
        trigger,
        before={"status": TriggerStatus.PENDING},
        after={"status": TriggerStatus.HANDLED, "note": trigger.handled_note},
        now=now,
    )
    return trigger
