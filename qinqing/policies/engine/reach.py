"""Which conditions an enterprise could come to meet (issue 15, defect 12).

Pure and free of Django, like the rest of the engine (the ``qinqing policies`` command runs
without it).
"""

from __future__ import annotations

from collections.abc import Iterable

# Registry attributes an enterprise cannot change by its own effort: who it is, its size
# class, where it is registered, its industry and when it was founded (the registry has no
# ownership column; it would belong here). A policy condition on these is not a "near miss":
# telling a large enterprise it "only misses 中小微企业" is telling it about a door it cannot
# open (issue 15, defect 12). Recognitions, hires and the credit list can change.
FIXED_ATTRIBUTES = frozenset(
    {"uscc", "name", "size", "region_code", "industry_code", "established_on"}
)


def can_change(attributes: Iterable[str]) -> bool:
    """Whether an enterprise could come to meet a condition on these attributes: at least one
    of them is not fixed.

    Examples:
        >>> can_change({"size"})
        False
        >>> can_change({"graduate_hires"}), can_change({"size", "high_tech_on"})
        (True, True)
        >>> can_change(set())
        True
    """
    names = set(attributes)
    return not names or not names <= FIXED_ATTRIBUTES
