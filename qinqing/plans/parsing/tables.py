"""Task tables (任务分解表): one row per task, columns named by a header row.

Recognised columns (the header may sit below a title row, and may repeat on every page):
序号; 领域/类别 (section); 重点任务/主要任务/工作任务 (title); 具体内容/工作措施 (body);
量化指标/预期目标 (targets); 牵头单位; 责任单位; 配合单位/协办单位; 完成时限/时间节点.

Rows whose cells all hold the same text (a merged row) or that hold only a numbered heading
("一、优化政务环境") start a section. When a task cell spans several rows (merged vertically,
so each row repeats it) and each row has its own content and units, the rows are sub-tasks
"3-1", "3-2"… of that task, as for a plan item split into sub-parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .blocks import Table
from .deadlines import normalise_deadline
from .outline import cn_to_int, match_marker
from .targets import extract_targets
from .units import (
    LABEL_RE,
    Annotation,
    add_units,
    bare_unit_list,
    looks_like_unit,
    parse_labelled,
    parse_verb_style,
    split_units,
)

ID, SECTION, TITLE, BODY, TARGETS, LEAD, RESPONSIBLE, SUPPORTING, DEADLINE, NOTE, SUBJECT = (
    "id",
    "section",
    "title",
    "body",
    "targets",
    "lead",
    "responsible",
    "supporting",
    "deadline",
    "note",
    "subject",
)
# An assessment table (考核细则, 考评办法 with indicator tables): the assessed item is the task,
# the scoring criteria are its body, the score weight is a note, and the "考核项目/考核对象"
# columns hold either an item name, a group label ("重点考核部门") or the assessed unit.
# The unit that assesses an item ("负责考核部门", "牵头考核单位") leads it.
ASSESSMENT_RULES: list[tuple[str, re.Pattern[str]]] = [
    (TITLE, re.compile(r"^(?:考核|考评|评价|督查|评估)(?:内容|任务|事项)$")),
    (
        BODY,
        re.compile(
            r"评分标准|评分细则|评分办法|计分办法|计分方法|(?:考核|考评|评价)(?:标准|指标|要点)"
        ),
    ),
    (NOTE, re.compile(r"分值|权重|分数|得分|满分")),
    (LEAD, re.compile(r"^(?:负责|牵头)?(?:考核|考评|评价)(?:责任)?(?:部门|单位)$")),
    (SUBJECT, re.compile(r"^(?:考核|考评|评价)(?:项目|对象)$|^被考核")),
]

# Checked in order: unit and deadline columns first, because "责任单位" must not read as a task.
HEADER_RULES: list[tuple[str, re.Pattern[str]]] = [
    (ID, re.compile(r"^(?:序号|编号|序|项次|任务编号|项目编号|No\.?)$", re.IGNORECASE)),
    (LEAD, re.compile(r"牵头|主责|主办")),
    (SUPPORTING, re.compile(r"配合|协办|参与|协同|协作")),
    (
        RESPONSIBLE,
        re.compile(r"责任单位|责任部门|责任主体|责任处室|承办|实施单位|落实单位|单位$|部门$"),
    ),
    (DEADLINE, re.compile(r"时限|时间|节点|期限|进度")),
    (NOTE, re.compile(r"备注|说明|责任人|联系|领导")),
    (
        TARGETS,
        re.compile(
            r"量化|指标值|目标值|预期目标|工作目标|目标任务|目标要求|完成标准|预期成效|成效|目标"
        ),
    ),
    (SECTION, re.compile(r"领域|类别|板块|方面|分类|专项|一级|类型|环节")),
    (
        TITLE,
        re.compile(
            r"重点任务|主要任务|工作任务|任务名称|任务事项|改革事项|工作事项|重点工作|事项名称|指标名称|任务|事项|指标|名称"
        ),
    ),
    (BODY, re.compile(r"内容|措施|举措|具体|要求|任务描述|工作安排")),
]


def header_roles(row: list[str]) -> list[str | None]:
    """The role of each column in a header row.

    Examples:
        >>> header_roles(["序号", "重点任务", "具体内容", "牵头单位", "责任单位", "完成时限"])
        ['id', 'title', 'body', 'lead', 'responsible', 'deadline']
        >>> header_roles(["序号", "任务", "配合单位", "时间节点"])
        ['id', 'title', 'supporting', 'deadline']
    """
    roles: list[str | None] = []
    for cell in row:
        text = re.sub(r"\s+", "", cell)
        role = None
        if text and len(text) <= 16:
            for name, pattern in ASSESSMENT_RULES + HEADER_RULES:
                if pattern.search(text):
                    role = name
                    break
        roles.append(role)
    return roles


def _is_header(roles: list[str | None]) -> bool:
    found = set(r for r in roles if r)
    return bool(found & {TITLE, BODY}) and bool(
        found & {LEAD, RESPONSIBLE, SUPPORTING, DEADLINE, SUBJECT}
    )


@dataclass
class TableTask:
    ident: str
    title: str
    line: int
    section: tuple[str, str] | None
    body: str
    ann: Annotation
    targets: list[str]
    parent: tuple[str, str] | None = None
    row_text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _cell(row: list[str], i: int | None) -> str:
    if i is None or i >= len(row):
        return ""
    return row[i].strip()


def _units_from(cell: str, role: str, ann: Annotation) -> None:
    cell = cell.strip()
    if not cell or cell in ("/", "—", "-", "无"):
        return
    if LABEL_RE.search(cell):
        ann.merge(parse_labelled(cell))
        return
    if "牵头" in cell:
        verb = parse_verb_style(cell.replace("\n", "，"))
        if verb is not None:
            ann.merge(verb)
            return
    units = split_units(cell)
    target = {"lead": ann.lead, "responsible": ann.responsible, "supporting": ann.supporting}[role]
    target.extend(u for u in units if u not in target)


def parse_task_table(
    table: Table,
    section_hint: tuple[str, str] | None = None,
    inherited_roles: list[str | None] | None = None,
) -> tuple[list[TableTask], list[str | None] | None]:
    """Tasks of one table, and the column roles used (for a continuation table)."""
    rows = table.rows
    roles: list[str | None] | None = None
    start = 0
    for k, row in enumerate(rows[:4]):
        candidate = header_roles(row)
        if _is_header(candidate):
            roles, start = candidate, k + 1
            # a second header row refines merged header cells ("责任单位" over 牵头/配合)
            if start < len(rows):
                below = header_roles(rows[start])
                if sum(1 for r in below if r) >= 2 and not any(
                    _looks_numbered(c) for c in rows[start]
                ):
                    roles = [b or a for a, b in zip(roles, below, strict=False)] + roles[
                        len(below) :
                    ]
                    start += 1
            break
    if roles is None:
        if inherited_roles is None or len(inherited_roles) != max(len(r) for r in rows):
            return [], None
        roles = inherited_roles
    if SUBJECT in roles and TITLE not in roles:
        # without a 考核内容 column the assessed item itself is the task ("考核项目")
        roles = [TITLE if r == SUBJECT else r for r in roles]
    col = {}
    for i, r in enumerate(roles):
        if r and r not in col:
            col[r] = i
    # a second task-like column ("重点任务" then "任务内容") holds the body
    title_cols = [i for i, r in enumerate(roles) if r == TITLE]
    if len(title_cols) > 1 and BODY not in roles:
        roles = [BODY if i in title_cols[1:] else r for i, r in enumerate(roles)]
        col = {r: i for i, r in reversed(list(enumerate(roles))) if r}
    all_cols = {r: [i for i, x in enumerate(roles) if x == r] for r in set(roles) if r}

    tasks: list[TableTask] = []
    section = section_hint
    section_count = 0
    last_title_cell = None
    last_id_cell = None
    group: list[TableTask] = []
    header_texts = [re.sub(r"\s+", "", c) for c in rows[start - 1]] if start else None
    # "一、" in the number column of a table whose rows are numbered 1, 2… is a heading row
    digit_ids = any(_cell(row, col.get(ID)).isdigit() for row in rows[start:])
    section_units: list[str] = []
    scoring_section = False

    def close_group() -> None:
        if len(group) >= 2:
            parent_id, parent_title = group[0].ident, group[0].title
            for k, t in enumerate(group, start=1):
                t.parent = (parent_id, parent_title)
                t.ident = f"{parent_id}-{k}"
                first = t.extra.get("body_title")
                if first:
                    t.title = first
        group.clear()

    for r_index in range(start, len(rows)):
        row = rows[r_index]
        line = table.line + r_index
        cells = [c for c in row if c.strip()]
        if not cells:
            continue
        if header_texts and [re.sub(r"\s+", "", c) for c in row] == header_texts:
            continue  # header repeated on a new page
        heading = _heading_row(row, col) if digit_ids else None
        if heading is not None and _SCORING_RE.search(heading):
            scoring_section = True
            continue
        if heading is not None and _part_is_a_task(rows, r_index, col):
            # a part with its own criteria and no numbered rows is itself an assessed item
            section = (_cell(row, col[ID]).rstrip("、"), _section_from(heading, 0)[1])
            section_units, scoring_section, heading = [], False, None
        if heading is not None:
            close_group()
            section = _section_from(heading, cn_to_int(_cell(row, col[ID]).rstrip("、")) or 0)
            section = (_cell(row, col[ID]).rstrip("、"), section[1])
            section_units = _heading_units(heading)
            scoring_section = bool(_SCORING_RE.search(heading))
            continue
        if scoring_section:
            continue  # 加分/扣分项: scoring rules of an assessment, not tasks
        if _is_section_row(row, col):
            close_group()
            section_count += 1
            section = _section_from(cells[0], section_count)
            section_units, scoring_section = [], False
            continue
        sec_cell = _cell(row, col.get(SECTION))
        if sec_cell and (
            section is None or section[1] != _section_from(sec_cell, section_count + 1)[1]
        ):
            section_count += 1
            section = _section_from(sec_cell, section_count)
        title_cell = _cell(row, col.get(TITLE))
        body_cell = "\n".join(_cell(row, i) for i in all_cols.get(BODY, []) if _cell(row, i))
        if not title_cell and not body_cell:
            continue
        if _TOTAL_RE.match(re.sub(r"\s+", "", title_cell)) and not body_cell:
            continue  # the total row of an assessment table ("总分 100")
        ann = Annotation()
        for role in (LEAD, RESPONSIBLE, SUPPORTING):
            for i in all_cols.get(role, []):
                _units_from(_cell(row, i), role, ann)
        for i in all_cols.get(SUBJECT, []):
            assessed = bare_unit_list(_cell(row, i)) or []
            add_units(ann, RESPONSIBLE, assessed)
        if not (ann.lead or ann.responsible or ann.supporting) and section_units:
            add_units(ann, RESPONSIBLE, section_units)
        deadline_cells = [_cell(row, i) for i in all_cols.get(DEADLINE, []) if _cell(row, i)]
        if deadline_cells:
            ann.deadline_raw = re.sub(r"\s+", "", "；".join(deadline_cells)).rstrip("。；;")
        id_cell = _cell(row, col.get(ID))
        target_cells = [_cell(row, i) for i in all_cols.get(TARGETS, []) if _cell(row, i)]
        body_title = _first_sentence(body_cell) if body_cell else ""
        if title_cell:
            marker = match_marker(title_cell)
            title_text = marker.rest if marker and not id_cell else title_cell
            title = _first_sentence(title_text)
        else:
            title = body_title
        ident = _ident(id_cell, len(tasks) + 1)
        # without a content column the task cell is the whole text of the task
        targets = extract_targets(body_cell or title_cell)
        for cell in target_cells:
            found = extract_targets(cell) or [cell.strip().rstrip("。")]
            targets.extend(t for t in found if t not in targets)
        task = TableTask(
            ident=ident,
            title=title,
            line=line,
            section=section,
            body="\n".join(dict.fromkeys(c for c in row if c.strip())),  # merged cells repeat
            ann=ann,
            targets=targets[:8],
            row_text="\t".join(row),
            extra={"body_title": body_title if title_cell and body_cell else ""},
        )
        merged_title = title_cell and title_cell == last_title_cell and body_cell
        merged_id = not id_cell or id_cell == last_id_cell
        if merged_title and merged_id and group:
            task.ident = group[0].ident
            group.append(task)
        else:
            close_group()
            group.append(task)
        tasks.append(task)
        last_title_cell, last_id_cell = title_cell, id_cell
    close_group()
    return tasks, roles


_TOTAL_RE = re.compile(r"^(?:总分|合计|小计|总计)$")
_SCORING_RE = re.compile(r"加分|扣分|奖扣|加减分|奖惩|否决")
_HEADING_UNITS_RE = re.compile(r"[（(](?P<units>[^（）()]{2,30})[）)]$")


def _heading_row(row: list[str], col: dict[str, int]) -> str | None:
    """The heading of a row numbered "一、" among rows numbered 1, 2… (a part of the table)."""
    if ID not in col:
        return None
    marker = match_marker(_cell(row, col[ID]) + "x")
    if marker is None or marker.kind != "cn_dun" or marker.rest != "x":
        return None
    rest = [c.strip() for i, c in enumerate(row) if i != col[ID] and c.strip()]
    return rest[0] if rest else None


def _part_is_a_task(rows: list[list[str]], index: int, col: dict[str, int]) -> bool:
    """A "五、" row holding criteria or units, followed by the next part (not by items 1, 2…)."""
    row = rows[index]
    own = [_cell(row, col[r]) for r in (BODY, LEAD, RESPONSIBLE) if r in col and r != TITLE]
    if not any(own):
        return False
    for later in rows[index + 1 :]:
        if any(c.strip() for c in later):
            return _heading_row(later, col) is not None
    return True


def _heading_units(heading: str) -> list[str]:
    """Units a heading names for all its rows ("通用考核项目（全部责任单位）")."""
    m = _HEADING_UNITS_RE.search(re.sub(r"\s+", "", heading))
    if not m:
        return []
    units = split_units(m["units"])
    return units if units and all(looks_like_unit(u) for u in units) else []


def _is_section_row(row: list[str], col: dict[str, int]) -> bool:
    """A merged row (one text across all cells) or a lone numbered heading ("一、政务环境")."""
    filled = [(i, re.sub(r"\s+", "", c)) for i, c in enumerate(row) if c.strip()]
    if not filled or len({t for _i, t in filled}) != 1:
        return False
    text = filled[0][1]
    if text.isdigit():
        return False
    if len(filled) > 1:
        return True
    index = filled[0][0]
    return _looks_section(text) or index not in (col.get(TITLE), col.get(BODY))


def _looks_numbered(cell: str) -> bool:
    return match_marker(cell.strip()) is not None or cell.strip().isdigit()


def _looks_section(cell: str) -> bool:
    m = match_marker(cell.strip())
    return m is not None and m.kind in ("part", "cn_dun", "cn_paren") and len(cell) <= 40


def _section_from(text: str, ordinal: int) -> tuple[str, str]:
    text = re.sub(r"\s+", "", text)
    m = match_marker(text)
    if m is not None:
        return m.ident, m.rest.rstrip("。")
    return str(ordinal), text.rstrip("。")


def _first_sentence(text: str) -> str:
    text = text.strip()
    m = re.search(r"[。！？；\n]", text)
    if m and m.start() > 0:
        text = text[: m.start()]
    marker = match_marker(text)
    if marker is not None and marker.rest:
        text = marker.rest
    return text.strip().rstrip("：:，,")


def _ident(cell: str, ordinal: int) -> str:
    cell = re.sub(r"\s+", "", cell)
    if not cell:
        return str(ordinal)
    m = match_marker(cell + "x")
    if m is not None and m.rest == "x":
        return m.ident
    if re.fullmatch(r"\d+(?:[-—.．]\d+)*[.．、]?", cell):
        return cell.rstrip(".．、")
    if re.fullmatch(r"[一二三四五六七八九十百]+", cell):
        return cell if cn_to_int(cell) else str(ordinal)
    return cell


def table_task_dicts(
    tasks: list[TableTask], year: int | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    out, sections, seen = [], [], set()
    for t in tasks:
        section_id = section_title = None
        if t.section is not None:
            section_id, section_title = t.section
            if t.section not in seen:
                seen.add(t.section)
                sections.append({"id": section_id, "title": section_title})
        responsible = t.ann.ledger_responsible()
        task = {
            "id": t.ident,
            "section": section_id,
            "title": t.title,
            "lead_units": list(t.ann.lead),
            "responsible_units": responsible,
            "deadline_raw": t.ann.deadline_raw,
            "deadline": normalise_deadline(t.ann.deadline_raw, year),
            "targets": t.targets,
            "supporting_units": list(t.ann.supporting),
            "section_title": section_title,
            "line": t.line,
            "body": t.body,
        }
        if t.parent:
            task["parent_task"] = {"id": t.parent[0], "title": t.parent[1]}
        out.append(task)
    return out, sections
