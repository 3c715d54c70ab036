"""The parser's view of a document: numbered lines of text and tables, in document order.

Every reader (.txt, .docx, .pdf) produces a :class:`Source`. ``Source.text`` is the document
as plain text, one paragraph or table row per line (cells joined by tabs), and each block
remembers its 1-based line in that text, so the review screen can show a task beside its
source passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = " \t\u3000\u00a0\u2002\u2003\u2009\r"


@dataclass
class Para:
    """One line (paragraph) of text; ``text`` is stripped, ``line`` is 1-based."""

    text: str
    line: int


@dataclass
class Table:
    """A table: rows of cell texts (a cell may hold line breaks); ``line`` of its first row."""

    rows: list[list[str]]
    line: int


@dataclass
class Source:
    filename: str
    blocks: list[Para | Table] = field(default_factory=list)
    text: str = ""

    @property
    def paras(self) -> list[Para]:
        return [b for b in self.blocks if isinstance(b, Para)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


def clean_line(line: str) -> str:
    """Strip spaces (including full-width and no-break spaces) and invisible characters.

    Examples:
        >>> clean_line("\\u3000\\u3000一、总体要求 \\ufeff")
        '一、总体要求'
    """
    return _INVISIBLE_RE.sub("", line).strip(_SPACES)


_TAB_ROW_RE = re.compile(r"\t")


def source_from_text(text: str, filename: str) -> Source:
    """Lines of a plain text; runs of tab-separated lines with 3+ cells become tables.

    A table pasted from Word or Excel into a .txt keeps its cells separated by tabs; the first
    row is usually the header (序号、重点任务、牵头单位…).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    blocks: list[Para | Table] = []
    i = 0
    while i < len(lines):
        raw = _INVISIBLE_RE.sub("", lines[i])
        if raw.count("\t") >= 2:
            j = i
            rows: list[list[str]] = []
            while j < len(lines):
                row = _INVISIBLE_RE.sub("", lines[j])
                if "\t" not in row:
                    # a section row whose empty cells were trimmed, inside the table
                    following = _INVISIBLE_RE.sub("", lines[j + 1]) if j + 1 < len(lines) else ""
                    if not row.strip() or following.count("\t") < 2:
                        break
                rows.append([clean_line(c) for c in row.split("\t")])
                j += 1
            if len(rows) >= 2:
                blocks.append(Table(rows=rows, line=i + 1))
                i = j
                continue
        blocks.append(Para(text=clean_line(raw), line=i + 1))
        i += 1
    return Source(filename=filename, blocks=blocks, text=text)


def source_from_blocks(items: list[str | list[list[str]]], filename: str) -> Source:
    """Build a Source from paragraphs (str) and tables (rows of cells), numbering lines."""
    blocks: list[Para | Table] = []
    out_lines: list[str] = []
    for item in items:
        if isinstance(item, str):
            for part in item.replace("\r", "\n").split("\n"):
                out_lines.append(part)
                blocks.append(Para(text=clean_line(part), line=len(out_lines)))
        else:
            rows = [[clean_cell(c) for c in row] for row in item]
            rows = [r for r in rows if any(r)]
            if not rows:
                continue
            blocks.append(Table(rows=rows, line=len(out_lines) + 1))
            for row in rows:
                out_lines.append("\t".join(c.replace("\n", " ") for c in row))
    return Source(filename=filename, blocks=blocks, text="\n".join(out_lines))


def clean_cell(cell: str) -> str:
    """Strip each line of a table cell and drop empty lines."""
    parts = [clean_line(p) for p in cell.replace("\r", "\n").split("\n")]
    return "\n".join(p for p in parts if p)
