"""Writes to the organisation directory. Each function is one transaction and one audit row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.actor import Actor, user_of
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs.models import (
    AREA_KINDS,
    ProposalStatus,
    Unit,
    UnitAlias,
    UnitGroup,
    UnitKind,
    UnitNameProposal,
)
from qinqing.core.orgs.rules import normalize_name

KIND_BY_LABEL = {label: value for value, label in UnitKind.choices}


@transaction.atomic
def create_unit(
    *,
    actor: Actor,
    name: str,
    kind: str,
    parent: Unit | None,
    code: str = "",
    coordinating: bool = False,
    aliases: Iterable[str] = (),
    sort_order: int = 0,
) -> Unit:
    """新增单位 (create a unit) under ``parent``."""
    name = normalize_name(name)
    if not name:
        raise InvalidInput("单位名称不能为空。")
    if kind not in UnitKind.values:
        raise InvalidInput(f"单位类别“{kind}”不存在，可选：{'、'.join(UnitKind.labels)}。")
    if parent is None and kind not in AREA_KINDS:
        raise InvalidInput(f"“{name}”不是地区，必须指定上级地区（例如所属的市或县）。")
    if Unit.objects.filter(parent=parent, name=name).exists():
        where = parent.name if parent else "顶层"
        raise InvalidInput(f"“{where}”下已有名为“{name}”的单位，不能重复新增。")
    unit = Unit.objects.create(
        name=name,
        kind=kind,
        parent=parent,
        code=code,
        coordinating=coordinating,
        sort_order=sort_order,
    )
    for alias in aliases:
        _add_alias(unit, alias)
    audit.record(
        actor,
        "unit.created",
        unit,
        unit=unit,
        after={"name": name, "kind": kind, "parent": parent.name if parent else None,
               "aliases": sorted(a.alias for a in unit.aliases.all())},
    )  # fmt: skip
    return unit


@transaction.atomic
def update_unit(unit: Unit, *, actor: Actor, **changes: Any) -> Unit:
    """修改单位 (update name, kind, code, coordinating flag, active flag)."""
    allowed = {"name", "kind", "code", "coordinating", "active", "sort_order"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(f"不能修改这些字段：{'、'.join(sorted(unknown))}。")
    before = {k: getattr(unit, k) for k in changes}
    if "name" in changes:
        changes["name"] = normalize_name(changes["name"])
        clash = Unit.objects.filter(parent_id=unit.parent_id, name=changes["name"]).exclude(
            pk=unit.pk
        )
        if clash.exists():
            raise InvalidInput(f"同一上级下已有名为“{changes['name']}”的单位。")
    for key, value in changes.items():
        setattr(unit, key, value)
    unit.save(update_fields=list(changes))
    audit.record(actor, "unit.updated", unit, unit=unit, before=before, after=changes)
    return unit


def _add_alias(unit: Unit, alias: str) -> UnitAlias | None:
    norm = normalize_name(alias)
    if not norm or norm == normalize_name(unit.name):
        return None
    area = unit.area()
    clash = (
        UnitAlias.objects.filter(normalized=norm, unit__path__startswith=area.path)
        .exclude(unit=unit)
        .select_related("unit")
        .first()
    )
    if clash:
        raise InvalidInput(
            f"别名“{alias}”已对应“{clash.unit.name}”，同一地区内一个别名只能对应一个单位。请先删除原对应关系。"
        )
    other = Unit.objects.filter(path__startswith=area.path, name=norm).exclude(pk=unit.pk).first()
    if other:
        raise InvalidInput(
            f"“{alias}”是另一单位“{other.name}”的正式名称，不能作为“{unit.name}”的别名。"
        )
    obj, _ = UnitAlias.objects.get_or_create(
        unit=unit, normalized=norm, defaults={"alias": alias.strip()}
    )
    return obj


@transaction.atomic
def add_alias(unit: Unit, alias: str, *, actor: Actor) -> UnitAlias:
    """新增别名: an admin says that ``alias`` means ``unit``."""
    created = _add_alias(unit, alias)
    if created is None:
        raise InvalidInput("别名不能为空，也不能与单位正式名称相同。")
    audit.record(actor, "unit.alias_added", unit, unit=unit, after={"alias": created.alias})
    # a pending proposal for this name is now answered
    for proposal in UnitNameProposal.objects.filter(
        normalized=created.normalized, status=ProposalStatus.PENDING, area=unit.area()
    ):
        _close_proposal(proposal, actor=actor, status=ProposalStatus.MAPPED, unit=unit)
    return created


@transaction.atomic
def remove_alias(alias: UnitAlias, *, actor: Actor) -> None:
    unit = alias.unit
    text = alias.alias
    alias.delete()
    audit.record(actor, "unit.alias_removed", unit, unit=unit, before={"alias": text})


@transaction.atomic
def create_group(
    *, actor: Actor, name: str, area: Unit, members: Iterable[Unit] = (), description: str = ""
) -> UnitGroup:
    """新增单位集合: a collective name such as 市政府各部门 that expands to member units."""
    norm = normalize_name(name)
    if not area.is_area:
        raise InvalidInput(f"单位集合必须属于一个地区，“{area.name}”不是地区。")
    if UnitGroup.objects.filter(area=area, normalized=norm).exists():
        raise InvalidInput(f"“{area.name}”已有名为“{name}”的单位集合。")
    group = UnitGroup.objects.create(
        name=name.strip(), normalized=norm, area=area, description=description
    )
    member_list = list(members)
    group.members.set(member_list)
    audit.record(
        actor, "unitgroup.created", group, unit=area,
        after={"name": group.name, "members": sorted(m.name for m in member_list)},
    )  # fmt: skip
    return group


@transaction.atomic
def set_group_members(group: UnitGroup, members: Iterable[Unit], *, actor: Actor) -> UnitGroup:
    before = sorted(m.name for m in group.members.all())
    member_list = list(members)
    outside = [m.name for m in member_list if not m.path.startswith(group.area.path)]
    if outside:
        raise InvalidInput(
            f"这些单位不在“{group.area.name}”范围内，不能加入集合：{'、'.join(outside)}。"
        )
    group.members.set(member_list)
    audit.record(
        actor, "unitgroup.updated", group, unit=group.area,
        before={"members": before}, after={"members": sorted(m.name for m in member_list)},
    )  # fmt: skip
    return group


# ---------------------------------------------------------------- name resolution


@dataclass
class Resolution:
    """What a written name means in the directory."""

    raw: str
    normalized: str
    unit: Unit | None = None
    group: UnitGroup | None = None
    via_alias: str = ""
    proposal: UnitNameProposal | None = None
    members: list[Unit] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return self.unit is not None or self.group is not None

    @property
    def units(self) -> list[Unit]:
        if self.unit is not None:
            return [self.unit]
        return list(self.members)


def resolve_name(name: str, *, area: Unit) -> Resolution:
    """Resolve one name within ``area`` and its sub-areas: official name, alias, or group.

    Nothing is written; unknown names come back with ``known == False``.
    """
    norm = normalize_name(name)
    result = Resolution(raw=name, normalized=norm)
    if not norm:
        return result
    in_area = Unit.objects.filter(path__startswith=area.path, active=True)
    unit = in_area.filter(name=norm).order_by("path").first()
    if unit:
        result.unit = unit
        return result
    alias = (
        UnitAlias.objects.filter(
            normalized=norm, unit__path__startswith=area.path, unit__active=True
        )
        .select_related("unit")
        .order_by("unit__path")
        .first()
    )
    if alias:
        result.unit, result.via_alias = alias.unit, alias.alias
        return result
    group = UnitGroup.objects.filter(area__path__in=_ancestor_paths(area), normalized=norm).first()
    if group is None:
        group = UnitGroup.objects.filter(area__path__startswith=area.path, normalized=norm).first()
    if group:
        result.group = group
        result.members = list(group.members.filter(active=True).order_by("path"))
    return result


def _ancestor_paths(area: Unit) -> list[str]:
    parts = [p for p in area.path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


@transaction.atomic
def resolve_names(
    names: Iterable[str], *, area: Unit, source: str = "", actor: Actor = None
) -> list[Resolution]:
    """Resolve names and record every unknown one as a proposal for review (never a unit)."""
    results = []
    for name in names:
        res = resolve_name(name, area=area)
        if not res.known and res.normalized:
            res.proposal = propose_name(res.raw, area=area, source=source, actor=actor)
        results.append(res)
    return results


def propose_name(
    raw: str, *, area: Unit, source: str = "", actor: Actor = None
) -> UnitNameProposal:
    norm = normalize_name(raw)
    proposal, created = UnitNameProposal.objects.get_or_create(
        area=area, normalized=norm, defaults={"raw_name": raw.strip(), "source": source[:200]}
    )
    if created:
        audit.record(
            actor, "unitname.proposed", proposal, unit=area, after={"name": raw, "source": source}
        )
    else:
        UnitNameProposal.objects.filter(pk=proposal.pk).update(occurrences=F("occurrences") + 1)
    return proposal


def _close_proposal(
    proposal: UnitNameProposal,
    *,
    actor: Actor,
    status: str,
    unit: Unit | None = None,
    group: UnitGroup | None = None,
) -> None:
    proposal.status = status
    proposal.resolved_unit = unit
    proposal.resolved_group = group
    proposal.resolved_at = timezone.now()
    proposal.resolved_by = user_of(actor)
    proposal.save(
        update_fields=["status", "resolved_unit", "resolved_group", "resolved_at", "resolved_by"]
    )
    verb = "unitname.rejected" if status == ProposalStatus.REJECTED else "unitname.resolved"
    audit.record(
        actor, verb, proposal, unit=proposal.area,
        after={"status": status, "unit": unit.name if unit else None, "group": group.name if group else None},
    )  # fmt: skip


def _require_pending(proposal: UnitNameProposal) -> None:
    if proposal.status != ProposalStatus.PENDING:
        raise InvalidInput(
            f"“{proposal.raw_name}”已处理（{proposal.get_status_display()}），无需重复处理。"
        )


@transaction.atomic
def map_proposal_to_unit(proposal: UnitNameProposal, unit: Unit, *, actor: Actor) -> None:
    """The unknown name is another name of an existing unit: it becomes an alias."""
    _require_pending(proposal)
    _add_alias(unit, proposal.raw_name)
    audit.record(actor, "unit.alias_added", unit, unit=unit, after={"alias": proposal.raw_name})
    _close_proposal(proposal, actor=actor, status=ProposalStatus.MAPPED, unit=unit)


@transaction.atomic
def map_proposal_to_group(proposal: UnitNameProposal, group: UnitGroup, *, actor: Actor) -> None:
    _require_pending(proposal)
    _close_proposal(proposal, actor=actor, status=ProposalStatus.GROUPED, group=group)


@transaction.atomic
def create_unit_from_proposal(
    proposal: UnitNameProposal, *, actor: Actor, kind: str, parent: Unit
) -> Unit:
    _require_pending(proposal)
    unit = create_unit(actor=actor, name=proposal.raw_name, kind=kind, parent=parent)
    _close_proposal(proposal, actor=actor, status=ProposalStatus.CREATED, unit=unit)
    return unit


@transaction.atomic
def reject_proposal(proposal: UnitNameProposal, *, actor: Actor) -> None:
    _require_pending(proposal)
    _close_proposal(proposal, actor=actor, status=ProposalStatus.REJECTED)


# ---------------------------------------------------------------- xlsx import / export

EXPORT_HEADERS = [
    "单位名称",
    "单位类别",
    "上级单位",
    "代码",
    "别名",
    "统筹职能",
    "所属集合",
    "启用",
]


def export_directory(units: Iterable[Unit]) -> bytes:
    from qinqing.core.files.xlsx import write_workbook

    rows = []
    for u in units:
        rows.append(
            [
                u.name,
                u.get_kind_display(),
                u.parent.name if u.parent is not None else "",
                u.code,
                "、".join(sorted(a.alias for a in u.aliases.all())),
                "是" if u.coordinating else "否",
                "、".join(sorted(g.name for g in u.groups.all())),
                "是" if u.active else "否",
            ]
        )
    return write_workbook(
        EXPORT_HEADERS, rows, title="机构库", widths=[28, 14, 22, 20, 36, 10, 30, 8]
    )


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    aliases: int = 0
    group_links: int = 0


def _yes(value: object) -> bool:
    return str(value or "").strip() in {"是", "Y", "y", "1", "true", "True", "TRUE"}


@transaction.atomic
def import_directory(
    data: bytes, *, actor: Actor, root: Unit, filename: str = "机构库.xlsx"
) -> ImportReport:
    """Import units (with aliases and group membership) below ``root``; all or nothing.

    Rows are matched on (上级单位, 单位名称); a parent may be defined earlier in the same
    file. Any row error aborts the whole import with every error listed.
    """
    from qinqing.core.files.xlsx import read_rows

    rows = read_rows(data, required=["单位名称", "单位类别", "上级单位"], filename=filename)
    if not rows:
        raise InvalidInput(f"“{filename}”除表头外没有数据行。")
    errors: list[str] = []
    report = ImportReport()
    known = {u.name: u for u in Unit.objects.filter(path__startswith=root.path)}
    ancestor = root.parent
    while ancestor is not None:  # rows of an export name the root's own parent
        known.setdefault(ancestor.name, ancestor)
        ancestor = ancestor.parent
    for row in rows:
        n = row["_row"]
        name = normalize_name(str(row.get("单位名称") or ""))
        kind_label = str(row.get("单位类别") or "").strip()
        parent_name = normalize_name(str(row.get("上级单位") or ""))
        if not name:
            errors.append(f"第 {n} 行“单位名称”为空。")
            continue
        kind = KIND_BY_LABEL.get(kind_label) or (
            kind_label if kind_label in UnitKind.values else None
        )
        if kind is None:
            errors.append(
                f"第 {n} 行“单位类别”为“{kind_label}”，不是可选值（{'、'.join(UnitKind.labels)}）。"
            )
            continue
        if parent_name:
            parent = known.get(parent_name)
            if parent is None:
                errors.append(
                    f"第 {n} 行上级单位“{parent_name}”在机构库和本文件前面的行中都找不到。"
                )
                continue
        else:
            parent = root.parent if name == root.name else root
        existing = known.get(name)
        try:
            with transaction.atomic():
                if existing and existing.parent_id == (parent.pk if parent else None):
                    changes: dict[str, Any] = {}
                    if existing.kind != kind:
                        changes["kind"] = kind
                    code = str(row.get("代码") or "").strip()
                    if code and code != existing.code:
                        changes["code"] = code
                    if "统筹职能" in row and _yes(row["统筹职能"]) != existing.coordinating:
                        changes["coordinating"] = _yes(row["统筹职能"])
                    if changes:
                        update_unit(existing, actor=actor, **changes)
                        report.updated += 1
                    unit = existing
                else:
                    unit = create_unit(
                        actor=actor, name=name, kind=kind, parent=parent,
                        code=str(row.get("代码") or "").strip(),
                        coordinating=_yes(row.get("统筹职能")),
                    )  # fmt: skip
                    known[name] = unit
                    report.created += 1
                for alias in str(row.get("别名") or "").replace("，", "、").split("、"):
                    if alias.strip() and normalize_name(alias) not in {
                        a.normalized for a in unit.aliases.all()
                    }:
                        _add_alias(unit, alias)
                        report.aliases += 1
                for gname in str(row.get("所属集合") or "").replace("，", "、").split("、"):
                    if not gname.strip():
                        continue
                    area = unit.area() if not unit.is_area else (unit.parent or unit)
                    group, _ = UnitGroup.objects.get_or_create(
                        area=area,
                        normalized=normalize_name(gname),
                        defaults={"name": gname.strip()},
                    )
                    group.members.add(unit)
                    report.group_links += 1
        except InvalidInput as exc:
            errors.append(f"第 {n} 行：{exc.message}")
        except IntegrityError:
            errors.append(f"第 {n} 行“{name}”与已有数据冲突（可能重复）。")
    if errors:
        shown = errors[:20]
        more = f"……另有 {len(errors) - 20} 处错误。" if len(errors) > 20 else ""
        raise InvalidInput(
            "机构库未导入，文件中有以下问题，请修改后重新上传：" + "".join(shown) + more
        )
    audit.record(
        actor, "directory.imported", root, unit=root,
        after={"file": filename, "created": report.created, "updated": report.updated,
               "aliases": report.aliases, "group_links": report.group_links},
    )  # fmt: skip
    return report
