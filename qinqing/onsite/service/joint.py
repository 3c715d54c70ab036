"""进一次门、查多项事: joint-visit proposals and their decisions."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count

from qinqing.core import audit
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.notifications import notify_unit
from qinqing.onsite import rules
from qinqing.onsite.models import (
    CheckRegistration,
    JointVisitProposal,
    ProposalState,
)
from qinqing.onsite.service._common import OPEN_STATES
from qinqing.onsite.service.registration import entry_check


def propose_joint_visits(*, month: dt.date, now: dt.datetime) -> int:
    """进一次门、查多项事: one proposal per enterprise two departments plan to visit in a month.

    Idempotent: an enterprise that already has a proposal for the month gets no new one
    (new registrations are added to a proposal still waiting). Returns proposals created.
    """
    start, end = rules.month_bounds(month)
    base = CheckRegistration.objects.filter(
        planned_on__gte=start, planned_on__lte=end, state__in=OPEN_STATES,
        category__in=rules.PLANNED_CATEGORIES, joint__isnull=True,
    )  # fmt: skip

    shared = (
        base.values("enterprise_id").annotate(n=Count("unit_id", distinct=True)).filter(n__gte=2)
    )
    rows = list(
        base.filter(enterprise_id__in=shared.values("enterprise_id")).values_list(
            "id", "enterprise_id", "unit_id", "planned_on", "area_id"
        )
    )
    area_of: dict[int, int] = {}
    for _pk, enterprise_id, _unit, _day, area_id in sorted(rows, key=lambda r: (r[3], r[0])):
        area_of.setdefault(enterprise_id, area_id)
    proposals = rules.propose_joint_visits((r[0], r[1], r[2], r[3]) for r in rows)
    if not proposals:
        return 0
    with transaction.atomic():
        existing = dict(
            JointVisitProposal.objects.filter(
                month=start, enterprise_id__in=[p.enterprise_id for p in proposals]
            ).values_list("enterprise_id", "id")
        )
        fresh = [
            JointVisitProposal(
                area_id=area_of[p.enterprise_id],
                enterprise_id=p.enterprise_id,
                month=start,
                proposed_on=p.proposed_on,
                created_at=now,
            )  # fmt: skip
            for p in proposals
            if p.enterprise_id not in existing
        ]
        JointVisitProposal.objects.bulk_create(fresh, batch_size=2000)
        ids = dict(
            JointVisitProposal.objects.filter(
                month=start, enterprise_id__in=[p.enterprise_id for p in proposals],
                state=ProposalState.PROPOSED,
            ).values_list("enterprise_id", "id")
        )  # fmt: skip
        through = JointVisitProposal.members.through
        links = [
            through(jointvisitproposal_id=ids[p.enterprise_id], checkregistration_id=pk)
            for p in proposals
            if p.enterprise_id in ids
            for pk in p.registration_ids
        ]
        through.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
        if fresh:
            audit.record(
                "onsite.propose_joint_visits", "joint_visits.proposed",
                ("onsite.month", start.isoformat(), f"{start:%Y-%m} 联合检查建议"),
                after={"created": len(fresh)}, now=now,
            )  # fmt: skip
    return len(fresh)


@transaction.atomic
def accept_joint_visit(
    proposal: JointVisitProposal, *, actor, now: dt.datetime
) -> JointVisitProposal:
    """Merge the proposal's registrations into one joint visit on the proposed day."""
    proposal = JointVisitProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != ProposalState.PROPOSED:
        raise IllegalTransition("该联合检查建议已处理，不能再次确认。")
    members = list(
        proposal.members.filter(state__in=OPEN_STATES).select_related("unit", "enterprise", "area")
    )
    if len({m.unit_id for m in members}) < 2:
        raise InvalidInput("该建议涉及的检查备案已不足两个部门（可能已取消），无需合并。")
    for m in members:  # the day must pass the shared quiet rule for every member's area
        if m.planned_on != proposal.proposed_on:
            entry_check(area=m.area, enterprise=m.enterprise, day=proposal.proposed_on,
                        category=m.category, exemption_reason=m.exemption_reason, joining=True)  # fmt: skip
    before = {m.pk: m.planned_on for m in members}
    CheckRegistration.objects.filter(pk__in=[m.pk for m in members]).update(
        planned_on=proposal.proposed_on, joint=proposal
    )
    proposal.state, proposal.decided_by, proposal.decided_at = ProposalState.ACCEPTED, actor, now
    proposal.save(update_fields=["state", "decided_by", "decided_at"])
    audit.record(actor, "joint_visit.accepted", proposal,
                 before={str(k): v for k, v in before.items()},
                 after={"proposed_on": proposal.proposed_on}, unit=proposal.area, now=now)  # fmt: skip
    for unit in {m.unit for m in members}:
        notify_unit(
            unit, capability="onsite.register", kind="onsite.joint_visit",
            title=f"联合检查：{proposal.enterprise.name} 改为 {proposal.proposed_on.isoformat()} 一次入企",
            url="/onsite/", key=f"onsite-joint:{proposal.pk}:{unit.pk}", now=now,
        )  # fmt: skip
    return proposal


@transaction.atomic
def dismiss_joint_visit(
    proposal: JointVisitProposal, *, actor, now: dt.datetime
) -> JointVisitProposal:
    proposal = JointVisitProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != ProposalState.PROPOSED:
        raise IllegalTransition("该联合检查建议已处理。")
    proposal.state, proposal.decided_by, proposal.decided_at = ProposalState.DISMISSED, actor, now
    proposal.save(update_fields=["state", "decided_by", "decided_at"])
    audit.record(actor, "joint_visit.dismissed", proposal, unit=proposal.area, now=now)
    return proposal
