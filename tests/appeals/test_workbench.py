"""The appeals lines of the home page: each count equals the list its link opens, and the
new 诉求总览 filters (keyword or number, dates, overdue, export)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from qinqing.appeals import service
from qinqing.appeals.models import Appeal
from qinqing.web.workbench import work_items_for
from tests.appeals.conftest import NOW
from tests.appeals.factories import dispatched, enterprise_b_data, make_appeal, replied


def item(user, label, now=NOW):
    found = [i for i in work_items_for(user, now) if i.label == label]
    assert len(found) == 1, [i.label for i in work_items_for(user, now)]
    return found[0]


def ticket_rows(html: str) -> int:
    return len(re.findall(r'<tr class="sla-', html))


def listed(html: str) -> int:
    return int(re.search(r"共 (\d+) 件", html).group(1))


@pytest.fixture
def busy(appeals_world, clock):
    w = appeals_world
    make_appeal(w, NOW - dt.timedelta(days=1))  # 待派单
    late_appeal, late = dispatched(w, NOW - dt.timedelta(days=10))  # sign deadline long past
    fresh_appeal, fresh = dispatched(w, NOW - dt.timedelta(hours=1), title="新派单")
    working_appeal, working = dispatched(w, NOW - dt.timedelta(days=2), title="办理中")
    service.acknowledge_ticket(working, actor=w.market_clerk, now=NOW - dt.timedelta(days=2))
    done_appeal, _ = replied(w, NOW - dt.timedelta(days=3), title="已答复")
    return w


def test_unit_counts_equal_its_ticket_lists(busy, as_user):
    w = busy
    client = as_user(w.market_clerk)
    sign = item(w.market_clerk, "待签收工单")
    reply = item(w.market_clerk, "待答复工单")
    assert (sign.count, reply.count) == (2, 1)
    assert sign.overdue == 1  # the one dispatched ten days ago
    assert ticket_rows(client.get(sign.url).content.decode()) == sign.count
    assert ticket_rows(client.get(reply.url).content.decode()) == reply.count
    home = client.get(reverse("web:home")).content.decode()
    assert f'href="{sign.url}"' in home and 'data-count="2"' in home
    assert "1 件超时" in home
    # the home page is the work queue, not a copy of the side navigation
    assert 'class="cards"' not in home


def test_office_counts_equal_its_queues(busy, as_user):
    w = busy
    client = as_user(w.office_admin)
    queue = item(w.office_admin, "待派单诉求")
    assert queue.count == 1
    page = client.get(queue.url).content.decode()
    assert page.count('name="primary_unit"') >= 1
    callbacks = item(w.office_admin, "待回访")
    assert callbacks.count == Appeal.objects.filter(state="replied").count() == 1
    assert "已答复" in client.get(callbacks.url).content.decode()


def test_enterprise_sees_open_appeals_and_what_awaits_it(busy, as_user):
    w = busy
    make_appeal(w, NOW, **enterprise_b_data())  # another enterprise's: never counted
    client = as_user(w.enterprise_a)
    open_ = item(w.enterprise_a, "办理中的诉求")
    assert (
        open_.count
        == Appeal.objects.filter(enterprise_uscc=w.enterprise_a.profile.uscc)
        .exclude(state__in=["closed", "answered", "merged", "referred"])
        .count()
    )
    assert listed(client.get(open_.url).content.decode()) == open_.count
    rating = item(w.enterprise_a, "待我评价")
    assert listed(client.get(rating.url).content.decode()) == rating.count


def test_overview_search_dates_overdue_and_export(busy, as_user):
    w = busy
    client = as_user(w.office_admin)
    url = reverse("appeals:list")
    target = Appeal.objects.get(title="新派单")
    assert listed(client.get(url, {"q": target.number}).content.decode()) == 1
    assert listed(client.get(url, {"q": "新派单"}).content.decode()) == 1
    assert listed(client.get(url, {"q": "乙企业不存在"}).content.decode()) == 0
    day = NOW.date()
    assert listed(client.get(url, {"from": day, "to": day}).content.decode()) == 1
    since = (NOW - dt.timedelta(days=2)).date()
    assert listed(client.get(url, {"from": since}).content.decode()) == 3
    overdue = listed(client.get(url, {"overdue": "1"}).content.decode())
    assert overdue == 1
    export = client.get(url, {"overdue": "1", "format": "xlsx"})
    assert export.status_code == 200
    assert "attachment" in export["Content-Disposition"]
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet.max_row == 2  # header + the one overdue appeal


def test_discipline_sees_its_open_leads(appeals_world, as_user, clock):
    w = appeals_world
    lead = item(w.discipline, "待处置的作风问题线索")
    assert lead.count == 0
    assert "只看待处置" in as_user(w.discipline).get(lead.url).content.decode()


def _next_appeal_id(value: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('appeals_appeal', 'id'), %s, false)",
                [value],
            )
        else:
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = %s WHERE name = 'appeals_appeal'", [value - 1]
            )


def test_a_month_aligned_number_is_found(busy, as_user):
    """On PostgreSQL the monthly partition job moves appeal ids to the month's base
    (core/db/partitions.py: 2027-01 → 202701 × 10⁸), so numbers grow to 14 digits after the
    date; the search box must still find an appeal by the number on its receipt."""
    w = busy
    _next_appeal_id(202701 * 10**8 + 42)
    appeal = make_appeal(w, NOW, title="月度编号诉求")
    assert appeal.pk == 202701_00000042
    client = as_user(w.office_admin)
    url = reverse("appeals:list")
    assert "月度编号诉求" in client.get(url, {"q": appeal.number}).content.decode()
    assert listed(client.get(url, {"q": appeal.number}).content.decode()) == 1
    assert listed(client.get(url, {"q": str(appeal.pk)}).content.decode()) == 1
