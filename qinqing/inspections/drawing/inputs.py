"""一单两库 inputs of a draw: the entity pool, the item list and the inspector pool.

Each table is validated row by row with a Chinese message that names the file, line and
column, then held in canonical order (entities by ``uscc``, items by ``item_id``,
inspectors by ``inspector_id``, code-point order), so nothing downstream depends on the
order of the rows in the file or on set/dict iteration order.

Each table also has a *canonical CSV* form (contract columns, canonical order, normalised
values, RFC 4180 quoting, ``\\n`` line ends) whose SHA-256 is the table's snapshot hash;
re-saving a file with CRLF line ends, a BOM, extra columns or rows in another order does
not change it. See docs/dev/verifiable-draw.md.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path

import numpy as np

from qinqing.core.enterprises.uscc import is_valid_uscc, uscc_problem
from qinqing.core.errors import InvalidInput
from qinqing.inspections.drawing.industry import (
    ALL_INDUSTRIES,
    SECTION_DIVISIONS,
    is_valid_industry_code,
)
from qinqing.inspections.drawing.uscc import first_invalid_uscc

TIERS = ("A", "B", "C", "D")
TIER_INDEX = {t: i for i, t in enumerate(TIERS)}

ENTITY_COLUMNS = ("uscc", "name", "industry_code", "region_code", "credit_tier")
ITEM_COLUMNS = (
    "item_id",
    "department",
    "name",
    "industries",
    "ratio_A",
    "ratio_B",
    "ratio_C",
    "ratio_D",
)
INSPECTOR_COLUMNS = ("inspector_id", "name", "department", "active", "conflicts")

COLUMN_LABELS = {
    "uscc": "统一社会信用代码",
    "name": "名称",
    "industry_code": "行业代码",
    "region_code": "行政区划代码",
    "credit_tier": "信用风险分类",
    "item_id": "事项编号",
    "department": "部门",
    "industries": "适用行业",
    "ratio_A": "A 类抽查比例",
    "ratio_B": "B 类抽查比例",
    "ratio_C": "C 类抽查比例",
    "ratio_D": "D 类抽查比例",
    "inspector_id": "人员编号",
    "active": "是否在岗",
    "conflicts": "回避企业",
}

LIST_SEPARATOR = ";"
NOT_DRAWN = "本次未抽取，请修改后重试。"

_TRUE = frozenset({"1", "true", "yes", "y", "是", "在岗"})
_FALSE = frozenset({"0", "false", "no", "n", "否", "不在岗"})
_REGION = re.compile(r"\d{6}")
_IDENT_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f;,]")

Locate = Callable[[int], str]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building millions of acyclic objects.

    With a million-entity pool alive, every automatic collection rescans it; the
    objects built in bulk here (strings, tuples, small dicts) hold no cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _cell(locate: Locate, i: int, column: str, value: str) -> str:
    return f"{locate(i)}“{COLUMN_LABELS[column]}（{column}）”为“{value}”"


def csv_field(value: str) -> str:
    """One field of a canonical CSV line (RFC 4180: quote only when needed).

    Examples:
        >>> csv_field("示例企业有限公司"), csv_field('A "B", C')
        ('示例企业有限公司', '"A ""B"", C"')
    """
    if '"' in value or "," in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def _sha256_lines(header: Sequence[str], lines: Iterator[str]) -> str:
    digest = hashlib.sha256((",".join(header) + "\n").encode("utf-8"))
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= 20000:
            digest.update("".join(chunk).encode("utf-8"))
            chunk.clear()
    digest.update("".join(chunk).encode("utf-8"))
    return digest.hexdigest()


def _first_duplicate(sorted_keys: Sequence[str]) -> int | None:
    for i in range(1, len(sorted_keys)):
        if sorted_keys[i] == sorted_keys[i - 1]:
            return i
    return None


def _valid_identifier(value: str) -> bool:
    return bool(value) and not _IDENT_FORBIDDEN.search(value)


# --- entity pool (检查对象名录库) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntityRecord:
    """One market entity as the campaign screens pass it in (the registry's fields)."""

    uscc: str
    name: str
    industry_code: str
    region_code: str
    credit_tier: str


class EntityPool:
    """检查对象名录库 (``EntityPool``): columnar, sorted by ``uscc``.

    Build it with :func:`read_entities_csv` or :meth:`from_records`; both validate.
    ``position`` of an entity is its index in this order, starting at 0.
    """

    def __init__(
        self,
        uscc: tuple[str, ...],
        name: tuple[str, ...],
        industry_code: tuple[str, ...],
        region_code: tuple[str, ...],
        tier: np.ndarray,
        uscc_array: np.ndarray | None = None,
    ) -> None:
        self.uscc = uscc
        self.name = name
        self.industry_code = industry_code
        self.region_code = region_code
        self.tier = tier  # int8, index into TIERS
        self.industry_values: tuple[str, ...] = tuple(sorted(set(industry_code)))
        lookup = {code: i for i, code in enumerate(self.industry_values)}
        self.industry_index = np.fromiter(
            map(lookup.__getitem__, industry_code), dtype=np.int32, count=len(industry_code)
        )
        self._uscc_array = np.array(uscc, dtype="S18") if uscc_array is None else uscc_array

    def __len__(self) -> int:
        return len(self.uscc)

    @classmethod
    def from_records(cls, records: Iterable[EntityRecord], source: str = "") -> EntityPool:
        rows = list(records)
        label = f"检查对象名录{f'“{source}”' if source else ''}"

        def locate(i: int) -> str:
            return f"{label}第 {i + 1} 条"

        return build_entity_pool(
            [r.uscc for r in rows],
            [r.name for r in rows],
            [r.industry_code for r in rows],
            [r.region_code for r in rows],
            [r.credit_tier for r in rows],
            locate=locate,
        )

    def positions_of(self, codes: Sequence[str]) -> np.ndarray:
        """Positions of ``codes`` in the pool; -1 where a code is not in the pool."""
        if not codes:
            return np.zeros(0, dtype=np.int64)
        wanted = np.array(codes, dtype="S18")
        pos = np.searchsorted(self._uscc_array, wanted)
        pos = np.minimum(pos, len(self.uscc) - 1) if len(self.uscc) else pos
        found = (self._uscc_array[pos] == wanted) if len(self.uscc) else np.zeros(len(codes), bool)
        return np.where(found, pos, -1).astype(np.int64)

    def canonical_chunks(self) -> Iterator[str]:
        """Canonical CSV rows (without header) as text chunks of many lines."""
        names = self.name
        if _NEEDS_QUOTING.search("\x00".join(names)):
            names = tuple(csv_field(n) for n in names)
        tiers = np.array(TIERS)[self.tier].tolist()
        step = 50000
        for start in range(0, len(self.uscc), step):
            stop = start + step
            rows = zip(
                self.uscc[start:stop],
                names[start:stop],
                self.industry_code[start:stop],
                self.region_code[start:stop],
                tiers[start:stop],
                strict=True,
            )
            yield "\n".join(map(",".join, rows)) + "\n"

    @cached_property
    def sha256(self) -> str:
        if not self.uscc:
            return _sha256_lines(ENTITY_COLUMNS, iter(()))
        return _sha256_lines(ENTITY_COLUMNS, self.canonical_chunks())


def build_entity_pool(*columns: list[str], locate: Locate) -> EntityPool:
    """Validate and sort raw entity columns (``ENTITY_COLUMNS`` order)."""
    with gc_paused():
        return _build_entity_pool(*columns, locate=locate)


def _build_entity_pool(
    uscc: list[str],
    name: list[str],
    industry_code: list[str],
    region_code: list[str],
    credit_tier: list[str],
    *,
    locate: Locate,
) -> EntityPool:
    """Validate and sort raw entity columns; the first problem in row order is reported."""
    # A value that is already valid is already canonical (no spaces, upper case), so the
    # per-value normalisation only runs on columns where some raw value fails.
    bad = first_invalid_uscc(uscc)
    if bad is not None:
        uscc = _normalised(uscc, upper=True)
        bad = first_invalid_uscc(uscc)
    name = _normalised(name, upper=False)
    if not all(map(is_valid_industry_code, set(industry_code))):
        industry_code = _normalised(industry_code, upper=True)
    if not all(_REGION.fullmatch(c) for c in set(region_code)):
        region_code = _normalised(region_code, upper=False)
    if not set(credit_tier) <= TIER_INDEX.keys():
        credit_tier = _normalised(credit_tier, upper=True)
    n = len(uscc)

    problems: list[tuple[int, str]] = []
    if bad is not None:
        value = uscc[bad]
        message = (
            f"{_cell(locate, bad, 'uscc', value)}，不是有效的统一社会信用代码：{uscc_problem(value)}。"
            f"请对照营业执照核对。"
            if value
            else f"{locate(bad)}“统一社会信用代码（uscc）”为空。"
        )
        problems.append((bad, message))
    empty_name = None if all(name) else name.index("")
    if empty_name is not None:
        problems.append((empty_name, f"{locate(empty_name)}“名称（name）”为空。"))
    bad_codes = {c for c in set(industry_code) if not is_valid_industry_code(c)}
    if bad_codes:
        i = next(i for i, c in enumerate(industry_code) if c in bad_codes)
        problems.append(
            (
                i,
                f"{_cell(locate, i, 'industry_code', industry_code[i])}，不是有效的国民经济行业分类"
                f"（GB/T 4754）代码：应为门类字母加 2–4 位数字，如 C13、F5212，且大类须属于该门类。",
            )
        )
    bad_regions = {c for c in set(region_code) if not _REGION.fullmatch(c)}
    if bad_regions:
        i = next(i for i, c in enumerate(region_code) if c in bad_regions)
        problems.append(
            (
                i,
                f"{_cell(locate, i, 'region_code', region_code[i])}，应为 6 位行政区划代码，如 420602。",
            )
        )
    bad_tiers = set(credit_tier) - set(TIERS)
    if bad_tiers:
        i = next(i for i, c in enumerate(credit_tier) if c in bad_tiers)
        problems.append(
            (
                i,
                f"{_cell(locate, i, 'credit_tier', credit_tier[i])}，信用风险分类应为 A、B、C、D 之一。",
            )
        )
    if problems:
        raise InvalidInput(min(problems)[1] + NOT_DRAWN)

    as_bytes = np.array(uscc, dtype="S18")
    order = np.argsort(as_bytes)
    sorted_bytes = as_bytes[order]
    dup = np.flatnonzero(sorted_bytes[1:] == sorted_bytes[:-1]) if n > 1 else np.zeros(0, int)
    if dup.size:
        first, second = sorted(int(j) for j in order[dup[0] : dup[0] + 2])
        raise InvalidInput(
            f"{locate(second)}的统一社会信用代码 {uscc[second]} 与{locate(first)}重复，"
            f"每个检查对象只能出现一次。{NOT_DRAWN}"
        )
    tier = np.fromiter(map(TIER_INDEX.__getitem__, credit_tier), dtype=np.int8, count=n)[order]
    return EntityPool(
        _reordered(uscc, order),
        _reordered(name, order),
        _reordered(industry_code, order),
        _reordered(region_code, order),
        tier,
        sorted_bytes,
    )


_NEEDS_QUOTING = re.compile(r'[",\r\n]')
_ANY_SPACE = re.compile(r"\s")
_EDGE_SPACE = re.compile(r"(?:^|\x00)\s|\s(?:\x00|$)")


def _normalised(values: list[str], *, upper: bool) -> list[str]:
    """Strip (and upper-case) every value; skips the per-value work when nothing changes."""
    joined = "\x00".join(values)
    if _ANY_SPACE.search(joined) and _EDGE_SPACE.search(joined):
        values = [v.strip() for v in values]
        joined = "\x00".join(values)
    if upper and joined != joined.upper():
        values = [v.upper() for v in values]
    return values


def _reordered(values: list[str], order: np.ndarray) -> tuple[str, ...]:
    if len(values) == 0:
        return ()
    if len(values) == 1:
        return (values[0],)
    return tuple(operator.itemgetter(*order.tolist())(values))  # a tuple: not copied


# --- inspection items (检查事项清单) --------------------------------------------------


@dataclass(frozen=True, slots=True)
class InspectionItem:
    """检查事项: one department's item, the industries it applies to, ratio per credit tier."""

    item_id: str
    department: str
    name: str
    industries: tuple[str, ...]  # canonical: sorted codes, or ("*",)
    ratios: tuple[Decimal, Decimal, Decimal, Decimal]  # share of eligible A, B, C, D

    def canonical_line(self) -> str:
        fields = [
            self.item_id,
            self.department,
            self.name,
            LIST_SEPARATOR.join(self.industries),
            *(canonical_decimal(r) for r in self.ratios),
        ]
        return ",".join(csv_field(f) for f in fields) + "\n"


def canonical_decimal(value: Decimal) -> str:
    """Shortest plain decimal text of a ratio.

    Examples:
        >>> canonical_decimal(Decimal("0.050")), canonical_decimal(Decimal("1.0"))
        ('0.05', '1')
    """
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def parse_ratio(text: str) -> Decimal | None:
    """A sampling ratio in [0, 1], as ``0.05`` or ``5%``; ``None`` if not one.

    Examples:
        >>> parse_ratio("5%"), parse_ratio("0.125"), parse_ratio("1.2"), parse_ratio("abc")
        (Decimal('0.05'), Decimal('0.125'), None, None)
    """
    text = text.strip()
    percent = text.endswith("%")
    try:
        value = Decimal(text[:-1].strip() if percent else text)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    if percent:
        value = value / 100
    if value < 0 or value > 1:
        return None
    return value


def canonical_industries(text: str) -> tuple[str, ...] | str:
    """Canonical industries of an item, or the first bad code as a string.

    Examples:
        >>> canonical_industries("F51; C13;C13")
        ('C13', 'F51')
        >>> canonical_industries("C13;*")
        ('*',)
        >>> canonical_industries("C1")
        'C1'
    """
    codes = [c.strip().upper() for c in text.split(LIST_SEPARATOR)]
    codes = [c for c in codes if c]
    if not codes:
        return ""
    for c in codes:
        if c != ALL_INDUSTRIES and not is_valid_industry_code(c):
            return c
    if ALL_INDUSTRIES in codes:
        return (ALL_INDUSTRIES,)
    return tuple(sorted(set(codes)))


def build_items(rows: Sequence[Sequence[str]], locate: Locate) -> tuple[InspectionItem, ...]:
    """Validate item rows (fields in ``ITEM_COLUMNS`` order); sorted by ``item_id``."""
    items: list[tuple[InspectionItem, int]] = []
    for i, raw in enumerate(rows):
        item_id, department, name, industries = (v.strip() for v in raw[:4])
        if not _valid_identifier(item_id):
            raise InvalidInput(
                f"{_cell(locate, i, 'item_id', item_id)}，事项编号不能为空，也不能含逗号、分号或控制字符。{NOT_DRAWN}"
            )
        if not department:
            raise InvalidInput(f"{locate(i)}“部门（department）”为空。{NOT_DRAWN}")
        if not name:
            raise InvalidInput(f"{locate(i)}“名称（name）”为空。{NOT_DRAWN}")
        codes = canonical_industries(industries)
        if isinstance(codes, str):
            what = "为空" if not codes else f"中的“{codes}”不是有效的行业代码"
            raise InvalidInput(
                f"{locate(i)}“适用行业（industries）”{what}：请填写国民经济行业分类（GB/T 4754）代码，"
                f"多个用“;”分隔，如 C13;F51，或填写 * 表示全部行业"
                f"（门类字母与大类须对应，如 C 为 {SECTION_DIVISIONS['C'][0]}–{SECTION_DIVISIONS['C'][1]}）。"
                f"{NOT_DRAWN}"
            )
        ratios = []
        for column, text in zip(ITEM_COLUMNS[4:], raw[4:8], strict=True):
            value = parse_ratio(text)
            if value is None:
                raise InvalidInput(
                    f"{_cell(locate, i, column, text.strip())}，抽查比例应为 0 到 1 之间的小数或百分数，"
                    f"如 0.05 或 5%。{NOT_DRAWN}"
                )
            ratios.append(value)
        items.append(
            (InspectionItem(item_id, department, name, codes, tuple(ratios)), i)  # type: ignore[arg-type]
        )
    items.sort(key=lambda pair: pair[0].item_id)
    for (a, ia), (b, ib) in zip(items, items[1:], strict=False):
        if a.item_id == b.item_id:
            first, second = sorted((ia, ib))
            raise InvalidInput(
                f"{locate(second)}的事项编号“{b.item_id}”与{locate(first)}重复。{NOT_DRAWN}"
            )
    return tuple(item for item, _ in items)


def items_sha256(items: Sequence[InspectionItem]) -> str:
    return _sha256_lines(ITEM_COLUMNS, (item.canonical_line() for item in items))


# --- inspector pool (执法检查人员名录库) ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Inspector:
    """执法检查人员: department, whether active, and the entities they must never inspect."""

    inspector_id: str
    name: str
    department: str
    active: bool
    conflicts: tuple[str, ...]  # canonical: sorted, unique USCCs

    def canonical_line(self) -> str:
        fields = [
            self.inspector_id,
            self.name,
            self.department,
            "1" if self.active else "0",
            LIST_SEPARATOR.join(self.conflicts),
        ]
        return ",".join(csv_field(f) for f in fields) + "\n"


def parse_active(text: str) -> bool | None:
    """``active`` column: 1/0, true/false, yes/no, 是/否, 在岗/不在岗.

    Examples:
        >>> parse_active("是"), parse_active("0"), parse_active("TRUE"), parse_active("x")
        (True, False, True, None)
    """
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def build_inspectors(rows: Sequence[Sequence[str]], locate: Locate) -> tuple[Inspector, ...]:
    """Validate inspector rows (fields in ``INSPECTOR_COLUMNS`` order); sorted by id."""
    inspectors: list[tuple[Inspector, int]] = []
    for i, raw in enumerate(rows):
        inspector_id, name, department, active_text, conflicts_text = (v.strip() for v in raw[:5])
        if not _valid_identifier(inspector_id):
            raise InvalidInput(
                f"{_cell(locate, i, 'inspector_id', inspector_id)}，人员编号不能为空，也不能含逗号、分号或控制字符。{NOT_DRAWN}"
            )
        if not name:
            raise InvalidInput(f"{locate(i)}“名称（name）”为空。{NOT_DRAWN}")
        if not department:
            raise InvalidInput(f"{locate(i)}“部门（department）”为空。{NOT_DRAWN}")
        active = parse_active(active_text)
        if active is None:
            raise InvalidInput(
                f"{_cell(locate, i, 'active', active_text)}，应填写 1 或 0（也可填 是/否、true/false）。{NOT_DRAWN}"
            )
        conflicts = [c.strip().upper() for c in conflicts_text.split(LIST_SEPARATOR)]
        conflicts = [c for c in conflicts if c]
        for code in conflicts:
            if not is_valid_uscc(code):
                raise InvalidInput(
                    f"{locate(i)}“回避企业（conflicts）”中的“{code}”不是有效的统一社会信用代码"
                    f"（18 位，末位为校验码）；多个代码用“;”分隔。{NOT_DRAWN}"
                )
        inspectors.append(
            (Inspector(inspector_id, name, department, active, tuple(sorted(set(conflicts)))), i)
        )
    inspectors.sort(key=lambda pair: pair[0].inspector_id)
    for (a, ia), (b, ib) in zip(inspectors, inspectors[1:], strict=False):
        if a.inspector_id == b.inspector_id:
            first, second = sorted((ia, ib))
            raise InvalidInput(
                f"{locate(second)}的人员编号“{b.inspector_id}”与{locate(first)}重复。{NOT_DRAWN}"
            )
    return tuple(p for p, _ in inspectors)


def inspectors_sha256(inspectors: Sequence[Inspector]) -> str:
    return _sha256_lines(INSPECTOR_COLUMNS, (p.canonical_line() for p in inspectors))


# --- CSV files ----------------------------------------------------------------------


def _read_csv(path: Path, columns: Sequence[str], table: str) -> tuple[list[list[str]], Locate]:
    """Columns ``columns`` of a UTF-8 CSV with a header row, and where each row came from."""
    path = Path(path)
    label = f"{table}“{path.name}”"
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise InvalidInput(f"找不到{table}文件“{path}”。请检查路径后重试。") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{label}不是 UTF-8 编码（第 {exc.start + 1} 个字节附近无法识别）。"
            f"请另存为 UTF-8 编码的 CSV（Excel：“CSV UTF-8（逗号分隔）”）后重试。"
        ) from None
    except OSError as exc:
        raise InvalidInput(f"无法读取{table}文件“{path}”（{exc.strerror}）。") from None
    reader = csv.reader(io.StringIO(text))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise InvalidInput(
            f"{label}第 {reader.line_num} 行不是有效的 CSV（{exc}）。{NOT_DRAWN}"
        ) from None
    physical = text.count("\n") + (0 if not text or text.endswith("\n") else 1)
    if len(records) == physical:
        first_lines = None  # one record per physical line: record k is on line k + 1
    else:  # quoted line breaks or lone CR: track the line where each record starts
        first_lines = []
        reader = csv.reader(io.StringIO(text))
        previous_end = 0
        for _ in reader:
            first_lines.append(previous_end + 1)
            previous_end = reader.line_num

    def line_of(k: int) -> int:
        return k + 1 if first_lines is None else first_lines[k]

    if not records:
        raise InvalidInput(f"{label}是空文件：第 1 行应为表头 {','.join(columns)}。{NOT_DRAWN}")
    header = [h.strip() for h in records[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        names = "、".join(f"{c}（{COLUMN_LABELS[c]}）" for c in missing)
        raise InvalidInput(
            f"{label}第 1 行表头缺少列：{names}。表头应包含 {','.join(columns)}"
            f"（UTF-8 编码，列表用“;”分隔）。{NOT_DRAWN}"
        )
    doubled = next((c for c in columns if header.count(c) > 1), None)
    if doubled:
        raise InvalidInput(f"{label}第 1 行表头中“{doubled}”出现了不止一次。{NOT_DRAWN}")
    width = len(header)
    kept = list(range(1, len(records)))
    if not all(len(r) == width for r in records[1:]):
        kept = []
        for k in range(1, len(records)):
            row = records[k]
            if len(row) == width:
                kept.append(k)
            elif not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            else:
                raise InvalidInput(
                    f"{label}第 {line_of(k)} 行有 {len(row)} 列，表头有 {width} 列。"
                    f"含逗号的内容请用英文双引号括起来。{NOT_DRAWN}"
                )
    body = records[1:] if len(kept) == len(records) - 1 else [records[k] for k in kept]
    positions = [header.index(c) for c in columns]
    if body:
        transposed = list(zip(*body, strict=True))
        selected = [list(transposed[p]) for p in positions]
    else:
        selected = [[] for _ in columns]

    def locate(i: int) -> str:
        return f"{label}第 {line_of(kept[i])} 行"

    return selected, locate


def _rows(columns: list[list[str]]) -> list[list[str]]:
    return [list(row) for row in zip(*columns, strict=True)]


def read_entities_csv(path: Path | str) -> EntityPool:
    """Read and validate an entity pool CSV (``uscc,name,industry_code,region_code,credit_tier``)."""
    with gc_paused():
        columns, locate = _read_csv(Path(path), ENTITY_COLUMNS, "检查对象名录")
        return _build_entity_pool(*columns, locate=locate)


def read_items_csv(path: Path | str) -> tuple[InspectionItem, ...]:
    """Read and validate an item list CSV (``item_id,department,name,industries,ratio_A..D``)."""
    columns, locate = _read_csv(Path(path), ITEM_COLUMNS, "检查事项清单")
    rows = _rows(columns)
    if not rows:
        raise InvalidInput(f"检查事项清单“{Path(path).name}”没有任何事项。{NOT_DRAWN}")
    return build_items(rows, locate)


def read_inspectors_csv(path: Path | str) -> tuple[Inspector, ...]:
    """Read and validate an inspector pool CSV (``inspector_id,name,department,active,conflicts``)."""
    columns, locate = _read_csv(Path(path), INSPECTOR_COLUMNS, "执法检查人员名录")
    return build_inspectors(_rows(columns), locate)


def items_from_records(records: Iterable[Sequence[str]]) -> tuple[InspectionItem, ...]:
    """Items from rows of strings in ``ITEM_COLUMNS`` order (the campaign screens' path)."""
    rows = [list(r) for r in records]
    return build_items(rows, lambda i: f"检查事项清单第 {i + 1} 条")


def inspectors_from_records(records: Iterable[Sequence[str]]) -> tuple[Inspector, ...]:
    """Inspectors from rows of strings in ``INSPECTOR_COLUMNS`` order."""
    rows = [list(r) for r in records]
    return build_inspectors(rows, lambda i: f"执法检查人员名录第 {i + 1} 条")
