"""Pages made cheaper for the load of issue 20 show exactly what they showed: the unit's
ticket list reads its appeals for the page shown only, the 三率 table formats its cells in
the view, the roll-up's months are summed in the database."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.template.defaultfilters import floatformat
from django.test.utils import CaptureQueriesContext

from qinqing.appeals import figures
from qinqing.appeals.views import handling
from qinqing.appeals.views.figures import _one_decimal
from tests.appeals.conftest import NOW, SHANGHAI
from tests.appeals.factories import dispatched

pytestmark = pytest.mark.date_sensitive


def _queries(client, url: str) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx), response.content.decode()


def test_unit_ticket_list_reads_the_shown_appeals_only(appeals_world, as_user, clock, monkeypatch):
    w = appeals_world
    monkeypatch.setattr(handling, "TICKETS_PER_PAGE", 3)
    for i in range(2):
        dispatched(w, NOW - dt.timedelta(days=3 - i), title=f"早先{i}", content=f"道路破损{i}")
    client = as_user(w.market_clerk)
    before, _ = _queries(client, "/appeals/tickets/")
    for i in range(4):
        dispatched(w, NOW - dt.timedelta(hours=5 - i), title=f"后来{i}", content=f"检查过多{i}")
    after, first = _queries(client, "/appeals/tickets/")
    assert after == before  # however many tickets: no query per ticket or appeal
    _, second = _queries(client, "/appeals/tickets/?page=2")
    rows = re.findall(r'<a href="/appeals/(\d+)/">SQ\d{8}\d+</a></td><td>([^<]+)<', first + second)
    assert sorted(title.strip() for _, title in rows) == sorted(
        [f"早先{i}" for i in range(2)] + [f"后来{i}" for i in range(4)]
    )
    assert "第 1 / 2 页" in first and "第 2 / 2 页" in second


def test_table_cells_are_formatted_as_the_template_filter_did():
    for whole in range(0, 1001):
        for value in (whole / 10, round(100 * whole / 997, 1), round(100 * whole / 3, 1)):
            assert _one_decimal(value) == floatformat(value, 1), value
    assert _one_decimal(None) is None


def test_figures_page_cells_and_links(appeals_world, as_user, clock):
    w = appeals_world
    _, ticket = dispatched(w, NOW - dt.timedelta(days=5), title="甲", content="道路破损一")
    client = as_user(w.office_admin)
    html = client.get("/appeals/figures/?start=2026-01-01&end=2026-03-09").content.decode()
    rows = figures.ranking(dt.date(2026, 1, 1), dt.date(2026, 3, 9), area=w.city, as_of=NOW)
    market = next(r for r in rows if r.key == w.market.pk)
    link = f"/appeals/?unit={w.market.pk}&start=2026-01-01&end=2026-03-09&level=unit"
    assert f'<a href="{link}">{market.name}</a>' in html
    response = floatformat(market.percent("response_rate"), 1)
    assert (
        f'<a href="{link}&metric=late_sign" aria-label="{market.name}响应率 {response}%，'
        f'查看超时签收">{response}%</a>' in html
    )
    assert "<td>—</td>" in html  # no callback yet: 解决率 and 满意率 unknown


def _at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_rolled_up_months_are_summed_per_unit(appeals_world):
    from qinqing.appeals.tasks import roll_up_figures

    w = appeals_world
    for month in (1, 2, 3):
        for day in (12, 19):
            dispatched(w, _at(2026, month, day, 9, 50), title=f"{month}月", content=f"事项{day}")
    june = _at(2026, 6, 10, 2)
    live = figures.unit_counts(
        dt.date(2026, 1, 1), dt.date(2026, 6, 9), as_of=june, use_rollup=False
    )
    assert roll_up_figures(june, months_back=6) == 6
    rolled = figures.unit_counts(dt.date(2026, 1, 1), dt.date(2026, 6, 9), as_of=june)
    assert rolled == live and live[(w.market.pk, "")].dispatched == 6
    by_month = figures.unit_counts(
        dt.date(2026, 1, 1), dt.date(2026, 6, 9), as_of=june, by_month=True
    )
    assert {k: c.dispatched for k, c in by_month.items()} == {
        (w.market.pk, f"2026-0{m}"): 2 for m in (1, 2, 3)
    }


def test_handling_units_look_at_the_phone_asks_once_and_is_audited_once(
    appeals_world, as_user, clock
):
    from qinqing.core.audit.models import AuditEvent

    w = appeals_world
    appeal, _ = dispatched(w, NOW - dt.timedelta(hours=2), title="甲", content="道路破损一")
    client = as_user(w.market_clerk)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(f"/appeals/{appeal.pk}/").content.decode()
    assert appeal.contact_phone in html
    ticket_checks = [
        q for q in ctx.captured_queries if 'SELECT 1 AS "a" FROM "appeals_ticket"' in q["sql"]
    ]
    assert len(ticket_checks) == 1
    views = AuditEvent.objects.filter(verb="appeal.viewed_phone", object_id=str(appeal.pk))
    assert views.count() == 1
    office_html = as_user(w.office_admin).get(f"/appeals/{appeal.pk}/").content.decode()
    assert appeal.contact_phone in office_html and views.count() == 1
