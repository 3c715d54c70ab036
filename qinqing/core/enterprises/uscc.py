"""统一社会信用代码 (uscc): the GB 32100-2015 check character, one code or a whole column.

A code has 18 characters from the 31-character alphabet ``0-9 A-H J-N P-R T U W-Y``
(the letters I, O, Z, S and V are never used). The 18th character is a check character
computed from the first 17: with ``C[i]`` the value of character *i* in the alphabet and
``W = 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28`` (3**i mod 31), the check value
is ``31 - (sum(C[i] * W[i]) mod 31)``, written as ``0`` when that is 31.

Examples:
    >>> uscc_check_char("91350100M000100Y4")
    '3'
    >>> is_valid_uscc("91350100M000100Y43")
    True
    >>> is_valid_uscc("91350100M000100Y44")
    False
    >>> validate_uscc("91350100m000100y43")
    '91350100M000100Y43'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qinqing.core.errors import InvalidInput

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_LENGTH = 18

_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Byte -> alphabet value, -1 for bytes outside the alphabet (lower case is not accepted
# in a registry column: files should carry the code as printed on the licence).
_BYTE_VALUE = np.full(256, -1, dtype=np.int16)
for _i, _ch in enumerate(ALPHABET):
    _BYTE_VALUE[ord(_ch)] = _i
_WEIGHTS = np.array(WEIGHTS, dtype=np.int32)
_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
_OUTSIDE = 1 << 24
_WEIGHTED = [
    np.where(_BYTE_VALUE >= 0, _BYTE_VALUE.astype(np.int32) * weight, _OUTSIDE).astype(np.int32)
    for weight in (*WEIGHTS, 1)
]
# Characters 2k and 2k+1 as the 16-bit little-endian number b[2k] + 256 * b[2k+1]: the
# sum of their weighted values (the check character weighs 1); a byte outside the
# alphabet adds _OUTSIDE (at most 18 times per code: still inside int32).
_PAIR_FIRST, _PAIR_SECOND = np.arange(65536) & 255, np.arange(65536) >> 8
_PAIR_WEIGHTED = [
    _WEIGHTED[2 * k][_PAIR_FIRST] + _WEIGHTED[2 * k + 1][_PAIR_SECOND]
    for k in range(USCC_LENGTH // 2)
]
_KEY_WORDS = np.dtype([("high", "<u8"), ("middle", "<u8"), ("low", "<u2")])
_KEY_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))


def uscc_check_char(code17: str) -> str:
    """Return the check character for the first 17 characters of a credit code.

    Examples:
        >>> uscc_check_char("91110000600037341")
        'L'
        >>> uscc_check_char("9111000060003734I")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 统一社会信用代码第 17 位“I”不是允许的字符（只能是数字 0-9 和除 I、O、Z、S、V 以外的大写字母）。
    """
    if len(code17) != USCC_LENGTH - 1:
        raise InvalidInput(
            f"计算校验位需要统一社会信用代码的前 17 位，收到的是 {len(code17)} 位“{code17}”。"
        )
    total = 0
    for position, (ch, weight) in enumerate(zip(code17, WEIGHTS, strict=True), start=1):
        value = _VALUE.get(ch)
        if value is None:
            raise InvalidInput(
                f"统一社会信用代码第 {position} 位“{ch}”不是允许的字符"
                "（只能是数字 0-9 和除 I、O、Z、S、V 以外的大写字母）。"
            )
        total += value * weight
    return ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Say in Chinese what is wrong with a credit code, or return None if it is valid.

    Examples:
        >>> uscc_problem("91350100M000100Y43") is None
        True
        >>> uscc_problem("91350100M000100Y4")
        '应为 18 位，实际为 17 位'
        >>> uscc_problem("91350100M000100Y40")
        '校验位（第 18 位）应为“3”，实际为“0”'
    """
    if not isinstance(code, str) or not code:
        return "为空"
    if len(code) != USCC_LENGTH:
        return f"应为 18 位，实际为 {len(code)} 位"
    for position, ch in enumerate(code, start=1):
        if ch not in _VALUE:
            hint = "（字母须大写）" if ch.upper() in _VALUE else ""
            return (
                f"第 {position} 位“{ch}”不是允许的字符"
                f"（只能是数字 0-9 和除 I、O、Z、S、V 以外的大写字母）{hint}"
            )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"校验位（第 18 位）应为“{expected}”，实际为“{code[17]}”"
    return None


def is_valid_uscc(code: object) -> bool:
    """True when ``code`` is an 18-character credit code with the right check character.

    Examples:
        >>> is_valid_uscc("91110000600037341L")
        True
        >>> is_valid_uscc("91110000600037341l")
        False
        >>> is_valid_uscc(None)
        False
    """
    return isinstance(code, str) and uscc_problem(code) is None


def validate_uscc(code: str) -> str:
    """Return the normalised code (stripped, upper case) or raise InvalidInput saying why.

    Use it for codes typed by a person; registry files are checked column-wise by
    :func:`valid_uscc_mask`.

    Examples:
        >>> validate_uscc(" 91110000600037341l ")
        '91110000600037341L'
        >>> validate_uscc("91110000600037341X")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 统一社会信用代码“91110000600037341X”校验位（第 18 位）应为“L”，实际为“X”，请核对营业执照上的代码后重新输入。
    """
    normalised = (code or "").strip().upper()
    problem = uscc_problem(normalised)
    if problem is not None:
        raise InvalidInput(
            f"统一社会信用代码“{normalised}”{problem}，请核对营业执照上的代码后重新输入。"
        )
    return normalised


def valid_uscc_mask(codes: object) -> np.ndarray:
    """Vectorised validity check: a boolean array, True where the code is valid.

    ``codes`` is any sequence of str (a list, a NumPy array, a pandas Series) or a
    ``pyarrow`` string array; None and codes of the wrong length are invalid. A
    pyarrow array whose values are all 18 bytes long is checked without copying
    its characters into Python objects.

    Examples:
        >>> valid_uscc_mask(["91110000600037341L", "91110000600037341X", None, "123"]).tolist()
        [True, False, False, False]
    """
    return scan_uscc(codes, keys=False)[0]


def uscc_keys(codes: object) -> np.ndarray:
    """A uint64 hash per code (equal codes, equal keys) for fast duplicate detection.

    Different codes may in principle share a key; confirm a suspected duplicate by
    comparing the codes themselves.

    Examples:
        >>> keys = uscc_keys(["91110000600037341L", "91350100M000100Y43", "91110000600037341L"])
        >>> bool(keys[0] == keys[2]), bool(keys[0] == keys[1])
        (True, False)
    """
    return scan_uscc(codes, keys=True)[1]


def scan_uscc(codes: object, *, keys: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Validity mask and (optionally, else an empty array) hash keys in one pass."""
    matrix, ok = _code_matrix(codes)
    n = matrix.shape[0]
    # Two characters at a time: each pair of bytes, read as one 16-bit number, indexes a
    # table holding both characters' weighted values (9 lookups per code instead of 18;
    # ~30 ms for 1,000,000 codes).
    pairs = np.ascontiguousarray(matrix).view("<u2")
    total = _PAIR_WEIGHTED[0][pairs[:, 0]]
    for position in range(1, USCC_LENGTH // 2):
        total += _PAIR_WEIGHTED[position][pairs[:, position]]
    # A valid code has sum(C[i] * W[i]) + check value == 0 (mod 31); any character
    # outside the alphabet adds _OUTSIDE, which no valid sum reaches.
    ok &= (total < _OUTSIDE) & (total % 31 == 0)
    if not keys:
        return ok, np.zeros(0, dtype=np.uint64)
    # The 18 bytes of a code read as two 64-bit words and a 16-bit one, mixed by
    # multiplication (wrapping modulo 2**64: a hash, not an exact encoding): three
    # passes instead of eighteen.
    words = np.ascontiguousarray(matrix).view(_KEY_WORDS).reshape(n)
    key = words["high"] * _KEY_MIX[0]
    key += words["middle"] * _KEY_MIX[1]
    key += words["low"].astype(np.uint64)
    return ok, key


def uscc_check_chars(codes17: np.ndarray) -> np.ndarray:
    """Vectorised check characters for an (n, 17) uint8 array of valid alphabet bytes.

    Used to generate synthetic registries; returns an (n,) uint8 array of ASCII bytes.
    """
    values = _BYTE_VALUE[codes17].astype(np.int32)
    if (values < 0).any():
        raise InvalidInput("生成统一社会信用代码时出现了不允许的字符。")
    return np.asarray(_ALPHABET_BYTES[(31 - (values @ _WEIGHTS) % 31) % 31])


def _code_matrix(codes: Any) -> tuple[np.ndarray, np.ndarray]:
    """Turn codes into an (n, 18) uint8 matrix plus a mask of rows of the right length."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is a project dependency
        pa = None
    if pa is not None and isinstance(codes, pa.ChunkedArray):
        codes = codes.combine_chunks() if codes.num_chunks != 1 else codes.chunk(0)
    if pa is not None and isinstance(codes, pa.Array):
        if pa.types.is_large_string(codes.type):
            codes = codes.cast(pa.string())
        if pa.types.is_string(codes.type):
            return _arrow_matrix(codes)
        codes = codes.to_pylist()
    items = list(codes)
    n = len(items)
    ok = np.zeros(n, dtype=bool)
    matrix = np.zeros((n, USCC_LENGTH), dtype=np.uint8)
    for i, code in enumerate(items):
        if isinstance(code, str) and len(code) == USCC_LENGTH and code.isascii():
            matrix[i] = np.frombuffer(code.encode("ascii"), dtype=np.uint8)
            ok[i] = True
    return matrix, ok


def _arrow_matrix(arr: Any) -> tuple[np.ndarray, np.ndarray]:  # a pyarrow string array
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(arr)
    lengths = pc.fill_null(pc.binary_length(arr), 0).to_numpy(zero_copy_only=False)
    ok = lengths == USCC_LENGTH
    if ok.all() and arr.null_count == 0:
        offsets = np.frombuffer(
            arr.buffers()[1], dtype=np.int32, count=n + 1, offset=arr.offset * 4
        )
        data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
        start = int(offsets[0])
        return data[start : start + USCC_LENGTH * n].reshape(n, USCC_LENGTH), ok
    # Some codes have the wrong length: check the well-formed ones in a dense matrix.
    matrix = np.zeros((n, USCC_LENGTH), dtype=np.uint8)
    good = pa.array(ok)
    dense = pc.filter(arr, good)
    if len(dense):
        sub, _ = _arrow_matrix(dense)
        matrix[ok] = sub
    return matrix, ok
