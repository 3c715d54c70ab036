"""Problems: finding, rectification, 销号, 回头看 and 督办 escalation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.accounts.access import (
    require_capability,
    user_unit,
)
from qinqing.core.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from qinqing.core.notifications import notify_unit
from qinqing.core.orgs.models import Unit
from qinqing.problems import rules
from qinqing.problems.models import (
    Campaign,
    FollowUpCheck,
    InspectionVisit,
    Problem,
    Supervisor,
)
from qinqing.problems.rules import (
    CheckState,
    ProblemState,
    Source,
)
from qinqing.problems.service.common import (
    _check_in_area,
    _next_number,
    _store_evidence,
    _user,
    compute_due_at,
    local_date,
    office_area,
    settings_for,
)
from qinqing.supervision import service as supervision_service
from qinqing.supervision.rules import NoticeLevel

# ---------------------------------------------------------------------------------------------
# Problems: finding, rectification, 销号


@transaction.atomic
def create_problem(
    *,
    actor,
    title: str,
    source: str,
    lead_unit: Unit,
    time_limit: str,
    now: dt.datetime,
    description: str = "",
    source_detail: str = "",
    responsible_units: Sequence[Unit] = (),
    measures: str = "",
    received_at: dt.datetime | None = None,
    campaign: Campaign | None = None,
    details: dict | None = None,
    visit: InspectionVisit | None = None,
    supervisor: Supervisor | None = None,
    appeal_ids: Sequence[int] = (),
    evidence_note: str = "",
    evidence_files: Iterable = (),
    area: Unit | None = None,
) -> Problem:
    """登记问题: a finding from any source goes into the ledger with a deadline."""
    own_area = office_area(actor) if not isinstance(actor, str) else None
    area = area or own_area
    if area is None:
        raise InvalidInput("请指定问题所属地区。")
    if own_area is not None and not area.path.startswith(own_area.path):
        raise PermissionDenied("只能登记本地区的问题。")
    title = (title or "").strip()
    if not title:
        raise InvalidInput("请填写问题：哪个单位、哪个环节、存在什么问题。")
    if source not in Source.values:
        raise InvalidInput("请选择问题来源。")
    _check_in_area(area, lead_unit, "牵头单位")
    for unit in responsible_units:
        _check_in_area(area, unit, "责任单位")
    received_at = received_at or now
    due = compute_due_at(received_at, time_limit)
    if campaign is not None:
        if campaign.area_id != area.pk and not area.path.startswith(campaign.area.path):
            raise InvalidInput("专项整治不属于本地区。")
        details = rules.campaign_details(campaign.kind, details or {})
    problem = Problem.objects.create(
        area=area,
        number=_next_number(Problem, "WT", local_date(now).year),
        title=title[:300],
        description=(description or "").strip(),
        source=source,
        source_detail=(source_detail or "").strip()[:300],
        campaign=campaign,
        details=details or {},
        lead_unit=lead_unit,
        measures=(measures or "").strip(),
        time_limit=time_limit.strip(),
        received_at=received_at,
        due_at=due,
        visit=visit,
        supervisor=supervisor,
        appeal_ids=list(appeal_ids),
        created_at=now,
        created_by=_user(actor),
    )
    problem.responsible_units.set(responsible_units)
    _store_evidence(
        problem, stage="finding", note=(evidence_note or "").strip(), files=evidence_files,
        actor=actor, now=now,
    )  # fmt: skip
    audit.record(
        actor,
        "problem.created",
        problem,
        after={
            "number": problem.number,
            "source": source,
            "lead_unit": lead_unit.name,
            "due_at": problem.due_at,
        },
        now=now,
    )
    pk, number = problem.pk, problem.number
    notify_unit(
        lead_unit,
        capability="problems.rectify",
        kind="problems.assigned",
        title=f"新交办问题 {number}：{title[:60]}",
        body=f"整改期限：{timezone.localtime(due):%Y-%m-%d %H:%M}",
        url=f"/problems/{pk}/",
        key=f"problem-assigned:{pk}",
        now=now,
    )
    return problem


def _check_rectifier(actor, problem: Problem) -> None:
    require_capability(actor, "problems.rectify")
    unit = user_unit(actor)
    if unit is None or unit.pk != problem.lead_unit_id:
        raise NotFound("问题不存在，或不是交办本单位整改的问题。")


@transaction.atomic
def submit_rectification(
    problem: Problem,
    *,
    actor,
    rectification: str,
    now: dt.datetime,
    evidence_note: str = "",
    evidence_files: Iterable = (),
) -> Problem:
    """申请销号: the lead unit reports what it did, with evidence."""
    _check_rectifier(actor, problem)
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    rules.check_transition(problem.state, ProblemState.SUBMITTED)
    rectification = (rectification or "").strip()
    if not rectification:
        raise InvalidInput("请填写整改情况：采取了哪些措施、取得什么成效。")
    added = _store_evidence(
        problem, stage="rectification", note=(evidence_note or "").strip(),
        files=evidence_files, actor=actor, now=now,
    )  # fmt: skip
    if added == 0 and not problem.evidence.filter(stage="rectification").exists():
        raise InvalidInput("申请销号须附整改佐证材料（文件或文字说明），请补充后再提交。")
    before = problem.state
    problem.state = ProblemState.SUBMITTED
    problem.rectification = rectification
    problem.submitted_at, problem.submitted_by = now, actor
    problem.save(update_fields=["state", "rectification", "submitted_at", "submitted_by"])
    audit.record(
        actor, "problem.close_out_requested", problem, before={"state": before},
        after={"state": problem.state, "evidence": added}, now=now,
    )  # fmt: skip
    return problem


@transaction.atomic
def close_out(problem: Problem, *, actor, now: dt.datetime, note: str = "") -> Problem:
    """销号: an office reviewer who is not the filer accepts the rectification."""
    area = office_area(actor)
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if not problem.area.path.startswith(area.path):
        raise NotFound("问题不存在，或不在您可查看的范围内。")
    rules.check_transition(problem.state, ProblemState.CLOSED)
    rules.check_close_out(
        evidence_count=problem.evidence.filter(stage="rectification").count(),
        submitted_by_id=problem.submitted_by_id,
        reviewer_id=actor.pk,
    )
    problem.state = ProblemState.CLOSED
    problem.closed_at, problem.closed_by = now, actor
    problem.return_reason = ""
    problem.save(update_fields=["state", "closed_at", "closed_by", "return_reason"])
    audit.record(
        actor, "problem.closed_out", problem, before={"state": ProblemState.SUBMITTED},
        after={"state": problem.state, "note": note[:200]}, now=now,
    )  # fmt: skip
    return problem


@transaction.atomic
def return_rectification(problem: Problem, *, actor, reason: str, now: dt.datetime) -> Problem:
    """退回: the reviewer sends the request back with a reason; the unit keeps rectifying."""
    area = office_area(actor)
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if not problem.area.path.startswith(area.path):
        raise NotFound("问题不存在，或不在您可查看的范围内。")
    if problem.state != ProblemState.SUBMITTED:
        raise IllegalTransition(
            f"问题当前状态为“{problem.get_state_display()}”，没有待审核的销号申请。"
        )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写退回理由：哪些整改不到位、需要补充什么材料。")
    if problem.submitted_by_id == actor.pk:
        raise InvalidInput("销号申请由您本人提交，不能由您本人审核。")
    problem.state, problem.return_reason = ProblemState.OPEN, reason
    problem.save(update_fields=["state", "return_reason"])
    audit.record(
        actor, "problem.close_out_returned", problem, before={"state": ProblemState.SUBMITTED},
        after={"state": problem.state, "reason": reason[:200]}, now=now,
    )  # fmt: skip
    notify_unit(
        problem.lead_unit, capability="problems.rectify", kind="problems.returned",
        title=f"销号申请被退回：{problem.number}", body=reason, url=f"/problems/{problem.pk}/",
        key=f"problem-returned:{problem.pk}:{now.isoformat()}", now=now,
    )  # fmt: skip
    return problem


# ---------------------------------------------------------------------------------------------
# 回头看


def schedule_follow_up_checks(now: dt.datetime) -> dict[str, int]:
    """Job: create the 回头看 check of every problem whose period after 销号 has run out.

    Idempotent: one check per problem and round (a database constraint), so a second run,
    or two runs at once, create nothing more.
    """
    today = local_date(now)
    created = 0
    closed = Problem.objects.filter(state=ProblemState.CLOSED).select_related("area")
    for problem in closed.iterator():
        if problem.closed_at is None:
            continue
        period = settings_for(problem.area).follow_up_days
        due = rules.follow_up_due_on(local_date(problem.closed_at), period)
        if due > today:
            continue
        round_ = problem.recurrences + 1
        with transaction.atomic():
            check, made = FollowUpCheck.objects.get_or_create(
                problem=problem, round=round_, defaults={"due_on": due, "created_at": now}
            )
            if made:
                created += 1
                audit.record(
                    "回头看定时任务", "follow_up.scheduled", check,
                    after={"problem": problem.number, "due_on": due}, unit=problem.lead_unit_id,
                    now=now,
                )  # fmt: skip
                notify_unit(
                    problem.area, capability="problems.manage", kind="problems.follow_up_due",
                    title=f"回头看到期：{problem.number} {problem.title[:40]}",
                    url=f"/problems/{problem.pk}/", key=f"follow-up:{check.pk}", now=now,
                )  # fmt: skip
    return {"created": created}


@transaction.atomic
def record_follow_up(
    check: FollowUpCheck, *, actor, recurred: bool, note: str, now: dt.datetime
) -> FollowUpCheck:
    """回头看 result: passed (the problem is verified) or recurred (reopened, counts against
    the unit)."""
    area = office_area(actor)
    check = FollowUpCheck.objects.select_for_update().select_related("problem").get(pk=check.pk)
    problem = Problem.objects.select_for_update().get(pk=check.problem_id)
    if not problem.area.path.startswith(area.path):
        raise NotFound("问题不存在，或不在您可查看的范围内。")
    if check.state != CheckState.PENDING:
        raise IllegalTransition("这次回头看已经登记过结果，不能重复登记。")
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请填写回头看情况：怎么查的、发现了什么。")
    check.state = CheckState.RECURRED if recurred else CheckState.PASSED
    check.note, check.checked_at, check.checked_by = note, now, actor
    check.save(update_fields=["state", "note", "checked_at", "checked_by"])
    before = problem.state
    if recurred:
        rules.check_transition(problem.state, ProblemState.OPEN)
        problem.state = ProblemState.OPEN
        problem.recurrences += 1
        problem.closed_at = problem.closed_by = problem.submitted_at = problem.submitted_by = None
        problem.due_at = compute_due_at(now, problem.time_limit)
        problem.save()
    else:
        rules.check_transition(problem.state, ProblemState.VERIFIED)
        problem.state = ProblemState.VERIFIED
        problem.save(update_fields=["state"])
    audit.record(
        actor, "problem.recurred" if recurred else "follow_up.passed", problem,
        before={"state": before}, after={"state": problem.state, "round": check.round}, now=now,
    )  # fmt: skip
    if recurred:
        notify_unit(
            problem.lead_unit, capability="problems.rectify", kind="problems.recurred",
            title=f"回头看发现问题反弹，请重新整改：{problem.number}", body=note,
            url=f"/problems/{problem.pk}/", key=f"problem-recurred:{check.pk}", now=now,
        )  # fmt: skip
    return check


def notify_overdue_problems(now: dt.datetime) -> dict[str, int]:
    """Job: remind the lead unit of every open problem past its deadline (once per problem
    and day, by key)."""
    today = local_date(now)
    count = 0
    for problem in Problem.objects.filter(state=ProblemState.OPEN, due_at__lt=now).select_related(
        "lead_unit"
    ):
        count += 1
        notify_unit(
            problem.lead_unit, capability="problems.rectify", kind="problems.overdue",
            title=f"问题逾期未整改：{problem.number} {problem.title[:40]}",
            url=f"/problems/{problem.pk}/", key=f"problem-overdue:{problem.pk}:{today}", now=now,
        )  # fmt: skip
    return {"overdue": count}


@transaction.atomic
def escalate_problem(
    problem: Problem,
    *,
    actor,
    level: str,
    reason: str,
    response_workdays: int,
    now: dt.datetime,
):
    """督办: issue a supervision notice on the lead unit (supervision's own service); 问责,
    the top level, is recorded on the problem and counts in the 考评."""

    area = office_area(actor)
    if not problem.area.path.startswith(area.path):
        raise NotFound("问题不存在，或不在您可查看的范围内。")
    if problem.state not in (ProblemState.OPEN, ProblemState.SUBMITTED):
        raise IllegalTransition(f"问题当前状态为“{problem.get_state_display()}”，不需要督办。")
    notice = supervision_service.issue_supervision_notice(
        actor=actor,
        unit=problem.lead_unit,
        level=level,
        reason=f"问题台账 {problem.number}：{problem.title}。{(reason or '').strip()}",
        response_workdays=response_workdays,
        now=now,
    )
    if level == NoticeLevel.ACCOUNTABILITY:
        problem.accountability = True
        problem.save(update_fields=["accountability"])
    audit.record(
        actor, "problem.escalated", problem,
        after={"notice": notice.number, "level": level}, now=now,
    )  # fmt: skip
    return notice
