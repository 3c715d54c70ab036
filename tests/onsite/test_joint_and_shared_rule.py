"""进一次门、查多项事 proposals, and the one quiet-window rule shared with the random draw."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from qinqing.core.errors import InvalidInput
from qinqing.onsite import service
from qinqing.onsite.models import JointVisitProposal, ProposalState
from tests.inspections.conftest import NOW
from tests.onsite.conftest import enterprise, register

pytestmark = pytest.mark.django_db


def test_two_departments_on_one_enterprise_get_one_joint_proposal(ow):
    ent = enterprise(ow, "C")
    a = register(ow, unit="market", ent=ent, day=date(2026, 6, 25))
    b = register(ow, unit="tax", ent=ent, day=date(2026, 6, 23))
    register(ow, unit="market", ent=enterprise(ow, "C", 1), day=date(2026, 6, 24))  # alone
    assert service.propose_joint_visits(month=date(2026, 6, 1), now=NOW) == 1
    assert service.propose_joint_visits(month=date(2026, 6, 1), now=NOW) == 0  # idempotent
    proposal = JointVisitProposal.objects.get()
    assert proposal.proposed_on == date(2026, 6, 23)
    assert set(proposal.members.values_list("pk", flat=True)) == {a.pk, b.pk}
    service.accept_joint_visit(proposal, actor=ow.office_admin, now=NOW)
    a.refresh_from_db()
    assert a.planned_on == date(2026, 6, 23) and a.joint_id == proposal.pk
    # a joint visit counts once towards the cap
    assert service.planned_checks_in_year(ent.pk, 2026) == 1


def test_the_job_is_idempotent(ow):
    from qinqing.onsite.tasks import propose_joint_visits

    ent = enterprise(ow, "C")
    register(ow, unit="market", ent=ent, day=date(2026, 7, 22))
    register(ow, unit="tax", ent=ent, day=date(2026, 7, 23))
    assert propose_joint_visits(NOW) == {"created": 1}
    assert propose_joint_visits(NOW) == {"created": 0}


def test_accepting_rechecks_the_quiet_rule(ow):
    from qinqing.inspections import service as inspections

    ent = enterprise(ow, "C")
    register(ow, unit="market", ent=ent, day=date(2026, 6, 23))
    register(ow, unit="tax", ent=ent, day=date(2026, 6, 25))
    service.propose_joint_visits(month=date(2026, 6, 1), now=NOW)
    inspections.add_quiet_period(actor=ow.office_admin, area=ow.city, enterprise=ent,
                                 start_on=date(2026, 6, 23), end_on=date(2026, 6, 23),
                                 reason="设备检修", now=NOW)  # fmt: skip
    proposal = JointVisitProposal.objects.get()
    with pytest.raises(InvalidInput, match="企业宁静期"):
        service.accept_joint_visit(proposal, actor=ow.office_admin, now=NOW)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PROPOSED


def test_the_draw_and_the_registration_share_one_rule():
    from qinqing.inspections import rules as inspection_rules
    from qinqing.inspections.drawing import constraints, engine
    from qinqing.onsite import rules

    shared = inspection_rules.quiet_window_conflict
    assert engine.quiet_window_conflict is shared
    assert constraints.quiet_window_conflict is shared
    assert rules.quiet_window_conflict is shared


def test_the_draw_schedules_visits_only_on_days_a_registration_would_accept(ow):
    """Same windows, same calendar: the draw's visit days == the days registration accepts."""
    from qinqing.inspections import service as inspections
    from qinqing.inspections.models import Visit
    from tests.inspections.conftest import drawn_campaign

    ent = next(e for e in ow.enterprises if e.credit_tier == "D")
    inspections.add_quiet_period(actor=ow.office_admin, area=ow.city, enterprise=ent,
                                 start_on=date(2026, 6, 21), end_on=date(2026, 6, 26),
                                 reason="安静生产期", now=NOW)  # fmt: skip
    campaign = drawn_campaign(ow)
    visits = list(Visit.objects.filter(campaign=campaign))
    assert visits
    for visit in visits:
        service.entry_check(area=ow.city, enterprise=visit.enterprise, day=visit.planned_on,
                            category="random", joining=True)  # fmt: skip
    june = [date(2026, 6, 1) + timedelta(days=k) for k in range(30)]
    accepted = set()
    for day in june:
        try:
            service.entry_check(
                area=ow.city, enterprise=ent, day=day, category="random", joining=True
            )
            accepted.add(day)
        except InvalidInput:
            pass
    from qinqing.inspections.pools import campaign_inputs

    constraints = campaign_inputs(campaign).constraints
    base = set(constraints.base_visit_dates())
    periods = constraints.quiet_periods[ent.uscc]
    draw_days = {d for d in base if not any(a <= d <= b for a, b in periods)}
    assert accepted == draw_days == {date(2026, 6, 29), date(2026, 6, 30)}
