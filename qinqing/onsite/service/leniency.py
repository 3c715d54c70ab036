"""免罚清单: versioned lists, their entries and flexible-enforcement cases."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from qinqing.core import audit
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.onsite import rules
from qinqing.onsite.models import (
    EnforcementMatter,
    FlexibleCase,
    LeniencyEntry,
    LeniencyList,
    LeniencyListVersion,
    Measure,
    VersionState,
)
from qinqing.onsite.service._common import _text, local_today


@transaction.atomic
def create_leniency_list(
    *, actor, now: dt.datetime, unit: Unit, field: str, title: str
) -> LeniencyList:
    field = _text(field, "执法领域", limit=100)
    title = _text(title, "清单名称", limit=200)
    if LeniencyList.objects.filter(unit=unit, field=field).exists():
        raise InvalidInput(f"本单位已有“{field}”领域的清单，请在原清单上修订新版本。")
    leniency_list = LeniencyList.objects.create(unit=unit, field=field, title=title, created_at=now)
    LeniencyListVersion.objects.create(leniency_list=leniency_list, number=1, created_at=now)
    audit.record(
        actor,
        "leniency_list.created",
        leniency_list,
        after={"field": field, "title": title},
        unit=unit,
        now=now,
    )
    return leniency_list


def draft_of(leniency_list: LeniencyList) -> LeniencyListVersion | None:
    return leniency_list.versions.filter(state=VersionState.DRAFT).first()


def current_of(leniency_list: LeniencyList) -> LeniencyListVersion | None:
    return leniency_list.versions.filter(state=VersionState.PUBLISHED).first()


@transaction.atomic
def start_revision(leniency_list: LeniencyList, *, actor, now: dt.datetime) -> LeniencyListVersion:
    """动态调整: a new draft version, a copy of the version in force."""
    if draft_of(leniency_list) is not None:
        raise InvalidInput("该清单已有一个待发布的草稿版本，请先修改并发布它。")
    current = current_of(leniency_list)
    number = (
        leniency_list.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    draft = LeniencyListVersion.objects.create(
        leniency_list=leniency_list, number=number, created_at=now
    )
    if current is not None:
        LeniencyEntry.objects.bulk_create(
            LeniencyEntry(
                version=draft,
                code=e.code,
                behaviour=e.behaviour,
                legal_basis=e.legal_basis,
                conditions=e.conditions,
                discretion=e.discretion,
                matter_id=e.matter_id,
            )  # fmt: skip
            for e in current.entries.all()
        )
    audit.record(actor, "leniency_list.revision_started", draft, after={"number": number}, now=now)
    return draft


def _require_draft(version: LeniencyListVersion) -> None:
    if version.state != VersionState.DRAFT:
        raise IllegalTransition(
            f"{rules.version_name(version.number)}已发布，不能修改；请先“修订新版本”。"
        )


@transaction.atomic
def save_entry(
    version: LeniencyListVersion, *, actor, now: dt.datetime, code: str, behaviour: str,
    legal_basis: str, conditions: str, discretion: str, matter: EnforcementMatter | None = None,
) -> LeniencyEntry:  # fmt: skip
    """Add an item to a draft version, or change the item with the same code."""
    version = LeniencyListVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    code = _text(code, "序号/编号", limit=40)
    fields = {
        "behaviour": _text(behaviour, "违法行为", limit=300),
        "legal_basis": _text(legal_basis, "法律依据"),
        "conditions": _text(conditions, "适用条件"),
        "discretion": discretion,
        "matter": matter,
    }
    if discretion not in rules.DISCRETION_LABELS:
        raise InvalidInput("请选择处理方式（轻微不罚、首违不罚、不予强制或从轻减轻）。")
    entry, created = LeniencyEntry.objects.update_or_create(
        version=version, code=code, defaults=fields
    )
    audit.record(actor, "leniency_entry.saved", entry, after={"code": code, "created": created},
                 unit=version.leniency_list.unit, now=now)  # fmt: skip
    return entry


@transaction.atomic
def remove_entry(version: LeniencyListVersion, *, actor, now: dt.datetime, code: str) -> None:
    version = LeniencyListVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    deleted, _ = LeniencyEntry.objects.filter(version=version, code=code).delete()
    if not deleted:
        raise InvalidInput(f"草稿中没有编号为“{code}”的事项。")
    audit.record(actor, "leniency_entry.removed", version, before={"code": code},
                 unit=version.leniency_list.unit, now=now)  # fmt: skip


def _entry_dicts(version: LeniencyListVersion | None) -> list[dict]:
    if version is None:
        return []
    return list(version.entries.values("code", *rules.ENTRY_FIELDS))


@transaction.atomic
def publish_version(
    version: LeniencyListVersion, *, actor, now: dt.datetime, effective_on: dt.date, source: str
) -> LeniencyListVersion:
    """Publish a draft; the diff with the version it replaces is fixed and published."""
    version = LeniencyListVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    if not version.entries.exists():
        raise InvalidInput("草稿版本还没有任何事项，不能发布。")
    source = _text(source, "发布文件", limit=200)
    previous = current_of(version.leniency_list)
    diff = rules.diff_entries(_entry_dicts(previous), _entry_dicts(version))
    if previous is not None and not (diff.added or diff.changed or diff.removed):
        raise InvalidInput(f"草稿与{rules.version_name(previous.number)}完全相同，无需发布新版本。")
    if previous is not None:
        previous.state = VersionState.SUPERSEDED
        previous.save(update_fields=["state"])
    version.diff = {
        **diff.as_json(),
        "previous": previous.number if previous else None,
        "summary": rules.diff_summary(diff, previous.number if previous else None),
    }
    version.state, version.published_at = VersionState.PUBLISHED, now
    version.effective_on, version.source = effective_on, source
    version.save(update_fields=["diff", "state", "published_at", "effective_on", "source"])
    audit.record(actor, "leniency_list.published", version, after={"number": version.number,
                 "summary": version.diff["summary"]}, unit=version.leniency_list.unit,
                 visibility="public", now=now)  # fmt: skip
    return version


@transaction.atomic
def record_flexible_case(
    *, actor, now: dt.datetime, unit: Unit, entry: LeniencyEntry, enterprise: Enterprise,
    measure: str, handled_on: dt.date, summary: str, observation_until: dt.date | None = None,
) -> FlexibleCase:  # fmt: skip
    """柔性执法: a case handled under an entry of the unit's published list."""
    if (
        entry.version.leniency_list.unit_id != unit.pk
        or entry.version.state != VersionState.PUBLISHED
    ):
        raise InvalidInput("只能适用本单位现行（已发布）免罚清单中的事项。")
    if measure not in Measure.values:
        raise InvalidInput("请选择柔性措施（告知、提醒、约谈或观察期）。")
    if measure == Measure.OBSERVATION and (
        observation_until is None or observation_until <= handled_on
    ):
        raise InvalidInput("观察期须填写晚于处理日期的“观察期截止”日期。")
    if handled_on > local_today(now):
        raise InvalidInput(f"处理日期 {handled_on.isoformat()} 还没到，请核对。")
    case = FlexibleCase.objects.create(
        unit=unit, entry=entry, enterprise=enterprise, measure=measure, handled_on=handled_on,
        observation_until=observation_until if measure == Measure.OBSERVATION else None,
        summary=_text(summary, "案情及处理", limit=3000), created_by=actor, created_at=now,
    )  # fmt: skip
    audit.record(actor, "flexible_case.recorded", case, after={"entry": entry.code, "measure": measure,
                 "enterprise": enterprise.uscc}, unit=unit, now=now)  # fmt: skip
    return case
