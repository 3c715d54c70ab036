"""The demo data loads, loads again without change, and shows on the public pages."""

from __future__ import annotations

import doctest

import pytest
from django.urls import reverse

pytestmark = pytest.mark.date_sensitive


def test_demo_loads_idempotently(db, client):
    from qinqing.inspections import seeds as inspection_seeds
    from qinqing.onsite import seeds
    from qinqing.onsite.models import CheckRegistration, LeniencyListVersion
    from tests.inspections.test_inspections_seeds import _demo_city

    city, users = _demo_city()
    lines: list[str] = []
    inspection_seeds.load_demo(city=city, users=users, log=lines.append)
    seeds.load_demo(city=city, users=users, log=lines.append)
    counts = (CheckRegistration.objects.count(), LeniencyListVersion.objects.count())
    assert counts[0] == 4 and counts[1] == 3
    seeds.load_demo(city=city, users=users, log=lines.append)
    assert (CheckRegistration.objects.count(), LeniencyListVersion.objects.count()) == counts
    page = client.get(reverse("onsite:public_lists")).content.decode()
    assert "相较第一版新增2项、调整1项、减少1项" in page
    matters = client.get(reverse("onsite:public_matters")).content.decode()
    assert "〔演示〕1号" in matters and "〔演示〕3号" not in matters


@pytest.mark.parametrize("module", ["qinqing.onsite.rules", "qinqing.onsite.exports"])
def test_doctests(module):
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted and not result.failed
