"""国民经济行业分类 (GB/T 4754-2017) codes: validation and matching of items to entities.

A code is a section letter, optionally followed by a 2-digit division, a 3-digit group or
a 4-digit class (``C``, ``C13``, ``C131``, ``C1311``). An inspection item lists the codes
it applies to; ``*`` means every industry. An item code matches an entity when the
entity's code starts with it, so ``C`` covers all manufacturing and ``C13`` covers
``C13``, ``C131`` and ``C1311``. An entity recorded only at a coarser level than the item
(entity ``C13``, item ``C131``) does not match: the registry does not say it is in that
group, and drawing it would send inspectors on a guess.
"""

from __future__ import annotations

import re

ALL_INDUSTRIES = "*"

# GB/T 4754-2017 (with Amendment No. 1, 2019): the divisions of each section.
SECTION_DIVISIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 97),
    "T": (98, 98),
}

_CODE = re.compile(r"[A-T](?:\d{2}\d{0,2})?")


def is_valid_industry_code(code: str) -> bool:
    """Whether ``code`` is a well-formed GB/T 4754 code whose division fits its section.

    Examples:
        >>> [is_valid_industry_code(c) for c in ("C", "C13", "C1311", "A13", "C1", "c13")]
        [True, True, True, False, False, False]
    """
    if not _CODE.fullmatch(code):
        return False
    if len(code) == 1:
        return True
    low, high = SECTION_DIVISIONS[code[0]]
    return low <= int(code[1:3]) <= high


def industry_matches(item_codes: tuple[str, ...], entity_code: str) -> bool:
    """Whether an item with ``item_codes`` applies to an entity of ``entity_code``.

    Examples:
        >>> industry_matches(("C",), "C13")
        True
        >>> industry_matches(("C13", "F51"), "C1311")
        True
        >>> industry_matches(("C131",), "C13")
        False
        >>> industry_matches(("*",), "T98")
        True
    """
    return any(c == ALL_INDUSTRIES or entity_code.startswith(c) for c in item_codes)
