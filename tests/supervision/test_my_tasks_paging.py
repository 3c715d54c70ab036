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
