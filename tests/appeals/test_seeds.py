"""The demo: a configured 示例市 with appeals at every stage; loading twice changes nothing."""

from __future__ import annotations

import pytest

from qinqing.appeals.choices import AppealState
from qinqing.appeals.demo_data import DEMO_APPEALS, DEMO_MAPPING
from qinqing.appeals.models import Appeal, DisciplineLead, HardCase, SlaPolicy, Ticket

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


@pytest.fixture
def demo(db, settings, tmp_path):
    from qinqing.appeals import suggest
    from qinqing.core.orgs.models import Unit
    from qinqing.core.orgs.seeds import build_demo_directory
    from qinqing.web.demo import build_demo_people

    settings.QINQING_APPEALS_ROUTER_MODEL = str(tmp_path / "router.npz")
    suggest.forget_model()
    from qinqing.core.accounts.roles import ensure_builtin_roles

    ensure_builtin_roles()
    city = build_demo_directory(actor="demo")
    users, _ = build_demo_people(city, reset_passwords=False)
    assert isinstance(city, Unit)
    yield city, users
    suggest.forget_model()


def test_demo_loads_once_with_every_stage(demo, tmp_path):
    from qinqing.appeals.seeds import load_demo

    city, users = demo
    lines: list[str] = []
    load_demo(city=city, users=users, log=lines.append)
    assert (tmp_path / "router.npz").exists()
    states = set(Appeal.objects.values_list("state", flat=True))
    assert {
        AppealState.RECEIVED,
        AppealState.DISPATCHED,
        AppealState.REPLIED,
        AppealState.CLOSED,
        AppealState.REFERRED,
    } <= states
    assert Appeal.objects.count() == len(DEMO_APPEALS) + 1
    assert Ticket.objects.filter(unit__name="示例市市场监督管理局").exists()
    assert SlaPolicy.objects.filter(locality=city).count() == 8
    assert DisciplineLead.objects.count() == 1 and HardCase.objects.count() == 5
    counts = (Appeal.objects.count(), Ticket.objects.count())
    load_demo(city=city, users=users, log=lines.append)
    assert (Appeal.objects.count(), Ticket.objects.count()) == counts
    assert any("跳过" in line for line in lines)


def test_demo_appeals_cover_the_seven_domains():
    labels = {label for label, *_ in DEMO_APPEALS}
    assert labels == set(DEMO_MAPPING) and len(labels) == 7
    assert all(sum(1 for item in DEMO_APPEALS if item[0] == label) >= 5 for label in labels)
