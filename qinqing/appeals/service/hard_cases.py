"""办不成事 and QR codes (码上反映)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction

from qinqing.appeals.choices import (
    HardCaseKind,
    HardCaseState,
    QrKind,
)
from qinqing.appeals.models import (
    HardCase,
    QrEntry,
)
from qinqing.appeals.service._common import _check_unit_in_area
from qinqing.core import audit
from qinqing.core.enterprises.uscc import validate_uscc
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit


@transaction.atomic
def file_hard_case(
    *,
    actor,
    now: dt.datetime,
    unit: Unit,
    window_name: str,
    matter: str,
    description: str,
    kind: str,
    issue: str,
    enterprise_name: str = "",
    enterprise_uscc: str = "",
) -> HardCase:
    """办不成事: a window records what it could not get done, classified for the 共性问题 report."""
    problems = []
    if kind not in HardCaseKind.values:
        problems.append("“分类”应为 不该办、很难办 或 不给办")
    for label, value in (
        ("窗口", window_name),
        ("办理事项", matter),
        ("办不成的原因", description),
        ("共性问题", issue),
    ):
        if not (value or "").strip():
            problems.append(f"“{label}”未填写")
    if enterprise_uscc:
        try:
            enterprise_uscc = validate_uscc(enterprise_uscc)
        except InvalidInput as exc:
            problems.append(exc.message.rstrip("。"))
    if problems:
        raise InvalidInput("；".join(problems) + "。")
    case = HardCase.objects.create(
        locality=unit.area(),
        unit=unit,
        window_name=window_name.strip(),
        enterprise_name=(enterprise_name or "").strip(),
        enterprise_uscc=enterprise_uscc,
        matter=matter.strip(),
        description=description.strip(),
        kind=kind,
        issue=issue.strip(),
        filed_by=actor,
        filed_at=now,
    )
    audit.record(
        actor, "hardcase.filed", case, unit=unit, after={"kind": kind, "issue": case.issue}, now=now
    )
    return case


@transaction.atomic
def resolve_hard_case(case: HardCase, *, actor, now: dt.datetime, resolution: str) -> HardCase:
    if case.state == HardCaseState.RESOLVED:
        raise IllegalTransition("该事项已标记为解决。")
    if not (resolution or "").strip():
        raise InvalidInput("请填写解决情况。")
    case.state, case.resolution, case.resolved_at = HardCaseState.RESOLVED, resolution.strip(), now
    case.save(update_fields=["state", "resolution", "resolved_at"])
    audit.record(actor, "hardcase.resolved", case, unit=case.unit_id, now=now)
    return case


@transaction.atomic
def create_qr_entry(
    *,
    actor,
    now: dt.datetime,
    locality: Unit,
    kind: str,
    label: str = "",
    enterprise_uscc: str = "",
    enterprise_name: str = "",
    unit: Unit | None = None,
    window_name: str = "",
) -> QrEntry:
    """码上反映: a QR code per enterprise, per service window or per department."""
    if kind not in QrKind.values:
        raise InvalidInput("请选择二维码类型：企业专属码、服务窗口码或部门码。")
    if kind == QrKind.ENTERPRISE:
        enterprise_uscc = validate_uscc(enterprise_uscc)
        if not (enterprise_name or "").strip():
            raise InvalidInput("企业专属码需要填写企业名称。")
        label = label or f"{enterprise_name.strip()}专属反映码"
    else:
        if unit is None:
            raise InvalidInput("服务窗口码和部门码需要选择所属部门。")
        _check_unit_in_area(unit, locality)
        if kind == QrKind.WINDOW and not (window_name or "").strip():
            raise InvalidInput("服务窗口码需要填写窗口名称。")
        label = label or (
            f"{unit.name}{window_name.strip()}" if kind == QrKind.WINDOW else unit.name
        )
    entry = QrEntry.objects.create(
        token=secrets.token_urlsafe(12),
        kind=kind,
        label=label.strip()[:120],
        locality=locality,
        enterprise_uscc=enterprise_uscc,
        enterprise_name=(enterprise_name or "").strip(),
        unit=unit,
        window_name=(window_name or "").strip(),
        created_by=actor,
        created_at=now,
    )
    audit.record(actor, "qr.created", entry, after={"kind": kind, "label": entry.label}, now=now)
    return entry
