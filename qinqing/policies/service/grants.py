"""免申即享 grant batches: prepare, approve (by another officer), cancel, pay, export."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.accounts.access import (
    require_capability,
)
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.files.xlsx import write_workbook
from qinqing.core.notifications import notify_enterprises
from qinqing.policies import queries, rules
from qinqing.policies.choices import MatchMode
from qinqing.policies.engine.evaluate import _Context, item_amount
from qinqing.policies.matching import (
    parse_rule,
    registry_changed_since,
    registry_digest,
    stored_registry,
)
from qinqing.policies.models import (
    Budget,
    Delivery,
    GrantBatch,
    GrantBatchState,
    GrantLine,
    MatchResult,
    Policy,
    PolicyRule,
)
from qinqing.policies.rules import yuan
from qinqing.policies.service._common import _today


def _lines_digest(lines) -> str:
    text = "".join(f"{seq},{uscc},{amount:.2f}\n" for seq, uscc, amount in lines)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _bases(
    policy: Policy, rule: PolicyRule, results: list[MatchResult], year: int, registry
) -> list[str]:
    """依据 per line: the article, the rule version and the award items that count.

    Vectorised over the batch's rows with the engine's own condition and amount code (the
    same that ``explain`` uses): an additive item counts when it pays; in a 不重复奖励组
    only the group's highest item (the first of equal ones) counts.
    """

    # the enterprise reads this line in its notice: the document and article, not rule ids
    head = f"{policy.reference}（规则第 {rule.version} 版）"
    if not results:
        return []
    parsed = parse_rule(rule.yaml_text, f"{policy.code}.yaml")
    codes = pa.array([r.uscc for r in results], pa.string())
    rows = pc.index_in(codes, value_set=registry.uscc).to_numpy(zero_copy_only=False)
    sub = registry.take(rows.astype(np.int64))
    ctx = _Context(sub, year)
    n = len(sub)

    def pays(item) -> np.ndarray:
        mask = np.ones(n, dtype=bool)
        for condition in item.when:
            mask &= ctx.compute(condition, parsed)
        return item_amount(item, mask, sub)

    counted: list[list[str]] = [[] for _ in range(n)]
    for item in parsed.items:
        for i in np.flatnonzero(pays(item) > 0):
            counted[i].append(item.title)
    for group in parsed.groups:
        amounts = np.stack([pays(item) for item in group.items])
        best = amounts.argmax(axis=0)
        for i in np.flatnonzero(amounts.max(axis=0) > 0):
            counted[i].append(group.items[int(best[i])].title)
    return [f"{head}：{'、'.join(titles)}"[:500] if titles else head for titles in counted]


@transaction.atomic
def prepare_grant_batch(policy: Policy, *, actor, now: dt.datetime) -> GrantBatch:
    """制单: a 免申即享 batch from the policy's current eligible list.

    The list must come from the active rule version and from the registry as it is now
    (same snapshot digest), so what is frozen is exactly what the rule says.
    """
    require_capability(actor, "policies.manage")
    queries.require_policy_in_scope(actor, policy)
    Policy.objects.select_for_update().filter(pk=policy.pk).first()
    if policy.delivery != Delivery.AUTO_GRANT:
        raise InvalidInput(f"“{policy.title}”为依申请兑现政策，不能生成免申即享发放批次。")
    rule = policy.rules.filter(active=True).first()
    if rule is None:
        raise InvalidInput(f"“{policy.title}”还没有规则，请先编写规则并运行政策匹配。")
    current = MatchResult.objects.filter(policy=policy, current=True, eligible=True)
    year = current.order_by("-year").values_list("year", flat=True).first()
    if year is None:
        raise InvalidInput(
            f"“{policy.title}”没有符合条件的企业（或还没有运行政策匹配），无法生成发放批次。"
        )
    # lines in credit-code order, code and name joined from the registry by id
    results = list(
        current.filter(year=year, enterprise__isnull=False)
        .select_related("run", "enterprise")
        .order_by("enterprise__uscc")
    )
    stale = [r for r in results if r.rule_id != rule.pk]
    if stale:
        raise InvalidInput(
            f"现行规则为第 {rule.version} 版，但最新匹配结果按第 {stale[0].rule.version} 版计算。"
            "请先重新运行政策匹配，再生成发放批次。"
        )
    run = max((r.run for r in results), key=lambda r: r.pk)
    existing = (
        GrantBatch.objects.filter(policy=policy, year=year)
        .exclude(state=GrantBatchState.CANCELLED)
        .first()
    )
    if existing is not None:
        raise IllegalTransition(
            f"“{policy.title}”{year} 年度已有发放批次第 {existing.pk} 号（{existing.get_state_display()}），"
            "不能重复生成。如需重新生成，请先作废待审批的原批次。"
        )
    registry = stored_registry()
    digest = registry_digest(registry)
    # a full run's digest must match the registry now; any run's mark must still hold
    stale_digest = run.mode == MatchMode.FULL and digest != run.registry_digest
    if stale_digest or registry_changed_since(run):
        raise InvalidInput(
            "企业库数据在最近一次政策匹配之后有更新，名单可能已不准确。"
            "请重新运行政策匹配后再生成发放批次。"
        )
    bases = _bases(policy, rule, results, year, registry)
    total = sum((r.amount for r in results), Decimal(0))
    lines = [(i, r.uscc, r.amount) for i, r in enumerate(results, start=1)]
    batch = GrantBatch.objects.create(
        policy=policy, rule=rule, run=run, year=year, rule_digest=rule.digest,
        registry_digest=digest, lines_digest=_lines_digest(lines), line_count=len(results),
        total_amount=total, prepared_at=now, prepared_by=actor,
    )  # fmt: skip
    GrantLine.objects.bulk_create(
        [
            GrantLine(
                batch=batch,
                seq=i,
                uscc=r.uscc,
                enterprise_name=r.enterprise_name,
                amount=r.amount,
                basis=basis,
            )  # fmt: skip
            for (i, r), basis in zip(enumerate(results, start=1), bases, strict=True)
        ],
        batch_size=2000,
    )
    audit.record(
        actor, "grant_batch.prepared", batch,
        after={"policy": policy.code, "rule": rule.reference, "year": year,
               "lines": len(results), "total": total, "registry_digest": digest,
               "lines_digest": batch.lines_digest},
        now=now,
    )  # fmt: skip
    return batch


@transaction.atomic
def approve_grant_batch(batch: GrantBatch, *, actor, now: dt.datetime) -> GrantBatch:
    """审批: another officer approves; the total is committed from the 资金池, the batch is
    frozen and every enterprise on it is notified."""
    require_capability(actor, "policies.approve")
    queries.require_policy_in_scope(actor, batch.policy)
    batch = GrantBatch.objects.select_for_update().select_related("policy").get(pk=batch.pk)
    rules.check_batch_transition(batch.state, GrantBatchState.APPROVED)
    rules.check_preparer_is_not_approver(batch.prepared_by_id, actor.pk)
    lines = list(batch.lines.order_by("seq").values_list("seq", "uscc", "amount"))
    if _lines_digest(lines) != batch.lines_digest:
        raise InvalidInput("发放名单与制单时不一致（摘要不符），不能审批。请作废本批次后重新制单。")
    policy = batch.policy
    budget = Budget.objects.select_for_update().filter(policy=policy, year=batch.year).first()
    if budget is None:
        raise InvalidInput(
            f"“{policy.title}”{batch.year} 年度还没有资金池，不能审批。请承办单位或营商办先设置资金池。"
        )
    rules.check_budget(
        policy_title=policy.title, year=batch.year, total=budget.total,
        committed=budget.committed, paid=budget.paid, amount=batch.total_amount, what="本批次",
    )  # fmt: skip
    Budget.objects.filter(pk=budget.pk).update(
        committed=F("committed") + batch.total_amount, updated_at=now
    )
    batch.state, batch.approved_by, batch.approved_at, batch.budget = (
        GrantBatchState.APPROVED, actor, now, budget,
    )  # fmt: skip
    batch.save(update_fields=["state", "approved_by", "approved_at", "budget"])
    notify_enterprises(
        [
            (
                line.uscc,
                {
                    "kind": "policies.grant",
                    "url": "/policies/mine/",
                    "key": f"grant:{batch.pk}:{line.seq}",
                    "title": f"免申即享：“{policy.title}”已为您的企业核定 {yuan(line.amount)}",
                    "body": f"依据：{line.basis}。无需申请，资金将直接拨付到企业账户。",
                },
            )  # fmt: skip
            for line in batch.lines.all().iterator(chunk_size=2000)
        ],
        now=now,
    )
    audit.record(
        actor, "grant_batch.approved", batch, before={"state": "prepared"},
        after={"state": "approved", "total": batch.total_amount, "lines": batch.line_count,
               "prepared_by": batch.prepared_by_id},
        now=now,
    )  # fmt: skip
    return batch


@transaction.atomic
def cancel_grant_batch(batch: GrantBatch, *, actor, reason: str, now: dt.datetime) -> GrantBatch:
    """作废 a batch not yet approved (e.g. to prepare it again after a rule change)."""
    require_capability(actor, "policies.manage")
    queries.require_policy_in_scope(actor, batch.policy)
    batch = GrantBatch.objects.select_for_update().get(pk=batch.pk)
    rules.check_batch_transition(batch.state, GrantBatchState.CANCELLED)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写作废原因。")
    batch.state, batch.cancel_reason = GrantBatchState.CANCELLED, reason[:300]
    batch.save(update_fields=["state", "cancel_reason"])
    audit.record(actor, "grant_batch.cancelled", batch, before={"state": "prepared"},
                 after={"state": "cancelled", "reason": batch.cancel_reason}, now=now)  # fmt: skip
    return batch


@transaction.atomic
def record_grant_payment(
    batch: GrantBatch, *, actor, paid_on: dt.date, payment_ref: str, now: dt.datetime
) -> GrantBatch:
    """登记拨付 of an approved batch: committed moves to paid in the 资金池."""
    require_capability(actor, "policies.manage")
    queries.require_policy_in_scope(actor, batch.policy)
    batch = GrantBatch.objects.select_for_update().get(pk=batch.pk)
    rules.check_batch_transition(batch.state, GrantBatchState.PAID)
    if paid_on > _today(now) or paid_on < timezone.localdate(batch.approved_at):
        raise InvalidInput(f"拨付日期应在审批日期与今天之间，现为 {paid_on}。")
    Budget.objects.filter(pk=batch.budget_id or 0).update(  # a batch without a budget moves none
        committed=F("committed") - batch.total_amount, paid=F("paid") + batch.total_amount,
        updated_at=now,
    )  # fmt: skip
    batch.state, batch.paid_on = GrantBatchState.PAID, paid_on
    batch.payment_ref = (payment_ref or "").strip()[:100]
    batch.save(update_fields=["state", "paid_on", "payment_ref"])
    audit.record(actor, "grant_batch.paid", batch,
                 after={"paid_on": paid_on, "total": batch.total_amount, "ref": batch.payment_ref},
                 now=now)  # fmt: skip
    return batch


PAYMENT_LIST_HEADERS = ["序号", "企业名称", "统一社会信用代码", "政策", "金额（元）", "依据"]


def export_grant_batch(batch: GrantBatch, *, actor, now: dt.datetime) -> bytes:
    """The payment list (.xlsx) of an approved batch; the export itself is audited."""

    require_capability(actor, "policies.view")
    queries.require_policy_in_scope(actor, batch.policy)
    if batch.state not in (GrantBatchState.APPROVED, GrantBatchState.PAID):
        raise IllegalTransition(
            f"发放批次当前状态为“{batch.get_state_display()}”，审批通过后才能导出拨付名单。"
        )
    title = batch.policy.title
    rows = (
        [line.seq, line.enterprise_name, line.uscc, title, line.amount, line.basis]
        for line in batch.lines.order_by("seq").iterator(chunk_size=2000)
    )
    data = write_workbook(
        PAYMENT_LIST_HEADERS, rows, title="拨付名单", widths=[6, 36, 22, 30, 14, 60]
    )
    with transaction.atomic():
        audit.record(actor, "grant_batch.exported", batch,
                     after={"lines": batch.line_count, "total": batch.total_amount}, now=now)  # fmt: skip
    return data
