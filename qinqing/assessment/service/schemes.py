"""Assessment schemes (考评方案): drafting, items and weights, targets, activation, revision."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q

from qinqing.assessment import registry, rules
from qinqing.assessment.models import (
    AssessmentScheme,
    SchemeItem,
    SchemeStatus,
    ScoringMethod,
    TargetKind,
)
from qinqing.assessment.service.common import COUNTY_KINDS, DEPARTMENT_KINDS, _join
from qinqing.core import audit
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit

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
) -> Decimal:
    """The item's weight once every field is checked (the errors listed together)."""
    errors = rules.item_errors(
        code=code,
        weight=weight,
        method=method,
        floor=floor,
        ceiling=ceiling,
        thresholds=thresholds,
        known=indicator_infos(),
    )
    if errors or weight is None:
        raise InvalidInput(_join(errors) or "请填写该项指标的权重。")
    return weight


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
    weight = _clean_item_fields(
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
    weight = _clean_item_fields(
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
