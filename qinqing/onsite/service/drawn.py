"""双随机 visits become checks registered before entry (涉企检查备案), automatically.

Every planned on-site check, random or not, is registered before entry. When a campaign
of ``qinqing.inspections`` is drawn, that app sends ``visits_drawn`` after its commit;
:func:`register_drawn_visits` turns each visit into one registration per department whose
items the visit checks (a joint visit of several departments counts once towards the
annual cap, as a joint visit registered by hand does). Each registration goes through the
same quiet-window and cap check as one typed in by a department. A visit that fails it is
recorded as a :class:`DrawnVisitRefusal` with the Chinese reason and the department is
told, so it can re-plan; nothing else of the draw changes.

Idempotent: a (visit, department) already registered or refused is skipped, and the
database refuses a second registration of the same pair, so a lost signal, a retried job
or a second call never duplicates anything.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from qinqing.core import audit
from qinqing.core.errors import InvalidInput
from qinqing.core.notifications import notify_enterprise, notify_unit
from qinqing.core.orgs.models import Unit
from qinqing.inspections import queries as inspections
from qinqing.onsite import queries, rules
from qinqing.onsite.models import (
    CheckRegistration,
    DrawnVisitRefusal,
    JointVisitProposal,
    ProposalState,
)
from qinqing.onsite.service._common import S, local_today
from qinqing.onsite.service.registration import _snapshot, entry_check

if TYPE_CHECKING:
    from qinqing.inspections.models import InspectionItem, Inspector, Visit

logger = logging.getLogger(__name__)

REASON = "双随机抽查：{campaign}（第 {number} 号检查对象）"


@dataclass
class DrawnOutcome:
    registered: int = 0
    refused: int = 0
    skipped: int = 0  # already registered or refused before

    def as_dict(self) -> dict[str, int]:
        return {"registered": self.registered, "refused": self.refused, "skipped": self.skipped}


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _legal_basis(items: list[InspectionItem]) -> str:
    bases = list(dict.fromkeys(i.legal_basis.strip() for i in items if i.legal_basis.strip()))
    if bases:
        return "；".join(bases)
    return "；".join(f"{i.code} {i.name}" for i in items) + "（检查事项清单）"


def register_drawn_visits(campaign_id: int, *, actor, now: dt.datetime) -> DrawnOutcome:
    """Register every visit of a drawn campaign that is not yet registered or refused."""
    outcome = DrawnOutcome()
    visits = list(inspections.drawn_visits(campaign_id))
    if not visits:
        return outcome
    ids = [v.pk for v in visits]
    done = set(
        CheckRegistration.objects.filter(visit_id__in=ids).values_list("visit_id", "unit_id")
    ) | set(DrawnVisitRefusal.objects.filter(visit_id__in=ids).values_list("visit_id", "unit_id"))
    units = {u.pk: u for u in Unit.objects.filter(pk__in=_unit_ids(visits))}
    for visit in visits:
        by_unit = _items_by_unit(visit)
        pending = [u for u in by_unit if (visit.pk, u) not in done]
        outcome.skipped += len(by_unit) - len(pending)
        if not pending:
            continue
        for unit_id in pending:
            try:
                with transaction.atomic():
                    _register_one(visit, units[unit_id], by_unit[unit_id], actor=actor, now=now)
                outcome.registered += 1
            except InvalidInput as exc:
                if _refuse(visit, units[unit_id], exc.message, now=now):
                    outcome.refused += 1
            except IntegrityError:  # registered meanwhile by a concurrent run
                outcome.skipped += 1
    return outcome


def _unit_ids(visits: list[Visit]) -> set[int]:
    return {vi.item.unit_id for v in visits for vi in v.visit_items.all()}


def _items_by_unit(visit: Visit) -> dict[int, list[InspectionItem]]:
    out: dict[int, list[InspectionItem]] = defaultdict(list)
    for vi in sorted(visit.visit_items.all(), key=lambda vi: vi.item.code):
        out[vi.item.unit_id].append(vi.item)
    return dict(out)


def _register_one(
    visit: Visit,
    unit: Unit,
    items: list[InspectionItem],
    *,
    actor,
    now: dt.datetime,
) -> CheckRegistration:
    enterprise = visit.enterprise
    if enterprise is None:
        raise InvalidInput(
            f"企业“{visit.enterprise_name}”（{visit.uscc}）已不在企业库中，无法备案。"
            "请核实企业登记状态后另行安排。"
        )
    if visit.planned_on < local_today(now):
        raise InvalidInput(
            f"检查日期 {visit.planned_on.isoformat()} 已经过去，入企前备案无法补登。"
            "如已入企检查，请按事后补录登记；未入企的请重新安排。"
        )
    team: list[Inspector] = list(visit.inspectors.all())
    area = unit.area()
    siblings = list(CheckRegistration.objects.filter(visit=visit).order_by("pk"))
    check = entry_check(
        area=area,
        enterprise=enterprise,
        day=visit.planned_on,
        category=rules.RANDOM,
        joining=bool(siblings),  # a joint visit counts once towards the annual cap
    )
    config = queries.settings_for_area(area)
    # the campaign was planned and drawn by the office, which is its approval of entry
    approved = config.approval_required
    registration = CheckRegistration.objects.create(
        unit=unit,
        area=area,
        enterprise=enterprise,
        category=rules.RANDOM,
        reason=REASON.format(campaign=visit.campaign.name, number=visit.number),
        legal_basis=_legal_basis(items),
        planned_on=visit.planned_on,
        state=S.APPROVED if approved else S.REGISTERED,
        decided_by=_user(actor) if approved else None,
        decided_at=now if approved else None,
        decision_note="随机抽查计划经营商办公布并抽取" if approved else "",
        quiet_conflict=check.day.quiet.label if check.day.quiet else "",
        calendar_provisional=check.day.provisional,
        visit=visit,
        created_by=_user(actor),
        created_at=now,
    )
    registration.items.set(items)
    registration.inspectors.set(team)
    if siblings:
        _join_visit(siblings, registration, actor=actor, now=now)
    audit.record(
        actor,
        "check.registered",
        registration,
        after={**_snapshot(registration), "campaign": visit.campaign_id, "visit": visit.number},
        unit=unit,
        now=now,
    )
    notify_enterprise(
        enterprise.uscc,
        kind="onsite.check_registered",
        title=f"{unit.name}已备案 {visit.planned_on.isoformat()} 的入企检查（双随机抽查）",
        url="/onsite/mine/",
        key=f"onsite-registered:{registration.pk}",
        now=now,
    )
    return registration


def _join_visit(
    siblings: list[CheckRegistration], new: CheckRegistration, *, actor, now: dt.datetime
) -> None:
    """The departments of one drawn visit enter together: one joint visit (进一次门)."""
    proposal = next((s.joint for s in siblings if s.joint_id), None)
    if proposal is None:
        proposal, _ = JointVisitProposal.objects.get_or_create(
            enterprise=new.enterprise,
            month=new.planned_on.replace(day=1),
            defaults={"area": new.area, "proposed_on": new.planned_on, "created_at": now},
        )
        proposal.state, proposal.proposed_on = ProposalState.ACCEPTED, new.planned_on
        proposal.decided_by, proposal.decided_at = _user(actor), now
        proposal.save()
    members = [*siblings, new]
    proposal.members.add(*members)
    CheckRegistration.objects.filter(pk__in=[m.pk for m in members]).update(joint=proposal)
    new.joint = proposal


def _refuse(visit: Visit, unit: Unit, reason: str, *, now: dt.datetime) -> bool:
    """Record why a drawn visit could not be registered and tell the department."""
    refusal, created = DrawnVisitRefusal.objects.get_or_create(
        visit=visit, unit=unit, defaults={"reason": reason, "created_at": now}
    )
    if not created:
        return False
    audit.record(
        "onsite.register_drawn_visits",
        "drawn_visit.refused",
        refusal,
        after={"campaign": visit.campaign_id, "visit": visit.number, "reason": reason},
        unit=unit,
        now=now,
    )
    notify_unit(
        unit,
        capability="onsite.register",
        kind="onsite.drawn_refused",
        title=f"双随机检查对象未能自动备案：{visit.enterprise_name} {visit.planned_on.isoformat()}",
        url="/onsite/",
        key=f"onsite-drawn-refused:{refusal.pk}",
        now=now,
    )
    return True
