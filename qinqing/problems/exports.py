"""The 问题清单 as .xlsx (export) and its import (all or nothing, errors by row).

Columns: 编号, 问题, 问题描述, 来源, 来源说明, 牵头单位, 责任单位, 整改措施, 整改时限,
交办日期, 整改期限, 状态, 销号日期, 反弹次数. The import reads 问题, 问题描述, 来源, 牵头单位,
责任单位, 整改措施, 整改时限 and 交办日期 (an exported file can be imported again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.db import transaction

from qinqing.core.errors import InvalidInput
from qinqing.core.files.xlsx import read_rows, write_workbook
from qinqing.core.orgs.models import Unit, UnitAlias
from qinqing.core.workdays import parse_time_limit
from qinqing.problems.queries import export_rows
from qinqing.problems.rules import Source, limit_in_text
from qinqing.problems.service import create_problem, office_area

EXPORT_HEADERS = [
    "编号", "问题", "问题描述", "来源", "来源说明", "牵头单位", "责任单位", "整改措施",
    "整改时限", "交办日期", "整改期限", "状态", "销号日期", "反弹次数",
]  # fmt: skip
WIDTHS = [16, 40, 60, 16, 24, 22, 30, 50, 16, 12, 18, 12, 12, 8]
IMPORT_REQUIRED = ["问题", "来源", "牵头单位", "整改时限"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula is prefixed with a quote.

    Examples:
        >>> safe_cell("=HYPERLINK(1)"), safe_cell("整改"), safe_cell(3)
        ("'=HYPERLINK(1)", '整改', 3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_problems(problems: Iterable) -> bytes:
    rows = [[safe_cell(v) for v in row] for row in export_rows(problems)]
    return write_workbook(EXPORT_HEADERS, rows, title="问题清单", widths=WIDTHS)


def _import_checkpoint(row_number: int) -> None:
    """A named point between rows of the import (tests raise here to kill it halfway)."""


def _find_unit(area: Unit, name: str, row: int, column: str) -> Unit:
    name = (name or "").strip()
    unit = Unit.objects.filter(name=name, path__startswith=area.path, active=True).first()
    if unit is None:
        alias = (
            UnitAlias.objects.filter(alias=name, unit__path__startswith=area.path)
            .select_related("unit")
            .first()
        )
        unit = alias.unit if alias else None
    if unit is None:
        raise InvalidInput(f"第 {row} 行“{column}”为“{name}”，机构库中没有这个单位。")
    return unit


def _source(value: str, row: int) -> str:
    value = (value or "").strip()
    by_label = {c.label: c.value for c in Source}
    if value in by_label:
        return by_label[value]
    if value in Source.values:
        return value
    raise InvalidInput(
        f"第 {row} 行“来源”为“{value}”，无法识别。可填：{'、'.join(c.label for c in Source)}。"
    )


def _date(value, row: int) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise InvalidInput(
            f"第 {row} 行“交办日期”为“{value}”，不是有效日期（示例：2025-06-30）。"
        ) from None


def parse_rows(data: bytes, *, area: Unit, filename: str) -> tuple[list[dict], list[str]]:
    """Check every row; return the problems to create and the errors (one per bad row)."""
    rows = read_rows(data, required=IMPORT_REQUIRED, filename=filename)
    if not rows:
        raise InvalidInput(f"“{filename}”没有数据行。")
    parsed, errors = [], []
    for record in rows:
        n = record["_row"]
        try:
            title = str(record.get("问题") or "").strip()
            if not title:
                raise InvalidInput(f"第 {n} 行“问题”为空。")
            limit = str(record.get("整改时限") or "").strip()
            try:
                parse_time_limit(limit_in_text(limit))
            except InvalidInput as exc:
                raise InvalidInput(f"第 {n} 行：{exc.message}") from None
            responsible = [
                _find_unit(area, name, n, "责任单位")
                for name in str(record.get("责任单位") or "").replace("，", "、").split("、")
                if name.strip()
            ]
            parsed.append(
                {
                    "title": title,
                    "description": str(record.get("问题描述") or "").strip(),
                    "source": _source(str(record.get("来源") or ""), n),
                    "lead_unit": _find_unit(area, str(record.get("牵头单位") or ""), n, "牵头单位"),
                    "responsible_units": responsible,
                    "measures": str(record.get("整改措施") or "").strip(),
                    "time_limit": limit,
                    "received_on": _date(record.get("交办日期"), n),
                    "row": n,
                }
            )
        except InvalidInput as exc:
            errors.append(exc.message)
    return parsed, errors


def import_problems(data: bytes, *, actor, now: dt.datetime, filename: str = "问题清单.xlsx"):
    """Import an existing 问题清单: every row or none; errors name the row."""
    area = office_area(actor)
    parsed, errors = parse_rows(data, area=area, filename=filename)
    if errors:
        shown = "；".join(e.rstrip("。") for e in errors[:20]) + ("……" if len(errors) > 20 else "")
        raise InvalidInput(
            f"“{filename}”有 {len(errors)} 行有误，整个文件未导入：{shown}。请修改后重新上传。"
        )
    created = []
    with transaction.atomic():
        for item in parsed:
            received_on = item.pop("received_on")
            row = item.pop("row")
            received_at = (
                dt.datetime.combine(received_on, dt.time(9), tzinfo=ZoneInfo("Asia/Shanghai"))
                if received_on
                else now
            )
            created.append(
                create_problem(
                    actor=actor,
                    received_at=received_at,
                    source_detail=f"导入：{filename}",
                    now=now,
                    **item,
                )  # fmt: skip
            )
            _import_checkpoint(row)
    return created
