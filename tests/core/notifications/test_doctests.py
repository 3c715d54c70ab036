import doctest

import pytest

from qinqing.core.notifications import mail, rules


@pytest.mark.parametrize("module", [rules, mail])
def test_examples(module):
    assert doctest.testmod(module).failed == 0
