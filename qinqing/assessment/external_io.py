"""Reading the province's ranking of counties (全省营商环境评价) from .xlsx or .csv.

Columns (first row): 县区, 排名, 得分 (may be blank), and the period as 年度, 期次 or
年度/期次 (optional when the import form names the period). CSV files may be UTF-8 or GBK.
This module only reads and checks the cells; names are resolved against the directory by
the service, which also reports every problem with its row number.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from qinqing.core.errors import InvalidInput
from qinqing.core.files.text import decode_text
from qinqing.core.files.xlsx import read_rows

NAME = "县区"
RANK = "排名"
SCORE = "得分"
PERIOD_HEADERS = ("年度/期次", "年度", "期次")
NAME_ALIASES = ("县区", "县（市、区）", "县(市、区)", "县市区", "地区")


@dataclass(frozen=True)
class ExternalRow:
    row: int
    name: str
    rank: int | None
    score: Decimal | None
    period: str
    problems: tuple[str, ...] = ()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _records(data: bytes, filename: str) -> list[dict[str, Any]]:
    if data[:4] == b"PK\x03\x04" or zipfile.is_zipfile(io.BytesIO(data)):
        return read_rows(data, required=[], filename=filename)
    if (
        filename.lower().endswith((".xlsx", ".xls"))
        and data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    ):
        raise InvalidInput(
            f"“{filename}”是旧版 Excel（.xls）文件。请在 Excel 中“另存为”.xlsx 或 CSV 后重新上传。"
        )
    text = decode_text(data, filename=filename)
    sample = text[:2048]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if header is None:
        raise InvalidInput(
            f"“{filename}”是空文件，请在第 1 行填写表头：县区、排名、得分、年度/期次。"
        )
    headers = [h.strip().lstrip("\ufeff") for h in header]
    out = []
    for values in reader:
        number = reader.line_num
        if not any(v.strip() for v in values):
            continue
        record: dict[str, Any] = {"_row": number}
        for h, v in zip(headers, values, strict=False):
            if h:
                record[h] = v.strip()
        out.append(record)
    return out


def read_external_rows(data: bytes, *, filename: str = "上传文件") -> list[ExternalRow]:
    """Parse the file into rows, each with the problems found in its own cells.

    Raises ``InvalidInput`` for a file that cannot be read at all or lacks a column.
    """
    if not data:
        raise InvalidInput(
            f"“{filename}”是空文件，请选择填写好的排名文件（.xlsx 或 .csv）后重新上传。"
        )
    records = _records(data, filename)
    if not records:
        raise InvalidInput(
            f"“{filename}”只有表头，没有排名数据。请从第 2 行起每行填写一个县（市、区）。"
        )
    headers = {k for r in records for k in r if k != "_row"}
    name_header = next((h for h in NAME_ALIASES if h in headers), None)
    missing = []
    if name_header is None:
        missing.append(NAME)
    if RANK not in headers:
        missing.append(RANK)
    if missing:
        present = "、".join(sorted(headers)) or "无"
        raise InvalidInput(
            f"“{filename}”缺少必需的列：{'、'.join(missing)}。第 1 行应为表头"
            f"（县区、排名、得分、年度/期次），现有列：{present}。"
        )
    period_header = next((h for h in PERIOD_HEADERS if h in headers), None)
    rows = []
    for record in records:
        number = record["_row"]
        problems = []
        name = _cell(record.get(name_header)) if name_header else ""
        if not name:
            problems.append(f"第 {number} 行“县区”为空，请填写县（市、区）名称。")
        rank_text = _cell(record.get(RANK))
        rank: int | None = None
        try:
            rank = int(Decimal(rank_text))
            if Decimal(rank_text) != rank or rank < 1:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            shown = rank_text or "空"
            problems.append(f"第 {number} 行“排名”为“{shown}”，应为正整数（例如 12）。")
            rank = None
        score_text = _cell(record.get(SCORE)).rstrip("分")
        score: Decimal | None = None
        if score_text:
            try:
                score = Decimal(score_text)
                if not score.is_finite() or score < 0:
                    raise InvalidOperation
            except InvalidOperation:
                problems.append(
                    f"第 {number} 行“得分”为“{score_text}”，应为不小于 0 的数字（例如 86.5），没有得分可留空。"
                )
                score = None
        period = _cell(record.get(period_header)) if period_header else ""
        rows.append(ExternalRow(number, name, rank, score, period, tuple(problems)))
    return rows
