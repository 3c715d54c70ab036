"""From a :class:`~.blocks.Source` to the document dict of ``../shared/gold/seeds_gold.json``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from qinqing.core.errors import InvalidInput

from .blocks import Para, Source, Table
from .compilation import compilation_dict, find_toc, is_compilation, parse_compilation
from .deadlines import document_year, normalise_deadline
from .outline import Node, Outline, build_outline
from .plan import (
    PlanParser,
    drop_unitless_regions,
    guess_title,
    heading_title,
    scan,
    split_title,
    task_dicts,
)
from .roles import apply_role_rules, mark_uncertain
from .tables import TableTask, parse_task_table, table_task_dicts
from .targets import extract_targets
from .units import LABEL_RE, LABELS, SUPPORTING, Annotation

_UNIT_ROLES = ("lead", "responsible", SUPPORTING)


def _count_unit_labels(paras: list[Para]) -> int:
    """How many labelled unit assignments ("牵头单位：…") the text holds."""
    return sum(
        1
        for p in paras
        for m in LABEL_RE.finditer(p.text)
        if LABELS[m["label"]] in _UNIT_ROLES and len(m["label"]) >= 4
    )


_TITLE_END_RE = re.compile(
    r"(?:方案|意见|要点|措施|计划|通知|办法|清单|台账|汇编|选编|规划|细则|行动|分工|任务|分解表|（\d+篇）)$"
)
_COVER_NOTICE_RE = re.compile(r"关于印发(?P<title>.+?)的通知$")
_ATTACHMENT_MARK_RE = re.compile(r"^(?:附件\s*\d*\s*[:：]?|[（(]此件[^）)]*[）)])$")


def _title_line(paras: list[Para]) -> str | None:
    """The document's own title, when its first line is one.

    A cover notice ("关于印发《XX市优化营商环境工作方案》的通知") gives the plan's title.
    """
    for para in paras[:8]:
        if not para.text or _ATTACHMENT_MARK_RE.match(para.text):
            continue
        text = para.text.strip("《》 ")
        if (
            4 <= len(text) <= 80
            and not re.search(r"[。！？；]", text)
            and _TITLE_END_RE.search(text)
        ):
            notice = _COVER_NOTICE_RE.search(text)
            return notice["title"].strip("《》") if notice else text
        return None
    return None


def parse_source(source: Source) -> dict[str, Any]:
    """Parse a whole document; raise InvalidInput when it holds nothing to import."""
    paras = source.paras
    if not any(p.text for p in paras) and not any(
        any(any(c for c in r) for r in t.rows) for t in source.tables
    ):
        raise InvalidInput(
            f"“{source.filename}”中没有文字内容。如果是扫描件或图片，请先进行文字识别（OCR）后再上传。"
        )
    title_line = _title_line(paras)
    unit_labels = _count_unit_labels(paras)
    if is_compilation(paras, title_line or "", unit_labels) and not _task_tables_present(source):
        return _compilation_document(source, title_line)
    return _plan_document(source, title_line)


def _task_tables_present(source: Source) -> bool:
    return any(parse_task_table(t)[0] for t in source.tables)


def _compilation_document(source: Source, title_line: str | None) -> dict[str, Any]:
    comp = parse_compilation(source.paras)
    doc = {
        "file": source.filename,
        "kind": "compilation",
        "title_guess": title_line or comp.title,
        "sections": [],
        "tasks": [],
    }
    doc.update(compilation_dict(comp))
    if not comp.articles:
        raise InvalidInput(
            f"“{source.filename}”看起来是材料汇编，但没有找到任何文章标题。请确认每篇文章的标题单独成行后重新上传。"
        )
    return doc


def _without_contents(source: Source) -> list[Para | Table]:
    """The blocks of a plan without its table of contents (目录), whose entries look like headings."""
    toc = find_toc(source.paras)
    if toc is None:
        return source.blocks
    first, last = toc[2][0][2], toc[2][-1][2]
    head = next(
        (p.line for p in source.paras if p.line < first and p.text.replace(" ", "") == "目录"),
        first,
    )
    return [b for b in source.blocks if not (isinstance(b, Para) and head <= b.line <= last)]


def _plan_document(source: Source, title_line: str | None) -> dict[str, Any]:
    outline = build_outline(_without_contents(source))
    parser = PlanParser(outline)
    drafts = drop_unitless_regions(parser.drafts())
    found_in_tables = _table_tasks(source, outline)
    preamble_text = "\n".join(p.text for p in outline.preamble)
    deadline_phrases = [d.annotation.deadline_raw for d in drafts if d.annotation.deadline_raw]
    deadline_phrases += [t.ann.deadline_raw for t in found_in_tables if t.ann.deadline_raw]
    year = document_year(title_line, preamble_text, deadline_phrases, source.text)
    tasks, sections = task_dicts(drafts, year)
    if found_in_tables:
        table_tasks, table_sections = table_task_dicts(found_in_tables, year)
        with_units = sum(1 for t in table_tasks if t["lead_units"] or t["responsible_units"])
        outline_units = sum(1 for t in tasks if t["lead_units"] or t["responsible_units"])
        # The task table wins if it assigns more units than the numbered text (an attached
        # 任务分解表 of a plan written without units), or lists more tasks when neither does.
        if with_units > outline_units or (
            with_units == outline_units == 0 and len(table_tasks) > len(tasks)
        ):
            tasks, sections = table_tasks, table_sections
    if not tasks:
        tasks, sections = _annotated_paragraph_tasks(source, year)
    apply_role_rules(tasks, source.text)
    mark_uncertain(tasks, year)
    rules_title = _rules_title(source)
    if rules_title and not any(
        t["lead_units"] or t["responsible_units"] or t["deadline_raw"] for t in tasks
    ):
        raise InvalidInput(
            f"“{source.filename}”是规则、制度类文件（{rules_title}），其中编号的条目是规则而不是任务，"
            "不能作为实施方案导入；请上传载明任务和责任单位的实施方案或任务分工。"
        )
    if not tasks:
        raise InvalidInput(
            f"“{source.filename}”中没有识别到任务。实施方案的任务应逐条编号（如“一、”“（一）”“1.”），"
            "或在表格中列出“重点任务”“牵头单位”“责任单位”“完成时限”等列；请检查文件内容后重新上传。"
        )
    return {
        "file": source.filename,
        "kind": "plan",
        "title_guess": title_line or guess_title(outline.preamble, source.filename),
        "year": year,
        "sections": sections,
        "tasks": tasks,
        "articles": [],
    }


def _table_tasks(source: Source, outline: Outline) -> list[TableTask]:
    """Tasks from task tables, with the heading above a table as its default section."""
    owner: dict[int, tuple[str, str]] = {}
    for node in outline.walk():
        for table in node.tables:
            # the heading above a table is its section if it is only a heading, not a task
            section: Node | None = node
            while section is not None and split_title(section.marker.rest)[1]:
                section = section.parent
            if section is not None:
                owner[id(table)] = (section.ident, heading_title(section))
    found_all: list[TableTask] = []
    roles: list[str | None] | None = None
    for block in source.blocks:
        if not isinstance(block, Table):
            continue
        found, roles = parse_task_table(block, owner.get(id(block)), roles)
        if not found:
            roles = None
        found_all.extend(found)
    return found_all


# The title of a rules document (or of the notice or reply that issues one): its numbered
# items are rules, not tasks. "国务院关于印发《国务院工作规则》的通知", "…联席会议制度的批复".
_RULES_TITLE_RE = re.compile(
    r"(?:工作规则|议事规则|规则|制度|章程|条例|办法|细则|规定)(?:的(?:批复|通知|决定|复函))?$"
)


def _rules_title(source: Source) -> str | None:
    """The title of a rules document, from the title lines at the top of the file, or None.

    A title may be broken over two lines; spaces ("国 务 院 工 作 规 则") and 《》 are ignored.
    """
    run = ""
    for para in source.paras[:12]:
        text = re.sub(r"[\s\u3000《》]", "", para.text)
        if text and len(text) <= 40 and not re.search(r"[。；;！？，,：:〔\d]", text):
            run += text
            if _RULES_TITLE_RE.search(run):
                return run
            continue
        run = ""
    return None


def _is_title_line(text: str) -> bool:
    return 2 <= len(text) <= 30 and not re.search(r"[。；;！？，,]", text)


@dataclass
class _UnnumberedState:
    """What has been read of an unnumbered plan since the last task (rule 7)."""

    text: list[tuple[Para, str]] = field(default_factory=list)
    ann: Annotation | None = None
    ann_paras: list[Para] = field(default_factory=list)
    section: str | None = None
    inline: bool = False


def _annotated_paragraph_tasks(
    source: Source, year: int | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Last resort for unnumbered plans: text followed by unit labels is a task.

    A short line without punctuation just before a task's text is its title; an earlier one
    is a section heading.
    """

    tasks: list[dict[str, Any]] = []
    sections: dict[str, str] = {}
    state = _UnnumberedState()

    def close() -> None:
        ann, texts = state.ann, state.text
        if ann is not None and ann.has_units and texts:
            body = texts[-1]
            # a short line before text that carries its own units names a section, not the task
            self_contained = body[0] not in state.ann_paras and state.inline
            head = (
                texts[-2]
                if len(texts) >= 2 and _is_title_line(texts[-2][1]) and not self_contained
                else None
            )
            earlier = texts[: len(texts) - (2 if head else 1)]
            for _para, text in reversed(earlier):
                if _is_title_line(text):
                    state.section = text
                    break
            title = head[1] if head else split_title(body[1])[0]
            passage = ([head[0]] if head else []) + [body[0], *state.ann_paras]
            section = state.section
            if section is not None:
                sections.setdefault(section, str(len(sections) + 1))
            responsible = ann.ledger_responsible()
            tasks.append(
                {
                    "id": str(len(tasks) + 1),
                    "section": sections.get(section) if section else None,
                    "title": title,
                    "lead_units": ann.lead,
                    "responsible_units": responsible,
                    "deadline_raw": ann.deadline_raw,
                    "deadline": normalise_deadline(ann.deadline_raw, year),
                    "targets": extract_targets(body[1]),
                    "supporting_units": ann.supporting,
                    "section_title": section,
                    "line": passage[0].line,
                    "body": "\n".join(p.text for p in passage),
                }
            )
            state.text = []
        elif ann is not None:
            state.text = []
        state.ann, state.ann_paras, state.inline = None, [], False

    for para in source.paras:
        if not para.text:
            continue
        pieces = scan([para])
        found = [p.ann for p in pieces if p.ann is not None]
        own = "".join(p.text for p in pieces if p.ann is None).strip()
        if own and state.ann is not None:
            close()
        if own:
            state.text.append((para, own))
        if found:
            if state.ann is None:
                state.ann = Annotation()
            for ann in found:
                state.ann.merge(ann)
            if not own:
                state.ann_paras.append(para)
            else:
                state.inline = True
    close()
    if len(tasks) < 2:
        return [], []
    return tasks, [{"id": ident, "title": title} for title, ident in sections.items()]


__all__ = ["parse_source"]
