"""Supervision notices (督办单): issue, escalate, respond, close."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max

from qinqing.core import audit
from qinqing.core.accounts.access import has_capability, require_capability, scope_area, user_unit
from qinqing.core.errors import InvalidInput, NotFound, PermissionDenied
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import get_calendar
from qinqing.supervision import notify, rules
from qinqing.supervision.models import SupervisionNotice
from qinqing.supervision.rules import NoticeLevel, NoticeState
from qinqing.supervision.service.common import local_date

# ---------------------------------------------------------------------------------------------
# Supervision notices (督办单)


def _next_sequence(issuing_unit: Unit, year: int) -> int:
    last = (
        SupervisionNotice.objects.select_for_update()
        .filter(issuing_unit=issuing_unit, year=year)
        .aggregate(m=Max("sequence"))["m"]
    )
    return (last or 0) + 1


def _check_issuer(actor) -> tuple[Unit, Unit]:
    require_capability(actor, "supervision.issue")
    office = user_unit(actor)
    area = scope_area(actor)
    if office is None or area is None or not office.coordinating:
        raise PermissionDenied("督办单只能由营商办、督查室等统筹单位签发。")
    return office, area


@transaction.atomic
def issue_supervision_notice(
    *,
    actor,
    unit: Unit,
    level: str,
    reason: str,
    response_workdays: int,
    task=None,
    requirement: str = "",
    escalated_from: SupervisionNotice | None = None,
    now: datetime,
) -> SupervisionNotice:
    """签发督办单 on a task or a unit; 问责 is referred to 纪检监察 at once."""
    office, area = _check_issuer(actor)
    if level not in NoticeLevel.values:
        raise InvalidInput("请选择督办层级：提醒、督办、约谈或问责。")
    if not unit.path.startswith(area.path) or unit.pk == office.pk:
        raise InvalidInput(f"“{unit.name}”不在{area.name}范围内，不能向其签发督办单。")
    if task is not None:
        if not task.area.path.startswith(area.path):
            raise NotFound("任务不存在，或不在您可查看的范围内。")
        involved = (
            task.lead_units.filter(pk=unit.pk).exists()
            or task.responsible_units.filter(pk=unit.pk).exists()
            or task.supporting_units.filter(pk=unit.pk).exists()
        )
        if not involved:
            raise InvalidInput(
                f"“{unit.name}”不是任务“{task.title[:30]}”的牵头、责任或配合单位，请选择该任务的承办单位。"
            )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写督办事由：哪项工作、存在什么问题。")
    rules.check_response_days(response_workdays)
    if escalated_from is not None:
        rules.check_escalation(escalated_from.level, level)
    today = local_date(now)
    sequence = _next_sequence(office, today.year)
    notice = SupervisionNotice.objects.create(
        year=today.year,
        sequence=sequence,
        number=rules.notice_number(today.year, sequence),
        level=level,
        issuing_unit=office,
        unit=unit,
        task=task,
        reason=reason,
        requirement=(requirement or "").strip(),
        response_workdays=response_workdays,
        issued_on=today,
        response_due_on=get_calendar().add_workdays(today, response_workdays),
        issued_at=now,
        issued_by=actor,
        escalated_from=escalated_from,
        referred_to_discipline=level == NoticeLevel.ACCOUNTABILITY,
    )
    after = {
        "number": notice.number,
        "level": level,
        "unit": unit.name,
        "task": task.pk if task else None,
        "response_due_on": notice.response_due_on,
    }
    audit.record(actor, "supervision_notice.issued", notice, after=after, now=now)
    if notice.referred_to_discipline:
        audit.record(
            actor,
            "supervision_notice.referred",
            notice,
            after={"number": notice.number, "to": "纪检监察机关"},
            now=now,
        )
    notify.notice_issued(notice, now=now)
    return notice


@transaction.atomic
def escalate_notice(
    notice: SupervisionNotice,
    *,
    actor,
    level: str,
    reason: str,
    response_workdays: int,
    requirement: str = "",
    now: datetime,
) -> SupervisionNotice:
    """升级督办: issue a higher-level notice on the same matter; the old one is closed as
    escalated."""
    _check_issuer(actor)
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    rules.check_notice_transition(notice.state, NoticeState.ESCALATED)
    rules.check_escalation(notice.level, level)
    new = issue_supervision_notice(
        actor=actor,
        unit=notice.unit,
        task=notice.task,
        level=level,
        reason=reason,
        requirement=requirement,
        response_workdays=response_workdays,
        escalated_from=notice,
        now=now,
    )
    notice.state = NoticeState.ESCALATED
    notice.save(update_fields=["state"])
    audit.record(
        actor,
        "supervision_notice.escalated",
        notice,
        before={"level": notice.level},
        after={"level": level, "new_number": new.number},
        now=now,
    )
    return new


@transaction.atomic
def respond_to_notice(
    notice: SupervisionNotice, *, actor, response: str, now: datetime
) -> SupervisionNotice:
    """反馈: the supervised unit answers the notice."""
    if not (has_capability(actor, "plans.report") or has_capability(actor, "plans.review")):
        raise PermissionDenied("您的账号没有反馈督办单的权限。")
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    unit = user_unit(actor)
    if unit is None or unit.pk != notice.unit_id:
        raise NotFound("督办单不存在，或不在您可查看的范围内。")
    rules.check_notice_transition(notice.state, NoticeState.RESPONDED)
    response = (response or "").strip()
    if not response:
        raise InvalidInput("请填写反馈内容：整改措施、完成情况和下一步安排。")
    notice.state = NoticeState.RESPONDED
    notice.response = response
    notice.responded_at, notice.responded_on, notice.responded_by = now, local_date(now), actor
    notice.save(update_fields=["state", "response", "responded_at", "responded_on", "responded_by"])
    audit.record(
        actor,
        "supervision_notice.responded",
        notice,
        before={"state": NoticeState.ISSUED},
        after={
            "state": notice.state,
            "on_time": rules.is_on_time(notice.responded_on, notice.response_due_on),
        },
        now=now,
    )
    return notice


@transaction.atomic
def close_notice(
    notice: SupervisionNotice, *, actor, note: str = "", now: datetime
) -> SupervisionNotice:
    """办结: the office accepts the unit's response."""
    office, area = _check_issuer(actor)
    notice = SupervisionNotice.objects.select_for_update().select_related("unit").get(pk=notice.pk)
    if not notice.unit.path.startswith(area.path):
        raise NotFound("督办单不存在，或不在您可查看的范围内。")
    rules.check_notice_transition(notice.state, NoticeState.CLOSED)
    notice.state = NoticeState.CLOSED
    notice.closed_at, notice.closed_by, notice.close_note = now, actor, (note or "").strip()
    notice.save(update_fields=["state", "closed_at", "closed_by", "close_note"])
    audit.record(
        actor,
        "supervision_notice.closed",
        notice,
        before={"state": NoticeState.RESPONDED},
        after={"state": notice.state},
        now=now,
    )
    return notice
