"""Plan import, the database-free part: read a plan file and parse it into a task ledger.

Public API (the shape is that of a document entry of ``../shared/gold/seeds_gold.json``)::

    parse_file(path) -> dict
    parse_bytes(data, filename) -> dict
    parse_text(text, filename) -> dict

A plan gives ``{"file", "kind": "plan", "title_guess", "year", "sections": [{id, title}],
"tasks": [{id, section, title, lead_units, responsible_units, deadline_raw, deadline, targets,
supporting_units, section_title, line, body[, parent_task]}], "articles": []}``.
A 材料汇编 gives ``kind: "compilation"`` with ``articles: [{title, line, in_toc, toc_page,
body}]`` and ``untitled_fragments``. Unreadable input raises
:class:`qinqing.core.errors.InvalidInput` with a one-line Chinese message.
See docs/dev/plan-parser.md for the algorithm.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .blocks import Source, source_from_text
from .document import parse_source
from .readers import MAX_BYTES, read_bytes, read_file


def parse_file(path: str | Path) -> dict[str, Any]:
    """Parse a plan file (.txt, .docx, .pdf) from disk."""
    return parse_source(read_file(path))


def parse_bytes(data: bytes, filename: str) -> dict[str, Any]:
    """Parse an uploaded plan file; ``filename`` names it in messages and in ``file``."""
    return parse_source(read_bytes(data, filename))


def parse_text(text: str, filename: str = "方案.txt") -> dict[str, Any]:
    """Parse plan text that is already decoded."""
    return parse_source(source_from_text(text, Path(filename).name))


__all__ = ["MAX_BYTES", "Source", "parse_bytes", "parse_file", "parse_source", "parse_text"]
