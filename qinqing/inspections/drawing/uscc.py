"""统一社会信用代码 (USCC) check digit, GB 32100-2015 §4 and Annex A.

Local to the draw package until ``qinqing.core.enterprises`` exposes its own
``is_valid_uscc``; both implement the same standard, and the shared registry sample
(``../shared/data/enterprises/sample_10k.csv``) is the cross-check in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# GB 32100-2015 Table A.1: the 31 characters allowed (no I, O, S, V, Z) and their values.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB 32100-2015 §A.2: weight of position i (1-based) is 3^(i-1) mod 31.
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_LUT = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(USCC_ALPHABET):
    _LUT[ord(_c)] = _i
_WEIGHTS = np.array(USCC_WEIGHTS, dtype=np.int64)


def uscc_check_char(body: str) -> str:
    """The 18th character (校验码) for the first 17 characters of a USCC.

    Examples:
        >>> uscc_check_char("91350100M000100Y4")
        '3'
    """
    total = sum(_VALUE[c] * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """Whether ``code`` is 18 allowed characters with a correct check digit.

    Examples:
        >>> is_valid_uscc("91350100M000100Y43")
        True
        >>> is_valid_uscc("91350100M000100Y44")
        False
        >>> is_valid_uscc("91350100M000100Y4")
        False
    """
    if len(code) != 18 or any(c not in _VALUE for c in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def first_invalid_uscc(codes: Sequence[str]) -> int | None:
    """Index of the first invalid code in ``codes``, or ``None``; vectorised for big pools.

    Examples:
        >>> first_invalid_uscc(["91350100M000100Y43", "91350100M000100Y44"])
        1
        >>> first_invalid_uscc(["91350100M000100Y43"]) is None
        True
    """
    n = len(codes)
    if n == 0:
        return None
    if set(map(len, codes)) != {18}:
        return next(i for i, c in enumerate(codes) if not is_valid_uscc(c))
    joined = "".join(codes)
    if not joined.isascii():
        return next(i for i, c in enumerate(codes) if not is_valid_uscc(c))
    values = _LUT[np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(n, 18)]
    bad = (values < 0).any(axis=1)
    check = (31 - (values[:, :17] @ _WEIGHTS) % 31) % 31
    bad |= check != values[:, 17]
    hits = np.flatnonzero(bad)
    return int(hits[0]) if hits.size else None
