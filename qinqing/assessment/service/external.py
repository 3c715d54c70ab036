"""External results (全省营商环境评价): importing a ranking, the trigger rule, handled triggers.

Triggers wait for the supervision module, which pulls them (``queries.pending_external_triggers``)
and calls :func:`mark_trigger_handled`; this package never imports supervision.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from qinqing.assessment import rules
from qinqing.assessment.external_io import read_external_rows
from qinqing.assessment.models import (
    DEFAULT_EXTERNAL_SOURCE,
    ExternalRanking,
    ExternalResult,
    ExternalRule,
    ExternalTrigger,
    SupervisionLevel,
    TriggerStatus,
)
from qinqing.assessment.service.common import COUNTY_KINDS, _join
from qinqing.core import audit
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.core.orgs.service import resolve_name

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
    if errors or total_ranked is None:
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
