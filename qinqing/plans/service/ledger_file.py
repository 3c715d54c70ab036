"""The .xlsx ledger: a spreadsheet in the ledger layout read as a plan document."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from qinqing.core.errors import InvalidInput
from qinqing.core.files.xlsx import read_rows
from qinqing.plans import rules
from qinqing.plans.parsing.deadlines import normalise_deadline
from qinqing.plans.parsing.units import split_units

# ---------------------------------------------------------------- .xlsx ledger

LEDGER_HEADERS = [
    "序号",
    "重点任务",
    "具体内容",
    "牵头单位",
    "责任单位",
    "完成时限",
    "量化指标",
]
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
            deadline = (
                strict.isoformat()
                if isinstance(strict, date)
                else normalise_deadline(raw_text, year)
            )
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
