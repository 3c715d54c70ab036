"""Validation of a registry table against the attribute catalogue (see :mod:`.registry_io`).

Every problem is reported with its file line number, in Chinese; columns are checked and
converted in Arrow, never row by row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qinqing.core.enterprises.attributes import (
    ENTERPRISE_ATTRIBUTES,
    Attribute,
    AttributeType,
    Catalogue,
)
from qinqing.core.enterprises.registry_table import (
    _ARROW_TYPES,
    _DATE_HINT,
    _DATE_RE,
    _FALSE_WORDS,
    _TRUE_WORDS,
    EPOCH,
    MAX_YEAR,
    MIN_YEAR,
    OnError,
    Registry,
    RegistryImport,
    RowError,
    _single_chunk,
    _to_text,
)
from qinqing.core.enterprises.uscc import scan_uscc, uscc_problem


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
    keep: Collection[str] | None = None,
    checked: Collection[str] = (),
) -> RegistryImport:
    """Validate and type an Arrow table read from any source (the core of every import).

    Columns may already be typed (a Parquet file, the fast CSV path) or text (XLSX, the
    slow CSV path); each is converted to its catalogue type and every bad value is
    reported with its line.

    ``keep`` names the attributes the registry holds (None: every one); the others are
    validated all the same and then dropped. ``checked`` names attributes whose column
    is in the file and was validated without being read (Parquet statistics, see
    :func:`.registry_io.read_registry`); they are neither read nor kept.
    """
    n = table.num_rows
    file_errors: list[RowError] = []
    by_name: dict[str, str] = {}
    for header in table.column_names:
        clean = header.strip().lstrip("\ufeff")
        attribute = catalogue.get(clean) or catalogue.by_label(clean)
        if attribute is not None and attribute.name not in by_name:
            by_name[attribute.name] = header
    missing = [
        a for a in catalogue if a.required and a.name not in by_name and a.name not in checked
    ]
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
        kept = keep is None or attribute.name in keep
        if header is None:
            if kept and attribute.name not in checked:
                typed[attribute.name] = pa.nulls(n, _ARROW_TYPES[attribute.type])
            continue
        arr = _single_chunk(table.column(header))
        column = _valid_dictionary(arr, attribute, order, kept)
        if column is None:
            column = _validate_column(arr, attribute, order, problems)
        if kept:
            typed[attribute.name] = column

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


def _valid_dictionary(
    arr: pa.Array, attribute: Attribute, order: int, kept: bool
) -> pa.Array | None:
    """Validate a dictionary-encoded text column (as Parquet stores codes and enums) on
    its distinct values: the typed column when ``kept``, else ``_CHECKED``; None when a
    value or an empty required cell needs reporting, and then the caller validates the
    decoded column row by row as usual (same errors, same lines).

    Every check on such a column is made value by value, so a dictionary whose values
    all pass stands for every row; uniqueness is not, so unique columns never come here.
    """
    if not (
        pa.types.is_dictionary(arr.type)
        and pa.types.is_string(arr.type.value_type)
        and attribute.type in (AttributeType.STR, AttributeType.ENUM)
        and not attribute.unique
    ):
        return None
    if attribute.required and arr.null_count:
        return None  # empty cells: reported with their lines by the row-by-row path
    dictionary = arr.dictionary
    scratch = _Problems(len(dictionary), None)
    values = _validate_column(dictionary, attribute, order, scratch)
    if scratch.errors or (attribute.required and values.null_count):
        return None
    if not kept:
        return _CHECKED
    return pc.take(values, arr.indices)


# Returned for a column validated but not kept (never used as data).
_CHECKED = pa.nulls(0)


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
    return np.asarray(lookup[pc.fill_null(encoded.indices, -1).to_numpy()])


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
        return np.asarray(text.cast(pa.int64()).to_numpy())

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
    return np.asarray(era * 146097 + doe - 719468)


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
