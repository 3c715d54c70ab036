"""资金池, funds from above (with their 15-day clock) and the quarterly 服务对象清单."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from qinqing.core import audit
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.workdays import get_calendar
from qinqing.policies import queries, rules
from qinqing.policies.models import (
    Budget,
    FundArrival,
    MatchResult,
    Policy,
    ServiceTarget,
    ServiceTargetList,
)
from qinqing.policies.rules import yuan
from qinqing.policies.service._common import _money, _today, _user


@transaction.atomic
def set_budget(policy: Policy, *, year: int, total, actor, now: dt.datetime) -> Budget:
    """设置资金池总额 (本级安排); never below what is already committed and paid."""
    queries.require_delivery_manager(actor, policy)
    value = Decimal(str(total))
    if value < 0:
        raise InvalidInput("资金总额不能为负数。")
    budget, _ = Budget.objects.select_for_update().get_or_create(
        policy=policy, year=year, defaults={"updated_at": now}
    )
    used = budget.committed + budget.paid
    if value < used:
        raise InvalidInput(
            f"资金总额不能少于已核定待拨付与已拨付之和 {yuan(used)}（现填 {yuan(value)}）。"
        )
    before = budget.total
    budget.total, budget.updated_at = value, now
    budget.save(update_fields=["total", "updated_at"])
    audit.record(actor, "budget.set", budget, before={"total": before},
                 after={"total": value, "year": year}, now=now)  # fmt: skip
    return budget


@transaction.atomic
def record_fund_arrival(
    policy: Policy, *, year: int, amount, source: str, document_number: str,
    arrived_on: dt.date, actor, now: dt.datetime,
) -> FundArrival:  # fmt: skip
    """登记上级资金到达: the money joins the 资金池 and the 15-natural-day clock starts."""

    queries.require_delivery_manager(actor, policy)
    value = _money(amount, "到达金额")
    if not (source or "").strip():
        raise InvalidInput("请填写资金的上级来源（如“省财政厅”）。")
    today = _today(now)
    if arrived_on > today:
        raise InvalidInput(f"到达日期 {arrived_on} 晚于今天，请填写资金实际到达本级的日期。")
    budget, _ = Budget.objects.select_for_update().get_or_create(
        policy=policy, year=year, defaults={"updated_at": now}
    )
    Budget.objects.filter(pk=budget.pk).update(total=F("total") + value, updated_at=now)
    due = rules.fund_due_on(arrived_on, calendar=get_calendar())
    arrival = FundArrival.objects.create(
        budget=budget, amount=value, source=source.strip()[:200],
        document_number=(document_number or "").strip()[:100], arrived_on=arrived_on, due_on=due,
        overdue=rules.fund_overdue(due=due, disbursed_on=None, today=today),
        created_at=now, created_by=_user(actor),
    )  # fmt: skip
    audit.record(actor, "fund.arrived", arrival,
                 after={"amount": value, "source": arrival.source, "arrived_on": arrived_on,
                        "due_on": due}, now=now)  # fmt: skip
    return arrival


@transaction.atomic
def record_fund_disbursement(
    arrival: FundArrival, *, disbursed_on: dt.date, note: str, actor, now: dt.datetime
) -> FundArrival:
    """登记下达或拨付 of funds from above (the 15-day clock stops)."""
    queries.require_delivery_manager(actor, arrival.budget.policy)
    arrival = FundArrival.objects.select_for_update().get(pk=arrival.pk)
    if arrival.disbursed_on is not None:
        raise IllegalTransition(
            f"这笔资金已于 {arrival.disbursed_on} 登记下达或拨付，不能重复登记。"
        )
    if disbursed_on < arrival.arrived_on or disbursed_on > _today(now):
        raise InvalidInput(
            f"下达或拨付日期应在到达日期 {arrival.arrived_on} 与今天之间，现为 {disbursed_on}。"
        )
    if not (note or "").strip():
        raise InvalidInput("请说明资金去向（如“下达示例县财政局”或“直接拨付至 12 家企业”）。")
    arrival.disbursed_on, arrival.disbursement_note = disbursed_on, note.strip()[:300]
    arrival.overdue = rules.fund_overdue(
        due=arrival.due_on, disbursed_on=disbursed_on, today=_today(now)
    )
    arrival.save(update_fields=["disbursed_on", "disbursement_note", "overdue"])
    audit.record(actor, "fund.disbursed", arrival,
                 after={"disbursed_on": disbursed_on, "note": arrival.disbursement_note,
                        "overdue": arrival.overdue}, now=now)  # fmt: skip
    return arrival


# ---------------------------------------------------------------- 服务对象清单


@transaction.atomic
def refresh_service_target_list(policy: Policy, *, actor, now: dt.datetime) -> ServiceTargetList:
    """更新本季度服务对象清单 from the policy's current matching results."""
    queries.require_delivery_manager(actor, policy)
    year, quarter = rules.quarter_of(_today(now))
    target_list, _ = ServiceTargetList.objects.select_for_update().get_or_create(
        policy=policy, year=year, quarter=quarter,
        defaults={"unit": policy.owner_unit,
                  "due_on": rules.target_list_due_on(year, quarter)},
    )  # fmt: skip
    results = MatchResult.objects.filter(policy=policy, current=True)
    latest_year = results.order_by("-year").values_list("year", flat=True).first()
    if latest_year is None:
        raise InvalidInput(
            f"“{policy.title}”还没有匹配结果，无法生成服务对象清单。请先运行政策匹配。"
        )
    # credit code and name from the registry, joined by id (rows of an enterprise no
    # longer in the registry have none, and no place on the list)
    results = results.filter(year=latest_year, enterprise__isnull=False).select_related(
        "enterprise"
    )
    target_list.entries.all().delete()
    ServiceTarget.objects.bulk_create(
        [
            ServiceTarget(
                target_list=target_list,
                uscc=r.uscc,
                enterprise_name=r.enterprise_name,
                eligible=r.eligible,
                amount=r.amount,
                reason=r.reason,
            )  # fmt: skip
            for r in results.iterator(chunk_size=2000)
        ],
        batch_size=2000,
    )
    before = target_list.entry_count if target_list.refreshed_at else None
    target_list.entry_count = target_list.entries.count()
    target_list.refreshed_at, target_list.refreshed_by = now, _user(actor)
    target_list.run_id = results.order_by("-run_id").values_list("run_id", flat=True).first()
    target_list.save()
    audit.record(actor, "service_target_list.refreshed", target_list,
                 before={"entries": before}, after={"entries": target_list.entry_count,
                                                    "quarter": f"{year}Q{quarter}"},
                 now=now)  # fmt: skip
    return target_list
