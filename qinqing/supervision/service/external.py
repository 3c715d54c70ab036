"""External assessment results (全省营商环境评价) that call for supervision.

Supervision pulls pending triggers from ``qinqing.assessment.queries`` and marks them handled
through ``qinqing.assessment.service``; the assessment never imports supervision.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from qinqing.assessment import queries as assessment_queries
from qinqing.assessment import service as assessment_service
from qinqing.core.errors import NotFound
from qinqing.supervision.models import SupervisionNotice
from qinqing.supervision.service.notices import _check_issuer, issue_supervision_notice

# ---------------------------------------------------------------------------------------------
# External assessment results (全省营商环境评价) that call for supervision


@transaction.atomic
def issue_notice_for_trigger(
    trigger_id: int, *, actor, response_workdays: int = 5, now: datetime
) -> SupervisionNotice:
    """签发 the notice an external ranking calls for (004 (四): 排名列后10名 → 约谈), and
    mark the assessment's trigger handled with the notice number — both or neither."""
    _, area = _check_issuer(actor)
    trigger = assessment_queries.pending_external_triggers(area).filter(pk=trigger_id).first()
    if trigger is None:
        raise NotFound("外部评价触发记录不存在、已处理，或不在您可处理的范围内。")
    notice = issue_supervision_notice(
        actor=actor,
        unit=trigger.unit,
        level=trigger.level,
        reason=f"{trigger.reason}（依据：{trigger.basis}）" if trigger.basis else trigger.reason,
        response_workdays=response_workdays,
        now=now,
    )
    assessment_service.mark_trigger_handled(
        trigger, actor=actor, now=now, note=f"已签发{notice.get_level_display()}（{notice.number}）"
    )
    return notice
