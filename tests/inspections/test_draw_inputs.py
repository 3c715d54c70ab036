"""Reading the three CSV files of a draw: clear Chinese errors, canonical snapshot hashes."""

from __future__ import annotations

import csv
import hashlib
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qinqing.core.enterprises.uscc import ALPHABET, is_valid_uscc
from qinqing.core.errors import InvalidInput
from qinqing.inspections.drawing import (
    read_entities_csv,
    read_inspectors_csv,
    read_items_csv,
)
from qinqing.inspections.drawing.uscc import first_invalid_uscc
from tests.inspections.fixtures.draw_world import (
    ENTITIES_CSV,
    ENTITY_HEADER,
    INSPECTOR_HEADER,
    INSPECTORS_CSV,
    ITEM_HEADER,
    ITEMS_CSV,
    make_uscc,
    read_rows,
    write_csv,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def entity_rows(n: int = 5) -> list[list[str]]:
    return [
        [make_uscc(i), f"示例企业{i}有限公司", "C13", "420602", "ABCD"[i % 4]] for i in range(n)
    ]


def test_fixture_files_are_read_in_canonical_order():
    pool = read_entities_csv(ENTITIES_CSV)
    items = read_items_csv(ITEMS_CSV)
    inspectors = read_inspectors_csv(INSPECTORS_CSV)
    assert len(pool) == len(read_rows(ENTITIES_CSV))
    assert list(pool.uscc) == sorted(r[0] for r in read_rows(ENTITIES_CSV))
    assert [i.item_id for i in items] == sorted(r[0] for r in read_rows(ITEMS_CSV))
    assert [p.inspector_id for p in inspectors] == sorted(r[0] for r in read_rows(INSPECTORS_CSV))
    by_id = {i.item_id: i for i in items}
    assert by_id["SW-002"].ratios[0] == by_id["SW-002"].ratios[0].__class__("0.1")  # "10%"
    assert by_id["SJ-001"].industries == ("C13", "C14")
    assert {p.inspector_id for p in inspectors if not p.active} == {"SJ004", "YJ002"}


def test_missing_column_names_the_column_and_the_file(tmp_path):
    path = write_csv(tmp_path / "E.csv", ["uscc", "name", "industry_code", "credit_tier"], [])
    with pytest.raises(InvalidInput) as caught:
        read_entities_csv(path)
    message = caught.value.message
    assert "E.csv" in message and "第 1 行" in message
    assert "region_code" in message and "行政区划代码" in message


def test_bad_credit_tier_names_line_column_and_allowed_values(tmp_path):
    rows = entity_rows(5)
    rows[2][4] = "E"
    with pytest.raises(InvalidInput) as caught:
        read_entities_csv(write_csv(tmp_path / "E.csv", ENTITY_HEADER, rows))
    message = caught.value.message
    assert "第 4 行" in message  # header is line 1
    assert "credit_tier" in message and "“E”" in message
    assert "A、B、C、D" in message
    assert "未抽取" in message


def test_bad_check_digit_is_reported_with_the_expected_character(tmp_path):
    rows = entity_rows(4)
    good = rows[3][0]
    wrong = next(c for c in ALPHABET if c != good[-1])
    rows[3][0] = good[:-1] + wrong
    with pytest.raises(InvalidInput) as caught:
        read_entities_csv(write_csv(tmp_path / "E.csv", ENTITY_HEADER, rows))
    message = caught.value.message
    assert "第 5 行" in message and good[:-1] + wrong in message
    assert f"“{good[-1]}”" in message  # the check character it should have


def test_first_error_in_file_order_is_reported(tmp_path):
    rows = entity_rows(6)
    rows[4][4] = "Z"  # line 6
    rows[1][2] = "A99"  # line 3: division 99 is not in section A
    with pytest.raises(InvalidInput) as caught:
        read_entities_csv(write_csv(tmp_path / "E.csv", ENTITY_HEADER, rows))
    assert "第 3 行" in caught.value.message and "A99" in caught.value.message


def test_duplicate_uscc_names_both_lines(tmp_path):
    rows = entity_rows(5)
    rows[4][0] = rows[1][0]
    with pytest.raises(InvalidInput) as caught:
        read_entities_csv(write_csv(tmp_path / "E.csv", ENTITY_HEADER, rows))
    assert "第 3 行" in caught.value.message and "第 6 行" in caught.value.message


@pytest.mark.parametrize(
    ("ratio", "column"),
    [
        ("1.5", "ratio_B"),
        ("abc", "ratio_B"),
        ("-0.1", "ratio_B"),
        ("120%", "ratio_B"),
        ("NaN", "ratio_B"),
    ],
)
def test_bad_ratio_is_refused(tmp_path, ratio, column):
    row = ["X-1", "市市场监管局", "检查", "C13", "0.1", ratio, "0.1", "0.1"]
    with pytest.raises(InvalidInput) as caught:
        read_items_csv(write_csv(tmp_path / "I.csv", ITEM_HEADER, [row]))
    message = caught.value.message
    assert "第 2 行" in message and column in message and "0.05 或 5%" in message


@pytest.mark.parametrize("industries", ["", "C1", "X13", "A13", "C13;U"])
def test_bad_item_industries_are_refused(tmp_path, industries):
    row = ["X-1", "市市场监管局", "检查", industries, "0.1", "0.1", "0.1", "0.1"]
    with pytest.raises(InvalidInput) as caught:
        read_items_csv(write_csv(tmp_path / "I.csv", ITEM_HEADER, [row]))
    assert "industries" in caught.value.message and "GB/T 4754" in caught.value.message


def test_bad_conflict_code_and_active_flag_are_refused(tmp_path):
    rows = [["P1", "张三", "市税务局", "1", make_uscc(1) + ";91420602XXXXXXXXXX"]]
    with pytest.raises(InvalidInput) as caught:
        read_inspectors_csv(write_csv(tmp_path / "P.csv", INSPECTOR_HEADER, rows))
    assert "conflicts" in caught.value.message and "91420602XXXXXXXXXX" in caught.value.message
    rows = [["P1", "张三", "市税务局", "maybe", ""]]
    with pytest.raises(InvalidInput) as caught:
        read_inspectors_csv(write_csv(tmp_path / "P.csv", INSPECTOR_HEADER, rows))
    assert "active" in caught.value.message and "“maybe”" in caught.value.message


def test_gbk_file_is_refused_with_a_hint_to_save_as_utf8(tmp_path):
    path = write_csv(tmp_path / "E.csv", ENTITY_HEADER, entity_rows(3), encoding="gbk")
    with pytest.raises(InvalidInput) as caught:
        read_entities_csv(path)
    assert "UTF-8" in caught.value.message and "E.csv" in caught.value.message


def test_row_with_wrong_number_of_fields_is_located_after_a_quoted_line_break(tmp_path):
    rows = entity_rows(4)
    rows[0][1] = "第一行\n第二行有限公司"  # the record spans lines 2-3
    path = write_csv(tmp_path / "E.csv", ENTITY_HEADER, rows)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("only,three,fields\n")
    with pytest.raises(InvalidInput) as caught:
        read_entities_csv(path)
    assert "第 7 行" in caught.value.message  # header 1, record 2-3, then 4, 5, 6, bad 7


def test_error_line_after_a_quoted_line_break_counts_physical_lines(tmp_path):
    rows = entity_rows(4)
    rows[0][1] = "第一行\n第二行有限公司"
    rows[2][4] = "Q"
    with pytest.raises(InvalidInput) as caught:
        read_entities_csv(write_csv(tmp_path / "E.csv", ENTITY_HEADER, rows))
    assert "第 5 行" in caught.value.message


def test_snapshot_hash_ignores_row_order_line_ends_bom_blank_lines_and_extra_columns(tmp_path):
    rows = read_rows(ENTITIES_CSV)
    reference = read_entities_csv(ENTITIES_CSV).sha256
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)
    path = tmp_path / "E.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["note", *reversed(ENTITY_HEADER)])
        for i, row in enumerate(shuffled):
            writer.writerow(
                [f"备注{i}", *reversed([f" {v} " if j == 1 else v for j, v in enumerate(row)])]
            )
            if i == 3:
                handle.write("\r\n")
    assert read_entities_csv(path).sha256 == reference

    changed = [r[:] for r in rows]
    changed[0][1] += "（已更名）"
    assert (
        read_entities_csv(write_csv(tmp_path / "E2.csv", ENTITY_HEADER, changed)).sha256
        != reference
    )


def test_entity_snapshot_hash_is_sha256_of_the_documented_canonical_csv(tmp_path):
    rows = sorted(read_rows(ENTITIES_CSV))

    def field(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\r\n') else v

    text = ",".join(ENTITY_HEADER) + "\n" + "".join(",".join(map(field, r)) + "\n" for r in rows)
    assert read_entities_csv(ENTITIES_CSV).sha256 == hashlib.sha256(text.encode()).hexdigest()


_CODE_CHARS = ALPHABET + "IOSVZa -"


# generation is slow on a loaded machine; the property, not the speed, is under test
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.integers(0, 31**9 - 1).map(make_uscc),
            st.text(alphabet=_CODE_CHARS, min_size=17, max_size=19),
            st.integers(0, 31**9 - 1).map(lambda i: make_uscc(i)[:-1] + "0"),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_column_screen_agrees_with_the_core_credit_code_rules(codes):
    expected = next((i for i, c in enumerate(codes) if not is_valid_uscc(c)), None)
    assert first_invalid_uscc(codes) == expected


def test_every_code_in_the_shared_registry_sample_passes_the_screen():
    path = SHARED / "data" / "enterprises" / "sample_10k.csv"
    assert path.is_file(), f"shared registry sample missing: {path}"
    with path.open(encoding="utf-8", newline="") as handle:
        codes = [row["uscc"] for row in csv.DictReader(handle)]
    assert len(codes) == 10_000
    assert first_invalid_uscc(codes) is None
    codes[1234] = codes[1234][:-1] + ("1" if codes[1234][-1] != "1" else "2")
    assert first_invalid_uscc(codes) == 1234
