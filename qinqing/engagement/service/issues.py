"""From a visit or a meeting to an appeal (诉求)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from qinqing.core import audit
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.engagement import rules
from qinqing.engagement.models import (
    Meeting,
    NeedType,
    RaisedIssue,
    Visit,
)
from qinqing.engagement.service.common import local_today


def _open_appeal(*, actor, now, channel, enterprise: Enterprise, locality: Unit, data: dict,
                 reference: str):  # fmt: skip
    from qinqing.appeals.choices import AppealType
    from qinqing.appeals.service import submit_appeal

    appeal_data = {
        "enterprise_uscc": enterprise.uscc,
        "enterprise_name": enterprise.name,
        "contact_name": data.get("contact_name", ""),
        "contact_phone": data.get("contact_phone", ""),
        "appeal_type": data.get("appeal_type") or AppealType.HELP,
        "title": data.get("title", ""),
        "content": data.get("content", ""),
        "place": data.get("place", ""),
    }
    return submit_appeal(actor=actor, now=now, channel=channel, data=appeal_data,
                         locality=locality, source="engagement", external_id=reference)  # fmt: skip


def _check_need_type(need_type: str) -> None:
    if need_type not in NeedType.values:
        raise InvalidInput(f"请选择需求类型：{'、'.join(NeedType.labels)}。")


@transaction.atomic
def raise_issue_from_visit(visit: Visit, *, actor, now: dt.datetime, need_type: str,
                           data: dict) -> RaisedIssue:  # fmt: skip
    """A problem found on a visit becomes an appeal (channel 包联走访), linked both ways."""
    from qinqing.appeals.choices import Channel

    _check_need_type(need_type)
    if visit.enterprise is None:
        raise InvalidInput("项目走访中发现的问题请登记为项目堵点。")
    appeal = _open_appeal(actor=actor, now=now, channel=Channel.VISIT, enterprise=visit.enterprise,
                          locality=visit.area, data=data,
                          reference=f"visit-{visit.pk}-{visit.issues.count() + 1}")  # fmt: skip
    issue = RaisedIssue.objects.create(
        visit=visit, appeal=appeal, need_type=need_type, cadre_id=visit.cadre_id,
        unit_id=visit.unit_id, area_id=visit.area_id, enterprise=visit.enterprise,
        raised_on=local_today(now),
    )  # fmt: skip
    if need_type not in visit.need_types:
        visit.need_types = rules.split_choices([*visit.need_types, need_type], NeedType.values)
        visit.save(update_fields=["need_types"])
    audit.record(actor, "visit.issue_raised", visit, unit=visit.unit_id,
                 after={"appeal": appeal.pk, "need_type": need_type}, now=now)  # fmt: skip
    return issue


@transaction.atomic
def raise_issue_from_meeting(meeting: Meeting, *, actor, now: dt.datetime, enterprise: Enterprise,
                             need_type: str, data: dict) -> RaisedIssue:  # fmt: skip
    """An issue raised at a meeting becomes an appeal (channel 政企沟通会)."""
    from qinqing.appeals.choices import Channel

    _check_need_type(need_type)
    appeal = _open_appeal(actor=actor, now=now, channel=Channel.MEETING, enterprise=enterprise,
                          locality=meeting.area, data=data,
                          reference=f"meeting-{meeting.pk}-{meeting.issues.count() + 1}")  # fmt: skip
    issue = RaisedIssue.objects.create(
        meeting=meeting, appeal=appeal, need_type=need_type, unit_id=meeting.host_unit_id,
        area_id=meeting.area_id, enterprise=enterprise, raised_on=local_today(now),
    )  # fmt: skip
    audit.record(actor, "meeting.issue_raised", meeting, unit=meeting.host_unit_id,
                 after={"appeal": appeal.pk, "need_type": need_type}, now=now)  # fmt: skip
    return issue
