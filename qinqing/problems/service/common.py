"""Helpers shared by the ledger's actions: the office's area, settings, numbering, evidence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from qinqing.core import audit
from qinqing.core.accounts.access import (
    require_capability,
    scope_area,
)
from qinqing.core.actor import local_date as local_date  # re-exported for the sections
from qinqing.core.errors import InvalidInput, PermissionDenied
from qinqing.core.files.uploads import check_upload
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import due_at, get_calendar, parse_time_limit
from qinqing.problems import rules
from qinqing.problems.models import (
    Evidence,
    ProblemSettings,
)

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


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

    limit = parse_time_limit(rules.limit_in_text(time_limit))
    return due_at(received_at, limit, calendar=get_calendar())


def _store_evidence(problem, *, stage, note, files, actor, now) -> int:

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


@transaction.atomic
def save_settings(
    *,
    actor,
    follow_up_days: int,
    deduction_overdue: Decimal,
    deduction_recurrence: Decimal,
    deduction_accountability: Decimal,
    source: str = "",
    now: dt.datetime,
) -> ProblemSettings:
    """The office's own area: 回头看 period and 考评 deductions (audited, before and after)."""
    area = office_area(actor)
    cent = Decimal("0.01")
    deduction_overdue = Decimal(deduction_overdue).quantize(cent)
    deduction_recurrence = Decimal(deduction_recurrence).quantize(cent)
    deduction_accountability = Decimal(deduction_accountability).quantize(cent)
    rules.check_settings(
        follow_up_days=follow_up_days, overdue=deduction_overdue,
        recurrence=deduction_recurrence, accountability=deduction_accountability,
    )  # fmt: skip
    current = settings_for(area)
    fields = ["follow_up_days", "deduction_overdue", "deduction_recurrence",
              "deduction_accountability", "source"]  # fmt: skip
    before = {f: str(getattr(current, f)) for f in fields}
    conf, _ = ProblemSettings.objects.select_for_update().get_or_create(
        area=area, defaults={f: getattr(current, f) for f in fields}
    )
    conf.follow_up_days = follow_up_days
    conf.deduction_overdue = deduction_overdue
    conf.deduction_recurrence = deduction_recurrence
    conf.deduction_accountability = deduction_accountability
    conf.source = (source or "").strip()[:200]
    conf.save()
    after = {f: str(getattr(conf, f)) for f in fields}
    audit.record(actor, "problems.settings_saved", conf, before=before, after=after, unit=area,
                 now=now)  # fmt: skip
    return conf
