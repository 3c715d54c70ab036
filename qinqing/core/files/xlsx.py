"""Reading and writing the .xlsx files officials live in, with errors they can act on."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from qinqing.core.errors import InvalidInput


def read_rows(
    data: bytes, *, required: Sequence[str], filename: str = "上传文件"
) -> list[dict[str, Any]]:
    """Read the first sheet of an .xlsx file as dicts keyed by header.

    Each dict carries ``_row``, the spreadsheet row number, for error messages. Missing
    required headers, an empty sheet or a file that is not .xlsx raise ``InvalidInput``.
    """
    from openpyxl import load_workbook

    if not data:
        raise InvalidInput(f"“{filename}”是空文件，请选择填写好的 Excel 文件（.xlsx）后重新上传。")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidInput(
            f"“{filename}”不是 Excel 文件（.xlsx）。如果是 .xls 或 .csv，请在 Excel 中“另存为”.xlsx 后重新上传。"
        )
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InvalidInput(
            f"“{filename}”无法作为 Excel 文件打开（文件可能已损坏）。请重新导出后上传。"
        ) from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header_row = next(rows, None)
    if header_row is None:
        raise InvalidInput(f"“{filename}”的第一个工作表是空的，请在第 1 行填写表头。")
    headers = [str(h).strip() if h is not None else "" for h in header_row]
    missing = [h for h in required if h not in headers]
    if missing:
        raise InvalidInput(
            f"“{filename}”缺少必需的列：{'、'.join(missing)}。第 1 行应为表头，现有列：{'、'.join(h for h in headers if h) or '无'}。"
        )
    out: list[dict[str, Any]] = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        record: dict[str, Any] = {"_row": number}
        for header, value in zip(headers, values, strict=False):
            if header:
                record[header] = value.strip() if isinstance(value, str) else value
        out.append(record)
    wb.close()
    return out


FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def _keep_as_text(cell: Any) -> None:  # an openpyxl cell
    """Text that a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``+1+1``, ``@SUM``)
    is stored as a plain string with Excel's quote prefix, so it shows as typed and never
    runs (CSV/formula injection)."""
    value = cell.value
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        cell.data_type = "s"
        cell.quotePrefix = True


def write_workbook(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "Sheet1",
    widths: Sequence[int] | None = None,
) -> bytes:
    """Write one sheet with a bold, frozen header row; returns the .xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        ws.append(list(row))
        for cell in ws[ws.max_row]:
            _keep_as_text(cell)
    ws.freeze_panes = "A2"
    for i, _ in enumerate(headers):
        letter = ws.cell(row=1, column=i + 1).column_letter
        ws.column_dimensions[letter].width = widths[i] if widths else 18
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
