"""码上监督: the enterprise's code and unregistered-visit reports."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction

from qinqing.appeals import service as appeals
from qinqing.appeals.choices import AppealType, Channel
from qinqing.core import audit
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import InvalidInput
from qinqing.onsite.models import (
    CheckRegistration,
    EnterpriseCode,
    UnregisteredVisitReport,
)
from qinqing.onsite.service._common import LIVE_STATES, _text, local_today


def code_for_enterprise(enterprise: Enterprise, *, now: dt.datetime) -> EnterpriseCode:
    """The enterprise's code (created on first use; the token is unguessable)."""
    code = EnterpriseCode.objects.filter(enterprise=enterprise).first()
    if code is None:
        code, _ = EnterpriseCode.objects.get_or_create(
            enterprise=enterprise,
            defaults={"token": secrets.token_urlsafe(18), "created_at": now},
        )
    return code


@transaction.atomic
def report_unregistered_visit(
    *,
    actor,
    now: dt.datetime,
    enterprise: Enterprise,
    visited_on: dt.date,
    visitor_unit: str,
    description: str,
    conduct: bool,
    contact_name: str,
    contact_phone: str,
) -> UnregisteredVisitReport:
    """An enterprise reports an unregistered visit: it becomes an appeal (码上监督 channel);
    a conduct matter is referred to 纪检监察 at once."""

    visitor_unit = _text(visitor_unit, "来访单位", limit=200)
    description = _text(description, "情况说明", limit=3000)
    if visited_on > local_today(now):
        raise InvalidInput(f"入企日期 {visited_on.isoformat()} 还没到，请核对。")
    registered = CheckRegistration.objects.filter(
        enterprise=enterprise, planned_on=visited_on, state__in=LIVE_STATES
    ).select_related("unit")
    names = "、".join(sorted({r.unit.name for r in registered})) or "无"
    title = f"未备案入企检查：{visitor_unit} {visited_on.isoformat()}"
    content = (
        f"企业通过“码上监督”反映：{visited_on.isoformat()} {visitor_unit} 人员入企检查，"
        f"企业未看到该次检查的备案。\n情况说明：{description}\n"
        f"当日已备案的检查部门：{names}。"
    )
    area = registered[0].area if registered else None
    appeal = appeals.submit_appeal(
        actor=actor,
        now=now,
        channel=Channel.ONSITE,
        data={
            "enterprise_name": enterprise.name,
            "enterprise_uscc": enterprise.uscc,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "title": title[:200],
            "content": content,
            "appeal_type": AppealType.COMPLAINT,
        },
        locality=area,
    )
    if conduct:
        appeals.refer_to_discipline(
            appeal, actor=actor, now=now, note="码上监督：未备案入企，涉及工作作风"
        )
    report = UnregisteredVisitReport.objects.create(
        enterprise=enterprise, visited_on=visited_on, visitor_unit=visitor_unit,
        description=description, conduct=conduct, appeal=appeal, reported_by=actor,
        reported_at=now,
    )  # fmt: skip
    audit.record(actor, "unregistered_visit.reported", report,
                 after={"appeal": appeal.pk, "conduct": conduct}, unit=appeal.locality, now=now)  # fmt: skip
    return report
