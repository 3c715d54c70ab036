"""The published draw: CLI contract, commit-reveal, verify, tampering, determinism."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from qinqing.cli.main import main
from qinqing.inspections.drawing import (
    DrawInputs,
    draw_document,
    dumps_draw,
    load_inputs,
    render_draw,
    run_draw,
    verify_draw,
)
from tests.inspections.fixtures.draw_world import (
    ENTITIES_CSV,
    ENTITY_HEADER,
    INSPECTORS_CSV,
    ITEM_HEADER,
    ITEMS_CSV,
    make_uscc,
    read_rows,
    write_csv,
    write_world,
)

REPO = Path(__file__).resolve().parents[2]
SEED = "7c1f0e9a-publicly-revealed-after-the-draw"
INPUTS = [
    "--entities",
    str(ENTITIES_CSV),
    "--items",
    str(ITEMS_CSV),
    "--inspectors",
    str(INSPECTORS_CSV),
]


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["inspections", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def published(tmp_path, capsys) -> Path:
    out = tmp_path / "DRAW.json"
    code, stdout, _ = cli(capsys, "draw", *INPUTS, "--seed", SEED, "--out", str(out))
    assert code == 0 and out.exists() and "已抽取" in stdout
    return out


def verify_file(capsys, path: Path, *extra: str) -> tuple[int, str]:
    code, out, err = cli(capsys, "verify", str(path), *INPUTS, *extra)
    return code, out + err


def edit(path: Path, change) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


# --- the contract ---------------------------------------------------------------------


def test_draw_json_meets_the_contract(published):
    document = json.loads(published.read_text(encoding="utf-8"))
    assert document["seed"] == SEED
    assert len(document["commitment"]) == 64
    inspectors = {r[0]: r for r in read_rows(INSPECTORS_CSV)}
    departments = {r[0]: r[1] for r in read_rows(ITEMS_CSV)}
    usccs = [v["uscc"] for v in document["visits"]]
    assert usccs == sorted(set(usccs)) and usccs  # one visit per entity, canonical order
    for visit in document["visits"]:
        assert len(visit["inspectors"]) >= 2
        for pid in visit["inspectors"]:
            _, _, department, active, conflicts = inspectors[pid]
            assert active in ("1", "是")
            assert department in {departments[i] for i in visit["items"]}
            assert visit["uscc"] not in conflicts.split(";")
    assert any(len({departments[i] for i in v["items"]}) > 1 for v in document["visits"])
    totals = {i["item_id"]: i["total_drawn"] for i in document["items"]}
    assert sum(totals.values()) == sum(len(v["items"]) for v in document["visits"])


def test_verify_reproduces_the_published_draw(published, capsys):
    code, output = verify_file(capsys, published)
    assert code == 0, output
    assert "核验通过" in output


def test_verify_accepts_the_same_data_saved_differently(published, tmp_path, capsys):
    rows = read_rows(ENTITIES_CSV)[::-1]
    reordered = write_csv(tmp_path / "E_reordered.csv", ENTITY_HEADER, rows, lineterminator="\r\n")
    code, out, err = cli(
        capsys,
        "verify",
        str(published),
        "--entities",
        str(reordered),
        "--items",
        str(ITEMS_CSV),
        "--inspectors",
        str(INSPECTORS_CSV),
    )
    assert code == 0, err


def test_commit_prints_the_commitment_that_the_draw_records(published, tmp_path, capsys):
    canonical = tmp_path / "canonical"
    code, out, _ = cli(capsys, "commit", *INPUTS, "--seed", SEED, "--canonical-dir", str(canonical))
    assert code == 0
    document = json.loads(published.read_text(encoding="utf-8"))
    assert f"承诺值：{document['commitment']}" in out

    # Anyone can recompute it from the canonical files with sha256 alone (docs/draw-verification.md).
    table_hashes = {
        name: hashlib.sha256((canonical / file).read_bytes()).hexdigest()
        for name, file in [
            ("entities", "entities.csv"),
            ("items", "items.csv"),
            ("inspectors", "inspectors.csv"),
            ("constraints", "constraints.json"),
        ]
    }
    for name, digest in table_hashes.items():
        assert document["inputs"][name]["sha256"] == digest
    snapshot_text = "qinqing-draw-v1\n" + "".join(f"{k} {v}\n" for k, v in table_hashes.items())
    snapshot = hashlib.sha256(snapshot_text.encode()).hexdigest()
    assert document["inputs"]["snapshot_sha256"] == snapshot
    assert document["commitment"] == hashlib.sha256(f"{SEED}\n{snapshot}".encode()).hexdigest()


def test_an_independent_implementation_of_the_spec_draws_the_same_entities(published):
    """Re-implements docs/dev/verifiable-draw.md §4–§6 with csv + hashlib only."""
    entities = sorted(read_rows(ENTITIES_CSV))
    seed_hex = hashlib.sha256(SEED.encode()).hexdigest()
    expected: set[tuple[str, str]] = set()
    for item_id, _, _, industries, *ratios in read_rows(ITEMS_CSV):
        codes = [c.strip() for c in industries.split(";")]
        stream = hashlib.shake_256(
            f"qinqing-draw-v1;entity-rank;{seed_hex};{item_id}".encode()
        ).digest(8 * len(entities))
        for tier, ratio in zip("ABCD", ratios, strict=True):
            ratio = Fraction(ratio[:-1]) / 100 if ratio.endswith("%") else Fraction(ratio)
            stratum = [
                (int.from_bytes(stream[8 * i : 8 * i + 8], "big"), uscc)
                for i, (uscc, _, industry, _, t) in enumerate(entities)
                if t == tier and any(c == "*" or industry.startswith(c) for c in codes)
            ]
            count = int(ratio * len(stratum) + Fraction(1, 2))
            expected |= {(item_id, uscc) for _, uscc in sorted(stratum)[:count]}
    document = json.loads(published.read_text(encoding="utf-8"))
    drawn = {(i, v["uscc"]) for v in document["visits"] for i in v["items"]}
    assert drawn == expected


# --- tampering --------------------------------------------------------------------------


def test_changed_inspector_is_named_with_the_visit(published, capsys):
    document = json.loads(published.read_text(encoding="utf-8"))
    number, visit = next((n, v) for n, v in enumerate(document["visits"], 1) if n >= 3)
    department_staff = [
        r[0] for r in read_rows(INSPECTORS_CSV) if r[0] not in visit["inspectors"] and r[3] == "1"
    ]
    edit(
        published,
        lambda d: d["visits"][number - 1]["inspectors"].__setitem__(0, department_staff[0]),
    )
    code, output = verify_file(capsys, published)
    assert code == 1
    assert f"第 {number} 个检查对象 {visit['uscc']} 检查人员不一致" in output


def test_dropped_visit_is_detected(published, capsys):
    document = json.loads(published.read_text(encoding="utf-8"))
    dropped = document["visits"][4]["uscc"]
    edit(published, lambda d: d["visits"].pop(4))
    code, output = verify_file(capsys, published)
    assert code == 1 and "第 5 个检查对象" in output and dropped in output


def test_changed_seed_breaks_the_commitment(published, capsys):
    edit(published, lambda d: d.__setitem__("seed", SEED + "x"))
    code, output = verify_file(capsys, published)
    assert code == 1 and "承诺值不一致" in output


def test_a_redrawn_document_fails_against_the_commitment_published_beforehand(
    published, tmp_path, capsys
):
    original = json.loads(published.read_text(encoding="utf-8"))["commitment"]
    redrawn = tmp_path / "REDRAWN.json"
    assert (
        cli(capsys, "draw", *INPUTS, "--seed", "another-seed-0123456789", "--out", str(redrawn))[0]
        == 0
    )
    assert verify_file(capsys, redrawn)[0] == 0  # consistent in itself …
    code, output = verify_file(capsys, redrawn, "--commitment", original)
    assert code == 1 and "事先公布的承诺值" in output  # … but not the draw that was promised


def test_changed_input_file_is_named(published, tmp_path, capsys):
    rows = read_rows(ENTITIES_CSV)
    rows[0][4] = "D" if rows[0][4] != "D" else "A"
    changed = write_csv(tmp_path / "E.csv", ENTITY_HEADER, rows)
    code, out, err = cli(
        capsys,
        "verify",
        str(published),
        "--entities",
        str(changed),
        "--items",
        str(ITEMS_CSV),
        "--inspectors",
        str(INSPECTORS_CSV),
    )
    assert code == 1 and "检查对象名录与抽取时的不一致" in err


def test_every_single_field_change_in_any_visit_is_detected(published):
    inputs = load_inputs(ENTITIES_CSV, ITEMS_CSV, INSPECTORS_CSV)
    document = json.loads(published.read_text(encoding="utf-8"))
    spare_inspector = "SW003"
    others = [r[0] for r in read_rows(ENTITIES_CSV)]
    assert verify_draw(document, inputs).ok
    for n, visit in enumerate(document["visits"]):
        mutations = {
            "uscc": next(u for u in others if u != visit["uscc"]),
            "items": visit["items"][1:] or ["SW-001" if visit["items"] != ["SW-001"] else "SJ-002"],
            "inspectors": [
                *visit["inspectors"][:-1],
                spare_inspector if spare_inspector not in visit["inspectors"] else "SJ001",
            ],
            "visit_on": "2025-06-30",
        }
        for field, value in mutations.items():
            tampered = json.loads(json.dumps(document))
            tampered["visits"][n][field] = value
            outcome = verify_draw(tampered, inputs)
            assert not outcome.ok, (n, field)
            assert f"第 {n + 1} 个检查对象" in outcome.message, outcome.message


def test_changed_item_statistics_and_extra_fields_are_detected(published):
    inputs = load_inputs(ENTITIES_CSV, ITEMS_CSV, INSPECTORS_CSV)
    document = json.loads(published.read_text(encoding="utf-8"))
    tampered = json.loads(json.dumps(document))
    tampered["items"][0]["drawn"]["B"] += 1
    assert "检查事项" in verify_draw(tampered, inputs).message
    tampered = json.loads(json.dumps(document))
    tampered["note"] = "added later"
    assert not verify_draw(tampered, inputs).ok


# --- constraints ------------------------------------------------------------------------


def constraints_file(tmp_path: Path, **overrides) -> Path:
    usccs = [r[0] for r in read_rows(ENTITIES_CSV)]
    data = {
        "window": {"start": "2025-06-01", "end": "2025-07-31"},  # workdays from the calendar
        "monthly_quiet_days": [[1, 20]],
        "quiet_periods": {
            usccs[0]: [["2025-06-21", "2025-06-30"]],
            usccs[1]: [["2025-06-01", "2025-07-31"]],
        },
        "previous_pairs": [["SJ001", usccs[2]]],
        "checks_done": {usccs[3]: 1, usccs[4]: 5},
        "annual_cap": {"A": 1, "B": 2, "C": 3, "D": 4},
    } | overrides
    path = tmp_path / "C.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_draw_with_constraints_verifies_from_the_published_document(tmp_path, capsys):
    out = tmp_path / "DRAW.json"
    code, _, err = cli(
        capsys,
        "draw",
        *INPUTS,
        "--seed",
        SEED,
        "--out",
        str(out),
        "--constraints",
        str(constraints_file(tmp_path)),
    )
    assert code == 0, err
    document = json.loads(out.read_text(encoding="utf-8"))
    workdays = document["constraints"]["window"]["workdays"]  # resolved from the calendar
    assert "2025-06-27" in workdays and "2025-06-28" not in workdays  # Friday, Saturday
    visits = {v["uscc"]: v for v in document["visits"]}
    assert all(int(v["visit_on"][8:]) > 20 for v in visits.values())  # 上、中旬宁静日
    usccs = [r[0] for r in read_rows(ENTITIES_CSV)]
    if usccs[0] in visits:
        assert not "2025-06-21" <= visits[usccs[0]]["visit_on"] <= "2025-06-30"
    assert "SJ001" not in visits.get(usccs[2], {}).get("inspectors", [])
    excluded = {e["uscc"]: e["reason"] for e in document["exclusions"]}
    assert excluded[usccs[1]] == "quiet_period"
    assert excluded[usccs[4]] == "annual_cap"
    assert usccs[1] not in visits and usccs[4] not in visits
    assert verify_file(capsys, out)[0] == 0  # constraints read back from DRAW.json

    def loosen(d):
        d["constraints"]["quiet_periods"].pop(usccs[0])

    edit(out, loosen)
    code, output = verify_file(capsys, out)
    assert code == 1 and "抽取约束" in output


# --- bad input: clear message, exit 2, nothing written ----------------------------------


def _fails_without_output(capsys, tmp_path, *argv) -> str:
    out = tmp_path / "DRAW.json"
    code, stdout, err = cli(capsys, "draw", *argv, "--seed", SEED, "--out", str(out))
    assert code == 2
    assert err.startswith("错误：")
    assert not out.exists()
    assert not list(tmp_path.glob(".DRAW.json.*"))
    return err


def test_item_without_eligible_entities_refuses_the_draw(tmp_path, capsys):
    items = read_rows(ITEMS_CSV) + [
        ["NY-001", "市农业农村局", "种子生产经营检查", "A01", "0.1", "0.1", "0.1", "0.1"]
    ]
    paths = write_world(tmp_path, read_rows(ENTITIES_CSV), items, read_rows(INSPECTORS_CSV))
    err = _fails_without_output(
        capsys,
        tmp_path,
        "--entities",
        str(paths[0]),
        "--items",
        str(paths[1]),
        "--inspectors",
        str(paths[2]),
    )
    assert "NY-001" in err and "A01" in err and "没有可抽取的检查对象" in err


def test_too_few_inspectors_refuses_the_whole_draw(tmp_path, capsys):
    inspectors = [r for r in read_rows(INSPECTORS_CSV) if r[2] != "市应急管理局" or r[0] == "YJ001"]
    paths = write_world(tmp_path, read_rows(ENTITIES_CSV), read_rows(ITEMS_CSV), inspectors)
    err = _fails_without_output(
        capsys,
        tmp_path,
        "--entities",
        str(paths[0]),
        "--items",
        str(paths[1]),
        "--inspectors",
        str(paths[2]),
    )
    assert "执法检查人员不足" in err and "市应急管理局" in err and "在岗 1 名" in err


def test_quiet_days_covering_the_whole_window_refuse_the_draw(tmp_path, capsys):
    window = {"start": "2025-06-02", "end": "2025-06-13"}
    err = _fails_without_output(
        capsys, tmp_path, *INPUTS, "--constraints", str(constraints_file(tmp_path, window=window))
    )
    assert "宁静日" in err and "2025-06-02" in err


def test_bad_csv_refuses_the_draw(tmp_path, capsys):
    rows = read_rows(ENTITIES_CSV)
    rows[7][4] = "AA"
    path = write_csv(tmp_path / "E.csv", ENTITY_HEADER, rows)
    err = _fails_without_output(
        capsys,
        tmp_path,
        "--entities",
        str(path),
        "--items",
        str(ITEMS_CSV),
        "--inspectors",
        str(INSPECTORS_CSV),
    )
    assert "第 9 行" in err and "credit_tier" in err


def test_an_existing_draw_file_is_left_untouched_by_a_failed_draw(published, tmp_path, capsys):
    before = published.read_bytes()
    items = [["X", "市市场监管局", "不存在的行业", "T98", "1", "1", "1", "1"]]
    path = write_csv(tmp_path / "I.csv", ITEM_HEADER, items)
    code, _, _ = cli(
        capsys,
        "draw",
        "--entities",
        str(ENTITIES_CSV),
        "--items",
        str(path),
        "--inspectors",
        str(INSPECTORS_CSV),
        "--seed",
        SEED,
        "--out",
        str(published),
    )
    assert code == 2 and published.read_bytes() == before


# --- determinism ------------------------------------------------------------------------


def _run_qinqing(*argv: str, hashseed: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    code = (
        "import sys; from qinqing.cli.main import main; code = main(sys.argv[1:]); "
        "assert 'django' not in sys.modules, 'the DB-free command imported Django'; sys.exit(code)"
    )
    return subprocess.run(
        [sys.executable, "-c", code, "inspections", *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_output_is_byte_identical_whatever_the_hash_seed_and_django_is_not_imported(tmp_path):
    outputs = []
    for hashseed in ("0", "1", "4242", "random"):
        out = tmp_path / f"DRAW-{hashseed}.json"
        done = _run_qinqing("draw", *INPUTS, "--seed", SEED, "--out", str(out), hashseed=hashseed)
        assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert all(o == outputs[0] for o in outputs)
    done = _run_qinqing("verify", str(tmp_path / "DRAW-0.json"), *INPUTS, hashseed="99")
    assert done.returncode == 0, done.stderr


def test_document_text_round_trips_through_json(published):
    inputs = load_inputs(ENTITIES_CSV, ITEMS_CSV, INSPECTORS_CSV)
    result = run_draw(inputs, SEED)
    document = draw_document(result)
    assert json.loads(dumps_draw(document)) == document
    assert published.read_text(encoding="utf-8") == dumps_draw(document) == render_draw(result)


def test_draw_api_accepts_records_in_any_order():
    inputs = load_inputs(ENTITIES_CSV, ITEMS_CSV, INSPECTORS_CSV)
    shuffled = DrawInputs(inputs.entities, inputs.items[::-1], inputs.inspectors[::-1])
    assert draw_document(run_draw(shuffled, SEED)) == draw_document(run_draw(inputs, SEED))


def test_the_standalone_script_in_the_public_guide_agrees_with_the_draw(published, tmp_path):
    guide = (REPO / "docs" / "draw-verification.md").read_text(encoding="utf-8")
    start = guide.index("```python\n# verify_item.py") + len("```python\n")
    script = tmp_path / "verify_item.py"
    script.write_text(guide[start : guide.index("```", start)], encoding="utf-8")
    for item_id in [r[0] for r in read_rows(ITEMS_CSV)]:
        done = subprocess.run(
            [
                sys.executable,
                str(script),
                str(ENTITIES_CSV),
                str(ITEMS_CSV),
                str(published),
                item_id,
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        assert "与公布结果一致" in done.stdout, done.stdout
    dropped_item = json.loads(published.read_text(encoding="utf-8"))["visits"][0]["items"][0]
    edit(published, lambda d: d["visits"].pop(0))
    done = subprocess.run(
        [
            sys.executable,
            str(script),
            str(ENTITIES_CSV),
            str(ITEMS_CSV),
            str(published),
            dropped_item,
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert "与公布结果不一致" in done.stdout, done.stdout


def test_fast_rendering_equals_generic_json_with_dates_and_escaped_ids():
    from datetime import date
    from decimal import Decimal

    from qinqing.inspections.drawing import (
        DrawConstraints,
        EntityPool,
        EntityRecord,
        InspectionItem,
        Inspector,
    )

    pool = EntityPool.from_records(
        EntityRecord(make_uscc(i), f"企业{i}", "C13", "420602", "ABCD"[i % 4]) for i in range(12)
    )
    items = (
        InspectionItem('事项"1\\', '市"监管"局', "甲", ("*",), (Decimal("0.5"),) * 4),
        InspectionItem("事项2", "市税务局\t", "乙", ("C",), (Decimal("0.5"),) * 4),
    )
    inspectors = tuple(
        Inspector(f'人员"{d}{j}', f"员{j}", department, True, ())
        for d, department in enumerate(['市"监管"局', "市税务局\t"])
        for j in range(3)
    )
    constraints = DrawConstraints.build(
        window=(date(2025, 6, 21), date(2025, 6, 30)), workdays=lambda d: d.weekday() < 5
    )
    result = run_draw(DrawInputs(pool, items, inspectors, constraints), SEED)
    document = draw_document(result)
    assert all(v["visit_on"] for v in document["visits"])
    assert render_draw(result) == dumps_draw(document)
    assert json.loads(render_draw(result)) == document


def test_a_short_seed_is_drawn_but_warned_about(tmp_path, capsys):
    code, _, err = cli(
        capsys, "draw", *INPUTS, "--seed", "abc123", "--out", str(tmp_path / "D.json")
    )
    assert code == 0
    assert "种子只有 6 个字符" in err


def test_verify_refuses_a_file_that_is_not_a_draw(tmp_path, capsys):
    other = tmp_path / "other.json"
    other.write_text('{"visits": []}', encoding="utf-8")
    code, output = verify_file(capsys, other)
    assert code == 2 and "不是本系统生成的抽取结果文件" in output


def test_an_empty_entity_pool_is_refused_plainly(tmp_path, capsys):
    empty = write_csv(tmp_path / "E.csv", ENTITY_HEADER, [])
    err = _fails_without_output(
        capsys,
        tmp_path,
        "--entities",
        str(empty),
        "--items",
        str(ITEMS_CSV),
        "--inspectors",
        str(INSPECTORS_CSV),
    )
    assert "检查对象名录没有任何检查对象" in err
