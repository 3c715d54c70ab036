"""好差评 and rectification."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from qinqing.appeals.choices import (
    AppealState,
    EventKind,
    RatingLevel,
    RectificationState,
    SlaStage,
    TicketRole,
    TicketState,
)
from qinqing.appeals.models import (
    Appeal,
    Rectification,
    ServiceRating,
)
from qinqing.appeals.service._common import _event, _require_appeal_state
from qinqing.appeals.service.config import limit_for, local_today
from qinqing.core import audit
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import get_calendar
from qinqing.core.workdays.rules import due_on


@transaction.atomic
def rate_service(
    *,
    actor,
    now: dt.datetime,
    enterprise_uscc: str,
    enterprise_name: str,
    level: int,
    comment: str = "",
    appeal: Appeal | None = None,
    unit: Unit | None = None,
    service_name: str = "",
) -> ServiceRating:
    """好差评: five levels; the bottom two (差评) open a rectification with its own deadline."""
    try:
        level = RatingLevel(int(level))
    except (TypeError, ValueError):
        raise InvalidInput(
            "请选择评价等级：非常满意、满意、基本满意、不满意或非常不满意。"
        ) from None
    if appeal is not None:
        _require_appeal_state(appeal, [AppealState.CLOSED, AppealState.ANSWERED], "评价")
        if hasattr(appeal, "rating"):
            raise InvalidInput("这件诉求已经评价过了。")
        ticket = (
            appeal.tickets.filter(role=TicketRole.PRIMARY, state=TicketState.CLOSED)
            .order_by("-closed_at")
            .first()
        )
        unit = ticket.unit if ticket else _answering_unit(appeal)
        service_name = f"诉求办理：{appeal.title}"[:200]
    if unit is None:
        raise InvalidInput("请选择被评价的单位。")
    service_name = (service_name or "").strip()
    if not service_name:
        raise InvalidInput("请填写评价的服务事项（例如：营业执照变更登记）。")
    if level in (RatingLevel.BAD, RatingLevel.VERY_BAD) and not (comment or "").strip():
        raise InvalidInput("差评请写明不满意的原因，便于单位整改。")
    try:
        # two simultaneous ratings of one appeal: the second meets the one-to-one row
        with transaction.atomic():
            rating = ServiceRating.objects.create(
                rater=actor if getattr(actor, "is_authenticated", False) else None,
                enterprise_uscc=enterprise_uscc,
                enterprise_name=enterprise_name,
                appeal=appeal,
                unit=unit,
                service_name=service_name,
                level=level,
                comment=(comment or "").strip(),
                rated_at=now,
            )
    except IntegrityError:
        raise InvalidInput("这件诉求已经评价过了。") from None
    if appeal is not None:
        _event(appeal, EventKind.RATED, actor=actor, now=now, data={"level": int(level)})
    if rating.is_bad:
        limit = limit_for(unit.area(), SlaStage.RECTIFICATION, "", local_today(now))
        Rectification.objects.create(
            rating=rating,
            unit=unit,
            due_on=due_on(local_today(now), limit, calendar=get_calendar()),
        )
    audit.record(
        actor,
        "rating.created",
        rating,
        unit=unit,
        after={"level": int(level), "bad": rating.is_bad},
        now=now,
    )
    return rating


def _answering_unit(appeal: Appeal) -> Unit | None:
    event = appeal.events.filter(kind=EventKind.ANSWERED).order_by("-at").first()
    unit_id = (event.data or {}).get("unit") if event else None
    if unit_id:
        return Unit.objects.filter(pk=unit_id).first()
    return (
        Unit.objects.filter(path__startswith=appeal.locality.path, coordinating=True)
        .order_by("path")
        .first()
    )


@transaction.atomic
def complete_rectification(
    rectification: Rectification, *, actor, now: dt.datetime, measures: str, feedback: str
) -> Rectification:
    """整改完成: the unit records its measures and the feedback the rater will read."""
    if rectification.state == RectificationState.DONE:
        raise IllegalTransition("该差评已整改完毕。")
    if not (measures or "").strip() or not (feedback or "").strip():
        raise InvalidInput("请填写整改措施和给企业的反馈。")
    rectification.state = RectificationState.DONE
    rectification.measures, rectification.feedback = measures.strip(), feedback.strip()
    rectification.completed_at, rectification.completed_by = now, actor
    rectification.save()
    audit.record(
        actor,
        "rectification.completed",
        rectification,
        unit=rectification.unit_id,
        after={"on_time": local_today(now) <= rectification.due_on},
        now=now,
    )
    return rectification
