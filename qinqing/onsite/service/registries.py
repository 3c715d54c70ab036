"""执法事项、裁量基准、执法结果互认、处罚公示 and the locality's rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q

from qinqing.core import audit
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.onsite.models import (
    CheckRegistration,
    DiscretionStandard,
    EnforcementMatter,
    MatterKind,
    OnsiteSettings,
    PenaltyNotice,
    RecognitionLink,
    Severity,
)
from qinqing.onsite.service._common import LIVE_STATES, _text

if TYPE_CHECKING:
    from qinqing.inspections.models import InspectionItem


@transaction.atomic
def create_matter(
    *, actor, now: dt.datetime, unit: Unit, code: str, name: str, kind: str, legal_basis: str,
    inspection_items: Sequence[InspectionItem] = (), standards: Sequence[dict] = (),
) -> EnforcementMatter:  # fmt: skip
    code, name = _text(code, "事项编码", limit=40), _text(name, "事项名称", limit=200)
    if kind not in MatterKind.values:
        raise InvalidInput("请选择事项类别（行政检查、行政处罚或行政强制）。")
    if EnforcementMatter.objects.filter(code=code).exists():
        raise InvalidInput(f"事项编码“{code}”已存在。")
    foreign = [i.code for i in inspection_items if i.unit_id != unit.pk]
    if foreign:
        raise InvalidInput(f"检查事项 {'、'.join(foreign)} 不是本单位的事项，不能关联。")
    matter = EnforcementMatter.objects.create(
        unit=unit, code=code, name=name, kind=kind, legal_basis=_text(legal_basis, "实施依据"),
        created_at=now,
    )  # fmt: skip
    matter.inspection_items.set(inspection_items)
    DiscretionStandard.objects.bulk_create(
        DiscretionStandard(matter=matter, **s) for s in standards
    )
    audit.record(
        actor, "enforcement_matter.created", matter, after={"code": code}, unit=unit, now=now
    )
    return matter


def _matter_state(matter: EnforcementMatter) -> dict:
    return {
        "name": matter.name,
        "kind": matter.kind,
        "active": matter.active,
        "items": sorted(matter.inspection_items.values_list("code", flat=True)),
    }


@transaction.atomic
def update_matter(
    matter: EnforcementMatter, *, actor, now: dt.datetime, name: str, kind: str,
    legal_basis: str, inspection_items: Sequence[InspectionItem], active: bool,
) -> EnforcementMatter:  # fmt: skip
    """修改执法事项 (the code stays: lists and notices refer to it)."""
    matter = EnforcementMatter.objects.select_for_update().get(pk=matter.pk)
    if kind not in MatterKind.values:
        raise InvalidInput("请选择事项类别（行政检查、行政处罚或行政强制）。")
    foreign = [i.code for i in inspection_items if i.unit_id != matter.unit_id]
    if foreign:
        raise InvalidInput(f"检查事项 {'、'.join(foreign)} 不是本单位的事项，不能关联。")
    before = _matter_state(matter)
    matter.name = _text(name, "事项名称", limit=200)
    matter.legal_basis = _text(legal_basis, "实施依据")
    matter.kind, matter.active = kind, active
    matter.save(update_fields=["name", "legal_basis", "kind", "active"])
    matter.inspection_items.set(inspection_items)
    audit.record(actor, "enforcement_matter.updated", matter, before=before,
                 after=_matter_state(matter), unit=matter.unit, now=now)  # fmt: skip
    return matter


@transaction.atomic
def add_standard(
    matter: EnforcementMatter, *, actor, now: dt.datetime, severity: str, circumstance: str,
    outcome: str, source: str = "",
) -> DiscretionStandard:  # fmt: skip
    """裁量基准: what one circumstance of the matter leads to."""
    if severity not in Severity.values:
        raise InvalidInput("请选择违法程度（轻微、一般、较重或严重）。")
    standard = DiscretionStandard.objects.create(
        matter=matter, severity=severity, circumstance=_text(circumstance, "违法情节"),
        outcome=_text(outcome, "裁量结果"), source=_text(source, "依据", required=False, limit=200),
    )  # fmt: skip
    audit.record(actor, "discretion_standard.added", matter,
                 after={"severity": severity, "standard": standard.pk}, unit=matter.unit, now=now)  # fmt: skip
    return standard


@transaction.atomic
def remove_standard(standard: DiscretionStandard, *, actor, now: dt.datetime) -> None:
    matter = standard.matter
    before = {"severity": standard.severity, "circumstance": standard.circumstance}
    standard.delete()
    audit.record(actor, "discretion_standard.removed", matter, before=before, unit=matter.unit,
                 now=now)  # fmt: skip


@transaction.atomic
def link_recognition(
    *, actor, now: dt.datetime, item: InspectionItem, counts_for: InspectionItem, source: str,
    unit: Unit | None = None,
) -> RecognitionLink:  # fmt: skip
    """执法结果互认: ``unit`` (when given) accepts another department's results for its own
    item ``counts_for``; it cannot decide that for someone else's item."""
    if item.pk == counts_for.pk:
        raise InvalidInput("互认的两个检查事项不能相同。")
    if unit is not None and counts_for.unit_id != unit.pk:
        raise InvalidInput(
            f"“{counts_for.code} {counts_for.name}”不是本单位的检查事项。"
            "执法结果互认由视同已检查事项的部门登记。"
        )
    link, _ = RecognitionLink.objects.get_or_create(
        item=item, counts_for=counts_for, defaults={"source": source, "created_at": now}
    )
    audit.record(actor, "recognition.linked", link, after={"item": item.code, "counts_for": counts_for.code},
                 unit=counts_for.unit_id, now=now)  # fmt: skip
    return link


@transaction.atomic
def publish_penalty_notice(
    *, actor, now: dt.datetime, unit: Unit, enterprise: Enterprise, decision_number: str,
    summary: str, minor: bool, published_on: dt.date, matter: EnforcementMatter | None = None,
) -> PenaltyNotice:  # fmt: skip
    notice = PenaltyNotice.objects.create(
        unit=unit, enterprise=enterprise, matter=matter,
        decision_number=_text(decision_number, "决定书文号", limit=100),
        summary=_text(summary, "违法行为及处罚内容"), minor=minor, published_on=published_on,
        created_at=now,
    )  # fmt: skip
    audit.record(actor, "penalty_notice.published", notice, after={"minor": minor}, unit=unit,
                 visibility="public", now=now)  # fmt: skip
    return notice


@transaction.atomic
def save_settings(*, actor, now: dt.datetime, area: Unit, **fields) -> OnsiteSettings:
    """A locality's rules: approval before entry, annual caps, publication periods."""
    allowed = {"approval_required", "annual_cap", "annual_cap_a", "minor_publication_months",
               "publication_months", "recognition_months", "source"}  # fmt: skip
    unknown = set(fields) - allowed
    if unknown:  # pragma: no cover - programming error
        raise ValueError(unknown)
    cap, cap_a = fields.get("annual_cap"), fields.get("annual_cap_a")
    if cap is not None and cap_a is not None and cap_a > cap:
        raise InvalidInput(f"A 类企业的年度上限（{cap_a} 次）不能高于一般企业（{cap} 次）。")
    row = OnsiteSettings.objects.filter(area=area).first()
    before = None
    if row is None:
        row = OnsiteSettings(area=area, updated_at=now)
    else:
        before = {k: getattr(row, k) for k in allowed}
    for key, value in fields.items():
        setattr(row, key, value)
    row.updated_at = now
    row.save()
    audit.record(actor, "onsite_settings.saved", row, before=before,
                 after={k: getattr(row, k) for k in allowed}, unit=area, now=now)  # fmt: skip
    return row


def registrations_on(enterprise: Enterprise, day: dt.date):
    return CheckRegistration.objects.filter(enterprise=enterprise, planned_on=day).filter(
        Q(state__in=LIVE_STATES)
    )


@transaction.atomic
def unlink_recognition(link: RecognitionLink, *, actor, now: dt.datetime) -> None:
    before = {"item": link.item.code, "counts_for": link.counts_for.code}
    unit_id = link.counts_for.unit_id
    link.delete()
    audit.record(actor, "recognition.unlinked", ("onsite.recognition", str(before["counts_for"]),
                 f"{before['item']} → {before['counts_for']}"), before=before, unit=unit_id, now=now)  # fmt: skip
