"""Plan (实施方案) parsing: numbered headings and their annotations become the task ledger.

The algorithm, in order:

1. ``outline.build_outline`` arranges numbered lines into a tree (一、 > （一） > 1. > （1））.
2. Each heading's own lines are scanned into text and *annotations* (unit labels in brackets
   or on their own lines, 完成时限 lines; see ``units.py``).
3. Tasks are chosen from the tree: a heading without numbered children is a task; a heading
   whose children carry their own units hands the task role down to them; a heading whose
   units follow its last sub-point ("（1）…（2）…牵头单位：…") keeps it. A task whose lines
   hold several unit blocks separated by text (002 item 16) is split into sub-tasks "16-1"…
4. Headings under an opening 总体要求/指导思想 or a closing 保障措施/组织保障 are tasks only
   when they carry units or a deadline.
5. A task's section is its parent heading; sections are listed in order of first use.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .blocks import Para
from .deadlines import normalise_deadline
from .outline import (
    AR_DOT,
    ARTICLE,
    CN_PAREN,
    RANK,
    SUBPOINT_KINDS,
    Node,
    Outline,
    match_marker,
)
from .targets import extract_targets
from .units import (
    LABEL_LINE_RE,
    LABEL_RE,
    LABELS,
    LEAD,
    RESPONSIBLE,
    SUPPORTING,
    Annotation,
    bare_unit_list,
    bracket_annotation,
    find_brackets,
    is_time_phrase,
    looks_like_unit,
    parse_labelled,
    parse_verb_style,
    split_units,
)

PREAMBLE_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+、)?(?:总体要求|指导思想|基本原则|总体目标|主要目标|工作目标|发展目标|"
    r"总体思路|工作思路|基本情况|工作原则|背景|现状|适用范围|编制依据|目的意义|重要意义)"
)
SAFEGUARD_RE = re.compile(
    r"(?:保障措施|组织保障|保障机制|工作保障|强化保障|要素保障措施|强化机制|工作机制|推进机制|工作要求|有关要求|"
    r"相关要求|组织实施|实施步骤|工作步骤|步骤安排|进度安排|时间安排|组织领导|加强领导|其他事项|附则|监督考核|"
    r"督查考核|考核评估|宣传引导)$"
)
_SENTENCE_END_RE = re.compile(r"[。！？!?]")
# "具体措施：" introduces an item's measures (国办发〔2020〕43号 分工方案)
MEASURES_LEAD_IN_RE = re.compile(
    r"^(?:具体措施|主要措施|工作措施|具体举措|推进措施|重点举措)[：:]\s*"
)


@dataclass
class Piece:
    """A stretch of a heading's lines: plain text, or one annotation."""

    text: str
    line: int
    ann: Annotation | None = None


@dataclass
class TaskDraft:
    ident: str
    title: str
    line: int
    section: Node | None
    pieces: list[Piece] = field(default_factory=list)
    paras: list[Para] = field(default_factory=list)  # the source passage
    parent: tuple[str, str] | None = None

    @property
    def annotation(self) -> Annotation:
        ann = Annotation()
        for p in self.pieces:
            if p.ann is not None:
                ann.merge(p.ann)
        return ann

    def body(self) -> str:
        return "\n".join(p.text for p in self.paras if p.text)

    def plain_text(self) -> str:
        return "\n".join(p.text for p in self.pieces if p.ann is None)


# ---------------------------------------------------------------------------------------------
# Scanning a heading's lines into text and annotations


def _is_continuation(previous: str, text: str, label: str) -> bool:
    """Whether ``text`` continues the list begun on a label line (``label``) or the line before."""
    if not text or LABEL_LINE_RE.match(text) or _SENTENCE_END_RE.search(text[:-1]):
        return False
    if previous.rstrip().endswith(("：", ":", "、", "，", ",")):
        return True
    if LABELS.get(label) not in (LEAD, RESPONSIBLE, SUPPORTING):
        return False
    units = split_units(text)
    return bool(units) and len(text) <= 80 and all(looks_like_unit(u) for u in units)


def _unwrap_brackets(text: str) -> str:
    """A label line without its enclosing bracket, also when the bracket spans two lines.

    Examples:
        >>> _unwrap_brackets("（牵头单位：市发改委；"), _unwrap_brackets("责任单位：市财政局）")
        ('牵头单位：市发改委；', '责任单位：市财政局')
    """
    text = text.strip()
    opens = sum(text.count(c) for c in "（(〔【[")
    closes = sum(text.count(c) for c in "）)〕】]")
    if text[:1] in "（(〔【[" and (text[-1:] in "）)〕】]" or opens > closes):
        text, opens = text[1:], opens - 1
    if text[-1:] in "）)〕】]" and closes > opens:
        text = text[:-1]
    return text


def scan(paras: list[Para]) -> list[Piece]:
    """Split lines into text pieces and annotation pieces, in order."""
    pieces: list[Piece] = []
    i = 0
    group: list[Para] = []

    def flush() -> None:
        if group:
            pieces.extend(_scan_text(group))
            group.clear()

    while i < len(paras):
        para = paras[i]
        label_line = LABEL_LINE_RE.match(para.text)
        if label_line:
            flush()
            text = para.text
            j = i + 1
            label = label_line["label"]
            while j < len(paras) and _is_continuation(paras[j - 1].text, paras[j].text, label):
                text += "\n" + paras[j].text
                j += 1
            ann = parse_labelled(_unwrap_brackets(text))
            pieces.append(Piece(text=text, line=para.line, ann=ann))
            i = j
            continue
        group.append(para)
        i += 1
    flush()
    return pieces


def _scan_text(group: list[Para]) -> list[Piece]:
    """Find bracketed and inline annotations in consecutive text lines."""
    joined = "\n".join(p.text for p in group)
    starts = []
    offset = 0
    for p in group:
        starts.append((offset, p.line))
        offset += len(p.text) + 1

    def line_at(pos: int) -> int:
        line = group[0].line
        for start, number in starts:
            if start <= pos:
                line = number
        return line

    spans: list[tuple[int, int, Annotation]] = []
    for s, e in find_brackets(joined):
        inner = joined[s + 1 : e - 1].replace("\n", "")
        ann = bracket_annotation(inner)
        if ann is None and is_time_phrase(inner) and _closes_line_or_title(joined, s, e):
            ann = Annotation(deadline_raw=re.sub(r"\s+", "", inner))  # "（2023年6月底前）"
        if ann is None and _closes_line(joined, e):
            units = bare_unit_list(inner)  # "…。（市发展改革委、市财政局）"
            if units:
                ann = Annotation(responsible=units)
        if ann is not None:
            spans.append((s, e, ann))
    # Inline labels after a sentence end: "…。牵头单位：A；责任单位：B"
    for m in LABEL_RE.finditer(joined):
        if len(m["label"]) < 4 or any(s <= m.start() < e for s, e, _ in spans):
            continue
        before = joined[: m.start()].rstrip(" \u3000")
        if before and before[-1] not in "。；;！？\n":
            continue
        end = joined.find("\n", m.start())
        end = len(joined) if end < 0 else end
        # stop at a bracket annotation that follows on the same line
        for s, _e, _a in spans:
            if m.start() < s < end:
                end = s
        ann = parse_labelled(joined[m.start() : end])
        if ann:
            spans.append((m.start(), end, ann))
    # A closing sentence that only assigns roles: "…。市发展改革委会同有关部门负责。"
    offset = 0
    for line in joined.split("\n"):
        s, e = _role_sentence(line)
        if s >= 0 and not any(a <= offset + s < b for a, b, _ in spans):
            ann = parse_verb_style(line[s:e])
            if ann is not None and (ann.lead or "会同" in line[s:e]):
                spans.append((offset + s, offset + e, ann))
        offset += len(line) + 1
    spans.sort(key=lambda t: t[0])
    pieces: list[Piece] = []
    pos = 0
    for s, e, ann in spans:
        if s < pos:
            continue
        pieces.extend(_text_pieces(joined, pos, s, line_at))
        pieces.append(Piece(text=joined[s:e], line=line_at(s), ann=ann))
        pos = e
    pieces.extend(_text_pieces(joined, pos, len(joined), line_at))
    return pieces


_STRICT_ORG_RE = re.compile(r"^(?:市|县|区|省|州|国家|自治区|各)")


def _role_sentence(line: str) -> tuple[int, int]:
    """Span of a line's last sentence when it reads "X牵头/负责/配合" and starts with an office.

    Examples:
        >>> line = "完善信用修复机制。市发展改革委会同有关部门负责。"
        >>> s, e = _role_sentence(line); line[s:e]
        '市发展改革委会同有关部门负责'
        >>> _role_sentence("各地要按职责分工负责。")
        (-1, -1)
    """
    end = len(line.rstrip(" \u3000。；;"))
    start = max(line.rfind(ch, 0, end) for ch in "。；;") + 1
    sentence = line[start:end].strip()
    if (
        not 4 <= len(sentence) <= 60
        or not sentence.endswith(("牵头", "负责", "配合"))
        or "（" in sentence
        or "(" in sentence
        or not _STRICT_ORG_RE.match(sentence)
        or sentence.startswith("各地")
    ):
        return -1, -1
    return start, end


def _closes_line(joined: str, e: int) -> bool:
    line_end = joined.find("\n", e)
    return not joined[e : len(joined) if line_end < 0 else line_end].strip(" 。；;")


def _closes_line_or_title(joined: str, s: int, e: int) -> bool:
    """A bracket at the end of its line, or right after the title at the start of a line."""
    line_end = joined.find("\n", e)
    after = joined[e : len(joined) if line_end < 0 else line_end]
    if not after.strip(" 。；;"):
        return True
    line_start = joined.rfind("\n", 0, s) + 1
    return not _SENTENCE_END_RE.search(joined[line_start:s]) and after.lstrip().startswith(
        ("。", "；")
    )


def _text_pieces(joined: str, start: int, end: int, line_at: Callable[[int], int]) -> list[Piece]:
    out = []
    pos = start
    for chunk in joined[start:end].split("\n"):
        if chunk.strip():
            out.append(Piece(text=chunk, line=line_at(pos)))
        pos += len(chunk) + 1
    return out


# ---------------------------------------------------------------------------------------------
# Titles


def split_title(text: str) -> tuple[str, str]:
    """A heading's title (first sentence) and the rest of the line.

    Examples:
        >>> split_title("推行政务服务线上“一网通办”。加大“一张网”宣传推广。")
        ('推行政务服务线上“一网通办”', '加大“一张网”宣传推广。')
        >>> split_title("优化审批流程：推行并联审批。")
        ('优化审批流程', '推行并联审批。')
        >>> split_title("聚焦促进涉企政策落实，保障企业及时享受政策红利。")
        ('聚焦促进涉企政策落实，保障企业及时享受政策红利', '')
    """
    text = text.strip()
    end = _SENTENCE_END_RE.search(text)
    colon = re.search(r"[：:]", text)
    if colon and colon.start() <= 40 and (end is None or colon.start() < end.start()):
        title, rest = text[: colon.start()], text[colon.end() :]
    elif end:
        title, rest = text[: end.start()], text[end.end() :]
    else:
        title, rest = text, ""
    return title.strip().rstrip("；;，,：: "), rest.strip()


def heading_title(node: Node) -> str:
    """A heading's title without its unit brackets (cached on the node)."""
    if node.title is None:
        node.title = _heading_title(node.marker.rest)
    return node.title


def _heading_title(title: str) -> str:
    """The title of a heading line, without unit brackets and a time-limit bracket after it.

    Examples:
        >>> _heading_title("推行“一网通办”（2023年6月底前）。推动事项网上可办。")
        '推行“一网通办”'
        >>> _heading_title("开展政务服务“自助办”（牵头单位：市审批局）")
        '开展政务服务“自助办”'
        >>> _heading_title("优化企业开办（0.5分）。企业开办时间压缩至1个工作日。")
        '优化企业开办'
    """
    for s, e in reversed(find_brackets(title)):
        inner = title[s + 1 : e - 1]
        if (
            bracket_annotation(inner) is not None
            or (is_time_phrase(inner) and _closes_line_or_title(title, s, e))
            or _SCORE_WEIGHT_RE.match(inner)
        ):
            title = title[:s] + title[e:]
    return split_title(title)[0]


# A score weight in the heading of a 考评办法 or a scored task: "（25分）", "（0.5分）".
_SCORE_WEIGHT_RE = re.compile(r"^\s*(?:\d+(?:\.\d+)?|[一二三四五六七八九十百]+)\s*分\s*$")


# ---------------------------------------------------------------------------------------------
# Choosing tasks


@dataclass
class _NodeInfo:
    pieces: list[Piece]
    has_ann: bool  # own lines carry units or a deadline
    subtree_ann: bool


class PlanParser:
    def __init__(self, outline: Outline):
        self.outline = outline
        self.info: dict[int, _NodeInfo] = {}
        for node in outline.walk():
            pieces = scan([Para(text=node.marker.rest, line=node.line), *node.content])
            self.info[id(node)] = _NodeInfo(
                pieces=pieces, has_ann=any(p.ann for p in pieces), subtree_ann=False
            )
        for node in outline.walk():
            self.info[id(node)].subtree_ann = any(self.info[id(n)].has_ann for n in node.walk())

    # -- task selection ---------------------------------------------------------------------

    def drafts(self) -> list[TaskDraft]:
        out: list[TaskDraft] = []
        for root in self.outline.roots:
            self._collect(root, out, restricted=self._restricted(root))
        return out

    def _restricted(self, node: Node) -> bool:
        """Headings under 总体要求/保障措施 are tasks only when they carry units or a deadline."""
        title = heading_title(node)
        return bool(PREAMBLE_RE.match(title) or SAFEGUARD_RE.search(title))

    def _collect(self, node: Node, out: list[TaskDraft], restricted: bool) -> None:
        info = self.info[id(node)]
        kids = node.children
        if not kids:
            if restricted and not info.has_ann:
                return
            out.extend(self._leaf_drafts(node))
            return
        kid_ann = [self.info[id(k)].subtree_ann for k in kids]
        if info.has_ann and not any(kid_ann):
            out.append(self._merged_draft(node))
            return
        if sum(kid_ann) == 1 and kid_ann[-1] and len(kids) >= 2 and kids[-1].kind in SUBPOINT_KINDS:
            # "1.标题 （1）… （2）… 牵头单位：…": the units close the parent item
            out.append(self._merged_draft(node))
            return
        if (
            not info.subtree_ann
            and all(k.kind in SUBPOINT_KINDS for k in kids)
            and node.rank >= RANK[ARTICLE]
        ):
            out.append(self._merged_draft(node))
            return
        if self._own_units(node) and node.rank >= RANK[CN_PAREN]:
            own = self._draft(node, self._own_pieces(node), self._own_paras(node))
            if own.plain_text().strip():
                # "（一）标题。正文…（X牵头，Y负责）具体措施：1．…（A负责）2．…": an item with a
                # body and its own units is a task, and its numbered measures are its
                # sub-tasks. A bare heading with units ("（一）优化服务（牵头单位：X）") is not.
                out.append(own)
                self._collect_sub_tasks(node, out, restricted)
                return
        sub_parts = node.rank >= RANK[AR_DOT] or node.kind == ARTICLE
        for kid in kids:
            kid_restricted = restricted or bool(PREAMBLE_RE.match(heading_title(kid)))
            before = len(out)
            self._collect(kid, out, kid_restricted)
            if sub_parts:
                for draft in out[before:]:
                    if draft.parent is None:
                        draft.parent = (node.ident, heading_title(node))
                        draft.ident = f"{node.ident}-{draft.ident.strip('（）()')}"
                        draft.section = node.parent

    def _own_units(self, node: Node) -> bool:
        return any(p.ann is not None and p.ann.has_units for p in self.info[id(node)].pieces)

    def _collect_sub_tasks(self, node: Node, out: list[TaskDraft], restricted: bool) -> None:
        before = len(out)
        for kid in node.children:
            self._collect(kid, out, restricted)
        for draft in out[before:]:
            if draft.parent is None:
                draft.parent = (node.ident, heading_title(node))
                draft.ident = f"{node.ident}-{draft.ident.strip('（）()')}"
                draft.section = node.parent

    def _own_pieces(self, node: Node) -> list[Piece]:
        return list(self.info[id(node)].pieces)

    @staticmethod
    def _own_paras(node: Node) -> list[Para]:
        return [Para(text=node.marker.label + node.marker.rest, line=node.line), *node.content]

    def _merged_draft(self, node: Node) -> TaskDraft:
        pieces: list[Piece] = []
        paras: list[Para] = []
        for n in node.walk():
            pieces.extend(self._own_pieces(n))
            paras.extend(self._own_paras(n))
        return self._draft(node, pieces, paras)

    def _draft(self, node: Node, pieces: list[Piece], paras: list[Para]) -> TaskDraft:
        title = heading_title(node)
        return TaskDraft(
            ident=node.ident,
            title=title,
            line=node.line,
            section=node.parent,
            pieces=_drop_title(pieces, node.line, title),
            paras=paras,
        )

    def _leaf_drafts(self, node: Node) -> list[TaskDraft]:
        pieces = self._own_pieces(node)
        paras = self._own_paras(node)
        blocks = _paragraph_blocks(pieces, _unit_blocks(pieces))
        if len(blocks) < 2:
            return [self._draft(node, pieces, paras)]
        # Several unit blocks separated by text: one sub-task per block (002 item 16), or per
        # paragraph when a paragraph holds several brackets (“无废城市” 方案). The heading
        # sentence only names the group; text after it on the heading line is the first task.
        pieces = _drop_title(pieces, node.line, heading_title(node))
        drafts: list[TaskDraft] = []
        start = 0
        measures = False
        for _b_start, b_end in blocks:
            segment = [
                p
                for p in pieces[start:b_end]
                if p.line != node.line or p.ann is not None or p.text.strip()
            ]
            start = b_end
            texts = [p for p in segment if p.ann is None and p.text.strip()]
            if not texts:
                return [self._draft(node, pieces, paras)]
            first, last = texts[0].line, segment[-1].line
            lead_in = MEASURES_LEAD_IN_RE.match(texts[0].text)
            if lead_in:
                stripped = Piece(text=texts[0].text[lead_in.end() :], line=texts[0].line)
                segment = [stripped if p is texts[0] else p for p in segment]
                texts[0] = stripped
                measures = True
            marker = match_marker(texts[0].text)
            section: Node | None
            parent: tuple[str, str] | None
            if marker is not None:
                # a numbered item the outline did not take (its number broke the sequence)
                title = _heading_title(marker.rest)
                ident, section, parent = marker.ident, node, None
                segment = [
                    Piece(text=p.text[len(marker.label) :].lstrip(), line=p.line)
                    if p is texts[0]
                    else p
                    for p in segment
                ]
            else:
                title = split_title(texts[0].text)[0]
                ident, section = f"{node.ident}-{len(drafts) + 1}", node.parent
                parent = (node.ident, heading_title(node))
            drafts.append(
                TaskDraft(
                    ident=ident,
                    title=title,
                    line=first,
                    section=section,
                    pieces=_drop_title(segment, first, title),
                    paras=[p for p in paras if first <= p.line <= last],
                    parent=parent,
                )
            )
        if start < len(pieces):
            drafts[-1].pieces.extend(pieces[start:])
            drafts[-1].paras.extend(p for p in paras if p.line > drafts[-1].paras[-1].line)
        if measures and drafts[0].line == node.line:
            # "（二十三）标题。…（X负责）" then "具体措施：…（Y负责）": the item itself is the first
            # task and the measures after the lead-in are its sub-tasks
            item = drafts[0]
            item.ident, item.title, item.parent = node.ident, heading_title(node), None
            item.pieces = _drop_title(self._own_pieces(node), node.line, item.title)
            item.pieces = [p for p in item.pieces if p.line <= item.paras[-1].line]
            for k, draft in enumerate(drafts[1:], 1):
                draft.ident = f"{node.ident}-{k}"
        return drafts


def _unit_blocks(pieces: list[Piece]) -> list[tuple[int, int]]:
    """Index ranges of consecutive annotation pieces that name units, with text between them."""
    blocks: list[tuple[int, int]] = []
    i = 0
    while i < len(pieces):
        if pieces[i].ann is not None:
            j = i
            while j < len(pieces) and pieces[j].ann is not None:
                j += 1
            if any(p.ann is not None and p.ann.has_units for p in pieces[i:j]):
                blocks.append((i, j))
            i = j
        else:
            i += 1
    # only blocks separated by text count as separate
    merged: list[tuple[int, int]] = []
    for b in blocks:
        if merged and not any(
            p.ann is None and p.text.strip() for p in pieces[merged[-1][1] : b[0]]
        ):
            merged[-1] = (merged[-1][0], b[1])
        else:
            merged.append(b)
    return merged


def _paragraph_blocks(pieces: list[Piece], blocks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Unit blocks of one paragraph taken together: text between two brackets on the same
    line continues the paragraph ("…。（A指导）以…为重点，…。（B指导）"), so the paragraph is
    one task whose units are those of all its brackets."""
    out: list[tuple[int, int]] = []
    for b in blocks:
        if out:
            between = [p for p in pieces[out[-1][1] : b[0]] if p.ann is None and p.text.strip()]
            last_line = pieces[out[-1][1] - 1].line
            if between and all(p.line == last_line for p in between):
                out[-1] = (out[-1][0], b[1])
                continue
        out.append(b)
    return out


def _drop_title(pieces: list[Piece], line: int, title: str) -> list[Piece]:
    """Remove the title sentence from the first text piece of its line."""
    out = list(pieces)
    for i, p in enumerate(out):
        if p.ann is None and p.line == line:
            text = p.text
            if title and text.startswith(title):
                rest = text[len(title) :].lstrip("。！？!?：:；; ")
                out[i] = Piece(text=rest, line=p.line)
            break
    return out


# ---------------------------------------------------------------------------------------------
# The document


def guess_title(preamble: list[Para], filename: str) -> str:
    """A short title: the opening title line if there is one, else what the text calls itself."""
    for para in preamble[:6]:
        text = para.text.strip("《》 ")
        if (
            4 <= len(text) <= 60
            and not _SENTENCE_END_RE.search(text)
            and re.search(
                r"(?:方案|意见|要点|措施|计划|通知|办法|清单|台账|汇编|规划|细则|行动|分工|任务|条例|决定)$",
                text,
            )
        ):
            return text
    joined = "".join(p.text for p in preamble[:5])
    m = re.search(
        r"(?:制定|制订|提出|形成|印发)(?:如下|本|以下)?《?([^，。《》]{0,12}?(?:方案|意见|要点|措施|计划))",
        joined,
    )
    if m:
        return m.group(1)
    m = re.search(r"本《?([^，。《》]{1,10}?(?:方案|意见|要点|措施|计划))", joined)
    if m:
        return m.group(1)
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", filename.rsplit("/", 1)[-1])
    return stem


def drop_unitless_regions(drafts: list[TaskDraft]) -> list[TaskDraft]:
    """In a plan whose tasks mostly carry units, a top-level part without any is not tasks."""
    if not drafts:
        return drafts
    with_units = [d for d in drafts if d.annotation.has_units]
    if len(with_units) * 2 < len(drafts):
        return drafts

    def root_of(d: TaskDraft) -> Node | None:
        node = d.section
        if node is None:
            return None
        while node.parent is not None:
            node = node.parent
        return node

    regions_with_units = {id(root_of(d)) for d in with_units}
    return [d for d in drafts if d.annotation.has_units or id(root_of(d)) in regions_with_units]


def _target_text(d: TaskDraft) -> str:
    """A task's text for targets: its body, and its title when that is a whole sentence."""
    text = d.plain_text()
    if len(d.title) >= 25:
        text = d.title + "。" + text
    return text


def task_dicts(
    drafts: list[TaskDraft], year: int | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The gold-shaped task and section lists."""
    tasks, sections, seen = [], [], set()
    for d in drafts:
        ann = d.annotation
        section_id = section_title = None
        if d.section is not None:
            section_id, section_title = d.section.ident, heading_title(d.section)
            if id(d.section) not in seen:
                seen.add(id(d.section))
                sections.append({"id": section_id, "title": section_title})
        responsible = ann.ledger_responsible()
        task = {
            "id": d.ident,
            "section": section_id,
            "title": d.title,
            "lead_units": list(ann.lead),
            "responsible_units": responsible,
            "deadline_raw": ann.deadline_raw,
            "deadline": normalise_deadline(ann.deadline_raw, year),
            "targets": extract_targets(_target_text(d)),
            "supporting_units": list(ann.supporting),
            "section_title": section_title,
            "line": d.line,
            "body": d.body(),
        }
        if d.parent:
            task["parent_task"] = {"id": d.parent[0], "title": d.parent[1]}
        tasks.append(task)
    return tasks, sections


__all__ = [
    "PlanParser",
    "drop_unitless_regions",
    "guess_title",
    "heading_title",
    "scan",
    "split_title",
    "task_dicts",
]
