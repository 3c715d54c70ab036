"""我的任务 shows the unit's filed reports a page at a time (issue 20: rendering the last
hundred on every visit was most of the page's time); every one stays reachable."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from qinqing.supervision import views
from qinqing.supervision.models import ProgressReport
from qinqing.supervision.rules import ReportState
from tests.supervision.factories import at, make_plan, make_task, monthly

NOW = datetime(2025, 6, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_filed_reports_are_paged(world, client_for, monkeypatch):
    monkeypatch.setattr(views, "_now", lambda: NOW)
    plan = make_plan(world)
    extra = 5
    for i in range(views.DONE_PER_PAGE + extra):
        make_task(plan, label=str(i + 1), title=f"任务{i + 1}", lead=[world.market])
    monthly(world, plan, starts_on=date(2025, 6, 1), now=at(date(2025, 6, 2)))
    filed = ProgressReport.objects.filter(unit=world.market)
    assert filed.count() == views.DONE_PER_PAGE + extra
    filed.update(state=ReportState.SUBMITTED, submitted_at=NOW)
    client = client_for(world.market_clerk)

    def done_rows(html: str) -> list[str]:
        section = html.split('id="h-done"', 1)[1]
        return re.findall(r'href="/supervision/reports/(\d+)/"', section)

    first = client.get("/supervision/my/").content.decode()
    assert len(done_rows(first)) == views.DONE_PER_PAGE
    assert f"已报送（{views.DONE_PER_PAGE + extra}）" in first
    assert "第 1 / 2 页" in first and "?page=2" in first
    second = client.get("/supervision/my/?page=2").content.decode()
    assert len(done_rows(second)) == extra
    assert {int(x) for x in done_rows(first) + done_rows(second)} == set(
        filed.values_list("pk", flat=True)
    )


def test_open_slots_show_their_task_cycle_and_state(world, client_for, monkeypatch):
    """The 待报送 rows (read as plain values since issue 20) show the task, the cycle, the
    deadline with the overdue mark, the state and the link to file or refile."""
    monkeypatch.setattr(views, "_now", lambda: NOW)
    plan = make_plan(world)
    make_task(plan, label="7", title="压缩办证时限<b>x</b>", lead=[world.market])
    monthly(world, plan, starts_on=date(2025, 5, 1), now=at(date(2025, 6, 2)))
    slots = ProgressReport.objects.filter(unit=world.market).order_by("period_end")
    assert slots.count() == 2  # May (report overdue on 20 June) and June
    may, june = slots
    ProgressReport.objects.filter(pk=june.pk).update(state=ReportState.RETURNED)
    html = client_for(world.market_clerk).get("/supervision/my/").content.decode()
    todo = html.split('id="h-todo"', 1)[1].split('id="h-done"', 1)[0]
    assert "待报送（2）" in html
    assert "7 压缩办证时限&lt;b&gt;x&lt;/b&gt;" in todo
    assert "<td>2025年5月</td>" in todo and "<td>2025年6月</td>" in todo
    assert "选择 7 2025年5月" in todo
    may_row = todo.split(f'id="pick-{may.pk}"', 1)[1].split("</tr>", 1)[0]
    june_row = todo.split(f'id="pick-{june.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "已逾期" in may_row and "已逾期" not in june_row
    assert f'<a href="/supervision/reports/{may.pk}/">填报</a>' in may_row
    assert f'<a href="/supervision/reports/{june.pk}/">修改重报</a>' in june_row
    assert ">已退回</span>" in june_row and ">待报送</span>" in may_row


def test_home_counts_equal_the_ledger_filters(world):
    """The home page's 逾期任务/临期任务 (one reading of the reports since issue 20) count what
    the ledger lists with ?status=overdue and ?due_soon=on."""
    from qinqing.plans import queries as plan_queries

    plan = make_plan(world)
    for i, due in enumerate([date(2025, 6, 10), date(2025, 6, 19), date(2025, 6, 24),
                             date(2025, 6, 27), date(2025, 7, 31), date(2025, 12, 31)]):  # fmt: skip
        make_task(plan, label=str(i + 1), title=f"任务{i + 1}", lead=[world.market], due_on=due)
    make_task(plan, label="9", title="长期", lead=[world.tax], ongoing=True, due_on=None)
    monthly(world, plan, starts_on=date(2025, 6, 1), now=at(date(2025, 6, 2)))
    tasks = plan_queries.visible_tasks_for_user(world.office_admin)
    today = NOW.date()
    overdue = plan_queries.filter_ledger(
        tasks, plan_queries.LedgerFilters(status="overdue", today=today)
    ).count()
    soon = plan_queries.filter_ledger(
        tasks, plan_queries.LedgerFilters(due_soon=True, today=today)
    ).count()
    assert overdue == 2 and soon > 0
    assert plan_queries.ledger_counts(tasks, today) == (overdue, soon)
    assert plan_queries.ledger_counts(tasks.none(), today) == (0, 0)
