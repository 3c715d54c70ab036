"""The ``Examples:`` blocks of the draw's pure functions run as tests (STYLE.md §10)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "qinqing.inspections.drawing.uscc",
    "qinqing.inspections.drawing.industry",
    "qinqing.inspections.drawing.inputs",
    "qinqing.inspections.drawing.constraints",
    "qinqing.inspections.drawing.engine",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
