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
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np
import pyarrow as pa

from qinqing.core.enterprises.attributes import (
    ENTERPRISE_ATTRIBUTES,
    Attribute,
    AttributeType,
    Catalogue,
)
from qinqing.core.enterprises.registry_table import (
    _ARROW_TYPES,
    EPOCH,
    MAX_YEAR,
    MIN_YEAR,
    NULL_DAY,
    OnError,
    Registry,
    RegistryImport,
    RowError,
    _single_chunk,
    _to_text,
)
from qinqing.core.enterprises.registry_validation import validate_table
from qinqing.core.errors import InvalidInput, NotFound

__all__ = [
    "EPOCH",
    "NULL_DAY",
    "OnError",
    "Registry",
    "RegistryImport",
    "RowError",
    "load_registry",
    "read_registry",
    "read_registry_records",
    "read_registry_row",
    "validate_table",
]


# ---------------------------------------------------------------------------
# Reading files


def read_registry(
    source: str | os.PathLike[str] | bytes,
    *,
    on_error: OnError = "reject",
    catalogue: Catalogue = ENTERPRISE_ATTRIBUTES,
    filename: str | None = None,
    file_format: str | None = None,
    columns: Collection[str] | None = None,
) -> RegistryImport:
    """Read and validate a registry file (CSV in UTF-8 or GBK, XLSX, Parquet).

    ``source`` is a path or the file's bytes (an upload); ``filename`` names it in
    messages and, with ``file_format`` (``csv``/``xlsx``/``parquet``), decides the
    reader. The header row holds column names (``uscc`` …) or their Chinese labels
    (``统一社会信用代码`` …); extra columns are ignored.

    ``columns`` names the attributes the returned registry must hold (None: all of
    them). Validation is the same either way: every attribute of the file is checked
    and the same errors are reported. Only the work differs: a Parquet column that is
    not wanted is not read at all when the file's own column statistics settle every
    check on it (its type, no empty value where one is required, no date outside
    1900–2100, no number below the minimum); columns with a pattern, fixed values or
    uniqueness to check are always read.
    """
    if on_error not in ("reject", "skip"):
        raise ValueError(f"on_error must be 'reject' or 'skip', not {on_error!r}")
    name = filename or (Path(source).name if not isinstance(source, bytes) else "上传文件")
    fmt = (file_format or Path(name).suffix.lstrip(".")).lower()
    checked: tuple[str, ...] = ()
    if fmt in ("xlsx", "xlsm"):
        table, lines = _read_xlsx(source, name)
    elif fmt in ("parquet", "pq"):
        (table, checked), lines = _read_parquet(source, name, catalogue, columns), None
    elif fmt in ("csv", "txt", ""):
        table, lines = _read_csv(source, name, catalogue), None
    else:
        raise InvalidInput(f"“{name}”的格式无法识别：企业名录请使用 CSV、XLSX 或 Parquet 文件。")
    return validate_table(
        table,
        catalogue=catalogue,
        on_error=on_error,
        source=name,
        lines=lines,
        keep=None if columns is None else frozenset(columns),
        checked=checked,
    )


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


def _read_parquet(
    source: str | os.PathLike[str] | bytes,
    name: str,
    catalogue: Catalogue,
    wanted: Collection[str] | None = None,
) -> tuple[pa.Table, tuple[str, ...]]:
    """The file's columns to validate, and the attributes already validated from the
    column statistics (only among those not ``wanted``; see :func:`read_registry`)."""
    import pyarrow.parquet as pq

    try:
        if isinstance(source, bytes):
            data = source
        else:
            path = _checked_path(source)
            if path.is_dir():  # a partitioned data set: the dataset reader handles it
                return pq.read_table(path), ()
            data = path  # type: ignore[assignment]

        def open_file(**options: Any) -> Any:
            # ParquetFile reads a file without importing pyarrow.dataset (and pandas,
            # which it loads) and gives one chunk per row group.
            return pq.ParquetFile(
                pa.BufferReader(data) if isinstance(data, bytes) else data, **options
            )

        parquet = open_file()
        if wanted is None:
            return parquet.read(), ()
        read, checked, coded = _parquet_columns(parquet, catalogue, wanted)
        if coded:
            # text columns checked against patterns or fixed values are read as the
            # file stores them, dictionary-encoded: validation looks at each distinct
            # value once (registry_validation._valid_dictionary)
            parquet = open_file(read_dictionary=coded)
        return parquet.read(columns=read), checked
    except (pa.ArrowInvalid, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise InvalidInput(f"找不到文件“{source!s}”，请检查路径。") from None
        raise InvalidInput(f"“{name}”不是有效的 Parquet 文件，无法读取。") from None


def _parquet_columns(
    parquet: Any, catalogue: Catalogue, wanted: Collection[str]
) -> tuple[list[str], tuple[str, ...], list[str]]:
    """Headers to read, attributes settled by the statistics of the file, and the text
    headers of pattern or enum attributes (read dictionary-encoded)."""
    schema = parquet.schema_arrow
    leaves = {
        parquet.metadata.schema.column(i).path: i for i in range(parquet.metadata.num_columns)
    }
    read: list[str] = []
    checked: list[str] = []
    coded: list[str] = []
    seen: set[str] = set()
    for header in schema.names:
        clean = header.strip().lstrip("\ufeff")
        attribute = catalogue.get(clean) or catalogue.by_label(clean)
        if attribute is None or attribute.name in seen:
            continue  # not an attribute, or a second column for one: ignored as before
        seen.add(attribute.name)
        leaf = leaves.get(header)
        if (
            attribute.name not in wanted
            and leaf is not None
            and schema.field(header).type == _ARROW_TYPES[attribute.type]
            and _settled_by_statistics(parquet.metadata, leaf, attribute)
        ):
            checked.append(attribute.name)
            continue
        read.append(header)
        coded_attribute = attribute.type is AttributeType.ENUM or attribute.pattern
        if coded_attribute and not attribute.unique and schema.field(header).type == pa.string():
            coded.append(header)
    return read, tuple(checked), coded


def _settled_by_statistics(metadata: Any, leaf: int, attribute: Attribute) -> bool:
    """True when every check validation makes on this column of its catalogue type is
    answered by the statistics of every row group (and each answer is "no problem")."""
    if attribute.type is AttributeType.ENUM or attribute.pattern or attribute.unique:
        return False  # values must be looked at
    kind = attribute.type
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        stats = row_group.column(leaf).statistics
        if stats is None or not stats.has_null_count:
            return False
        if attribute.required and stats.null_count > 0:
            return False  # empty values: read the column to report their lines
        needs_range = (
            (kind is AttributeType.STR and attribute.required)
            or (kind is AttributeType.INT and attribute.minimum is not None)
            or kind is AttributeType.DATE
        )
        if not needs_range or stats.null_count == row_group.num_rows:
            continue
        if not stats.has_min_max:
            return False
        low, high = stats.min, stats.max
        if kind is AttributeType.STR and not isinstance(low, str | bytes):
            return False
        if kind is AttributeType.STR and low in ("", b""):
            return False  # an empty text: the smallest value a column can hold
        if kind is AttributeType.INT and not (
            isinstance(low, int) and low >= cast(int, attribute.minimum)
        ):
            return False
        if kind is AttributeType.DATE and not (
            isinstance(low, dt.date)
            and isinstance(high, dt.date)
            and dt.date(MIN_YEAR, 1, 1) <= low
            and high <= dt.date(MAX_YEAR, 12, 31)
        ):
            return False
    return True


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
