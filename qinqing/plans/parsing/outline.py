"""Numbered headings of a plan and the tree they form.

Chinese official documents number their levels 一、 > （一） > 1. > （1） > ① (GB/T 9704);
some add 第一部分/第一章 above or write 第一条. A heading's level comes from its marker kind,
not from its position, so a section may skip a level ("一、" directly followed by "1.").
A numbered line is accepted as a heading only when its number continues the sequence of its
siblings (or starts it at 1, or continues the previous run of that kind), so "3." at the
start of a body line that is really a list item inside a task does not break the tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .blocks import Para, Table
from .units import LABEL_RE

CN_NUM = "一二三四五六七八九十百零〇两"
_CN_VALUES = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

PART, CN_DUN, ARTICLE, CN_PAREN, AR_DOT, AR_PAREN, CIRCLED = (
    "part",
    "cn_dun",
    "article",
    "cn_paren",
    "ar_dot",
    "ar_paren",
    "circled",
)
RANK = {PART: 0, CN_DUN: 1, ARTICLE: 2, CN_PAREN: 3, AR_DOT: 4, AR_PAREN: 5, CIRCLED: 6}
SUBPOINT_KINDS = {AR_PAREN, CIRCLED}

MARKERS: list[tuple[str, re.Pattern[str]]] = [
    (PART, re.compile(rf"^第(?P<n>[{CN_NUM}\d]{{1,3}})(?:部分|章|篇)\s*[、:：.．]?\s*")),
    (ARTICLE, re.compile(rf"^第(?P<n>[{CN_NUM}\d]{{1,4}})条\s*[、:：.．]?\s*")),
    (CN_PAREN, re.compile(rf"^[（(]\s*(?P<n>[{CN_NUM}]{{1,3}})\s*[）)]\s*[、.．]?\s*")),
    (CN_DUN, re.compile(rf"^(?P<n>[{CN_NUM}]{{1,3}})\s*[、.．，]\s*(?![{CN_NUM}][、，])")),
    (
        AR_PAREN,
        re.compile(r"^(?:[（(]\s*(?P<n>\d{1,3})\s*[）)]|(?P<m>\d{1,3})[）)])\s*[、.．]?\s*"),
    ),
    # "1.", "1．", "1﹒", "1、", and "1* ." (an asterisk marks a key task); "1．2021年6月底前…" is
    # item 1 whose text starts with a year, not the decimal 1.2021
    (
        AR_DOT,
        re.compile(
            r"^(?P<n>\d{1,3})[*＊★]?\s*(?:[.．﹒、，](?!\d)|[.．﹒、](?=(?:19|20)\d\d年)|\s(?=[^\d\s]))\s*"
        ),
    ),
    # "11.121人才梯队项目": a title that starts with a number; accepted only in sequence
    (AR_DOT + "_weak", re.compile(r"^(?P<n>\d{1,3})[.．、](?=\d+[^\d.．%％\s])")),
    (CIRCLED, re.compile(r"^(?P<n>[①-⑳])\s*")),
]


def cn_to_int(text: str) -> int:
    """Value of a Chinese or Arabic numeral up to the hundreds.

    Examples:
        >>> cn_to_int("三十三"), cn_to_int("十五"), cn_to_int("一百零二"), cn_to_int("12"), cn_to_int("④")
        (33, 15, 102, 12, 4)
        >>> cn_to_int("１２")
        12
    """
    if len(text) == 1 and "①" <= text <= "⑳":
        return ord(text) - ord("①") + 1
    if text.isdecimal():
        return int(text)  # also full-width digits: "１２" is 12
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch in _CN_VALUES:
            current = _CN_VALUES[ch]
        else:
            return 0
    return total + current


@dataclass
class Marker:
    kind: str
    number: int
    label: str  # as written, e.g. "（一）", "1.", "一、"
    rest: str  # the line after the label
    weak: bool = False  # a digit follows the dot ("11.121人才…"): could be a decimal number

    @property
    def rank_value(self) -> int:
        return RANK[self.kind]

    @property
    def ident(self) -> str:
        """The id a gold ledger uses: "1." -> "1", "一、" -> "一", "（一）" stays."""
        label = self.label.strip()
        if self.kind in (CN_DUN, AR_DOT):
            return label.rstrip("、.．﹒，, *＊★")
        return label.rstrip("、.．:：， ")


def match_marker(text: str) -> Marker | None:
    """The numbering marker at the start of a line, if any.

    Examples:
        >>> m = match_marker("（十二）开展涉企收费专项整治。")
        >>> m.kind, m.number, m.ident, m.rest
        ('cn_paren', 12, '（十二）', '开展涉企收费专项整治。')
        >>> match_marker("1.推行政务服务").ident, match_marker("三、组织保障").ident
        ('1', '三')
        >>> match_marker("1.5%的企业") is None, match_marker("2022年是") is None
        (True, True)
        >>> match_marker("2．2021年6月底前建立健全审查机制").rest
        '2021年6月底前建立健全审查机制'
    """
    for kind, pattern in MARKERS:
        m = pattern.match(text)
        if not m:
            continue
        raw = m.group("n") if m.group("n") is not None else m.groupdict().get("m")
        number = cn_to_int(raw or "")
        if number <= 0:
            continue
        rest = text[m.end() :]
        weak = kind.endswith("_weak")
        return Marker(
            kind=kind.removesuffix("_weak"),
            number=number,
            label=text[: m.end()].strip(),
            rest=rest.strip(),
            weak=weak,
        )
    return None


@dataclass
class Node:
    """A numbered heading and the lines under it up to the next heading."""

    marker: Marker
    line: int
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    content: list[Para] = field(default_factory=list)  # lines up to the next heading
    title: str | None = field(default=None, repr=False)  # filled in by plan.heading_title
    tables: list[Table] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.marker.kind

    @property
    def rank(self) -> int:
        return RANK[self.marker.kind]

    @property
    def ident(self) -> str:
        return self.marker.ident

    def ancestors(self) -> list[Node]:
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Outline:
    roots: list[Node]
    preamble: list[Para]  # lines before the first heading

    def walk(self) -> Iterator[Node]:
        for root in self.roots:
            yield from root.walk()


def build_outline(blocks: list[Para | Table]) -> Outline:
    """Arrange numbered headings into a tree; other lines become the content of the last heading.

    A numbered list introduced by a colon inside an item ("具体包括：1.… 2.…") stays in that
    item when its marker kind would otherwise close the item; it ends at the next line that
    continues the item's own numbering, or after a line that names the item's units.
    """
    roots: list[Node] = []
    preamble: list[Para] = []
    stack: list[Node] = []
    last_number: dict[str, int] = {}
    current: Node | None = None
    colon_before = False
    inner: list[Any] = []  # [kind, last number] of a list inside the current item

    for block in blocks:
        if isinstance(block, Table):
            if current is not None:
                current.tables.append(block)
            continue
        if not block.text:
            continue
        marker = match_marker(block.text)
        if marker is not None and current is not None and marker.rank_value <= current.rank:
            if colon_before and marker.number == 1:
                inner = [marker.kind, 1]
            elif inner and marker.kind == inner[0] and marker.number == inner[1] + 1:
                inner[1] = marker.number
            else:
                inner = []
            if inner:
                current.content.append(block)
                colon_before = block.text.rstrip().endswith(("：", ":"))
                if _names_units(block.text):
                    inner = []
                continue
        if marker is not None and _accept(marker, stack, roots, last_number):
            rank = RANK[marker.kind]
            while stack and stack[-1].rank >= rank:
                stack.pop()
            parent = stack[-1] if stack else None
            node = Node(marker=marker, line=block.line, parent=parent)
            (parent.children if parent else roots).append(node)
            stack.append(node)
            last_number[marker.kind] = marker.number
            current = node
            inner = []
            colon_before = block.text.rstrip().endswith(("：", ":"))
            continue
        colon_before = block.text.rstrip().endswith(("：", ":"))
        if current is None:
            preamble.append(block)
        else:
            current.content.append(block)
    return Outline(roots=roots, preamble=preamble)


def _names_units(text: str) -> bool:

    return bool(LABEL_RE.search(text))


def _accept(
    marker: Marker, stack: list[Node], roots: list[Node], last_number: dict[str, int]
) -> bool:
    """Whether a numbered line continues the outline (see the module docstring).

    A heading follows its previous sibling with a higher number (a plan may skip a few), starts
    a new list at 1 (or 2, when the first item was lost), or continues the numbering of the
    same kind from an earlier section ("19." in （二） after "18." in （一））.
    """
    rank = RANK[marker.kind]
    parents = [n for n in stack if n.rank < rank]
    siblings = parents[-1].children if parents else roots
    previous = next((s for s in reversed(siblings) if s.kind == marker.kind), None)
    n = marker.number
    last = last_number.get(marker.kind)
    if marker.weak:
        return (previous is not None and n == previous.marker.number + 1) or (
            previous is None and last is not None and n == last + 1
        )
    if previous is not None:
        return previous.marker.number < n <= previous.marker.number + MAX_GAP
    if n <= 2:
        return True
    return last is not None and last < n <= last + MAX_GAP


MAX_GAP = 20  # a plan quoted in part, or with a deleted item, still numbers upwards
