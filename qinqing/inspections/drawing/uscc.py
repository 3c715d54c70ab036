"""Fast screening of a whole column of 统一社会信用代码 (USCC) for the draw.

The standard (GB 32100-2015) lives in :mod:`qinqing.core.enterprises.uscc`; this module
only adds a screen over a Python list of a million codes that avoids its per-code loop
for lists. Both must agree on every input (tests/inspections/test_draw_inputs.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qinqing.core.enterprises.uscc import ALPHABET, WEIGHTS, is_valid_uscc

_LUT = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(ALPHABET):
    _LUT[ord(_c)] = _i
_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)


def first_invalid_uscc(codes: Sequence[str]) -> int | None:
    """Index of the first invalid code in ``codes``, or ``None``.

    Examples:
        >>> first_invalid_uscc(["91350100M000100Y43", "91350100M000100Y44"])
        1
        >>> first_invalid_uscc(["91350100M000100Y43"]) is None
        True
    """
    n = len(codes)
    if n == 0:
        return None
    joined = "".join(codes)
    if set(map(len, codes)) != {18} or not joined.isascii():
        return next(i for i, c in enumerate(codes) if not is_valid_uscc(c))
    values = _LUT[np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(n, 18)]
    bad = (values < 0).any(axis=1)
    check = (31 - (values[:, :17] @ _WEIGHTS) % 31) % 31
    bad |= check != values[:, 17]
    hits = np.flatnonzero(bad)
    return int(hits[0]) if hits.size else None
