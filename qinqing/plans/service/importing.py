"""Importing a plan document: a file becomes a draft plan with its tasks, units and targets."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs import service as orgs_service
from qinqing.core.orgs.models import ProposalStatus, Unit
from qinqing.core.orgs.rules import normalize_name
from qinqing.plans import rules
from qinqing.plans.models import (
    Article,
    Plan,
    PlanKind,
    PlanStatus,
    Section,
    Target,
    Task,
    TaskOrigin,
    UnitMention,
    UnitRole,
)
from qinqing.plans.parsing import MAX_BYTES, parse_source
from qinqing.plans.parsing.readers import read_bytes
from qinqing.plans.search import tokens_column
from qinqing.plans.service.ledger_file import ledger_document

DOCUMENT_SUFFIXES = (".txt", ".docx", ".pdf")
LEDGER_SUFFIXES = (".xlsx",)


def max_upload_bytes() -> int:
    return MAX_BYTES


def check_upload_size(size: int, filename: str) -> None:
    """Refuse a file over the parser's limit before reading it."""
    limit = max_upload_bytes()
    if size > limit:
        raise InvalidInput(
            f"“{filename}”大小为 {size / 1024 / 1024:.1f} MB，超过 {limit // 1024 // 1024} MB 的上限。"
            "请删除图片等非文字内容，或另存为 .txt/.docx 后重新上传。"
        )


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _refuse_duplicate(area: Unit, sha: str) -> None:
    existing = Plan.objects.filter(area=area, source_sha256=sha).first()
    if existing is not None:
        when = timezone.localtime(existing.created_at).strftime("%Y-%m-%d")
        raise InvalidInput(
            f"这个文件已于 {when} 导入为《{existing.title}》（第 {existing.version} 版，"
            f"{existing.get_status_display()}），不再重复导入。如需修改，请在该方案的审核页中修改，"
            "或导入修订后的新版本。"
        )


def _previous_version(area: Unit, kind: str, title: str, year: int | None) -> Plan | None:
    same = Plan.objects.filter(area=area, kind=kind, title=title, year=year)
    draft = same.filter(status=PlanStatus.DRAFT).first()
    if draft is not None:
        raise InvalidInput(
            f"《{title}》已有一份待确认的草稿（第 {draft.version} 版，文件“{draft.source_filename}”）。"
            "请先确认或放弃该草稿，再导入新的版本。"
        )
    return same.filter(status=PlanStatus.CONFIRMED).order_by("-version").first()


# ---------------------------------------------------------------- import


@transaction.atomic
def import_document(
    data: bytes, filename: str, *, area: Unit, actor, now: datetime, title: str = ""
) -> Plan:
    """导入方案: a plan (.txt/.docx/.pdf) or a ledger (.xlsx) becomes a draft for review.

    A 材料汇编 becomes a draft compilation whose articles enter the experience library on
    confirmation. The same file twice in one area is refused; nothing is written on error.
    """
    filename = Path(filename or "上传文件").name
    check_upload_size(len(data), filename)
    if not area.is_area:
        raise InvalidInput(f"“{area.name}”不是地区，方案只能导入到市或县（区）。")
    sha = file_sha256(data)
    _refuse_duplicate(area, sha)
    if filename.lower().endswith(LEDGER_SUFFIXES):
        doc, text = ledger_document(data, filename, today=now.date())
    else:
        doc, text = _parse(data, filename)
    return _create_plan(doc, text, filename=filename, sha=sha, area=area, actor=actor, now=now,
                        title=title)  # fmt: skip


def _parse(data: bytes, filename: str) -> tuple[dict, str]:
    suffix = Path(filename).suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        raise InvalidInput(
            f"“{filename}”的类型不受支持。请上传方案文件（.txt、.docx 或带文字层的 .pdf），"
            "或按台账格式填写的 Excel 文件（.xlsx）。"
        )
    source = read_bytes(data, filename)
    try:
        doc = parse_source(source)
    except InvalidInput:
        raise
    except Exception as exc:  # a parser defect must not become a server error
        raise InvalidInput(
            f"解析“{filename}”时出错（{type(exc).__name__}）。请另存为 .docx 或 UTF-8 文本后重试；"
            "如仍失败，请将文件发给系统管理员。"
        ) from exc
    return doc, source.text


def _create_plan(
    doc: dict,
    text: str,
    *,
    filename: str,
    sha: str,
    area: Unit,
    actor,
    now: datetime,
    title: str = "",
) -> Plan:
    kind = PlanKind.COMPILATION if doc.get("kind") == "compilation" else PlanKind.PLAN
    title = (title or doc.get("title_guess") or Path(filename).stem).strip()[:300]
    year = doc.get("year")
    previous = _previous_version(area, kind, title, year)
    plan = Plan.objects.create(
        title=title,
        kind=kind,
        area=area,
        year=year,
        version=previous.version + 1 if previous else 1,
        status=PlanStatus.DRAFT,
        source_filename=filename[:255],
        source_sha256=sha,
        source_text=text,
        parse_result=_summary(doc),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
        previous_version=previous,
    )
    if kind == PlanKind.COMPILATION:
        _create_articles(plan, doc)
    else:
        uncertain = _create_tasks(plan, doc, actor=actor, now=now)
        if uncertain:
            plan.parse_result = {**(plan.parse_result or {}), "uncertain": uncertain}
            plan.save(update_fields=["parse_result"])
    audit.record(
        actor,
        "plan.imported",
        plan,
        unit=area,
        after={
            "title": title,
            "kind": kind,
            "version": plan.version,
            "file": filename,
            "sha256": sha,
            "tasks": len(doc.get("tasks") or []),
            "articles": len(doc.get("articles") or []),
        },
    )
    return plan


def _summary(doc: dict) -> dict:
    """What is kept of the parser's output besides the rows: enough to explain the import."""
    keep = ("file", "kind", "title_guess", "year", "toc_entries", "advertising_lines")
    return {k: doc[k] for k in keep if k in doc}


def _create_tasks(plan: Plan, doc: dict, *, actor, now: datetime) -> dict[str, list[str]]:
    """Create the draft's sections and tasks; return the parser's unsure fields by task pk."""
    uncertain: dict[str, list[str]] = {}
    sections: dict[str, Section] = {}
    for order, s in enumerate(doc.get("sections") or []):
        if s.get("id") in sections:
            continue
        sections[s.get("id")] = Section.objects.create(
            plan=plan, label=str(s.get("id") or "")[:30], title=(s.get("title") or "")[:300],
            order=order,
        )  # fmt: skip
    resolver = _Resolver(plan, actor=actor)
    for order, t in enumerate(doc.get("tasks") or []):
        deadline = rules.deadline_fields(t.get("deadline"))
        task = Task.objects.create(
            plan=plan,
            area=plan.area,
            origin=TaskOrigin.PLAN,
            label=str(t.get("id") or "")[:30],
            parent_label=str(t.get("parent_task") or "")[:30],
            section=sections.get(t.get("section")),
            title=t.get("title") or "",
            body=t.get("body") or "",
            source_line=t.get("line"),
            due_on=deadline.due_on,
            ongoing=deadline.ongoing,
            deadline_raw=(t.get("deadline_raw") or "")[:300],
            order=order,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            created_at=now,
        )
        _set_targets(task, t.get("targets") or [])
        supporting = list(t.get("supporting_units") or [])
        responsible = [n for n in t.get("responsible_units") or [] if n not in supporting]
        names: dict[str, list[str]] = {
            UnitRole.LEAD: list(t.get("lead_units") or []),
            UnitRole.RESPONSIBLE: responsible,
            UnitRole.SUPPORTING: supporting,
        }
        _set_mentions(task, names, resolver)
        resolver.sync(task)
        if t.get("uncertain"):
            uncertain[str(task.pk)] = list(t["uncertain"])
    return uncertain


def draft_plan(task: Task) -> Plan:
    """The plan of a task under review (an item outside a plan is never a draft)."""
    if task.plan is None:
        raise InvalidInput("该事项不属于任何方案，不在方案审核中。")
    return task.plan


def uncertain_fields(task: Task) -> list[str]:
    """Fields of a draft task the parser was unsure of and no reviewer has saved since."""
    flags = (draft_plan(task).parse_result or {}).get("uncertain") or {}
    return list(flags.get(str(task.pk)) or [])


def _clear_uncertain(task: Task) -> None:
    plan = draft_plan(task)
    flags = (plan.parse_result or {}).get("uncertain") or {}
    if str(task.pk) in flags:
        flags = {k: v for k, v in flags.items() if k != str(task.pk)}
        plan.parse_result = {**(plan.parse_result or {}), "uncertain": flags}
        plan.save(update_fields=["parse_result"])


def _set_targets(task: Task, texts: Iterable[str]) -> None:
    task.targets.all().delete()
    objs = []
    for order, text in enumerate(t.strip() for t in texts):
        if not text:
            continue
        value = rules.target_value(text)
        objs.append(
            Target(task=task, text=text, value=value.value, unit=value.unit,
                   comparator=value.comparator, order=order)
        )  # fmt: skip
    Target.objects.bulk_create(objs)


class _Resolver:
    """Resolves unit names of one plan against the directory, once per distinct name."""

    def __init__(self, plan: Plan, *, actor) -> None:
        self.plan = plan
        self.actor = actor
        self.cache: dict[str, orgs_service.Resolution] = {}

    def resolve(self, name: str) -> orgs_service.Resolution:
        key = normalize_name(name)
        if key not in self.cache:
            (self.cache[key],) = orgs_service.resolve_names(
                [name], area=self.plan.area, source=f"方案《{self.plan.title}》"[:200],
                actor=self.actor,
            )  # fmt: skip
        return self.cache[key]

    def mention(self, task: Task, role: str, name: str, order: int) -> UnitMention:
        res = self.resolve(name)
        group = res.group
        proposal = res.proposal
        # a collective name answered earlier is no alias: the proposal remembers it
        if group is None and proposal is not None and proposal.status == ProposalStatus.GROUPED:
            group = proposal.resolved_group
        return UnitMention(
            task=task, role=role, raw_name=name[:200], order=order, unit=res.unit,
            group=group, proposal=res.proposal,
        )  # fmt: skip

    @staticmethod
    def sync(task: Task) -> None:
        sync_task_units(task)


def _set_mentions(task: Task, names: Mapping[str, list[str]], resolver: _Resolver) -> None:
    objs = []
    for role, role_names in names.items():
        seen: set[str] = set()
        for order, name in enumerate(role_names):
            name = name.strip()
            if not name or name in seen:
                continue
            seen.add(name)
            objs.append(resolver.mention(task, role, name, order))
    UnitMention.objects.bulk_create(objs)


def sync_task_units(task: Task) -> None:
    """Derive the task's lead/responsible/supporting units from its resolved mentions."""
    by_role: dict[str, list[Unit]] = {r: [] for r in UnitRole.values}
    for m in task.unit_mentions.select_related("unit", "group"):
        if m.unit is not None and m.unit.active:
            units = [m.unit]
        elif m.group is not None:
            units = list(m.group.members.filter(active=True))
        else:
            units = []
        for u in units:
            if u not in by_role[m.role]:
                by_role[m.role].append(u)
    task.lead_units.set(by_role[UnitRole.LEAD])
    task.responsible_units.set(by_role[UnitRole.RESPONSIBLE])
    task.supporting_units.set(by_role[UnitRole.SUPPORTING])


def _create_articles(plan: Plan, doc: dict) -> None:
    items = [(a, False) for a in doc.get("articles") or []]
    items += [(f, True) for f in doc.get("untitled_fragments") or []]
    items.sort(key=lambda pair: pair[0].get("line") or 0)
    Article.objects.bulk_create(
        Article(
            plan=plan,
            title=("" if fragment else (a.get("title") or ""))[:300],
            body=a.get("body") or "",
            order=order,
            source_line=a.get("line"),
            in_toc=bool(a.get("in_toc")),
            fragment=fragment,
            tokens=tokens_column(a.get("title") or "", a.get("body") or ""),
        )
        for order, (a, fragment) in enumerate(items)
    )
