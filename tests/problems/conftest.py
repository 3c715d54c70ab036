"""Fixtures of the problem ledger tests: a fixed clock, a problem factory, a 监督员."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 6, 2, 10, 0, tzinfo=SH)
ALLEGATION = "窗口负责人王某某索要好处费<script>x</script>"


@pytest.fixture
def make_problem(world):
    from qinqing.problems import service

    def make(lead=None, *, title="窗口办事需往返多次<script>1</script>", actor=None, **kw):
        kw.setdefault("source", "inspection")
        kw.setdefault("time_limit", "15个工作日")
        kw.setdefault("now", NOW)
        return service.create_problem(
            actor=actor or world.office_admin, title=title, lead_unit=lead or world.market, **kw
        )

    return make


@pytest.fixture
def submitted(world, make_problem):
    from qinqing.problems import service

    problem = make_problem()
    return service.submit_rectification(
        problem, actor=world.market_clerk, rectification="已整合窗口", evidence_note="整改照片说明",
        now=NOW,
    )  # fmt: skip


@pytest.fixture
def supervisor(world):
    from qinqing.core.accounts.service import create_user_with_role
    from qinqing.problems import service

    user = create_user_with_role(
        actor="test-setup", username="supervisor_zhang", password="Qinqing-test-2026",
        role_code="supervisor", unit=None, uscc="", enterprise_name="", full_name="张监督",
        email="sv@example.invalid",
    )  # fmt: skip
    service.appoint_supervisor(
        actor=world.office_admin, user=user, name="张监督", beat="政务服务",
        term_start=dt.date(2025, 1, 1), term_end=dt.date(2026, 12, 31), now=NOW,
    )  # fmt: skip
    return user
