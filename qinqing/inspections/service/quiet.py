"""宁静期 / 宁静日: per-enterprise quiet periods and locality-wide quiet days."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from qinqing.core import audit
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.inspections import rules
from qinqing.inspections.models import (
    LocalQuietDays,
    QuietPeriod,
)


@transaction.atomic
def add_quiet_period(
    *,
    actor,
    area: Unit,
    enterprise: Enterprise,
    start_on: date,
    end_on: date,
    reason: str,
    now: datetime,
) -> QuietPeriod:
    """登记企业宁静期 (安静生产期): no visit to this enterprise on these days."""
    if start_on > end_on:
        raise InvalidInput(
            f"宁静期开始日期 {start_on.isoformat()} 晚于结束日期 {end_on.isoformat()}，请调整。"
        )
    if not reason.strip():
        raise InvalidInput("请填写宁静期的事由（如“安静生产期”“重大订单生产期”）。")
    period = QuietPeriod.objects.create(
        area=area,
        enterprise=enterprise,
        start_on=start_on,
        end_on=end_on,
        reason=reason.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
    )
    audit.record(
        actor,
        "quiet_period.added",
        period,
        after={"uscc": enterprise.uscc, "start_on": start_on, "end_on": end_on},
        unit=area,
        now=now,
    )
    return period


@transaction.atomic
def remove_quiet_period(period: QuietPeriod, *, actor, now: datetime) -> None:
    before = {
        "uscc": period.enterprise.uscc,
        "start_on": period.start_on,
        "end_on": period.end_on,
        "reason": period.reason,
    }
    audit.record(actor, "quiet_period.removed", period, before=before, unit=period.area, now=now)
    period.delete()


@transaction.atomic
def add_local_quiet_days(
    *, actor, area: Unit, name: str, first_day: int, last_day: int, source: str, now: datetime
) -> LocalQuietDays:
    """登记全域宁静日 (e.g. 上、中旬“宁静日”): copied into each new campaign of the area."""
    rules.check_monthly_quiet(first_day, last_day)
    if not name.strip():
        raise InvalidInput("请填写宁静日制度的名称（如“企业生产经营上、中旬宁静日”）。")
    rule = LocalQuietDays.objects.create(
        area=area,
        name=name.strip(),
        first_day=first_day,
        last_day=last_day,
        source=source.strip(),
        created_at=now,
    )
    audit.record(
        actor,
        "local_quiet_days.added",
        rule,
        after={"first_day": first_day, "last_day": last_day, "source": rule.source},
        unit=area,
        now=now,
    )
    return rule


@transaction.atomic
def deactivate_local_quiet_days(rule: LocalQuietDays, *, actor, now: datetime) -> None:
    if not rule.active:
        raise IllegalTransition("该宁静日制度已停用。")
    rule.active = False
    rule.save(update_fields=["active"])
    audit.record(
        actor,
        "local_quiet_days.deactivated",
        rule,
        before={"active": True},
        after={"active": False},
        unit=rule.area,
        now=now,
    )
