"""Writes of plan import and the task ledger. One atomic, audited function per state change.

The import path: a file becomes a DRAFT plan (``import_document``); the office corrects it on
the review page (``update_task``, ``delete_task``, ``resolve_unit_name``) and confirms it
(``confirm_plan``). Only confirmed plans are the ledger. A revised version of a confirmed plan
is imported as version n+1 and supersedes it on confirmation.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs import service as orgs_service
from qinqing.core.orgs.models import ProposalStatus, Unit, UnitNameProposal
from qinqing.core.orgs.rules import normalize_name
from qinqing.plans import rules
from qinqing.plans.models import (
    Article,
    ArticleTask,
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

DOCUMENT_SUFFIXES = (".txt", ".docx", ".pdf")
LEDGER_SUFFIXES = (".xlsx",)


def max_upload_bytes() -> int:
    from qinqing.plans.parsing import MAX_BYTES

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
    from qinqing.plans.parsing import parse_source
    from qinqing.plans.parsing.readers import read_bytes

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
        names = {
            UnitRole.LEAD: list(t.get("lead_units") or []),
            UnitRole.RESPONSIBLE: responsible,
            UnitRole.SUPPORTING: supporting,
        }
        _set_mentions(task, names, resolver)
        resolver.sync(task)
        if t.get("uncertain"):
            uncertain[str(task.pk)] = list(t["uncertain"])
    return uncertain


def uncertain_fields(task: Task) -> list[str]:
    """Fields of a draft task the parser was unsure of and no reviewer has saved since."""
    flags = (task.plan.parse_result or {}).get("uncertain") or {}
    return list(flags.get(str(task.pk)) or [])


def _clear_uncertain(task: Task) -> None:
    plan = task.plan
    flags = (plan.parse_result or {}).get("uncertain") or {}
    if str(task.pk) in flags:
        flags = {k: v for k, v in flags.items() if k != str(task.pk)}
        plan.parse_result = {**plan.parse_result, "uncertain": flags}
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


def _set_mentions(task: Task, names: dict[str, list[str]], resolver: _Resolver) -> None:
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
        if m.unit_id is not None and m.unit.active:
            units = [m.unit]
        elif m.group_id is not None:
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
    from qinqing.plans.search import tokens_column

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


# ---------------------------------------------------------------- .xlsx ledger

LEDGER_HEADERS = ["序号", "重点任务", "具体内容", "牵头单位", "责任单位", "完成时限", "量化指标"]
LEDGER_REQUIRED = ["序号", "重点任务", "牵头单位", "责任单位", "完成时限"]
_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def ledger_document(data: bytes, filename: str, *, today: date) -> tuple[dict, str]:
    """Read a ledger kept in Excel (the usual 台账 columns) as a parsed document.

    Every row error is collected; any error refuses the whole file.
    """
    from qinqing.core.files.xlsx import read_rows
    from qinqing.plans.parsing.deadlines import normalise_deadline
    from qinqing.plans.parsing.units import split_units

    rows = read_rows(data, required=LEDGER_REQUIRED, filename=filename)
    if not rows:
        raise InvalidInput(f"“{filename}”除表头外没有数据行，请填写任务后重新上传。")
    m = _YEAR_RE.search(Path(filename).stem)
    year = int(m[1]) if m else today.year
    errors: list[str] = []
    tasks: list[dict] = []
    sections: list[dict] = []
    labels: dict[str, int] = {}
    lines = ["\t".join(LEDGER_HEADERS)]
    for row in rows:
        n = row["_row"]
        label = _cell(row.get("序号"))
        title = _cell(row.get("重点任务"))
        body = _cell(row.get("具体内容"))
        section = _cell(row.get("章节") or row.get("领域"))
        raw_deadline = row.get("完成时限")
        lines.append("\t".join(_cell(row.get(h)) for h in LEDGER_HEADERS))
        if not title:
            errors.append(f"第 {n} 行“重点任务”为空：每一行都应写明任务名称。")
            continue
        if label and label in labels:
            errors.append(f"第 {n} 行“序号”{label} 与第 {labels[label]} 行重复。")
        labels.setdefault(label, n)
        deadline: str | dict | None
        if isinstance(raw_deadline, datetime | date):
            day = raw_deadline.date() if isinstance(raw_deadline, datetime) else raw_deadline
            raw_text, deadline = day.isoformat(), day.isoformat()
        else:
            raw_text = _cell(raw_deadline)
            strict = rules.strict_date(raw_text) if raw_text else None
            if strict is False:
                errors.append(
                    f"第 {n} 行“完成时限”为 {raw_text}，不是有效日期"
                    "（示例：2025-06-30、2025年6月底、长期坚持）。"
                )
                continue
            deadline = strict.isoformat() if strict else normalise_deadline(raw_text, year)
        if section and not any(s["id"] == section for s in sections):
            sections.append({"id": section, "title": section})
        targets = [
            t.strip() for t in re.split(r"[\n；;]+", _cell(row.get("量化指标"))) if t.strip()
        ]
        tasks.append(
            {
                "id": label or str(len(tasks) + 1),
                "section": section or None,
                "title": title,
                "body": body,
                "lead_units": split_units(_cell(row.get("牵头单位"))),
                "responsible_units": split_units(_cell(row.get("责任单位"))),
                "supporting_units": split_units(_cell(row.get("配合单位"))),
                "deadline_raw": raw_text,
                "deadline": deadline,
                "targets": targets,
                "line": len(lines),
            }
        )
    if errors:
        shown = errors[:20]
        more = f"另有 {len(errors) - 20} 处错误未列出。" if len(errors) > 20 else ""
        raise InvalidInput(
            f"“{filename}”有 {len(errors)} 处需要修改：" + "；".join(shown) + "。" + more
            + "整个文件未导入，请修改后重新上传。"
        )  # fmt: skip
    doc = {
        "file": filename,
        "kind": "plan",
        "title_guess": Path(filename).stem,
        "year": year,
        "sections": sections,
        "tasks": tasks,
        "articles": [],
    }
    return doc, "\n".join(lines)


# ---------------------------------------------------------------- review


def _require_draft(plan: Plan, what: str) -> None:
    if plan.status != PlanStatus.DRAFT:
        raise IllegalTransition(
            f"《{plan.title}》当前状态为“{plan.get_status_display()}”，不能{what}。"
            "已确认的台账以确认版本为准；如需修改，请导入修订后的新版本。"
        )


def _mention_names(task: Task, role: str) -> list[str]:
    return [m.raw_name for m in task.unit_mentions.all() if m.role == role]


def task_snapshot(task: Task) -> dict:
    """The editable fields of a task as plain values (for audit and the review page)."""
    return {
        "label": task.label,
        "title": task.title,
        "body": task.body,
        "lead_units": _mention_names(task, UnitRole.LEAD),
        "responsible_units": _mention_names(task, UnitRole.RESPONSIBLE),
        "supporting_units": _mention_names(task, UnitRole.SUPPORTING),
        "deadline_raw": task.deadline_raw,
        "due_on": task.due_on.isoformat() if task.due_on else None,
        "ongoing": task.ongoing,
        "targets": [t.text for t in task.targets.all()],
    }


@transaction.atomic
def update_task(
    task: Task,
    *,
    actor,
    label: str,
    title: str,
    body: str,
    lead_units: str,
    responsible_units: str,
    supporting_units: str,
    deadline_raw: str,
    due_on: date | None,
    ongoing: bool,
    targets: str,
) -> Task:
    """修改待确认任务: correct a parsed task on the review page (drafts only)."""
    from qinqing.plans.parsing.deadlines import normalise_deadline
    from qinqing.plans.parsing.units import split_units

    plan = task.plan
    _require_draft(plan, "修改任务")
    title = title.strip()
    if not title:
        raise InvalidInput("“重点任务”不能为空，请填写任务名称。")
    before = task_snapshot(task)
    deadline_raw = deadline_raw.strip()[:300]
    old_due = task.due_on
    if deadline_raw != task.deadline_raw and due_on == old_due and ongoing == task.ongoing:
        # the text changed and the date was left alone: read the date from the new text
        derived = rules.deadline_fields(normalise_deadline(deadline_raw, plan.year))
        due_on, ongoing = derived.due_on, derived.ongoing
    task.label = label.strip()[:30]
    task.title = title
    task.body = body.strip()
    task.deadline_raw = deadline_raw
    task.due_on = due_on
    task.ongoing = ongoing
    task.save(update_fields=["label", "title", "body", "deadline_raw", "due_on", "ongoing"])
    resolver = _Resolver(plan, actor=actor)
    wanted = {
        UnitRole.LEAD: split_units(lead_units),
        UnitRole.RESPONSIBLE: split_units(responsible_units),
        UnitRole.SUPPORTING: split_units(supporting_units),
    }
    for role, names in wanted.items():
        if names != _mention_names(task, role):
            task.unit_mentions.filter(role=role).delete()
            _set_mentions(task, {role: names}, resolver)
    sync_task_units(task)
    new_targets = [t.strip() for t in re.split(r"[\r\n]+", targets or "") if t.strip()]
    if new_targets != before["targets"]:
        _set_targets(task, new_targets)
    after = task_snapshot(task)
    _clear_uncertain(task)  # the reviewer has seen every field of the task
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        audit.record(
            actor, "plan.task_updated", task, unit=plan.area,
            before={k: before[k] for k in sorted(changed)},
            after={k: after[k] for k in sorted(changed)},
        )  # fmt: skip
    return task


@transaction.atomic
def add_task(
    plan: Plan,
    *,
    actor,
    now: datetime,
    label: str,
    title: str,
    body: str,
    lead_units: str,
    responsible_units: str,
    supporting_units: str,
    deadline_raw: str,
    due_on: date | None,
    ongoing: bool,
    targets: str,
    section: Section | None = None,
) -> Task:
    """补充任务: add a task the parser missed to a draft (drafts only), after the last task."""
    from qinqing.plans.parsing.deadlines import normalise_deadline
    from qinqing.plans.parsing.units import split_units

    _require_draft(plan, "补充任务")
    title = title.strip()
    if not title:
        raise InvalidInput("“重点任务”不能为空，请填写任务名称。")
    if section is not None and section.plan_id != plan.pk:
        raise InvalidInput("所选分组不属于该方案。")
    deadline_raw = deadline_raw.strip()[:300]
    if deadline_raw and due_on is None and not ongoing:
        derived = rules.deadline_fields(normalise_deadline(deadline_raw, plan.year))
        due_on, ongoing = derived.due_on, derived.ongoing
    last = plan.tasks.order_by("-order").values_list("order", flat=True).first()
    task = Task.objects.create(
        plan=plan,
        area=plan.area,
        origin=TaskOrigin.PLAN,
        label=label.strip()[:30],
        section=section,
        title=title,
        body=body.strip(),
        due_on=due_on,
        ongoing=ongoing,
        deadline_raw=deadline_raw,
        order=(last if last is not None else -1) + 1,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
    )
    resolver = _Resolver(plan, actor=actor)
    names = {
        UnitRole.LEAD: split_units(lead_units),
        UnitRole.RESPONSIBLE: split_units(responsible_units),
        UnitRole.SUPPORTING: split_units(supporting_units),
    }
    _set_mentions(task, names, resolver)
    sync_task_units(task)
    _set_targets(task, [t.strip() for t in re.split(r"[\r\n]+", targets or "") if t.strip()])
    audit.record(actor, "plan.task_added", task, unit=plan.area, after=task_snapshot(task))
    return task


@transaction.atomic
def delete_task(task: Task, *, actor) -> None:
    """删除待确认任务: the parser took something for a task that is not one (drafts only)."""
    plan = task.plan
    _require_draft(plan, "删除任务")
    snapshot = task_snapshot(task)
    audit.record(actor, "plan.task_deleted", task, unit=plan.area, before=snapshot)
    task.delete()


@transaction.atomic
def update_plan_details(plan: Plan, *, actor, title: str, year: int | None) -> Plan:
    """修改方案标题、年度 (drafts only): the parser's title guess may be generic."""
    _require_draft(plan, "修改方案信息")
    title = title.strip()[:300]
    if not title:
        raise InvalidInput("方案标题不能为空。")
    before = {"title": plan.title, "year": plan.year}
    if (title, year) != (plan.title, plan.year):
        others = Plan.objects.filter(area=plan.area, kind=plan.kind, title=title, year=year)
        others = others.exclude(pk=plan.pk)
        if others.filter(status=PlanStatus.DRAFT).exists():
            raise InvalidInput(f"《{title}》已有另一份待确认的草稿，请先处理那份草稿。")
        previous = others.filter(status=PlanStatus.CONFIRMED).order_by("-version").first()
        plan.previous_version = previous
        plan.version = previous.version + 1 if previous else 1
    plan.title, plan.year = title, year
    plan.save(update_fields=["title", "year", "previous_version", "version"])
    audit.record(actor, "plan.updated", plan, unit=plan.area, before=before,
                 after={"title": title, "year": year})  # fmt: skip
    return plan


def pending_mentions(plan: Plan):
    """Mentions of unit names nobody has answered yet (no unit, no group, proposal pending)."""
    return UnitMention.objects.filter(
        task__plan=plan, unit__isnull=True, group__isnull=True
    ).filter(Q(proposal__isnull=True) | Q(proposal__status=ProposalStatus.PENDING))


def refresh_mentions(area: Unit, *, names: Iterable[str] | None = None) -> int:
    """Resolve again the unresolved unit names of tasks in ``area`` (after the directory
    learned a name); returns how many mentions now point to a unit or a group."""
    qs = UnitMention.objects.filter(
        task__area__path__startswith=area.path, unit__isnull=True, group__isnull=True
    ).select_related("task", "task__area")
    if names is not None:
        qs = qs.filter(raw_name__in=list(names))
    touched: dict[int, Task] = {}
    count = 0
    cache: dict[tuple[int, str], orgs_service.Resolution] = {}
    for m in qs:
        key = (m.task.area_id, m.raw_name)
        if key not in cache:
            cache[key] = orgs_service.resolve_name(m.raw_name, area=m.task.area)
        res = cache[key]
        if res.known:
            m.unit, m.group = res.unit, res.group
            m.save(update_fields=["unit", "group"])
            touched[m.task_id] = m.task
            count += 1
    for task in touched.values():
        sync_task_units(task)
    return count


@transaction.atomic
def resolve_unit_name(
    plan: Plan,
    proposal: UnitNameProposal,
    *,
    actor,
    action: str,
    unit: Unit | None = None,
    group=None,
    kind: str = "",
    parent: Unit | None = None,
) -> int:
    """对应单位名称: answer an unknown unit name from the review page.

    ``action``: ``map`` (another name of ``unit``: it becomes an alias), ``group`` (a
    collective name of ``group``), ``create`` (a new unit of ``kind`` under ``parent``) or
    ``reject`` (not a unit: the name is left out of the ledger). Every task of the area
    that mentions the name is updated; returns how many mentions were resolved.
    """
    if not pending_mentions(plan).filter(proposal=proposal).exists():
        raise InvalidInput(f"“{proposal.raw_name}”不是本方案中待确认的单位名称，或已处理。")
    if action == "map" and unit is not None:
        orgs_service.map_proposal_to_unit(proposal, unit, actor=actor)
    elif action == "group" and group is not None:
        orgs_service.map_proposal_to_group(proposal, group, actor=actor)
    elif action == "create" and parent is not None:
        orgs_service.create_unit_from_proposal(proposal, actor=actor, kind=kind, parent=parent)
    elif action == "reject":
        orgs_service.reject_proposal(proposal, actor=actor)
    else:
        raise InvalidInput("请选择处理方式：对应现有单位、对应单位集合、新建单位或不计入台账。")
    proposal.refresh_from_db()
    count = 0
    if proposal.status == ProposalStatus.GROUPED:
        # a collective name is not an alias, so the directory cannot resolve it by itself
        mentions = UnitMention.objects.filter(proposal=proposal, unit__isnull=True,
                                              group__isnull=True).select_related("task")  # fmt: skip
        tasks = {}
        for m in mentions:
            m.group = proposal.resolved_group
            m.save(update_fields=["group"])
            tasks[m.task_id] = m.task
            count += 1
        for task in tasks.values():
            sync_task_units(task)
    else:
        count = refresh_mentions(plan.area, names=_raw_names(proposal))
    audit.record(
        actor, "plan.unit_name_resolved", plan, unit=plan.area,
        after={"name": proposal.raw_name, "action": action, "mentions": count,
               "unit": proposal.resolved_unit.name if proposal.resolved_unit else None,
               "group": proposal.resolved_group.name if proposal.resolved_group else None},
    )  # fmt: skip
    return count


def _raw_names(proposal: UnitNameProposal) -> list[str]:
    return list(
        UnitMention.objects.filter(proposal=proposal).values_list("raw_name", flat=True).distinct()
    ) or [proposal.raw_name]


@transaction.atomic
def refresh_plan_units(plan: Plan, *, actor) -> int:
    """重新对应单位名称: resolve the plan's unanswered names against the current directory."""
    count = refresh_mentions(plan.area)
    if count:
        audit.record(actor, "plan.units_refreshed", plan, unit=plan.area,
                     after={"mentions": count})  # fmt: skip
    return count


# ---------------------------------------------------------------- confirm / discard


def task_rows(plan: Plan) -> list[rules.TaskRow]:
    tasks = plan.tasks.prefetch_related("unit_mentions", "targets").order_by("order", "pk")
    rows = []
    for t in tasks:
        snap = task_snapshot(t)
        rows.append(
            rules.TaskRow(
                key=t.pk,
                label=t.label,
                title=t.title,
                body=t.body,
                lead_units=tuple(snap["lead_units"]),
                responsible_units=tuple(snap["responsible_units"]),
                supporting_units=tuple(snap["supporting_units"]),
                deadline_raw=t.deadline_raw,
                targets=tuple(snap["targets"]),
            )
        )
    return rows


def version_diff(plan: Plan) -> rules.LedgerDiff | None:
    """Differences from the previous version (``None`` for a first version)."""
    if plan.previous_version_id is None:
        return None
    return rules.diff_ledgers(task_rows(plan.previous_version), task_rows(plan))


@transaction.atomic
def confirm_plan(plan: Plan, *, actor, now: datetime, accept_unresolved: bool = False) -> Plan:
    """确认方案: the draft becomes the ledger (or enters the experience library).

    Unanswered unit names block confirmation unless ``accept_unresolved``: such names stay
    on the review page and count for no unit until they are mapped.
    """
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.DRAFT:
        raise IllegalTransition(
            f"《{plan.title}》当前状态为“{plan.get_status_display()}”，不能再次确认。"
        )
    if plan.kind == PlanKind.PLAN and not plan.tasks.exists():
        raise InvalidInput(f"《{plan.title}》没有任务，不能确认。请放弃该草稿后重新导入。")
    if plan.kind == PlanKind.COMPILATION and not plan.articles.filter(fragment=False).exists():
        raise InvalidInput(f"《{plan.title}》没有文章，不能确认。")
    pending = sorted(set(pending_mentions(plan).values_list("raw_name", flat=True)))
    if pending and not accept_unresolved:
        listed = "、".join(pending[:10]) + (f"等 {len(pending)} 个" if len(pending) > 10 else "")
        raise InvalidInput(
            f"还有单位名称未对应到机构库：{listed}。请在“待确认单位名称”中逐一处理，"
            "或勾选“仍然确认”（这些名称暂不计入任何单位的任务）。"
        )
    previous = plan.previous_version
    if previous is not None and previous.status == PlanStatus.CONFIRMED:
        diff = rules.diff_ledgers(task_rows(previous), task_rows(plan))
        for old, new in diff.pairs:
            Task.objects.filter(pk=new.key).update(previous_version_id=old.key)
        previous.status = PlanStatus.SUPERSEDED
        previous.save(update_fields=["status"])
        audit.record(
            actor, "plan.superseded", previous, unit=plan.area,
            before={"status": PlanStatus.CONFIRMED},
            after={"status": PlanStatus.SUPERSEDED, "by_version": plan.version,
                   "added": len(diff.added), "removed": len(diff.removed),
                   "changed": len(diff.changed)},
        )  # fmt: skip
    plan.status = PlanStatus.CONFIRMED
    plan.confirmed_at = now
    plan.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    plan.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    audit.record(
        actor, "plan.confirmed", plan, unit=plan.area,
        before={"status": PlanStatus.DRAFT},
        after={"status": PlanStatus.CONFIRMED, "version": plan.version,
               "tasks": plan.tasks.count(), "articles": plan.articles.count(),
               "unresolved_names": pending},
    )  # fmt: skip
    tag_articles(plan.area)
    return plan


@transaction.atomic
def discard_draft(plan: Plan, *, actor) -> None:
    """放弃草稿: delete a draft that should not become the ledger."""
    _require_draft(plan, "放弃")
    audit.record(
        actor, "plan.discarded", plan, unit=plan.area,
        before={"title": plan.title, "version": plan.version, "file": plan.source_filename,
                "tasks": plan.tasks.count()},
    )  # fmt: skip
    plan.delete()


# ---------------------------------------------------------------- experience library


def _area_family(area: Unit) -> Q:
    """Plans of ``area``, of the areas above it and of those below it."""
    ancestors = [p for p in area.path.split("/") if p]
    return Q(area__path__startswith=area.path) | Q(area_id__in=[int(p) for p in ancestors])


def tag_articles(area: Unit, *, top: int = 5) -> int:
    """Tag the library's articles with the most similar ledger tasks (recomputed wholesale).

    Articles of confirmed compilations of ``area``'s family are compared with tasks of
    confirmed plans of the same family; returns the number of links written.
    """
    from qinqing.plans.search import related_pairs

    family = _area_family(area)
    articles = list(
        Article.objects.filter(
            plan__in=Plan.objects.filter(
                family, kind=PlanKind.COMPILATION, status=PlanStatus.CONFIRMED
            ),  # fmt: skip
            fragment=False,
        ).values_list("pk", "title", "body")
    )
    tasks = list(
        Task.objects.filter(
            plan__in=Plan.objects.filter(family, kind=PlanKind.PLAN, status=PlanStatus.CONFIRMED)
        ).values_list("pk", "title", "body")
    )
    ArticleTask.objects.filter(article_id__in=[a[0] for a in articles]).delete()
    pairs = related_pairs(
        [(pk, f"{title} {title} {body}") for pk, title, body in articles],
        [(pk, f"{title} {title} {body}") for pk, title, body in tasks],
        top=top,
    )
    links = [ArticleTask(article_id=a, task_id=t, score=s) for a, t, s in pairs]
    ArticleTask.objects.bulk_create(links)
    return len(links)
