"""Every role's home page is its work queue: each count equals the list behind its link.

One scene on a fixed clock (Friday 20 June 2025, 10:00): appeals in every state of the
queue, a plan with an overdue and a due-soon task (one carried by the county, which the
county office must see: defect 1), a monthly cadence with report slots. For each persona the
test reads every line of the home page, follows its link and counts the rows of that list.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import date
from zoneinfo import ZoneInfo

import pytest

NOW = dt.datetime(2025, 6, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def scene(transactional_db, monkeypatch, settings, tmp_path):
    from django.utils import timezone

    from qinqing.appeals import service
    from qinqing.supervision import views as supervision_views
    from tests.appeals.factories import configure_city, dispatched, make_appeal, replied
    from tests.supervision.factories import at, make_plan, make_task, monthly
    from tests.world import build_world

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    monkeypatch.setattr(supervision_views, "_now", lambda: NOW)
    w = build_world()
    configure_city(w, None)
    make_appeal(w, NOW - dt.timedelta(hours=3), title="待派单的诉求")
    dispatched(w, NOW - dt.timedelta(days=10), title="超时未签收")
    dispatched(w, NOW - dt.timedelta(hours=1), title="刚派出")
    _, working = dispatched(w, NOW - dt.timedelta(days=2), title="办理中")
    service.acknowledge_ticket(working, actor=w.market_clerk, now=NOW - dt.timedelta(days=2))
    replied(w, NOW - dt.timedelta(days=3), title="已答复待回访")
    plan = make_plan(w, title="示例市优化营商环境行动方案")
    make_task(plan, label="1", title="压缩审批时间", lead=[w.tax], due_on=date(2025, 6, 10))
    make_task(plan, label="2", title="企业开办", lead=[w.market], due_on=date(2025, 6, 24))
    make_task(
        plan, label="3", title="县域营商环境提升", lead=[w.market], responsible=[w.county],
        due_on=date(2025, 6, 5),
    )  # fmt: skip
    monthly(w, plan, starts_on=date(2025, 5, 1), now=at(date(2025, 5, 2)))
    return w


def _number(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not on the page"
    return int(found.group(1))


def rows_in(page, scope: str = "main") -> int:
    return page.locator(f"{scope} tbody tr:not(:has(td[colspan]))").count()


def count_on_list(page, url: str) -> int:
    """How many items the list page at ``url`` shows (each list says it its own way)."""
    text = page.locator("main").inner_text()
    path, _, fragment = url.partition("#")
    path = path.split("?")[0]
    if path == "/appeals/tickets/":
        return page.locator("main tbody tr[class^='sla-']").count()
    if path == "/appeals/queue/":
        if fragment:
            return rows_in(page, f"section:has(#{fragment})")
        return _number(r"待派单诉求（(\d+)）", text)
    if path == "/appeals/":
        return _number(r"共 (\d+) 件", text)
    if path == "/appeals/leads/":
        return _number(r"（(\d+) 条）", text)
    if path == "/plans/":
        return _number(r"共 (\d+) 项任务", text)
    if path == "/supervision/my/":
        return _number(r"待报送（(\d+)）", text)
    if path == "/supervision/notices/" and fragment == "h-triggers":
        return rows_in(page, "#triggers")
    if path == "/supervision/notices/":
        return _number(r"共 (\d+) 份", text)
    if path == "/supervision/referrals/":
        return _number(r"共 (\d+) 项", text)
    if path == "/policies/grants/":
        return _number(r"共 (\d+) 个", text)
    if path == "/policies/mine/" and fragment:
        return rows_in(page, f"#{fragment}")
    return rows_in(page)


def check_work_queue(tab, username: str, expected: dict[str, int]) -> None:
    tab.login(username)
    page = tab.page
    lines = page.locator(".work-item")
    found = {}
    for i in range(lines.count()):
        line = lines.nth(i)
        found[line.get_attribute("data-label")] = (
            int(line.locator(".count").inner_text()),
            line.locator("a").first.get_attribute("href"),
        )
    for label, count in expected.items():
        assert label in found, (label, list(found))
        assert found[label][0] == count, (label, found[label])
    tab.assert_accessible()
    for label, (count, url) in found.items():
        tab.visit(url)
        assert count_on_list(page, url) == count, (username, label, url)
    tab.assert_no_js_errors()
    tab.visit("/")
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()


def test_office_work_queue(tab, scene):
    check_work_queue(
        tab,
        "office_admin",
        {"待派单诉求": 1, "待回访": 1, "逾期任务": 2, "临期任务": 1, "待审核的进度报送": 0},
    )


def test_department_work_queue(tab, scene):
    check_work_queue(tab, "market_clerk", {"待签收工单": 2, "待答复工单": 1, "逾期任务": 1})


def test_county_office_sees_the_city_tasks_its_units_carry(tab, scene):
    # defect 1: the county office saw 0 tasks while the county clerk saw them
    check_work_queue(tab, "county_officer", {"逾期任务": 1})
    check_work_queue(tab, "county_clerk", {"逾期任务": 1})
    tab.login("county_officer")
    tab.visit("/supervision/")
    assert "县域营商环境提升" in tab.page.locator("main").inner_text()


def test_enterprise_work_queue(tab, scene):
    check_work_queue(tab, "enterprise_a", {"办理中的诉求": 5, "待我评价": 0})


def test_discipline_work_queue(tab, scene):
    check_work_queue(tab, "discipline", {"待处置的作风问题线索": 0})
