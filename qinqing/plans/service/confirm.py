"""Confirming a draft into the ledger (superseding the previous version) or discarding it."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from qinqing.core import audit
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.plans import rules
from qinqing.plans.models import Plan, PlanKind, PlanStatus, Task
from qinqing.plans.service.library import tag_articles
from qinqing.plans.service.review import _require_draft, pending_mentions, task_snapshot

# ---------------------------------------------------------------- confirm / discard


def task_rows(plan: Plan) -> list[rules.TaskRow]:
    tasks = plan.tasks.prefetch_related("unit_mentions", "targets").order_by("order", "pk")
    rows = []
    for t in tasks:
        snap = task_snapshot(t)
        rows.append(
            rules.TaskRow(
                key=t.pk,
                label=t.label,
                title=t.title,
                body=t.body,
                lead_units=tuple(snap["lead_units"]),
                responsible_units=tuple(snap["responsible_units"]),
                supporting_units=tuple(snap["supporting_units"]),
                deadline_raw=t.deadline_raw,
                targets=tuple(snap["targets"]),
            )
        )
    return rows


def version_diff(plan: Plan) -> rules.LedgerDiff | None:
    """Differences from the previous version (``None`` for a first version)."""
    if plan.previous_version is None:
        return None
    return rules.diff_ledgers(task_rows(plan.previous_version), task_rows(plan))


@transaction.atomic
def confirm_plan(plan: Plan, *, actor, now: datetime, accept_unresolved: bool = False) -> Plan:
    """确认方案: the draft becomes the ledger (or enters the experience library).

    Unanswered unit names block confirmation unless ``accept_unresolved``: such names stay
    on the review page and count for no unit until they are mapped.
    """
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.DRAFT:
        raise IllegalTransition(
            f"《{plan.title}》当前状态为“{plan.get_status_display()}”，不能再次确认。"
        )
    if plan.kind == PlanKind.PLAN and not plan.tasks.exists():
        raise InvalidInput(f"《{plan.title}》没有任务，不能确认。请放弃该草稿后重新导入。")
    if plan.kind == PlanKind.COMPILATION and not plan.articles.filter(fragment=False).exists():
        raise InvalidInput(f"《{plan.title}》没有文章，不能确认。")
    pending = sorted(set(pending_mentions(plan).values_list("raw_name", flat=True)))
    if pending and not accept_unresolved:
        listed = "、".join(pending[:10]) + (f"等 {len(pending)} 个" if len(pending) > 10 else "")
        raise InvalidInput(
            f"还有单位名称未对应到机构库：{listed}。请在“待确认单位名称”中逐一处理，"
            "或勾选“仍然确认”（这些名称暂不计入任何单位的任务）。"
        )
    previous = plan.previous_version
    if previous is not None and previous.status == PlanStatus.CONFIRMED:
        diff = rules.diff_ledgers(task_rows(previous), task_rows(plan))
        for old, new in diff.pairs:
            Task.objects.filter(pk=new.key).update(previous_version_id=old.key)
        previous.status = PlanStatus.SUPERSEDED
        previous.save(update_fields=["status"])
        audit.record(
            actor, "plan.superseded", previous, unit=plan.area,
            before={"status": PlanStatus.CONFIRMED},
            after={"status": PlanStatus.SUPERSEDED, "by_version": plan.version,
                   "added": len(diff.added), "removed": len(diff.removed),
                   "changed": len(diff.changed)},
        )  # fmt: skip
    plan.status = PlanStatus.CONFIRMED
    plan.confirmed_at = now
    plan.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    plan.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    audit.record(
        actor, "plan.confirmed", plan, unit=plan.area,
        before={"status": PlanStatus.DRAFT},
        after={"status": PlanStatus.CONFIRMED, "version": plan.version,
               "tasks": plan.tasks.count(), "articles": plan.articles.count(),
               "unresolved_names": pending},
    )  # fmt: skip
    tag_articles(plan.area)
    return plan


@transaction.atomic
def discard_draft(plan: Plan, *, actor) -> None:
    """放弃草稿: delete a draft that should not become the ledger."""
    _require_draft(plan, "放弃")
    audit.record(
        actor, "plan.discarded", plan, unit=plan.area,
        before={"title": plan.title, "version": plan.version, "file": plan.source_filename,
                "tasks": plan.tasks.count()},
    )  # fmt: skip
    plan.delete()
