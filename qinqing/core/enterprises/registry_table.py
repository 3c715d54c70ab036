"""The validated registry as Arrow columns, and an import's outcome (see :mod:`.registry_io`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qinqing.core.enterprises.attributes import (
    ENTERPRISE_ATTRIBUTES,
    AttributeType,
    Catalogue,
)
from qinqing.core.errors import InvalidInput, NotFound

NULL_DAY = np.iinfo(np.int32).min  # an empty date: compares below every real day
EPOCH = dt.date(1970, 1, 1)
MIN_YEAR, MAX_YEAR = 1900, 2100  # a date outside is a typo (0025-01-01, 20250-01-01)
MAX_LISTED_ERRORS = 200  # errors listed in a rejection message; all are in .errors

OnError = Literal["reject", "skip"]

_TRUE_WORDS = ("true", "1", "是", "y", "yes", "t")
_FALSE_WORDS = ("false", "0", "否", "n", "no", "f")
_DATE_RE = (
    r"^\s*(?P<y>[0-9]{4})\s*[-/.年]\s*(?P<m>[0-9]{1,2})\s*[-/.月]\s*(?P<d>[0-9]{1,2})\s*日?\s*$"
)
_DATE_HINT = "应写成 年-月-日，例如 2025-02-28"


_ARROW_TYPES = {
    AttributeType.STR: pa.string(),
    AttributeType.ENUM: pa.string(),
    AttributeType.INT: pa.int64(),
    AttributeType.BOOL: pa.bool_(),
    AttributeType.DATE: pa.date32(),
}


@dataclass(frozen=True)
class RowError:
    """One problem found in an import file; ``line`` is None for a whole-file problem."""

    line: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class RegistryImport:
    """Outcome of reading a registry file: the accepted rows (if any) and every error."""

    source: str
    registry: Registry | None
    errors: list[RowError]
    bad_lines: list[int]
    total_rows: int
    mode: OnError

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def accepted_rows(self) -> int:
        return 0 if self.registry is None else len(self.registry)

    def report(self, limit: int = MAX_LISTED_ERRORS) -> str:
        """A Chinese summary for the person who uploaded the file.

        Examples:
            >>> r = RegistryImport("名录.csv", None, [RowError(3, "size", "big", "第 3 行……")], [3], 10, "reject")
            >>> print(r.report())
            “名录.csv”共 10 行企业数据，发现 1 处错误，整个文件未导入：
            第 3 行……
            请修改后重新导入；也可以选择“跳过错误行”，只导入正确的行。
        """
        if not self.errors:
            return f"“{self.source}”共 {self.total_rows} 行企业数据，全部通过校验。"
        listed = [e.message for e in self.errors[:limit]]
        if len(self.errors) > limit:
            listed.append(f"……另有 {len(self.errors) - limit} 处错误未列出。")
        body = "\n".join(listed)
        if self.registry is None:
            head = f"“{self.source}”共 {self.total_rows} 行企业数据，发现 {len(self.errors)} 处错误，整个文件未导入："
            if any(e.line is None for e in self.errors) or self.mode == "skip":
                tail = "请修改后重新导入。"
            else:
                tail = "请修改后重新导入；也可以选择“跳过错误行”，只导入正确的行。"
            return f"{head}\n{body}\n{tail}"
        return (
            f"“{self.source}”共 {self.total_rows} 行企业数据，导入 {self.accepted_rows} 行，"
            f"跳过 {len(self.bad_lines)} 行有错误的数据（行号：{_line_list(self.bad_lines)}）：\n{body}"
        )


def _line_list(lines: Sequence[int], limit: int = 50) -> str:
    shown = "、".join(str(n) for n in lines[:limit])
    return shown + (f" 等 {len(lines)} 行" if len(lines) > limit else "")


class Registry:
    """Validated registry columns (an Arrow table) with cached NumPy views for the rules."""

    def __init__(
        self,
        table: pa.Table,
        catalogue: Catalogue = ENTERPRISE_ATTRIBUTES,
        lines: np.ndarray | None = None,
    ) -> None:
        self.table = table
        self.catalogue = catalogue
        self._lines = lines
        self._columns: dict[str, np.ndarray] = {}
        self._present: dict[str, np.ndarray | None] = {}
        self._categories: dict[str, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def __repr__(self) -> str:
        return f"<Registry {len(self)} enterprises>"

    @property
    def uscc(self) -> pa.Array:
        return _single_chunk(self.table.column("uscc"))

    def arrow(self, name: str) -> pa.Array:
        """The typed Arrow column (date32, bool, int64 or string)."""
        if name not in self.table.column_names:
            raise InvalidInput(self.catalogue.unknown_message(name))
        return _single_chunk(self.table.column(name))

    def column(self, name: str) -> np.ndarray:
        """NumPy view of one attribute, converted once and cached (see the module table)."""
        cached = self._columns.get(name)
        if cached is None:
            cached = self._convert(name)
            self._columns[name] = cached
        return cached

    def present(self, name: str) -> np.ndarray | None:
        """Boolean mask of non-empty values, or None when the column has no empty value."""
        if name not in self._present:
            arr = self.arrow(name)
            self._present[name] = (
                None if arr.null_count == 0 else arr.is_valid().to_numpy(zero_copy_only=False)
            )
        return self._present[name]

    def categories(self, name: str) -> tuple[str, ...]:
        """Distinct values of a text or enum column, in the order of its codes."""
        attribute = self.catalogue[name]
        if attribute.type is AttributeType.ENUM:
            return attribute.values
        self.column(name)
        return self._categories[name]

    def _convert(self, name: str) -> np.ndarray:
        attribute = self.catalogue[name]
        arr = self.arrow(name)
        kind = attribute.type
        if kind is AttributeType.DATE:
            return np.asarray(pc.fill_null(arr.cast(pa.int32()), NULL_DAY).to_numpy())
        if kind is AttributeType.BOOL:
            return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False))
        if kind is AttributeType.INT:
            return np.asarray(pc.fill_null(arr.cast(pa.int64()), 0).to_numpy())
        if kind is AttributeType.ENUM:
            codes = pc.index_in(arr, value_set=pa.array(attribute.values, pa.string()))
            return np.asarray(pc.fill_null(codes, -1).to_numpy().astype(np.int16))
        encoded = pc.dictionary_encode(arr)
        self._categories[name] = tuple(encoded.dictionary.to_pylist())
        return np.asarray(pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int32))

    def value(self, name: str, row: int) -> object:
        """One Python value (date, bool, int, str or None) for explanations."""
        return self.arrow(name)[row].as_py()

    def line_of(self, row: int) -> int:
        """The source file line of a row (header is line 1)."""
        return int(self._lines[row]) if self._lines is not None else row + 2

    def row_of(self, uscc: str) -> int:
        """Row index of an enterprise, or NotFound (the same message whether absent or not)."""
        code = (uscc or "").strip().upper()
        index = pc.index(self.uscc, pa.scalar(code, pa.string())).as_py()
        if index is None or index < 0:
            raise NotFound(f"企业名录中没有统一社会信用代码为“{code}”的企业，请核对代码。")
        return int(index)

    def take(self, rows: Sequence[int] | np.ndarray) -> Registry:
        """A registry holding only the given rows (used to explain one enterprise)."""
        indices = pa.array(np.asarray(rows, dtype=np.int64))
        lines = np.array([self.line_of(int(r)) for r in np.asarray(rows)], dtype=np.int64)
        return Registry(self.table.take(indices), self.catalogue, lines)


def _single_chunk(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(col, pa.ChunkedArray):
        if col.num_chunks == 1:
            return col.chunk(0)
        if col.num_chunks == 0:
            return pa.array([], type=col.type)
        return col.combine_chunks()
    return col


def _to_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None
