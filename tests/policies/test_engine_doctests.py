"""The Examples blocks of the engine modules run as doctests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "qinqing.policies.engine.spec",
    "qinqing.policies.engine.evaluate",
    "qinqing.policies.engine.explain",
    "qinqing.policies.engine.sql",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
