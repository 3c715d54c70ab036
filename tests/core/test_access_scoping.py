"""The shared scoping rule behind the apps' ``visible_*_for_user`` reads (core/accounts/access.py).

Profiles belong to a unit, so the directory's own table shows the rule a user would notice:
an office sees the rows of its area and below, a clerk only the rows of its unit, an
enterprise none; and a row outside the scope reads exactly like a missing one.
"""

from __future__ import annotations

import pytest

from qinqing.core.accounts.access import (
    one_or_not_found,
    own_unit,
    scoped_by_area,
    scoped_by_own_unit,
    scoped_by_unit,
)
from qinqing.core.accounts.models import Profile
from qinqing.core.errors import NotFound
from qinqing.core.orgs.models import UnitGroup

pytestmark = pytest.mark.django_db


def units_seen(world, username: str) -> set[str]:
    rows = scoped_by_unit(Profile.objects.all(), world.users[username])
    return {p.unit.name for p in rows.select_related("unit") if p.unit is not None}


def test_office_sees_its_area_clerk_its_unit_enterprise_nothing(world):
    city_office = units_seen(world, "office_admin")
    assert {"市市场监管局", "市税务局", "示例县", "示例县营商办"} <= city_office
    assert "邻市营商办" not in city_office
    assert units_seen(world, "county_officer") == {"示例县", "示例县营商办"}
    assert units_seen(world, "market_clerk") == {"市市场监管局"}
    assert units_seen(world, "enterprise_a") == set()


def test_own_unit_is_only_for_unit_staff(world):
    assert own_unit(world.users["market_clerk"]) == world.market
    assert own_unit(world.users["office_admin"]) is None
    assert own_unit(world.users["enterprise_a"]) is None
    mine = scoped_by_own_unit(Profile.objects.all(), world.users["office_admin"])
    assert not mine.exists()  # an office reads its area but edits no unit's rows as its own


def test_area_rows_need_a_jurisdiction_role(world):
    def groups(username: str) -> set[str]:
        return {g.name for g in scoped_by_area(UnitGroup.objects.all(), world.users[username])}

    assert groups("office_admin") == {"市政府各部门", "各县（区）人民政府"}
    assert groups("county_officer") == set()  # the city's groups are above the county
    assert groups("other_officer") == set()
    assert groups("market_clerk") == set()  # unit staff hold no area


def test_out_of_scope_reads_like_missing(world):
    clerk = world.users["market_clerk"]
    visible = scoped_by_unit(Profile.objects.all(), clerk)
    own = Profile.objects.get(user=clerk)
    assert one_or_not_found(visible, own.pk, "不存在") == own
    other = Profile.objects.get(user=world.users["tax_clerk"])
    with pytest.raises(NotFound) as refused:
        one_or_not_found(visible, other.pk, "人员不存在，或不在您可查看的范围内。")
    with pytest.raises(NotFound) as missing:
        one_or_not_found(visible, 10**9, "人员不存在，或不在您可查看的范围内。")
    assert str(refused.value) == str(missing.value)
