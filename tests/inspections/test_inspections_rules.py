"""The ``Examples:`` of the campaign rules run as tests (STYLE.md §10)."""

from __future__ import annotations

import doctest

from qinqing.inspections import rules


def test_examples():
    result = doctest.testmod(rules, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10
    assert result.failed == 0
