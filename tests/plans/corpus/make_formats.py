"""Write the corpus files from the UTF-8 texts in ``text/`` (run once; the outputs are committed).

Each real document's text is kept in ``text/cNN.txt``; the file the parser reads is made in
the format SOURCES.md names: UTF-8 or GBK text, a .docx (python-docx, one paragraph per line;
a run of tab-separated lines is one table, one row per line, and a literal ``\\n`` inside a
cell starts a new paragraph of that cell) or a .pdf (reportlab, STSong-Light, A4, wrapped by
the page width).

    .venv/bin/python tests/plans/corpus/make_formats.py [c29 c30 ...]

With document numbers, only those files are written (a .docx records the time it was made,
so rewriting every file would change the committed ones without changing their text).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write_docx(lines: list[str], out: Path) -> None:
    from docx import Document

    doc = Document()
    rows: list[list[str]] = []

    def flush() -> None:
        if not rows:
            return
        table = doc.add_table(rows=len(rows), cols=max(len(r) for r in rows))
        table.style = "Table Grid"
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                cell = table.cell(r, c)
                parts = text.split("\\n")
                cell.paragraphs[0].text = parts[0]
                for part in parts[1:]:
                    cell.add_paragraph(part)
        rows.clear()

    for line in lines:
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        flush()
        doc.add_paragraph(line)
    flush()
    doc.core_properties.title = lines[0][:60] if lines else ""
    doc.save(out)


def write_pdf(lines: list[str], out: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("body", fontName="STSong-Light", fontSize=12, leading=18, wordWrap="CJK")
    story = [Paragraph(line.replace("&", "&amp;").replace("<", "&lt;"), style) for line in lines]
    SimpleDocTemplate(str(out), pagesize=A4, invariant=1).build(story)


def main(only: list[str]) -> None:
    gold = json.loads((HERE / "gold.json").read_text(encoding="utf-8"))
    for doc in gold["documents"]:
        name = doc["file"]
        if only and name[:3] not in only:
            continue
        text = (HERE / "text" / f"{name[:3]}.txt").read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if line.strip()]
        out = HERE / name
        if name.endswith(".gbk.txt"):
            out.write_bytes(text.encode("gbk"))
        elif name.endswith(".txt"):
            out.write_text(text, encoding="utf-8")
        elif name.endswith(".docx"):
            write_docx(lines, out)
        elif name.endswith(".pdf"):
            write_pdf(lines, out)


if __name__ == "__main__":
    main(sys.argv[1:])
