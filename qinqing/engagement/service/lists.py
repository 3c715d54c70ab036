"""Named enterprise lists (名录)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from qinqing.core import audit
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.engagement.models import (
    EnterpriseList,
    ListMembership,
)
from qinqing.engagement.service.common import local_today


@transaction.atomic
def create_enterprise_list(*, actor, now: dt.datetime, name: str, kind: str, area: Unit,
                           description: str = "") -> EnterpriseList:  # fmt: skip
    from qinqing.engagement.models import ListKind

    name = (name or "").strip()
    if not name:
        raise InvalidInput("请填写“名录名称”。")
    if kind not in ListKind.values:
        raise InvalidInput(f"名录类别应为 {'、'.join(ListKind.labels)} 之一。")
    if EnterpriseList.objects.filter(area=area, name=name).exists():
        raise InvalidInput(f"{area.name}已有名为“{name}”的名录。")
    enterprise_list = EnterpriseList.objects.create(name=name[:100], kind=kind, area=area,
                                                    description=description[:300])  # fmt: skip
    audit.record(
        actor, "list.created", enterprise_list, unit=area.pk, after={"name": name}, now=now
    )
    return enterprise_list


@transaction.atomic
def add_to_list(enterprise_list: EnterpriseList, enterprise: Enterprise, *, actor, now: dt.datetime,
                joined_on: dt.date | None = None, note: str = "") -> ListMembership:  # fmt: skip
    if ListMembership.objects.filter(enterprise_list=enterprise_list, enterprise=enterprise,
                                     left_on__isnull=True).exists():  # fmt: skip
        raise InvalidInput(f"{enterprise.name} 已在“{enterprise_list.name}”中。")
    joined_on = joined_on or local_today(now)
    membership = ListMembership.objects.create(enterprise_list=enterprise_list,
                                               enterprise=enterprise, joined_on=joined_on,
                                               note=note[:200])  # fmt: skip
    audit.record(actor, "list.member_added", enterprise_list, unit=enterprise_list.area_id,
                 after={"uscc": enterprise.uscc, "joined_on": joined_on}, now=now)  # fmt: skip
    return membership


@transaction.atomic
def remove_from_list(membership: ListMembership, *, actor, now: dt.datetime,
                     left_on: dt.date | None = None) -> ListMembership:  # fmt: skip
    if membership.left_on is not None:
        raise IllegalTransition("该企业已移出名录。")
    left_on = left_on or local_today(now)
    if left_on < membership.joined_on:
        raise InvalidInput("移出日期早于列入日期。")
    membership.left_on = left_on
    membership.save(update_fields=["left_on"])
    audit.record(actor, "list.member_removed", membership.enterprise_list,
                 unit=membership.enterprise_list.area_id,
                 after={"uscc": membership.enterprise.uscc, "left_on": left_on}, now=now)  # fmt: skip
    return membership
