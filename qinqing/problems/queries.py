"""Permission-checked reads of the problem ledger, and the figures other apps read.

Who sees what:

* the office (营商办) and leaders: every problem of their area (``scope_area``);
* a unit: the problems it leads or is responsible for;
* 纪检监察: the referrals of its area, with the restricted fields; nobody else reads those
  (a referred problem shows everyone else only 已移送, its description hidden);
* a 监督员: their own reports and duty log.

``access_*`` raise the same ``NotFound`` for "missing" and "not yours".
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from qinqing.core.accounts.access import (
    has_capability,
    one_or_not_found,
    profile_of,
    require_capability,
    scope_area,
    scoped_by_area,
    scoped_by_unit,
    user_unit,
)
from qinqing.core.accounts.models import Scope
from qinqing.core.errors import NotFound
from qinqing.core.orgs.models import Unit
from qinqing.problems.models import (
    Arrears,
    ArrearsEntry,
    Campaign,
    Case,
    FollowUpCheck,
    Problem,
    Referral,
    Supervisor,
    SupervisorReport,
    ThemeProposal,
)
from qinqing.problems.rules import CaseKind, CaseState, ProblemState, Source

CENT = Decimal("0.01")
PROBLEM_NOT_FOUND = "问题不存在，或不在您可查看的范围内。"
REFERRED_TEXT = "已移送"


def _scope(user) -> str | None:
    profile = profile_of(user)
    return profile.role.scope if profile else None


def visible_problems_for_user(user) -> QuerySet[Problem]:
    require_capability(user, "problems.view")
    scope = _scope(user)
    if scope == Scope.JURISDICTION:
        area = scope_area(user)
        if area is None:
            return Problem.objects.none()
        return Problem.objects.filter(area__path__startswith=area.path)
    if scope == Scope.UNIT:
        unit = user_unit(user)
        if unit is None:
            return Problem.objects.none()
        return Problem.objects.filter(Q(lead_unit=unit) | Q(responsible_units=unit)).distinct()
    if scope == Scope.GLOBAL:
        return Problem.objects.all()
    return Problem.objects.none()


def access_problem_for_user(user, problem_id: int) -> Problem:
    return one_or_not_found(
        visible_problems_for_user(user).select_related("area", "lead_unit", "campaign"),
        problem_id,
        PROBLEM_NOT_FOUND,
    )


def can_manage(user, problem: Problem) -> bool:
    area = scope_area(user)
    return (
        has_capability(user, "problems.manage")
        and area is not None
        and problem.area.path.startswith(area.path)
    )


def can_rectify(user, problem: Problem) -> bool:
    unit = user_unit(user)
    return (
        has_capability(user, "problems.rectify")
        and unit is not None
        and unit.pk == problem.lead_unit_id
        and problem.state == ProblemState.OPEN
    )


def public_description(problem: Problem) -> str:
    """What a reader who is not 纪检监察 may see of a problem's description."""
    return REFERRED_TEXT if problem.state == ProblemState.REFERRED else problem.description


def discipline_area(user) -> Unit | None:
    if not has_capability(user, "problems.discipline"):
        return None
    unit = user_unit(user)
    return unit.area() if unit else None


def visible_referrals_for_user(user) -> QuerySet[Referral]:
    require_capability(user, "problems.discipline")
    area = discipline_area(user)
    if area is None:
        return Referral.objects.none()
    return Referral.objects.filter(problem__area__path__startswith=area.path).select_related(
        "problem", "problem__lead_unit"
    )


def access_referral_for_user(user, referral_id: int) -> Referral:
    return one_or_not_found(
        visible_referrals_for_user(user), referral_id, "移送事项不存在，或不在您可查看的范围内。"
    )


def office_scope(user, capability: str = "problems.manage") -> Unit:
    require_capability(user, capability)
    area = scope_area(user)
    if area is None:
        raise NotFound("您的账号没有所属地区。")
    return area


def access_check_for_office(user, check_id: int) -> FollowUpCheck:
    office_scope(user)
    return one_or_not_found(
        scoped_by_area(
            FollowUpCheck.objects.select_related("problem"), user, field="problem__area"
        ),
        check_id,
        "回头看记录不存在，或不在您可查看的范围内。",
    )


def visible_campaigns_for_user(user) -> QuerySet[Campaign]:
    require_capability(user, "problems.view")
    area = scope_area(user)
    if area is not None:
        return Campaign.objects.filter(area__path__startswith=area.path)
    unit = user_unit(user)
    if unit is None:
        return Campaign.objects.none()
    return Campaign.objects.filter(area=unit.area())


def access_campaign_for_user(user, campaign_id: int) -> Campaign:
    return one_or_not_found(
        visible_campaigns_for_user(user), campaign_id, "专项整治不存在，或不在您可查看的范围内。"
    )


# --- cases ------------------------------------------------------------------------------------


def published_cases(kind: str) -> QuerySet[Case]:
    """The public 曝光 page (negative) and the 经验库 (positive): published cases only."""
    return Case.objects.filter(kind=kind, state=CaseState.PUBLISHED).select_related("unit")


def pending_cases_for_user(user) -> QuerySet[Case]:
    area = office_scope(user)
    return Case.objects.filter(area__path__startswith=area.path, state=CaseState.PENDING)


def access_case_for_office(user, case_id: int) -> Case:
    return one_or_not_found(
        pending_cases_for_user(user), case_id, "案例不存在、已审核，或不在您可查看的范围内。"
    )


# --- supervisors ------------------------------------------------------------------------------


def supervisor_for_user(user) -> Supervisor | None:
    if not has_capability(user, "problems.supervise"):
        return None
    return Supervisor.objects.filter(user=user).first()


def access_supervisor_for_qr(user, supervisor_id: int) -> Supervisor:
    """The supervisor whose QR code the user may print: their own, or one of the area of
    the office (营商办) that appointed them."""
    found = Supervisor.objects.filter(pk=supervisor_id).select_related("area").first()
    if found is not None and found.user_id == getattr(user, "pk", None):
        return found
    if found is not None and can_manage_area(user):
        area = scope_area(user)
        if area is not None and found.area.path.startswith(area.path):
            return found
    raise NotFound("监督员不存在，或不在您可查看的范围内。")


def visible_supervisor_reports(user) -> QuerySet[SupervisorReport]:
    area = office_scope(user)
    return SupervisorReport.objects.filter(
        supervisor__area__path__startswith=area.path
    ).select_related("supervisor", "problem")


def access_supervisor_report(user, report_id: int) -> SupervisorReport:
    return one_or_not_found(
        visible_supervisor_reports(user), report_id, "监督员反映不存在，或不在您可查看的范围内。"
    )


# --- themes -----------------------------------------------------------------------------------


def theme_proposals_for_user(user) -> QuerySet[ThemeProposal]:
    area = office_scope(user)
    return ThemeProposal.objects.filter(run__area__path__startswith=area.path).select_related(
        "run", "problem"
    )


def access_theme_for_office(user, proposal_id: int) -> ThemeProposal:
    return one_or_not_found(
        theme_proposals_for_user(user), proposal_id, "热点建议不存在，或不在您可查看的范围内。"
    )


# --- arrears ----------------------------------------------------------------------------------


def visible_arrears_for_user(user) -> QuerySet[Arrears]:
    require_capability(user, "problems.view")
    return scoped_by_unit(Arrears.objects.all(), user, field="debtor_unit", area_field="county")


def access_arrears_for_user(user, arrears_id: int) -> Arrears:
    return one_or_not_found(
        visible_arrears_for_user(user).select_related("county", "debtor_unit"),
        arrears_id,
        "清欠台账不存在，或不在您可查看的范围内。",
    )


def can_edit_arrears(user, arrears: Arrears) -> bool:
    """The office of the arrears' area, or the debtor unit itself, may change the repayment
    plan and record a dispute."""
    area = scope_area(user)
    if (
        has_capability(user, "problems.arrears")
        and area is not None
        and arrears.county.path.startswith(area.path)
    ):
        return True
    unit = user_unit(user)
    return (
        has_capability(user, "problems.rectify")
        and unit is not None
        and arrears.debtor_unit_id == unit.pk
    )


def access_entry_for_office(user, entry_id: int) -> ArrearsEntry:
    office_scope(user, "problems.arrears")
    return one_or_not_found(
        scoped_by_area(ArrearsEntry.objects.all(), user, field="arrears__county"),
        entry_id,
        "还款记录不存在，或不在您可查看的范围内。",
    )


def arrears_totals(arrears: QuerySet[Arrears]) -> dict:
    """Outstanding amounts by debtor, by county and by year incurred, and the grand totals.

    Every figure is ``principal - sum(entries)`` over the same rows, so the three
    breakdowns each add up to the grand total and reconcile with the payments entered.
    """
    principal = {
        r["pk"]: r for r in arrears.values("pk", "principal", "debtor_name", "county__name",
                                           "incurred_on", "kind")
    }  # fmt: skip
    paid = dict(
        ArrearsEntry.objects.filter(arrears__in=arrears)
        .values("arrears_id")
        .annotate(s=Sum("amount"))
        .values_list("arrears_id", "s")
    )
    by_debtor: dict[str, Decimal] = defaultdict(Decimal)
    by_county: dict[str, Decimal] = defaultdict(Decimal)
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    total_principal = total_paid = Decimal("0")
    for pk, row in principal.items():
        # SQLite sums decimals as floats: bring every sum back to whole fen
        p = Decimal(paid.get(pk) or 0).quantize(CENT)
        owed = row["principal"] - p
        total_principal += row["principal"]
        total_paid += p
        by_debtor[row["debtor_name"]] += owed
        by_county[row["county__name"]] += owed
        by_year[row["incurred_on"].year] += owed
    return {
        "principal": total_principal,
        "paid": total_paid,
        "outstanding": total_principal - total_paid,
        "by_debtor": sorted(by_debtor.items(), key=lambda kv: (-kv[1], kv[0])),
        "by_county": sorted(by_county.items(), key=lambda kv: (-kv[1], kv[0])),
        "by_year": sorted(by_year.items()),
        "count": len(principal),
    }


def repayment_progress(arrears: Arrears) -> list[dict]:
    """Each plan year: planned amount and what was actually paid in that year."""
    paid_by_year: dict[int, Decimal] = defaultdict(Decimal)
    for entry in arrears.entries.all():
        paid_by_year[entry.paid_on.year] += entry.amount
    return [
        {"year": p.year, "planned": p.amount, "paid": paid_by_year.get(p.year, Decimal("0"))}
        for p in arrears.plan.all()
    ]


# --- figures for the 通报 and the 考评 ---------------------------------------------------------


def bulletin_counts(area: Unit, period_start: dt.date, period_end: dt.date, now) -> dict:
    """Counts for the 通报: problems of ``area`` registered up to ``period_end``, by lead
    unit, by source and by status (overdue counted apart), plus what happened in the period
    (new, closed out, recurred). Referred problems count only as 已移送.

    Returns ``{"by_unit": [(unit name, {status: n, "overdue": n, "total": n})…],
    "by_source": [(label, n)…], "by_status": [(label, n)…], "period": {...}}``.
    """
    tz = ZoneInfo("Asia/Shanghai")
    end_at = dt.datetime.combine(period_end + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    start_at = dt.datetime.combine(period_start, dt.time(), tzinfo=tz)
    problems = Problem.objects.filter(area__path__startswith=area.path, created_at__lt=end_at)
    overdue_q = Q(state=ProblemState.OPEN, due_at__lt=min(now, end_at))
    by_unit_rows = (
        problems.values("lead_unit__name", "state")
        .annotate(n=Count("id"), overdue=Count("id", filter=overdue_q))
        .order_by("lead_unit__name")
    )
    by_unit: dict[str, dict] = defaultdict(lambda: {"total": 0, "overdue": 0})
    for row in by_unit_rows:
        cell = by_unit[row["lead_unit__name"]]
        cell[ProblemState(row["state"]).label] = (
            cell.get(ProblemState(row["state"]).label, 0) + row["n"]
        )
        cell["total"] += row["n"]
        cell["overdue"] += row["overdue"]
    by_source = [
        (Source(r["source"]).label, r["n"])
        for r in problems.values("source").annotate(n=Count("id")).order_by("-n", "source")
    ]
    by_status = [
        (ProblemState(r["state"]).label, r["n"])
        for r in problems.values("state").annotate(n=Count("id")).order_by("state")
    ]
    in_period = Q(created_at__gte=start_at)
    return {
        "by_unit": sorted(by_unit.items()),
        "by_source": by_source,
        "by_status": by_status,
        "overdue": problems.filter(overdue_q).count(),
        "period": {
            "new": problems.filter(in_period).count(),
            "closed": problems.filter(closed_at__gte=start_at, closed_at__lt=end_at).count(),
            "recurred": FollowUpCheck.objects.filter(
                problem__in=problems,
                state="recurred",
                checked_at__gte=start_at,
                checked_at__lt=end_at,
            ).count(),  # fmt: skip
        },
    }


def export_rows(problems) -> list[list]:
    """Rows of the usual 问题清单 columns; a referred problem's description reads 已移送."""
    rows = []
    for p in problems:
        rows.append(
            [
                p.number,
                p.title,
                public_description(p),
                p.get_source_display(),
                p.source_detail,
                p.lead_unit.name,
                "、".join(u.name for u in p.responsible_units.all()),
                p.measures,
                p.time_limit,
                timezone.localtime(p.received_at).strftime("%Y-%m-%d"),
                timezone.localtime(p.due_at).strftime("%Y-%m-%d %H:%M"),
                p.get_state_display(),
                timezone.localtime(p.closed_at).strftime("%Y-%m-%d") if p.closed_at else "",
                p.recurrences,
            ]
        )
    return rows


__all__ = ["CaseKind"]


def can_manage_area(user, capability: str = "problems.manage") -> bool:
    return has_capability(user, capability) and scope_area(user) is not None
