"""统一社会信用代码 check digit (GB 32100-2015)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qinqing.core.enterprises.uscc import (
    ALPHABET,
    is_valid_uscc,
    uscc_check_char,
    uscc_keys,
    uscc_problem,
    valid_uscc_mask,
    validate_uscc,
)
from qinqing.core.errors import InvalidInput

# Codes printed on real business licences (public registrations) and the standard's
# own example: an independent check of the weights and the alphabet.
PUBLISHED = [
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
    "91110108551385082Q",  # 北京小米科技有限责任公司
    "91310000MA1FL1MMXL",  # a 2016 Shanghai code with letters in the body
    "91350100M000100Y43",  # the GB 32100-2015 example
]


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert is_valid_uscc(code)
    assert uscc_check_char(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("914403001922038217", "校验位（第 18 位）应为“6”，实际为“7”"),
        ("91440300192203821", "应为 18 位，实际为 17 位"),
        ("9144030019220382166", "应为 18 位，实际为 19 位"),
        ("9144030O1922038216", "第 8 位“O”不是允许的字符"),  # letter O is excluded
        ("", "为空"),
    ],
)
def test_invalid_codes_say_what_is_wrong(code, fragment):
    assert not is_valid_uscc(code)
    with pytest.raises(InvalidInput) as exc:
        validate_uscc(code)
    assert fragment in exc.value.message


def test_lower_case_is_invalid_in_files_but_fixed_when_typed():
    assert not is_valid_uscc("9144030071526726Xg")
    assert "字母须大写" in uscc_problem("9144030071526726Xg")
    assert validate_uscc("9144030071526726Xg") == "9144030071526726XG"


def test_validate_normalises_case_and_spaces_typed_by_people():
    assert validate_uscc(" 9144030071526726xg ") == "9144030071526726XG"


def test_validate_message_tells_what_to_do():
    with pytest.raises(InvalidInput) as exc:
        validate_uscc("914403001922038217")
    assert "请核对营业执照" in exc.value.message


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_excluded_letters_never_valid(letter):
    code17 = "91440300192203821"
    body = code17[:10] + letter + code17[11:]
    assert not is_valid_uscc(body + "0")
    with pytest.raises(InvalidInput):
        uscc_check_char(body)


def test_vectorised_check_matches_single_codes():
    codes = [
        *PUBLISHED,
        "914403001922038217",
        None,
        "short",
        "91440300192203821６",
        "9144030O1922038216",
    ]
    expected = [is_valid_uscc(c) for c in codes]
    assert valid_uscc_mask(codes).tolist() == expected
    assert valid_uscc_mask(pa.array(codes, pa.string())).tolist() == expected
    assert valid_uscc_mask(np.array([c or "" for c in codes], dtype=object)).tolist() == expected


def test_vectorised_check_on_a_sliced_arrow_array():
    arr = pa.array(["x" * 18, *PUBLISHED], pa.string()).slice(1)
    assert valid_uscc_mask(arr).all()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_exactly_one_check_character_completes_a_code(code17):
    candidates = [code17 + ch for ch in ALPHABET]
    valid = valid_uscc_mask(candidates)
    assert valid.sum() == 1
    assert candidates[int(np.flatnonzero(valid)[0])][17] == uscc_check_char(code17)


def test_single_character_typos_are_caught():
    code = PUBLISHED[0]
    typos = [code[:i] + ch + code[i + 1 :] for i in range(18) for ch in ALPHABET if ch != code[i]]
    assert not valid_uscc_mask(typos).any()


def test_keys_are_equal_for_equal_codes_only():
    keys = uscc_keys(PUBLISHED + PUBLISHED[:1])
    assert keys[0] == keys[-1]
    assert len(set(keys[:-1].tolist())) == len(PUBLISHED)


@pytest.mark.parametrize(
    "name",
    [
        "qinqing.core.enterprises.uscc",
        "qinqing.core.enterprises.attributes",
        "qinqing.core.enterprises.registry_io",
    ],
)
def test_doctests(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
