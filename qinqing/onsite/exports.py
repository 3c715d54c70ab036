"""Spreadsheets of on-site checks (.xlsx via openpyxl)."""

from __future__ import annotations

from collections.abc import Iterable

from qinqing.core.files.xlsx import write_workbook
from qinqing.onsite import rules

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value) -> str:
    """Text a spreadsheet will not run as a formula (CSV/formula injection).

    Examples:
        >>> cell_text("=HYPERLINK(1)"), cell_text("-1"), cell_text("未亮照")
        ("'=HYPERLINK(1)", "'-1", '未亮照')
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


LENIENCY_HEADERS = ("执法部门", "执法领域", "版本", "施行日期", "编号", "违法行为", "法律依据",
                    "适用条件", "处理方式")  # fmt: skip


def leniency_workbook(versions: Iterable) -> bytes:
    rows = []
    for v in versions:
        for e in v.entries.all():
            rows.append(
                [
                    cell_text(x)
                    for x in (
                        v.leniency_list.unit.name,
                        v.leniency_list.field,
                        rules.version_name(v.number),
                        v.effective_on.isoformat() if v.effective_on else "",
                        e.code,
                        e.behaviour,
                        e.legal_basis,
                        e.conditions,
                        rules.DISCRETION_LABELS.get(e.discretion, e.discretion),
                    )
                ]  # fmt: skip
            )
    return write_workbook(LENIENCY_HEADERS, rows, title="免罚轻罚不予强制清单",
                          widths=[18, 14, 8, 12, 10, 30, 36, 36, 10])  # fmt: skip
