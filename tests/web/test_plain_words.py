"""Defect 7: pages people read show no server paths nor command lines (the public
inspection page included), and the audit page asks for no developer command either."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

COMMAND = re.compile(r"qinqing [a-z-]+ [a-z-]+|--[a-z]+ |/work/|\.npz|/var/")


@pytest.fixture
def city(world):
    from tests.appeals.factories import configure_city

    configure_city(world, None)
    return world


@pytest.mark.parametrize("name", ["appeals:queue", "appeals:settings", "appeals:list"])
def test_office_pages_show_no_commands_or_paths(city, client_for, name):
    body = client_for(city.office_admin).get(reverse(name)).content.decode()
    main = body.split('<main id="main">')[1]
    assert not COMMAND.search(main), COMMAND.search(main).group(0)


def test_public_inspection_page_explains_verification_in_words():
    from pathlib import Path

    template = Path("qinqing/inspections/templates/inspections/public_campaign.html").read_text()
    assert "qinqing inspections verify" not in template and "--entities" not in template
    assert "核验" in template
