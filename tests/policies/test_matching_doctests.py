"""Run the examples in the docstrings of the delivery rules and the search helpers."""

import doctest

import pytest

from qinqing.policies import rules, search


@pytest.mark.parametrize("module", [rules, search], ids=lambda m: m.__name__)
def test_doctests(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
