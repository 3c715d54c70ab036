"""Message CSV files for the router CLI: ``id,title,body[,label]``, UTF-8 (with or without BOM) or GBK.

Offices export from Excel, which writes GBK or UTF-8 with a BOM; both are read. Extra
columns are ignored, column order is free, header names are matched without regard to
case or surrounding spaces.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

from qinqing.core.errors import InvalidInput

_ENCODINGS = (("utf-8-sig", "UTF-8"), ("gb18030", "GBK"))


@dataclass(frozen=True)
class MessageRow:
    """One message; ``line`` is the 1-based line of the file it started on."""

    id: str
    title: str
    body: str
    label: str
    line: int


def decode_csv_bytes(raw: bytes, name: str) -> str:
    """Text of a CSV file in UTF-8 (BOM optional) or GBK/GB18030.

    Examples:
        >>> decode_csv_bytes("id,title\\n1,路灯".encode("gbk"), "x.csv")
        'id,title\\n1,路灯'
        >>> decode_csv_bytes("\\ufeffid".encode("utf-8"), "x.csv")
        'id'
    """
    for encoding, _ in _ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(  # pragma: no cover - gb18030 decodes almost any byte string
        f"无法识别文件“{name}”的编码。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重试。"
    )


def read_messages(
    path: str | os.PathLike, *, require_label: bool = False, allow_empty: bool = False
) -> list[MessageRow]:
    """Read a message CSV; a file that cannot be used raises InvalidInput in Chinese.

    ``allow_empty`` accepts a file with the header row and no message.
    """
    path = Path(path)
    required = ("id", "title", "body", "label") if require_label else ("id", "title", "body")
    expected = ",".join(required)
    if not path.is_file():
        raise InvalidInput(f"找不到文件“{path}”，请检查文件路径。")
    text = decode_csv_bytes(path.read_bytes(), str(path))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InvalidInput(f"文件“{path}”第 1 行不是有效的 CSV：{exc}。") from exc
    if not header or not any(cell.strip() for cell in header):
        raise InvalidInput(f"文件“{path}”是空的。第一行应为列名 {expected}，其后每行一条留言。")
    names = [cell.strip().lower() for cell in header]
    missing = [column for column in required if column not in names]
    if missing:
        raise InvalidInput(
            f"文件“{path}”缺少必需的列：{'、'.join(missing)}。第一行应为列名 {expected}"
            f"（顺序不限，多余的列会被忽略），现在第一行是：{','.join(header)[:80]}。"
        )
    index = {column: names.index(column) for column in required}
    rows: list[MessageRow] = []
    line = reader.line_num + 1
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                line = reader.line_num + 1
                continue  # blank lines, often at the end of Excel exports

            def cell(column: str, record=record) -> str:
                position = index[column]
                return record[position].strip() if position < len(record) else ""

            row = MessageRow(cell("id"), cell("title"), cell("body"), "", line)
            if not row.id:
                raise InvalidInput(
                    f"文件“{path}”第 {line} 行的 id 为空。每条留言都需要唯一的 id，请补全后重试。"
                )
            if require_label:
                label = cell("label")
                if not label:
                    raise InvalidInput(
                        f"文件“{path}”第 {line} 行（id 为 {row.id}）的 label（类别）为空。训练数据的每一行都需要类别，请补全或删除该行后重试。"
                    )
                row = MessageRow(row.id, row.title, row.body, label, line)
            rows.append(row)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InvalidInput(
            f"文件“{path}”第 {line} 行不是有效的 CSV：{exc}。请检查引号是否成对。"
        ) from exc
    if not rows and not allow_empty:
        raise InvalidInput(f"文件“{path}”只有列名，没有留言。")
    return rows
