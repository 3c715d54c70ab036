"""DRAW.json: the published record of a draw, and ``verify``, which recomputes it.

The document is plain JSON (UTF-8, keys in a fixed order, one visit per line) so that it
can be published, diffed and read by other tools. :func:`verify_draw` recomputes the draw
from the published inputs and the document's seed and reports the first difference in
Chinese, naming the visit and the field.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qinqing.core.errors import InvalidInput, QinqingError
from qinqing.inspections.drawing.constraints import (
    DrawConstraints,
    canonical_json,
    constraints_from_json,
)
from qinqing.inspections.drawing.engine import (
    ALGORITHM,
    EXCLUSION_REASONS,
    DrawInputs,
    DrawResult,
    Visit,
    draw_commitment,
    run_draw,
    seed_sha256,
)
from qinqing.inspections.drawing.inputs import (
    ENTITY_COLUMNS,
    INSPECTOR_COLUMNS,
    ITEM_COLUMNS,
    TIERS,
    canonical_decimal,
    gc_paused,
    read_entities_csv,
    read_inspectors_csv,
    read_items_csv,
)

FORMAT = "qinqing-draw"

TABLE_LABELS = {
    "entities": "检查对象名录",
    "items": "检查事项清单",
    "inspectors": "执法检查人员名录",
    "constraints": "抽取约束（宁静期、检查次数上限、回避等）",
}

# Fixed parameters of qinqing-draw-v1, recorded so that a reader need not know the code.
PARAMETERS = {
    "canonical_order": "uscc / item_id / inspector_id, Unicode code point order",
    "industry_match": "prefix (GB/T 4754; '*' = all industries)",
    "rounding": "round half up: count = floor(ratio x eligible + 1/2)",
    "entity_rank": "SHAKE-256('qinqing-draw-v1;entity-rank;<seed_sha256>;<item_id>'), 8 bytes big-endian per pool position; smallest first, ties by uscc",
    "inspector_rank": "least visits first, then SHA-256('qinqing-draw-v1;inspector-rank;<seed_sha256>;<visits>;<inspector_id>')[:8] big-endian",
    "commitment": "SHA-256('<seed>\\n<snapshot_sha256>')",
}


def draw_document(result: DrawResult) -> dict[str, Any]:
    """The DRAW.json object of a result (only JSON types; key order is the file's order)."""
    with gc_paused():
        document = _draw_document(result)
        document["visits"] = [_visit_object(v) for v in result.visits]
        return document


def summary_of(result: DrawResult) -> dict[str, int]:
    """Counts shown in DRAW.json and by the CLI."""
    return {
        "visits": len(result.visits),
        "joint_visits": sum(len(v.departments) > 1 for v in result.visits),
        "item_draws": sum(len(v.items) for v in result.visits),
        "inspectors_assigned": len({p for v in result.visits for p in v.inspectors}),
        "exclusions": len(result.exclusions),
    }


def render_draw(result: DrawResult) -> str:
    """DRAW.json text of a result; equal to ``dumps_draw(draw_document(result))``, faster."""
    with gc_paused():
        document = _draw_document(result)
        return _dumps_draw(document, visit_lines=_result_visit_lines(result.visits))


def _visit_object(v: Visit) -> dict[str, Any]:
    return {
        "uscc": v.uscc,
        "items": list(v.items),
        "departments": list(v.departments),
        "inspectors": list(v.inspectors),
        "visit_on": None if v.visit_on is None else v.visit_on.isoformat(),
    }


def _draw_document(result: DrawResult) -> dict[str, Any]:
    inputs = result.inputs
    hashes = inputs.table_sha256
    rows = {
        "entities": len(inputs.entities),
        "items": len(inputs.items),
        "inspectors": len(inputs.inspectors),
    }
    return {
        "format": FORMAT,
        "algorithm": ALGORITHM,
        "seed": result.seed,
        "seed_sha256": seed_sha256(result.seed),
        "commitment": result.commitment,
        "inputs": {
            **{
                table: ({"rows": rows[table]} if table in rows else {}) | {"sha256": digest}
                for table, digest in hashes.items()
            },
            "snapshot_sha256": inputs.snapshot_sha256,
        },
        "parameters": dict(PARAMETERS),
        "constraints": inputs.constraints.canonical(),
        "summary": summary_of(result),
        "items": [
            {
                "item_id": o.item_id,
                "department": o.department,
                "name": o.name,
                "ratio": {t: canonical_decimal(r) for t, r in zip(TIERS, o.ratios, strict=True)},
                "eligible": dict(zip(TIERS, o.eligible, strict=True)),
                "drawn": dict(zip(TIERS, o.drawn, strict=True)),
                "total_drawn": sum(o.drawn),
            }
            for o in result.items
        ],
        "visits": [],  # filled by draw_document / render_draw
        "exclusions": [
            {"uscc": e.uscc, "reason": e.reason, "reason_label": EXCLUSION_REASONS[e.reason]}
            for e in result.exclusions
        ],
        "warnings": list(result.warnings),
    }


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


_VISIT_KEYS = ("uscc", "items", "departments", "inspectors", "visit_on")


def _visit_lines(visits: list[Any]) -> list[str]:
    """``_compact`` of each visit, with the JSON of the few distinct strings cached."""
    cache: dict[str, str] = {}

    def enc(text: str) -> str:
        encoded = cache.get(text)
        if encoded is None:
            encoded = cache[text] = json.dumps(text, ensure_ascii=False)
        return encoded

    def enc_list(values: list[str]) -> str:
        return "[" + ", ".join([enc(v) for v in values]) + "]"

    lines = []
    for visit in visits:
        if not (isinstance(visit, dict) and tuple(visit) == _VISIT_KEYS):
            lines.append(_compact(visit))
            continue
        uscc, day = visit["uscc"], visit["visit_on"]
        lines.append(
            '{"uscc": '
            + (f'"{uscc}"' if uscc.isascii() and uscc.isalnum() else enc(uscc))
            + ', "items": '
            + enc_list(visit["items"])
            + ', "departments": '
            + enc_list(visit["departments"])
            + ', "inspectors": '
            + enc_list(visit["inspectors"])
            + ', "visit_on": '
            + ("null" if day is None else enc(day))
            + "}"
        )
    return lines


def _result_visit_lines(visits: tuple[Visit, ...]) -> list[str]:
    """``_compact`` of each visit's object, built straight from the result's tuples."""
    strings: dict[str, str] = {}
    lists: dict[tuple[str, ...], str] = {}

    def enc(text: str) -> str:
        encoded = strings.get(text)
        if encoded is None:
            encoded = strings[text] = json.dumps(text, ensure_ascii=False)
        return encoded

    def enc_list(values: tuple[str, ...]) -> str:
        encoded = lists.get(values)
        if encoded is None:
            encoded = "[" + ", ".join([enc(v) for v in values]) + "]"
            if len(lists) < 100_000:
                lists[values] = encoded
        return encoded

    lines = []
    for uscc, items, departments, inspectors, day in visits:
        lines.append(
            '{"uscc": '
            + (f'"{uscc}"' if uscc.isascii() and uscc.isalnum() else enc(uscc))
            + ', "items": '
            + enc_list(items)
            + ', "departments": '
            + enc_list(departments)
            + ', "inspectors": ['
            + ", ".join([enc(p) for p in inspectors])
            + '], "visit_on": '
            + ("null" if day is None else f'"{day.isoformat()}"')
            + "}"
        )
    return lines


def dumps_draw(document: dict[str, Any]) -> str:
    """Deterministic text of DRAW.json: one list element per line for the long lists."""
    with gc_paused():
        return _dumps_draw(document)


def _dumps_draw(document: dict[str, Any], visit_lines: list[str] | None = None) -> str:
    lines = ["{"]
    keys = list(document)
    for n, key in enumerate(keys):
        value = document[key]
        comma = "," if n < len(keys) - 1 else ""
        if key == "visits" and visit_lines is not None:
            value = visit_lines
        if isinstance(value, list) and value:
            lines.append(f"  {json.dumps(key)}: [")
            if key != "visits":
                elements = [_compact(v) for v in value]
            else:
                elements = value if visit_lines is not None else _visit_lines(value)
            last = len(elements) - 1
            lines.extend(
                f"    {element}," if i < last else f"    {element}"
                for i, element in enumerate(elements)
            )
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {_compact(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_draw_json(path: Path | str, document: dict[str, Any]) -> None:
    """Write DRAW.json atomically: a reader never sees a half-written file."""
    write_draw_text(path, dumps_draw(document))


def write_draw_text(path: Path | str, text: str) -> None:
    """Write DRAW.json text atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_draw_json(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    try:
        with gc_paused():
            data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"找不到抽取结果文件“{path}”。") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"抽取结果文件“{path.name}”不是有效的 UTF-8 JSON（{exc}）。") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInput(f"“{path.name}”不是本系统生成的抽取结果文件（缺少 format: {FORMAT}）。")
    return data


def constraints_of(document: dict[str, Any]) -> Any:
    """The constraints a DRAW.json was drawn with (checked against its hash by verify)."""
    return constraints_from_json(document.get("constraints") or {}, "DRAW.json 中的 constraints")


# --- verification --------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    ok: bool
    message: str  # Chinese: what matched, or the first difference


def _show(value: Any) -> str:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "、".join(value) if value else "（空）"
    if value is None:
        return "（无）"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "…"


def _first_difference(recorded: Any, expected: Any, path: str) -> str | None:
    """Path of the first place where two JSON values differ, or ``None``."""
    if isinstance(recorded, dict) and isinstance(expected, dict):
        for key in list(expected) + [k for k in recorded if k not in expected]:
            if key not in recorded or key not in expected:
                return f"{path}.{key}"
            found = _first_difference(recorded[key], expected[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(recorded, list) and isinstance(expected, list):
        for i, (a, b) in enumerate(zip(recorded, expected, strict=False)):
            found = _first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        return None if len(recorded) == len(expected) else f"{path}（长度）"
    return None if recorded == expected and type(recorded) is type(expected) else path


VISIT_FIELDS = {
    "uscc": "检查对象",
    "items": "检查事项",
    "departments": "检查部门",
    "inspectors": "检查人员",
    "visit_on": "检查日期",
}


def _visit_difference(recorded: Any, expected: list[dict[str, Any]]) -> str | None:
    if not isinstance(recorded, list):
        return "DRAW.json 中的 visits 不是列表。"
    if recorded == expected:
        return None
    for i, want in enumerate(expected):
        number = i + 1
        if i >= len(recorded):
            return (
                f"DRAW.json 只有 {len(recorded)} 个检查对象，重新计算应有 {len(expected)} 个；"
                f"第 {number} 个检查对象 {want['uscc']} 缺失。"
            )
        got = recorded[i]
        if not isinstance(got, dict):
            return f"第 {number} 个检查对象的记录格式不对。"
        if got.get("uscc") != want["uscc"]:
            return (
                f"第 {number} 个检查对象不一致：DRAW.json 为 {_show(got.get('uscc'))}，"
                f"重新计算应为 {want['uscc']}（可能有检查对象被删除、增加或替换）。"
            )
        for key, label in VISIT_FIELDS.items():
            if got.get(key) != want[key]:
                return (
                    f"第 {number} 个检查对象 {want['uscc']} {label}不一致：DRAW.json 为 "
                    f"{_show(got.get(key))}，重新计算应为 {_show(want[key])}。"
                )
        extra = sorted(set(got) - set(want))
        if extra:
            return f"第 {number} 个检查对象 {want['uscc']} 多出字段：{'、'.join(extra)}。"
    if len(recorded) > len(expected):
        extra = recorded[len(expected)]
        uscc = extra.get("uscc") if isinstance(extra, dict) else extra
        return (
            f"DRAW.json 有 {len(recorded)} 个检查对象，重新计算只有 {len(expected)} 个；"
            f"第 {len(expected) + 1} 个（{_show(uscc)}）是多出来的。"
        )
    return None


def verify_draw(
    document: dict[str, Any],
    inputs: DrawInputs,
    *,
    published_commitment: str | None = None,
) -> Verification:
    """Recompute the draw of ``document`` from ``inputs`` and its seed; first difference or OK.

    Checks, in order: the algorithm; each input table's hash against the recorded one;
    the commitment against the seed and inputs (and against ``published_commitment``,
    the value published before the draw, when given); then every field of the recomputed
    document, visit by visit.
    """
    if document.get("algorithm") != ALGORITHM:
        return Verification(
            False,
            f"DRAW.json 的算法为“{_show(document.get('algorithm'))}”，本程序只能核验 {ALGORITHM}。",
        )
    seed = document.get("seed")
    if not isinstance(seed, str):
        return Verification(False, "DRAW.json 中没有抽取种子（seed）。")
    raw_inputs = document.get("inputs")
    recorded_inputs: dict[str, Any] = raw_inputs if isinstance(raw_inputs, dict) else {}
    for table, digest in inputs.table_sha256.items():
        entry = recorded_inputs.get(table)
        recorded = entry.get("sha256") if isinstance(entry, dict) else None
        if recorded != digest:
            return Verification(
                False,
                f"{TABLE_LABELS[table]}与抽取时的不一致：DRAW.json 记录的 SHA-256 为 "
                f"{_show(recorded)}，提供的为 {digest}。请确认使用的是抽取时公布的文件。",
            )
    try:
        commitment = draw_commitment(seed, inputs)
    except QinqingError as exc:
        return Verification(False, f"DRAW.json 中的种子无效：{exc.message}")
    if published_commitment is not None and published_commitment.strip().lower() != commitment:
        return Verification(
            False,
            f"承诺值不一致：事先公布的承诺值为 {published_commitment.strip()}，按 DRAW.json 中的种子"
            f"和提供的输入计算为 {commitment}。种子或输入在公布承诺值之后被改动过。",
        )
    if document.get("commitment") != commitment:
        return Verification(
            False,
            f"承诺值不一致：DRAW.json 记录的承诺值为 {_show(document.get('commitment'))}，按其中的种子"
            f"和提供的输入计算应为 {commitment}。种子或输入在承诺之后被改动过。",
        )
    try:
        result = run_draw(inputs, seed)
    except QinqingError as exc:
        return Verification(False, f"按公布的输入和种子无法重新完成抽取：{exc.message}")
    expected = draw_document(result)  # JSON types only: comparable with the loaded file

    for key in expected:
        if key == "visits":
            message = _visit_difference(document.get("visits"), expected["visits"])
            if message:
                return Verification(False, message)
            continue
        if key == "items" and isinstance(document.get("items"), list):
            for got, want in zip(document["items"], expected["items"], strict=False):
                if got != want:
                    where = _first_difference(got, want, "") or ""
                    return Verification(
                        False,
                        f"检查事项 {want['item_id']} 的抽取统计不一致（{where.lstrip('.')}）："
                        f"DRAW.json 为 {_show(got)}，重新计算应为 {_show(want)}。",
                    )
        path = _first_difference(document.get(key), expected[key], key)
        if path or key not in document:
            return Verification(
                False,
                f"DRAW.json 中“{path or key}”与重新计算的结果不一致：DRAW.json 为 "
                f"{_show(_lookup(document, path or key))}，重新计算应为 {_show(_lookup(expected, path or key))}。",
            )
    extra = [k for k in document if k not in expected]
    if extra:
        return Verification(
            False, f"DRAW.json 多出了重新计算结果中没有的字段：{'、'.join(extra)}。"
        )
    return Verification(
        True,
        f"核验通过：按公布的输入和种子重新计算，{len(result.visits)} 个检查对象及其检查事项、"
        f"检查人员与 DRAW.json 完全一致；承诺值 {commitment} 与种子和输入相符。",
    )


def _lookup(document: Any, path: str) -> Any:
    """The value at a path produced by :func:`_first_difference` (best effort)."""
    value = document
    for part in path.replace("[", ".[").split("."):
        if not part or part.endswith("（长度）"):
            part = part.removesuffix("（长度）")
            if not part:
                continue
        if part.startswith("["):
            index = int(part[1:-1])
            value = value[index] if isinstance(value, list) and index < len(value) else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value


# --- files ---------------------------------------------------------------------------


def load_inputs(
    entities: Path | str,
    items: Path | str,
    inspectors: Path | str,
    constraints: Path | str | dict[str, Any] | None = None,
) -> DrawInputs:
    """Read the three CSV files (and a constraints JSON file or object) into inputs."""

    if constraints is None:
        parsed = DrawConstraints()
    elif isinstance(constraints, dict):
        parsed = constraints_from_json(constraints)
    else:
        path = Path(constraints)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidInput(f"找不到约束文件“{path}”。") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"约束文件“{path.name}”不是有效的 UTF-8 JSON（{exc}）。") from None
        parsed = constraints_from_json(data, f"约束文件“{path.name}”")
    return DrawInputs(
        entities=read_entities_csv(entities),
        items=read_items_csv(items),
        inspectors=read_inspectors_csv(inspectors),
        constraints=parsed,
    )


def write_canonical_files(inputs: DrawInputs, directory: Path | str) -> dict[str, Path]:
    """Write the canonical form of every table; ``sha256sum`` of each equals its snapshot hash."""

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "entities": directory / "entities.csv",
        "items": directory / "items.csv",
        "inspectors": directory / "inspectors.csv",
        "constraints": directory / "constraints.json",
    }
    tables = {
        "entities": (ENTITY_COLUMNS, inputs.entities.canonical_chunks()),
        "items": (ITEM_COLUMNS, (i.canonical_line() for i in inputs.items)),
        "inspectors": (INSPECTOR_COLUMNS, (p.canonical_line() for p in inputs.inspectors)),
    }
    for table, (header, lines) in tables.items():
        with paths[table].open("w", encoding="utf-8", newline="") as handle:
            handle.write(",".join(header) + "\n")
            handle.writelines(lines)
    paths["constraints"].write_bytes(canonical_json(inputs.constraints.canonical()).encode("utf-8"))
    return paths
