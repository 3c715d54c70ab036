"""专项整治 campaigns, 督查组 visits and 营商环境监督员 (appointment, duty log, reports)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from django.db import transaction

from qinqing.core import audit
from qinqing.core.accounts.access import (
    require_capability,
)
from qinqing.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from qinqing.core.notifications import notify_unit
from qinqing.core.orgs.models import Unit
from qinqing.problems import rules
from qinqing.problems.models import (
    Campaign,
    DutyLog,
    InspectionVisit,
    Problem,
    Supervisor,
    SupervisorReport,
)
from qinqing.problems.rules import (
    Source,
)
from qinqing.problems.service.common import local_date, office_area
from qinqing.problems.service.ledger import create_problem

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
    if report.problem is not None:
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
