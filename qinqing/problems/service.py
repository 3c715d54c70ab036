"""Every change to the problem ledger: one function per action, atomic and audited.

Notifications go through the core notification centre after commit, deduplicated by key.
Events about a problem referred to 纪检监察 never carry the restricted fields (the clue,
the persons, the feedback, the outcome): the audit trail is read by the office and leaders,
who may only learn that the problem was referred.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.accounts.access import (
    has_capability,
    require_capability,
    scope_area,
    user_unit,
)
from qinqing.core.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from qinqing.core.notifications import notify, notify_unit
from qinqing.core.orgs.models import Unit
from qinqing.problems import rules
from qinqing.problems.models import (
    Arrears,
    ArrearsEntry,
    Campaign,
    Case,
    DutyLog,
    Evidence,
    FollowUpCheck,
    InspectionVisit,
    Problem,
    ProblemSettings,
    Referral,
    RepaymentPlan,
    Supervisor,
    SupervisorReport,
    ThemeProposal,
    ThemeRun,
)
from qinqing.problems.rules import (
    CaseKind,
    CaseState,
    CheckState,
    EntryKind,
    ProblemState,
    ReferralState,
    Source,
    ThemeState,
)

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def settings_for(area: Unit) -> ProblemSettings:
    found = ProblemSettings.objects.filter(area=area).first()
    if found is None:
        for ancestor in Unit.objects.filter(pk__in=_ancestor_ids(area)).order_by("-path"):
            found = ProblemSettings.objects.filter(area=ancestor).first()
            if found:
                break
    return found or ProblemSettings(area=area)


def _ancestor_ids(unit: Unit) -> list[int]:
    ids, current = [], unit.parent
    while current is not None:
        ids.append(current.pk)
        current = current.parent
    return ids


def office_area(actor, capability: str = "problems.manage") -> Unit:
    require_capability(actor, capability)
    area = scope_area(actor)
    if area is None:
        raise PermissionDenied("您的账号没有所属地区，不能办理问题台账业务。请联系系统管理员。")
    return area


def _check_in_area(area: Unit, unit: Unit, what: str = "单位") -> None:
    if not unit.path.startswith(area.path):
        raise InvalidInput(f"{what}“{unit.name}”不在{area.name}范围内，请重新选择。")


def _next_number(model, prefix: str, year: int) -> str:
    stem = f"{prefix}{year}-"
    last = (
        model.objects.select_for_update()
        .filter(number__startswith=stem)
        .aggregate(m=Max("number"))["m"]
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{seq:05d}"


def compute_due_at(received_at: dt.datetime, time_limit: str) -> dt.datetime:
    """整改期限 from the receipt time and a limit in 工作日, 自然日 or 小时."""
    from qinqing.core.workdays import due_at, get_calendar, parse_time_limit

    limit = parse_time_limit(rules.limit_in_text(time_limit))
    return due_at(received_at, limit, calendar=get_calendar())


def _store_evidence(problem, *, stage, note, files, actor, now) -> int:
    from qinqing.core.files.uploads import check_upload

    count = 0
    if note:
        Evidence.objects.create(
            problem=problem, stage=stage, note=note, added_at=now, added_by=_user(actor)
        )
        count += 1
    for f in files or ():
        head = f.read(16)
        f.seek(0)
        check_upload(f.name, f.size, head, max_bytes=MAX_EVIDENCE_BYTES, what="佐证材料")
        item = Evidence(
            problem=problem, stage=stage, original_name=f.name[:200], added_at=now,
            added_by=_user(actor),
        )  # fmt: skip
        item.file.save(f.name, f, save=False)
        item.save()
        count += 1
    return count


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


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
    from qinqing.supervision import service as supervision_service
    from qinqing.supervision.rules import NoticeLevel

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


# ---------------------------------------------------------------------------------------------
# 纪检移送


@transaction.atomic
def refer_problem(
    problem: Problem,
    *,
    actor,
    conduct: str,
    allegation: str,
    persons: str = "",
    now: dt.datetime,
) -> Referral:
    """移送纪检监察: the clue goes to a restricted record; everyone else sees only 已移送."""
    area = office_area(actor)
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if not problem.area.path.startswith(area.path):
        raise NotFound("问题不存在，或不在您可查看的范围内。")
    rules.check_transition(problem.state, ProblemState.REFERRED)
    if conduct not in rules.ConductKind.values:
        raise InvalidInput("请选择问题性质：作风问题或廉政问题。")
    allegation = (allegation or "").strip()
    if not allegation:
        raise InvalidInput("请填写移送的问题线索。")
    before = problem.state
    problem.state, problem.conduct = ProblemState.REFERRED, conduct
    problem.save(update_fields=["state", "conduct"])
    referral = Referral.objects.create(
        problem=problem, conduct=conduct, allegation=allegation, persons=(persons or "")[:300],
        referred_at=now, referred_by=actor,
    )  # fmt: skip
    # only the fact of the referral: the clue and the persons stay out of the audit trail
    audit.record(
        actor, "problem.referred", problem, before={"state": before},
        after={"state": ProblemState.REFERRED}, now=now,
    )  # fmt: skip
    discipline = _discipline_users(problem.area)
    notify(
        discipline, kind="problems.referred", title=f"收到移送的问题线索：{problem.number}",
        url=f"/problems/referrals/{referral.pk}/", key=f"problem-referred:{referral.pk}", now=now,
    )  # fmt: skip
    return referral


def _discipline_users(area: Unit) -> list:
    from django.contrib.auth import get_user_model

    users = (
        get_user_model()
        .objects.filter(is_active=True, profile__unit__path__startswith=area.path)
        .select_related("profile__role")
    )
    return [u for u in users if has_capability(u, "problems.discipline")]


@transaction.atomic
def record_referral_feedback(
    referral: Referral,
    *,
    actor,
    feedback: str,
    outcome: str = "",
    conclude: bool = False,
    now: dt.datetime,
) -> Referral:
    """纪检监察 records what it found and the outcome (restricted fields)."""
    require_capability(actor, "problems.discipline")
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.state == ReferralState.CONCLUDED:
        raise IllegalTransition("该移送事项已办结，不能再修改。")
    feedback = (feedback or "").strip()
    if not feedback:
        raise InvalidInput("请填写核查反馈。")
    if conclude and not (outcome or "").strip():
        raise InvalidInput("办结须填写处理结果。")
    before = referral.state
    referral.feedback, referral.outcome = feedback, (outcome or "").strip()
    referral.state = ReferralState.CONCLUDED if conclude else ReferralState.CHECKING
    if conclude:
        referral.closed_at = now
    referral.save(update_fields=["feedback", "outcome", "state", "closed_at"])
    audit.record(
        actor, "referral.updated", ("problems.referral", referral.pk, f"移送 {referral.pk}"),
        before={"state": before}, after={"state": referral.state}, now=now,
    )  # fmt: skip
    return referral


# ---------------------------------------------------------------------------------------------
# 典型案例 (曝光) and 经验做法 (经验库)


@transaction.atomic
def submit_case(
    *, actor, kind: str, title: str, body: str, now: dt.datetime, problem: Problem | None = None
) -> Case:
    """A unit submits an 经验做法, or the office drafts a 典型案例; both wait for approval."""
    if kind == CaseKind.NEGATIVE:
        area = office_area(actor)
        unit = problem.lead_unit if problem else None
    elif kind == CaseKind.POSITIVE:
        require_capability(actor, "problems.cases")
        unit = user_unit(actor)
        if unit is None:
            raise PermissionDenied("您的账号没有所属单位，不能报送经验做法。")
        area = unit.area()
    else:
        raise InvalidInput("请选择案例类型。")
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise InvalidInput("请填写标题和内容。")
    case = Case.objects.create(
        area=area, kind=kind, title=title[:200], body=body, unit=unit, problem=problem,
        submitted_at=now, submitted_by=actor,
    )  # fmt: skip
    audit.record(actor, "case.submitted", case, after={"kind": kind}, unit=unit, now=now)
    return case


@transaction.atomic
def decide_case(case: Case, *, actor, publish: bool, note: str = "", now: dt.datetime) -> Case:
    """审核: publish (曝光 page or 经验库) or reject; the submitter may not decide."""
    area = office_area(actor)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.area.path.startswith(area.path):
        raise NotFound("案例不存在，或不在您可查看的范围内。")
    if case.state != CaseState.PENDING:
        raise IllegalTransition("该案例已审核。")
    if case.submitted_by_id == actor.pk:
        raise InvalidInput("案例由您本人提交，须由其他工作人员审核发布。")
    case.state = CaseState.PUBLISHED if publish else CaseState.REJECTED
    case.decided_at, case.decided_by, case.decision_note = now, actor, (note or "")[:300]
    case.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
    audit.record(
        actor, "case.published" if publish else "case.rejected", case,
        after={"state": case.state}, unit=case.unit_id,
        visibility="public" if publish and case.kind == CaseKind.NEGATIVE else "internal",
        now=now,
    )  # fmt: skip
    return case


# ---------------------------------------------------------------------------------------------
# 专项整治, 督查组, 监督员


@transaction.atomic
def create_campaign(
    *, actor, kind: str, title: str, target_on: dt.date, description: str = "", now: dt.datetime
) -> Campaign:
    area = office_area(actor)
    if kind not in rules.CampaignKind.values:
        raise InvalidInput("请选择整治类型。")
    if not (title or "").strip():
        raise InvalidInput("请填写专项名称。")
    campaign = Campaign.objects.create(
        area=area, kind=kind, title=title.strip()[:200], target_on=target_on,
        description=(description or "").strip(), created_at=now, created_by=actor,
    )  # fmt: skip
    audit.record(actor, "campaign.created", campaign, after={"target_on": target_on}, now=now)
    return campaign


@transaction.atomic
def record_visit(
    *,
    actor,
    team: str,
    kind: str,
    visited_on: dt.date,
    units: Sequence[Unit],
    summary: str,
    findings: Sequence[dict],
    now: dt.datetime,
) -> InspectionVisit:
    """督查组 visit with its findings; each finding becomes a problem (all or none)."""
    area = office_area(actor)
    if not (team or "").strip():
        raise InvalidInput("请填写督查组名称。")
    visit = InspectionVisit.objects.create(
        area=area, team=team.strip()[:100], kind=kind or Source.INSPECTION, visited_on=visited_on,
        summary=(summary or "").strip(), recorded_at=now, recorded_by=actor,
    )  # fmt: skip
    visit.units.set(units)
    audit.record(actor, "visit.recorded", visit, after={"findings": len(findings)}, now=now)
    for finding in findings:
        create_problem(actor=actor, source=visit.kind, visit=visit, now=now, **finding)
    return visit


@transaction.atomic
def appoint_supervisor(
    *, actor, user, name: str, beat: str, term_start: dt.date, term_end: dt.date,
    now: dt.datetime,
) -> Supervisor:  # fmt: skip
    """聘任监督员 for a term; the account gets the 监督员 role's capabilities through its role."""
    area = office_area(actor)
    if term_end <= term_start:
        raise InvalidInput("任期结束日期应晚于开始日期。")
    supervisor = Supervisor.objects.create(
        user=user, area=area, name=(name or user.get_username()).strip()[:50],
        beat=(beat or "").strip()[:100], term_start=term_start, term_end=term_end,
        qr_token=secrets.token_urlsafe(18),
    )  # fmt: skip
    audit.record(
        actor, "supervisor.appointed", supervisor,
        after={"term": f"{term_start}~{term_end}"}, now=now,
    )  # fmt: skip
    return supervisor


def _active_supervisor(actor, today: dt.date) -> Supervisor:
    require_capability(actor, "problems.supervise")
    supervisor = Supervisor.objects.filter(user=actor, active=True).first()
    if supervisor is None:
        raise PermissionDenied("您不是在任的营商环境监督员。")
    if not (supervisor.term_start <= today <= supervisor.term_end):
        raise PermissionDenied(
            f"您的监督员任期为 {supervisor.term_start} 至 {supervisor.term_end}，今天不在任期内。"
        )
    return supervisor


@transaction.atomic
def log_duty(*, actor, on: dt.date, activity: str, now: dt.datetime) -> DutyLog:
    supervisor = _active_supervisor(actor, local_date(now))
    if not (activity or "").strip():
        raise InvalidInput("请填写履职内容。")
    if on > local_date(now):
        raise InvalidInput("履职日期不能晚于今天。")
    log = DutyLog.objects.create(
        supervisor=supervisor, on=on, activity=activity.strip()[:500], recorded_at=now
    )
    audit.record(actor, "supervisor.duty_logged", log, after={"on": on}, now=now)
    return log


@transaction.atomic
def submit_supervisor_report(
    *, actor, channel: str, title: str, content: str, place: str = "", now: dt.datetime
) -> SupervisorReport:
    """监督员反映问题 (web form, or the QR page which carries the supervisor's token)."""
    supervisor = _active_supervisor(actor, local_date(now))
    title, content = (title or "").strip(), (content or "").strip()
    if not title or not content:
        raise InvalidInput("请填写反映事项和具体情况。")
    report = SupervisorReport.objects.create(
        supervisor=supervisor, channel=channel, title=title[:200], content=content,
        place=(place or "").strip()[:200], submitted_at=now,
    )  # fmt: skip
    audit.record(actor, "supervisor.reported", report, after={"channel": channel}, now=now)
    notify_unit(
        supervisor.area, capability="problems.manage", kind="problems.supervisor_report",
        title=f"监督员反映：{title[:60]}", url="/problems/supervisors/reports/",
        key=f"supervisor-report:{report.pk}", now=now,
    )  # fmt: skip
    return report


@transaction.atomic
def open_problem_from_report(
    report: SupervisorReport, *, actor, lead_unit: Unit, time_limit: str, now: dt.datetime
) -> Problem:
    report = SupervisorReport.objects.select_for_update().get(pk=report.pk)
    if report.problem_id:
        raise IllegalTransition(f"该反映已立项为问题 {report.problem.number}。")
    problem = create_problem(
        actor=actor, title=report.title, description=report.content, source=Source.SUPERVISOR,
        source_detail=f"监督员{report.supervisor.name}（{report.get_channel_display()}）{report.place}",
        lead_unit=lead_unit, time_limit=time_limit, supervisor=report.supervisor, now=now,
        evidence_note=report.content,
    )  # fmt: skip
    report.problem = problem
    report.save(update_fields=["problem"])
    return problem


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
    from qinqing.core.enterprises.uscc import validate_uscc

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
        debtor_unit=debtor_unit, debtor_name=(debtor_name or debtor_unit.name).strip()[:200],
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


@transaction.atomic
def record_dispute(arrears: Arrears, *, actor, disputed: bool, note: str, now: dt.datetime):
    office_area(actor, "problems.arrears")
    arrears = Arrears.objects.select_for_update().get(pk=arrears.pk)
    before = arrears.disputed
    arrears.disputed, arrears.dispute_note = disputed, (note or "").strip()
    arrears.save(update_fields=["disputed", "dispute_note"])
    audit.record(
        actor, "arrears.dispute_recorded", arrears, before={"disputed": before},
        after={"disputed": disputed}, now=now,
    )  # fmt: skip
    return arrears


# ---------------------------------------------------------------------------------------------
# 每月一题: themes mined from the month's appeals


def _month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    year, mon = int(month[:4]), int(month[5:7])
    start = dt.datetime(year, mon, 1, tzinfo=tz)
    end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=tz)
    return start, end


def previous_month(today: dt.date) -> str:
    """
    Examples:
        >>> previous_month(dt.date(2025, 1, 3))
        '2024-12'
    """
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}"


MAX_PROPOSALS = 10
COMPARE_MONTHS = 3


def propose_monthly_themes(now: dt.datetime, *, month: str | None = None) -> dict[str, int]:
    """Job (monthly): group last month's appeals of every city into themes and propose the
    hottest to its office. Idempotent: one run per area and month."""
    from qinqing.appeals.models import Appeal
    from qinqing.core.orgs.models import UnitKind
    from qinqing.problems import themes as mining

    month = month or previous_month(local_date(now))
    start, end = _month_bounds(month)
    earliest = _month_bounds(mining._months_before(month, COMPARE_MONTHS)[0])[0]
    runs = proposals = 0
    for area in Unit.objects.filter(kind=UnitKind.CITY, active=True).order_by("path"):
        if ThemeRun.objects.filter(area=area, month=month).exists():
            continue
        rows = Appeal.objects.filter(
            locality__path__startswith=area.path, received_at__gte=earliest, received_at__lt=end
        ).values_list(
            "pk", "received_at", "title", "content", "locality_id", "enterprise_uscc", "place"
        )
        messages = [
            mining.Message(
                id=str(pk),
                created_at=timezone.localtime(at).strftime("%Y-%m-%d"),
                title=title,
                body=f"{place} {content}".strip(),
                region_code=str(locality),
                enterprise=uscc,
            )  # fmt: skip
            for pk, at, title, content, locality, uscc, place in rows
        ]
        current = sum(1 for m in messages if m.month == month)
        found = mining.mine_themes(messages, month=month, compare_months=COMPARE_MONTHS)
        rising = [t for t in found if t.size >= 2 and (t.previous == 0 or t.growth > 0)]
        with transaction.atomic():
            run, made = ThemeRun.objects.get_or_create(
                area=area, month=month, defaults={"appeals": current, "ran_at": now}
            )
            if not made:
                continue
            runs += 1
            for rank, theme in enumerate(rising[:MAX_PROPOSALS], start=1):
                ThemeProposal.objects.create(
                    run=run, rank=rank, label=theme.label[:200], top_terms=theme.top_terms,
                    appeal_ids=[int(i) for i in theme.ids], examples=theme.examples,
                    months=theme.months, size=theme.size, previous=theme.previous,
                    heat=theme.heat,
                )  # fmt: skip
                proposals += 1
            audit.record(
                "每月一题定时任务", "themes.proposed", run,
                after={"month": month, "appeals": current, "proposals": len(rising[:MAX_PROPOSALS])},
                unit=area, now=now,
            )  # fmt: skip
            if rising:
                notify_unit(
                    area, capability="problems.manage", kind="problems.themes",
                    title=f"{month} 诉求热点建议 {len(rising[:MAX_PROPOSALS])} 项，请研判",
                    url="/problems/themes/", key=f"themes:{area.pk}:{month}", now=now,
                )  # fmt: skip
    return {"runs": runs, "proposals": proposals}


@transaction.atomic
def open_problem_from_theme(
    proposal: ThemeProposal, *, actor, lead_unit: Unit, time_limit: str, now: dt.datetime
) -> Problem:
    """One click: a proposed theme becomes a problem of the ledger, linked to its appeals."""
    proposal = ThemeProposal.objects.select_for_update().select_related("run").get(pk=proposal.pk)
    if proposal.state != ThemeState.PROPOSED:
        raise IllegalTransition("该热点建议已处理。")
    terms = "、".join(proposal.top_terms[:5])
    problem = create_problem(
        actor=actor, title=f"诉求热点：{proposal.label}"[:300],
        description=f"{proposal.run.month} 共 {proposal.size} 件诉求反映此问题（关键词：{terms}）。",
        source=Source.APPEAL_THEME, source_detail=f"每月一题 {proposal.run.month} 第{proposal.rank}项",
        lead_unit=lead_unit, time_limit=time_limit, appeal_ids=proposal.appeal_ids,
        area=proposal.run.area, now=now,
    )  # fmt: skip
    proposal.state, proposal.problem = ThemeState.OPENED, problem
    proposal.save(update_fields=["state", "problem"])
    return problem


@transaction.atomic
def dismiss_theme(proposal: ThemeProposal, *, actor, now: dt.datetime) -> ThemeProposal:
    office_area(actor)
    proposal = ThemeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != ThemeState.PROPOSED:
        raise IllegalTransition("该热点建议已处理。")
    proposal.state = ThemeState.DISMISSED
    proposal.save(update_fields=["state"])
    audit.record(actor, "themes.dismissed", proposal, unit=proposal.run.area_id, now=now)
    return proposal
