"""Enterprise registry import (企业名录导入): read CSV, XLSX or Parquet into validated columns.

Pure and database-free: the Django ``Enterprise`` model and its upsert are built on top
of :func:`read_registry`. The data layer is Apache Arrow: a CSV is parsed by
``pyarrow.csv`` with explicit column types (the 16 date columns become ``date32`` in
C++, several times faster than the pandas path), and each column is turned into a
NumPy array only when a rule asks for it (:meth:`Registry.column`).

Validation follows the attribute catalogue (:mod:`.attributes`) and reports every
problem with its file line number (the header is line 1, so the first enterprise is
line 2, as in Excel) in Chinese. Two modes:

* ``on_error="reject"`` (default): any invalid row and nothing is accepted;
* ``on_error="skip"``: the valid rows are accepted and the bad rows are reported.

A file-level problem (missing column, unreadable file) rejects the file in both modes.

Columnar representation returned by :meth:`Registry.column`:

========  =====================================================================
type      NumPy array
========  =====================================================================
date      int32 days since 1970-01-01; empty is :data:`NULL_DAY`
bool      bool
int       int64 (empty as 0; :meth:`Registry.present` tells empty apart)
enum      int16 index into ``Attribute.values``; empty is -1
str       int32 index into :meth:`Registry.categories`; empty is -1
========  =====================================================================

Examples:
    >>> imported = read_registry_records([
    ...     {"uscc": "91110000600037341L", "name": "示例公司", "region_code": "110000",
    ...      "industry_code": "C39", "size": "小型", "established_on": "2020-05-01",
    ...      "serious_dishonesty": False, "graduate_hires": 3, "high_tech_on": "2025-02-30"},
    ... ])
    >>> imported.registry is None
    True
    >>> print(imported.errors[0])
    第 2 行“国家高新技术企业认定日期”（high_tech_on）为“2025-02-30”，不是有效日期（应写成 年-月-日，例如 2025-02-28）。
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qinqing.core.enterprises.attributes import (
    ENTERPRISE_ATTRIBUTES,
    Attribute,
    AttributeType,
    Catalogue,
)
from qinqing.core.enterprises.uscc import scan_uscc, uscc_problem
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
        return self.table.num_rows

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
            return pc.fill_null(arr.cast(pa.int32()), NULL_DAY).to_numpy()
        if kind is AttributeType.BOOL:
            return pc.fill_null(arr, False).to_numpy(zero_copy_only=False)
        if kind is AttributeType.INT:
            return pc.fill_null(arr.cast(pa.int64()), 0).to_numpy()
        if kind is AttributeType.ENUM:
            codes = pc.index_in(arr, value_set=pa.array(attribute.values, pa.string()))
            return pc.fill_null(codes, -1).to_numpy().astype(np.int16)
        encoded = pc.dictionary_encode(arr)
        self._categories[name] = tuple(encoded.dictionary.to_pylist())
        return pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int32)

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


# ---------------------------------------------------------------------------
# Reading files


def read_registry(
    source: str | os.PathLike[str] | bytes,
    *,
    on_error: OnError = "reject",
    catalogue: Catalogue = ENTERPRISE_ATTRIBUTES,
    filename: str | None = None,
    file_format: str | None = None,
) -> RegistryImport:
    """Read and validate a registry file (CSV in UTF-8 or GBK, XLSX, Parquet).

    ``source`` is a path or the file's bytes (an upload); ``filename`` names it in
    messages and, with ``file_format`` (``csv``/``xlsx``/``parquet``), decides the
    reader. The header row holds column names (``uscc`` …) or their Chinese labels
    (``统一社会信用代码`` …); extra columns are ignored.
    """
    if on_error not in ("reject", "skip"):
        raise ValueError(f"on_error must be 'reject' or 'skip', not {on_error!r}")
    name = filename or (Path(source).name if not isinstance(source, bytes) else "上传文件")
    fmt = (file_format or Path(name).suffix.lstrip(".")).lower()
    if fmt in ("xlsx", "xlsm"):
        table, lines = _read_xlsx(source, name)
    elif fmt in ("parquet", "pq"):
        table, lines = _read_parquet(source, name), None
    elif fmt in ("csv", "txt", ""):
        table, lines = _read_csv(source, name, catalogue), None
    else:
        raise InvalidInput(f"“{name}”的格式无法识别：企业名录请使用 CSV、XLSX 或 Parquet 文件。")
    return validate_table(table, catalogue=catalogue, on_error=on_error, source=name, lines=lines)


def load_registry(
    source: str | os.PathLike[str] | bytes,
    *,
    catalogue: Catalogue = ENTERPRISE_ATTRIBUTES,
    filename: str | None = None,
) -> Registry:
    """Strict read: the registry, or InvalidInput listing every error (nothing accepted)."""
    imported = read_registry(source, catalogue=catalogue, filename=filename)
    if imported.registry is None:
        raise InvalidInput(imported.report())
    return imported.registry


def read_registry_records(
    records: Iterable[Mapping[str, object]],
    *,
    on_error: OnError = "reject",
    catalogue: Catalogue = ENTERPRISE_ATTRIBUTES,
    source: str = "企业数据",
) -> RegistryImport:
    """Validate enterprises given as dicts (tests, forms, the Django layer).

    Missing optional attributes are empty; values may be Python dates, bools and ints
    or the strings a file would hold.
    """
    rows = list(records)
    columns: dict[str, list[object]] = {}
    names = list(catalogue.names)
    for row in rows:
        for key in row:
            if key not in columns and key not in names:
                names.append(key)
    for key in names:
        optional = key in catalogue and not catalogue[key].required
        if optional or any(key in row for row in rows):
            columns[key] = [row.get(key) for row in rows]
    table = pa.table(
        {k: pa.array([_to_text(v) for v in vs], pa.string()) for k, vs in columns.items()}
    )
    return validate_table(table, catalogue=catalogue, on_error=on_error, source=source)


def read_registry_row(
    path: str | os.PathLike[str],
    uscc: str,
    *,
    catalogue: Catalogue = ENTERPRISE_ATTRIBUTES,
) -> Registry:
    """Read and validate only the row of one enterprise (fast ``explain`` on a big file).

    For a CSV the code is located in the raw bytes and only its line is parsed, so a
    1,000,000-row file costs one read and one search; other formats are read whole.
    Only that row is validated (duplicates elsewhere in the file are not checked).
    """
    from qinqing.core.enterprises.uscc import validate_uscc

    code = validate_uscc(uscc)
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".txt", ""):
        registry = load_registry(path, catalogue=catalogue)
        return registry.take([registry.row_of(code)])
    data = path.read_bytes()
    header_end = data.find(b"\n")
    if header_end < 0:
        raise InvalidInput(f"“{path.name}”只有表头或为空，没有企业数据。")
    needle = code.encode("ascii")
    start = header_end
    while True:
        pos = data.find(needle, start)
        if pos < 0:
            raise NotFound(f"“{path.name}”中没有统一社会信用代码为“{code}”的企业，请核对代码。")
        line_start = data.rfind(b"\n", 0, pos) + 1
        line_end = data.find(b"\n", pos)
        line_end = len(data) if line_end < 0 else line_end
        chunk = data[: header_end + 1] + data[line_start:line_end] + b"\n"
        line_no = data.count(b"\n", 0, line_start) + 1
        imported = validate_table(
            _read_csv(chunk, path.name, catalogue),
            catalogue=catalogue,
            source=path.name,
            lines=np.array([line_no]),
        )
        if imported.registry is None:
            if imported.errors and imported.errors[0].line is None:
                raise InvalidInput(imported.report())
            # the code matched inside another field or the row itself is invalid
            table = _read_csv(chunk, path.name, catalogue)
            if _single_chunk(table.column(_header_for(table, "uscc", catalogue))).to_pylist() == [
                code
            ]:
                raise InvalidInput(imported.report())
        elif imported.registry.uscc.to_pylist() == [code]:
            return imported.registry
        start = line_end


def _header_for(table: pa.Table, name: str, catalogue: Catalogue) -> str:
    label = catalogue[name].label
    return name if name in table.column_names else label


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


def _detect_encoding(data: bytes) -> str:
    """UTF-8 unless the first 64 KiB is not valid UTF-8, then GB18030 (a superset of GBK)."""
    head = data[:65536]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the sample's end
            return "gb18030"
    return "utf-8"


def _read_csv(source: str | os.PathLike[str] | bytes, name: str, catalogue: Catalogue) -> pa.Table:
    import pyarrow.csv as pacsv

    data = source if isinstance(source, bytes) else _read_bytes(source, name)
    if not data[:65536].strip():
        raise InvalidInput(f"“{name}”是空文件，没有可读取的内容。")
    encoding = _detect_encoding(data)
    header_end = data.find(b"\n")
    header_bytes = data if header_end < 0 else data[:header_end]
    header = [
        h.strip().strip('"').lstrip("\ufeff").strip()
        for h in header_bytes.decode(encoding, errors="replace").rstrip("\r").split(",")
    ]
    typed: dict[str, pa.DataType] = {}
    strings: dict[str, pa.DataType] = {}
    for h in header:
        attribute = catalogue.get(h) or catalogue.by_label(h)
        strings[h] = pa.string()
        typed[h] = _ARROW_TYPES[attribute.type] if attribute is not None else pa.string()
    # "utf8" exactly: any other spelling makes pyarrow transcode through Python codecs.
    read_options = pacsv.ReadOptions(
        encoding="utf8" if encoding == "utf-8" else encoding, column_names=header, skip_rows=1
    )
    parse_options = pacsv.ParseOptions(newlines_in_values=False)

    def read(types: dict[str, pa.DataType]) -> pa.Table:
        convert = pacsv.ConvertOptions(
            column_types=types,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            true_values=["True", "true", "TRUE", "1"],
            false_values=["False", "false", "FALSE", "0"],
        )
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=read_options,
            parse_options=parse_options,
            convert_options=convert,
        )

    try:
        return read(typed)  # fast path: Arrow parses dates, booleans and ints in C++
    except pa.ArrowInvalid:
        pass
    try:
        return read(strings)  # slow path: validate text column by column, row by row
    except pa.ArrowInvalid as exc:
        lines = _column_count_problems(data, encoding, len(header))
        detail = "\n".join(lines) + "\n" if lines else ""
        raise InvalidInput(
            f"“{name}”不是格式正确的 CSV 文件（{_arrow_reason(exc)}），整个文件未导入。\n{detail}"
            "请确认各行的列数与表头一致、用英文逗号分隔，另存为 CSV 后重新导入。"
        ) from None


def _column_count_problems(data: bytes, encoding: str, expected: int, limit: int = 20) -> list[str]:
    """Lines whose number of fields differs from the header (only run after a failure)."""
    import csv

    text = data.decode(encoding, errors="replace").lstrip("\ufeff")
    problems = []
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    for row in reader:
        if row and len(row) != expected:
            problems.append(
                f"第 {reader.line_num} 行有 {len(row)} 列，表头有 {expected} 列（可能多了或少了逗号）。"
            )
            if len(problems) >= limit:
                break
    return problems


def _arrow_reason(exc: Exception) -> str:
    text = str(exc)
    if "Expected" in text and "columns" in text:
        return "某一行的列数与表头不一致"
    if "UTF8" in text or "utf8" in text:
        return "文字编码不是 UTF-8 或 GBK"
    return "无法解析"


def _read_bytes(path: str | os.PathLike[str], name: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"找不到文件“{path}”，请检查路径。") from None
    except IsADirectoryError:
        raise InvalidInput(f"“{path}”是一个文件夹，请指定企业名录文件。") from None


def _read_parquet(source: str | os.PathLike[str] | bytes, name: str) -> pa.Table:
    import pyarrow.parquet as pq

    try:
        if isinstance(source, bytes):
            return pq.read_table(io.BytesIO(source))
        return pq.read_table(_checked_path(source))
    except (pa.ArrowInvalid, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise InvalidInput(f"找不到文件“{source}”，请检查路径。") from None
        raise InvalidInput(f"“{name}”不是有效的 Parquet 文件，无法读取。") from None


def _checked_path(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if not p.exists():
        raise InvalidInput(f"找不到文件“{path}”，请检查路径。")
    return p


def _read_xlsx(source: str | os.PathLike[str] | bytes, name: str) -> tuple[pa.Table, np.ndarray]:
    from openpyxl import load_workbook

    try:
        handle = io.BytesIO(source) if isinstance(source, bytes) else _checked_path(source)
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except InvalidInput:
        raise
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise InvalidInput(f"“{name}”不是有效的 Excel（.xlsx）文件，无法读取。") from None
    try:
        sheet = workbook.worksheets[0]
        header: list[str] | None = None
        columns: list[list[str | None]] = []
        lines: list[int] = []
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            if header is None:
                header = [str(v).strip() if v is not None else "" for v in row]
                columns = [[] for _ in header]
                continue
            lines.append(line)
            for i in range(len(header)):
                columns[i].append(_to_text(row[i]) if i < len(row) else None)
    finally:
        workbook.close()
    if header is None:
        raise InvalidInput(f"“{name}”的第一个工作表是空的，没有表头和企业数据。")
    table = pa.table(
        {
            h or f"第{i + 1}列": pa.array(col, pa.string())
            for i, (h, col) in enumerate(zip(header, columns, strict=True))
        }
    )
    return table, np.array(lines, dtype=np.int64)


_ARROW_TYPES = {
    AttributeType.STR: pa.string(),
    AttributeType.ENUM: pa.string(),
    AttributeType.INT: pa.int64(),
    AttributeType.BOOL: pa.bool_(),
    AttributeType.DATE: pa.date32(),
}


# ---------------------------------------------------------------------------
# Validation


@dataclass
class _Problems:
    """Bad rows found while validating, with a message per (row, column)."""

    n: int
    lines: np.ndarray | None
    bad: np.ndarray = field(init=False)
    errors: list[tuple[int, int, RowError]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bad = np.zeros(self.n, dtype=bool)

    def line(self, row: int) -> int:
        return int(self.lines[row]) if self.lines is not None else row + 2

    def add(self, rows: np.ndarray, column_order: int, make: object) -> None:
        """Mark rows bad; ``make(row, line)`` builds the RowError for each."""
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows
        if len(rows) == 0:
            return
        self.bad[rows] = True
        for row in rows:
            r = int(row)
            self.errors.append((r, column_order, make(r, self.line(r))))  # type: ignore[operator]


def validate_table(
    table: pa.Table,
    *,
    catalogue: Catalogue = ENTERPRISE_ATTRIBUTES,
    on_error: OnError = "reject",
    source: str = "企业名录",
    lines: np.ndarray | None = None,
) -> RegistryImport:
    """Validate and type an Arrow table read from any source (the core of every import).

    Columns may already be typed (a Parquet file, the fast CSV path) or text (XLSX, the
    slow CSV path); each is converted to its catalogue type and every bad value is
    reported with its line.
    """
    n = table.num_rows
    file_errors: list[RowError] = []
    by_name: dict[str, str] = {}
    for header in table.column_names:
        clean = header.strip().lstrip("\ufeff")
        attribute = catalogue.get(clean) or catalogue.by_label(clean)
        if attribute is not None and attribute.name not in by_name:
            by_name[attribute.name] = header
    missing = [a for a in catalogue if a.required and a.name not in by_name]
    for a in missing:
        file_errors.append(
            RowError(
                None,
                a.name,
                None,
                f"缺少必需的列“{a.name}”（{a.label}）。请在表头加上这一列（列名可写“{a.name}”或“{a.label}”）。",
            )
        )
    if file_errors:
        return RegistryImport(source, None, file_errors, [], n, on_error)
    if n == 0:
        empty = RowError(None, None, None, f"“{source}”只有表头，没有企业数据。")
        return RegistryImport(source, None, [empty], [], 0, on_error)

    problems = _Problems(n, lines)
    typed: dict[str, pa.Array] = {}
    for order, attribute in enumerate(catalogue):
        header = by_name.get(attribute.name)
        if header is None:
            typed[attribute.name] = pa.nulls(n, _ARROW_TYPES[attribute.type])
            continue
        typed[attribute.name] = _validate_column(
            _single_chunk(table.column(header)), attribute, order, problems
        )

    errors = [e for _, _, e in sorted(problems.errors, key=lambda t: (t[0], t[1]))]
    bad_rows = np.flatnonzero(problems.bad)
    bad_lines = [problems.line(int(r)) for r in bad_rows]
    result = pa.table(typed)
    if len(bad_rows) == 0:
        return RegistryImport(source, Registry(result, catalogue, lines), [], [], n, on_error)
    if on_error == "reject":
        return RegistryImport(source, None, errors, bad_lines, n, on_error)
    keep = ~problems.bad
    kept_lines = (np.arange(n) + 2 if lines is None else np.asarray(lines))[keep]
    registry = Registry(result.filter(pa.array(keep)), catalogue, kept_lines)
    return RegistryImport(source, registry, errors, bad_lines, n, on_error)


def _where(attribute: Attribute, line: int) -> str:
    return f"第 {line} 行“{attribute.label}”（{attribute.name}）"


def _validate_column(
    arr: pa.Array, attribute: Attribute, order: int, problems: _Problems
) -> pa.Array:
    """Convert one column to its catalogue type, recording every bad value."""
    kind = attribute.type
    target = _ARROW_TYPES[kind]
    if pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    if pa.types.is_timestamp(arr.type) and kind is AttributeType.DATE:
        arr = arr.cast(pa.date32())
    elif pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if arr.type != target and not pa.types.is_string(arr.type):
        arr = _cast_to_text(arr)
    if pa.types.is_string(arr.type):
        arr = _blank_to_null(arr)
    text_input = pa.types.is_string(arr.type) and kind is not AttributeType.STR
    if text_input and kind is not AttributeType.ENUM:
        arr = _blank_to_null(pc.utf8_trim_whitespace(arr))
    empty = arr.is_null().to_numpy(zero_copy_only=False) if arr.null_count else None

    if kind is AttributeType.STR:
        arr = _validate_text(arr, attribute, order, problems)
    elif kind is AttributeType.ENUM:
        arr = _enums_from_text(arr, attribute, order, problems)
    elif kind is AttributeType.BOOL and text_input:
        arr = _bools_from_text(arr, attribute, order, problems)
    elif kind is AttributeType.INT:
        arr = _ints_from_text(arr, attribute, order, problems) if text_input else arr
        _check_minimum(arr, attribute, order, problems)
    elif kind is AttributeType.DATE:
        arr = _dates_from_text(arr, attribute, order, problems) if text_input else arr
        _check_year_range(arr, attribute, order, problems)

    if attribute.required and empty is not None:
        problems.add(
            empty,
            order,
            lambda r, line: RowError(
                line, attribute.name, "", f"{_where(attribute, line)}为空，这一列必须填写。"
            ),
        )
    return arr


def _check_minimum(arr: pa.Array, attribute: Attribute, order: int, problems: _Problems) -> None:
    if attribute.minimum is None:
        return
    values = pc.fill_null(arr, attribute.minimum).to_numpy(zero_copy_only=False)
    below = values < attribute.minimum
    if below.any():
        problems.add(
            below,
            order,
            lambda r, line: RowError(
                line,
                attribute.name,
                str(values[r]),
                f"{_where(attribute, line)}为 {values[r]}，不能小于 {attribute.minimum}。",
            ),
        )


def _check_year_range(arr: pa.Array, attribute: Attribute, order: int, problems: _Problems) -> None:
    lo = (dt.date(MIN_YEAR, 1, 1) - EPOCH).days
    hi = (dt.date(MAX_YEAR, 12, 31) - EPOCH).days
    extremes = pc.min_max(arr.cast(pa.int32())).as_py()  # one aggregate pass, nulls skipped
    if extremes["min"] is None or (extremes["min"] >= lo and extremes["max"] <= hi):
        return
    days = pc.fill_null(arr.cast(pa.int32()), 0).to_numpy()
    outside = (days < lo) | (days > hi)
    if outside.any():
        outside &= arr.is_valid().to_numpy(zero_copy_only=False)
        problems.add(
            outside,
            order,
            lambda r, line: RowError(
                line,
                attribute.name,
                str(arr[r].as_py()),
                f"{_where(attribute, line)}为“{arr[r].as_py()}”，年份不在 {MIN_YEAR}—{MAX_YEAR} 年之间，请检查是否输错。",
            ),
        )


def _blank_to_null(arr: pa.Array) -> pa.Array:
    """Empty strings are empty values (the CSV reader already reads them as null).

    Lengths come from the offsets buffer, so a column without blanks costs one NumPy
    pass over its offsets and no copy.
    """
    if len(arr) == 0 or arr.buffers()[1] is None:
        return arr
    offsets = np.frombuffer(
        arr.buffers()[1], dtype=np.int32, count=len(arr) + 1, offset=arr.offset * 4
    )
    blank = np.diff(offsets) == 0
    if arr.null_count:
        blank &= arr.is_valid().to_numpy(zero_copy_only=False)
    if not blank.any():
        return arr
    return pc.if_else(pa.array(blank), pa.scalar(None, pa.string()), arr)


def _validate_text(
    arr: pa.Array, attribute: Attribute, order: int, problems: _Problems
) -> pa.Array:
    """Credit codes (check digit, uniqueness) and patterned codes (region, industry).

    Values are checked as they are first; only a column with failures is trimmed of
    surrounding spaces and checked again, so a clean 1,000,000-row file pays no copy.
    """
    if attribute.name == "uscc":
        valid, keys = scan_uscc(arr)
        present = arr.is_valid().to_numpy(zero_copy_only=False)
        if not (valid | ~present).all():
            arr = _blank_to_null(pc.utf8_trim_whitespace(arr))
            valid, keys = scan_uscc(arr)
            present = arr.is_valid().to_numpy(zero_copy_only=False)
        bad = present & ~valid
        if bad.any():
            problems.add(
                bad,
                order,
                lambda r, line: RowError(
                    line,
                    attribute.name,
                    arr[r].as_py(),
                    f"{_where(attribute, line)}为“{arr[r].as_py()}”，{uscc_problem(arr[r].as_py())}。请核对营业执照上的代码。",
                ),
            )
        if attribute.unique:
            sorted_keys = np.sort(keys[valid])
            if (sorted_keys[1:] == sorted_keys[:-1]).any():
                _flag_duplicates(arr, attribute, order, problems)
        return arr
    if attribute.pattern:
        bad = _pattern_failures(arr, attribute.pattern)
        if bad.any():
            arr = _blank_to_null(pc.utf8_trim_whitespace(arr))
            bad = _pattern_failures(arr, attribute.pattern)
        if bad.any():
            problems.add(
                bad,
                order,
                lambda r, line: RowError(
                    line,
                    attribute.name,
                    arr[r].as_py(),
                    f"{_where(attribute, line)}为“{arr[r].as_py()}”，{attribute.pattern_hint}。",
                ),
            )
    other_unique = attribute.unique and attribute.name != "uscc" and arr.null_count < len(arr)
    if other_unique and pc.count_distinct(arr).as_py() < len(arr) - arr.null_count:
        _flag_duplicates(arr, attribute, order, problems)
    return arr


def _pattern_failures(arr: pa.Array, pattern: str) -> np.ndarray:
    """Rows whose value does not match; the regex runs once per distinct value."""
    encoded = pc.dictionary_encode(arr)
    ok = pc.match_substring_regex(encoded.dictionary, f"^(?:{pattern})$").to_numpy(
        zero_copy_only=False
    )
    if ok.all():
        return np.zeros(len(arr), dtype=bool)
    lookup = np.r_[~ok, False]  # index -1 (empty value) is not a pattern failure
    return lookup[pc.fill_null(encoded.indices, -1).to_numpy()]


def _cast_to_text(arr: pa.Array) -> pa.Array:
    if pa.types.is_floating(arr.type):
        values = arr.to_pylist()
        return pa.array([_to_text(v) for v in values], pa.string())
    if pa.types.is_boolean(arr.type):
        return pa.array([_to_text(v) for v in arr.to_pylist()], pa.string())
    return arr.cast(pa.string())


def _dates_from_text(
    arr: pa.Array, attribute: Attribute, order: int, problems: _Problems
) -> pa.Array:
    """Parse 2025-02-28, 2025/2/28, 2025.2.28 or 2025年2月28日; flag everything else."""
    try:
        return arr.cast(pa.date32())  # all ISO and valid: one C++ pass
    except pa.ArrowInvalid:
        pass
    parts = pc.extract_regex(arr, _DATE_RE)
    matched_arr = parts.is_valid()
    matched = matched_arr.to_numpy(zero_copy_only=False)

    def number(name: str) -> np.ndarray:
        # rows that did not match (or are empty) hold "" in the struct fields
        text = pc.if_else(matched_arr, parts.field(name), pa.scalar("1", pa.string()))
        return text.cast(pa.int64()).to_numpy()

    y, m, d = number("y"), number("m"), number("d")
    m_ok = (m >= 1) & (m <= 12)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    dim = month_days[np.where(m_ok, m, 1)] + ((m == 2) & leap)
    valid = matched & m_ok & (d >= 1) & (d <= dim)
    present = arr.is_valid().to_numpy(zero_copy_only=False)
    bad = present & ~valid
    if bad.any():
        problems.add(
            bad,
            order,
            lambda r, line: RowError(
                line,
                attribute.name,
                arr[r].as_py(),
                f"{_where(attribute, line)}为“{arr[r].as_py()}”，不是有效日期（{_DATE_HINT}）。",
            ),
        )
    days = _days_from_civil(np.where(valid, y, 1970), np.where(valid, m, 1), np.where(valid, d, 1))
    return pa.array(days.astype(np.int32), mask=~valid).cast(pa.date32())


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 for proleptic Gregorian dates (H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _bools_from_text(
    arr: pa.Array, attribute: Attribute, order: int, problems: _Problems
) -> pa.Array:
    lowered = pc.utf8_lower(arr)
    words = pa.array(_TRUE_WORDS + _FALSE_WORDS)
    index = pc.index_in(lowered, value_set=words)
    idx = pc.fill_null(index, -1).to_numpy()
    present = arr.is_valid().to_numpy(zero_copy_only=False)
    bad = present & (idx < 0)
    if bad.any():
        problems.add(
            bad,
            order,
            lambda r, line: RowError(
                line,
                attribute.name,
                arr[r].as_py(),
                f"{_where(attribute, line)}为“{arr[r].as_py()}”，应填写 True 或 False（也可写“是”或“否”）。",
            ),
        )
    values = idx < len(_TRUE_WORDS)
    return pa.array(values, mask=~(present & ~bad))


def _ints_from_text(
    arr: pa.Array, attribute: Attribute, order: int, problems: _Problems
) -> pa.Array:
    ok = pc.fill_null(pc.match_substring_regex(arr, r"^[-+]?[0-9]{1,15}(\.0+)?$"), False)
    ok_np = ok.to_numpy(zero_copy_only=False)
    present = arr.is_valid().to_numpy(zero_copy_only=False)
    bad = present & ~ok_np
    if bad.any():
        problems.add(
            bad,
            order,
            lambda r, line: RowError(
                line,
                attribute.name,
                arr[r].as_py(),
                f"{_where(attribute, line)}为“{arr[r].as_py()}”，应为整数（例如 0、3、12）。",
            ),
        )
    cleaned = pc.if_else(
        ok, pc.replace_substring_regex(arr, r"\.0+$", ""), pa.scalar(None, pa.string())
    )
    return cleaned.cast(pa.int64())


def _enums_from_text(
    arr: pa.Array, attribute: Attribute, order: int, problems: _Problems
) -> pa.Array:
    keys: list[str] = []
    values: list[str] = []
    for value, label in attribute.enum_values:
        for key in (value, label, value.upper(), value.capitalize()):
            if key not in keys:
                keys.append(key)
                values.append(value)
    key_set = pa.array(keys)
    index = pc.index_in(arr, value_set=key_set)
    if index.null_count > arr.null_count:
        arr = _blank_to_null(pc.utf8_trim_whitespace(arr))
        index = pc.index_in(arr, value_set=key_set)
    out = pc.take(pa.array(values), index)
    bad = arr.is_valid().to_numpy(zero_copy_only=False) & index.is_null().to_numpy(
        zero_copy_only=False
    )
    if bad.any():
        problems.add(
            bad,
            order,
            lambda r, line: RowError(
                line,
                attribute.name,
                arr[r].as_py(),
                f"{_where(attribute, line)}为“{arr[r].as_py()}”，不是允许的取值。允许的取值：{attribute.allowed_values_text()}。",
            ),
        )
    return out


def _flag_duplicates(arr: pa.Array, attribute: Attribute, order: int, problems: _Problems) -> None:
    encoded = pc.dictionary_encode(arr)
    codes = pc.fill_null(encoded.indices, -1).to_numpy()
    order_idx = np.argsort(codes, kind="stable")
    sorted_codes = codes[order_idx]
    first_of_run = np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]
    first_row = order_idx[np.maximum.accumulate(np.where(first_of_run, np.arange(len(codes)), 0))]
    duplicate = ~first_of_run & (sorted_codes >= 0)
    dup_rows = order_idx[duplicate]
    first_for = dict(zip(dup_rows.tolist(), first_row[duplicate].tolist(), strict=True))
    problems.add(
        np.sort(dup_rows),
        order,
        lambda r, line: RowError(
            line,
            attribute.name,
            arr[r].as_py(),
            f"{_where(attribute, line)}“{arr[r].as_py()}”与第 {problems.line(first_for[r])} 行重复，同一企业只能出现一次。",
        ),
    )
