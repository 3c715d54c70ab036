"""清欠 and 政务诚信: arrears owed to enterprises, payments, corrections, plans, disputes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from qinqing.core import audit
from qinqing.core.enterprises.uscc import validate_uscc
from qinqing.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from qinqing.core.orgs.models import Unit
from qinqing.problems import queries, rules
from qinqing.problems.models import (
    Arrears,
    ArrearsEntry,
    RepaymentPlan,
)
from qinqing.problems.rules import (
    EntryKind,
)
from qinqing.problems.service.common import _check_in_area, _next_number, local_date, office_area

# ---------------------------------------------------------------------------------------------
# 清欠 and 政务诚信


@transaction.atomic
def register_arrears(
    *,
    actor,
    kind: str,
    creditor_uscc: str,
    creditor_name: str,
    debtor_name: str,
    county: Unit,
    principal,
    incurred_on: dt.date,
    now: dt.datetime,
    debtor_unit: Unit | None = None,
    debtor_is_soe: bool = False,
    description: str = "",
    plan: dict[int, Decimal] | None = None,
) -> Arrears:
    area = office_area(actor, "problems.arrears")
    _check_in_area(area, county, "县（市、区）")

    creditor_uscc = (creditor_uscc or "").strip().upper()
    validate_uscc(creditor_uscc)
    amount = rules.parse_money(principal, label="欠款金额")
    if amount <= 0:
        raise InvalidInput("欠款金额应大于 0。")
    if not (debtor_name or (debtor_unit and debtor_unit.name)):
        raise InvalidInput("请填写欠款单位。")
    arrears = Arrears.objects.create(
        area=area, kind=kind, number=_next_number(Arrears, "QQ", local_date(now).year),
        creditor_uscc=creditor_uscc, creditor_name=(creditor_name or "").strip()[:200],
        debtor_unit=debtor_unit, debtor_name=(debtor_name or (debtor_unit.name if debtor_unit else "")).strip()[:200],
        debtor_is_soe=debtor_is_soe, county=county, description=(description or "").strip(),
        principal=amount, incurred_on=incurred_on, created_at=now, created_by=actor,
    )  # fmt: skip
    for year, value in (plan or {}).items():
        RepaymentPlan.objects.create(
            arrears=arrears, year=int(year), amount=rules.parse_money(value, label="计划还款")
        )
    audit.record(
        actor, "arrears.registered", arrears,
        after={"principal": amount, "debtor": arrears.debtor_name}, now=now,
    )  # fmt: skip
    return arrears


def balance_of(arrears: Arrears) -> Decimal:
    paid = arrears.entries.aggregate(s=Sum("amount"))["s"] or 0
    # SQLite sums decimals as floats: bring the sum back to whole fen
    return arrears.principal - Decimal(paid).quantize(Decimal("0.01"))


@transaction.atomic
def record_payment(
    arrears: Arrears, *, actor, amount, paid_on: dt.date, now: dt.datetime, note: str = ""
) -> ArrearsEntry:
    """还款: a (partial) payment; never more than what is still owed."""
    office_area(actor, "problems.arrears")
    arrears = Arrears.objects.select_for_update().get(pk=arrears.pk)
    value = rules.parse_money(amount, label="还款金额")
    rules.check_payment(value, balance_of(arrears))
    entry = ArrearsEntry.objects.create(
        arrears=arrears, kind=EntryKind.PAYMENT, amount=value, paid_on=paid_on,
        note=(note or "")[:300], recorded_at=now, recorded_by=actor,
    )  # fmt: skip
    audit.record(
        actor, "arrears.paid", arrears, after={"amount": value, "paid_on": paid_on}, now=now
    )
    return entry


@transaction.atomic
def correct_entry(entry: ArrearsEntry, *, actor, now: dt.datetime, note: str = "") -> ArrearsEntry:
    """冲正: reverse a payment entered by mistake (a new negative entry; nothing is edited)."""
    office_area(actor, "problems.arrears")
    entry = ArrearsEntry.objects.select_for_update().get(pk=entry.pk)
    Arrears.objects.select_for_update().get(pk=entry.arrears_id)
    if entry.kind != EntryKind.PAYMENT:
        raise InvalidInput("只能冲正还款记录。")
    if entry.corrections.exists():
        raise IllegalTransition("这笔还款已经冲正过。")
    reversal = ArrearsEntry.objects.create(
        arrears_id=entry.arrears_id, kind=EntryKind.CORRECTION, amount=-entry.amount,
        paid_on=entry.paid_on, corrects=entry, note=(note or "冲正")[:300], recorded_at=now,
        recorded_by=actor,
    )  # fmt: skip
    audit.record(
        actor, "arrears.corrected", entry.arrears, after={"amount": -entry.amount}, now=now
    )
    return reversal


def check_arrears_editor(actor, arrears: Arrears) -> None:
    """The office of the arrears' area, or the debtor unit itself, may change its plan and
    record a dispute; nobody else."""
    if not queries.can_edit_arrears(actor, arrears):
        raise PermissionDenied("只有本地区营商办或欠款单位可以修改还款计划、登记争议。")


@transaction.atomic
def set_repayment_plan(
    arrears: Arrears, *, actor, plan: dict[int, Decimal], now: dt.datetime
) -> list[RepaymentPlan]:
    """还款计划 by year, replaced as a whole: years left out are removed. Audited with the
    plan before and after."""
    arrears = Arrears.objects.select_for_update().select_related("county").get(pk=arrears.pk)
    check_arrears_editor(actor, arrears)
    rules.check_repayment_plan(plan, arrears.principal)
    before = {str(p.year): str(p.amount) for p in arrears.plan.all()}
    after = {str(year): str(amount) for year, amount in sorted(plan.items())}
    if before == after:
        return list(arrears.plan.all())
    arrears.plan.exclude(year__in=list(plan)).delete()
    for year, amount in plan.items():
        RepaymentPlan.objects.update_or_create(
            arrears=arrears, year=year, defaults={"amount": amount}
        )
    audit.record(
        actor, "arrears.plan_changed", arrears, before={"plan": before}, after={"plan": after},
        now=now,
    )  # fmt: skip
    return list(arrears.plan.all())


@transaction.atomic
def record_dispute(
    arrears: Arrears, *, actor, disputed: bool, note: str, now: dt.datetime
) -> Arrears:
    """争议: whether the debt (or part of it) is disputed, and what about; clearing the flag
    keeps the note of what was disputed."""
    arrears = Arrears.objects.select_for_update().select_related("county").get(pk=arrears.pk)
    check_arrears_editor(actor, arrears)
    note = (note or "").strip()
    rules.check_dispute(disputed, note)
    before = {"disputed": arrears.disputed, "note": arrears.dispute_note}
    arrears.disputed = disputed
    if note:
        arrears.dispute_note = note
    arrears.save(update_fields=["disputed", "dispute_note"])
    audit.record(
        actor, "arrears.dispute_recorded", arrears, before=before,
        after={"disputed": disputed, "note": arrears.dispute_note}, now=now,
    )  # fmt: skip
    return arrears
