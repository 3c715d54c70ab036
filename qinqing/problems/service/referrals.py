"""纪检移送 and 典型案例: referrals with restricted fields, 曝光 and 经验库 cases."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from qinqing.core import audit
from qinqing.core.accounts.access import (
    has_capability,
    require_capability,
    user_unit,
)
from qinqing.core.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from qinqing.core.notifications import notify
from qinqing.core.orgs.models import Unit
from qinqing.problems import rules
from qinqing.problems.models import (
    Case,
    Problem,
    Referral,
)
from qinqing.problems.rules import (
    CaseKind,
    CaseState,
    ProblemState,
    ReferralState,
)
from qinqing.problems.service.common import office_area

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
