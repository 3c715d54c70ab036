"""Result publication deadlines: working days after the visit, flagged once when missed."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from qinqing.core.audit.models import AuditEvent
from qinqing.inspections import service, tasks
from qinqing.inspections.models import VisitItem
from tests.inspections.conftest import NOW, at, drawn_campaign

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


def test_publication_is_due_twenty_working_days_after_the_planned_visit(iw):
    campaign = drawn_campaign(iw)
    for vi in VisitItem.objects.filter(visit__campaign=campaign).select_related("visit"):
        planned = vi.visit.planned_on
        # June 22–30 + 20 working days (no holiday in July 2026): 4 weeks later
        assert (vi.publish_due_on - planned).days == 28, planned


def test_sweep_flags_unpublished_results_once_and_spares_published_ones(iw):
    campaign = drawn_campaign(iw, publish=True)
    items = list(VisitItem.objects.filter(visit__campaign=campaign).order_by("pk"))
    service.record_result(
        items[0],
        actor=iw.market_clerk,
        result="no_issue",
        checked_on=date(2026, 6, 1),
        note="",
        now=NOW,
    )
    before_due = at(date(2026, 7, 20))
    assert tasks.flag_overdue(before_due)["results"] == 0
    late = at(date(2026, 8, 10))
    assert tasks.flag_overdue(late)["results"] == len(items) - 1
    events = AuditEvent.objects.count()
    assert tasks.flag_overdue(late)["results"] == 0
    assert AuditEvent.objects.count() == events
    items[0].refresh_from_db()
    assert items[0].overdue_flagged_at is None


def test_a_visit_in_a_year_without_a_notice_gets_a_provisional_due_date(iw, client_for):
    campaign = drawn_campaign(
        iw, window_start_on=date(2026, 12, 1), window_end_on=date(2026, 12, 31)
    )
    items = VisitItem.objects.filter(visit__campaign=campaign)
    assert not items.filter(publish_due_on__isnull=True).exists()
    late = items.filter(publish_due_on__year=2027).first()
    assert late is not None  # 20 working days after late December 2026 fall in 2027
    page = client_for(iw.office_admin).get(reverse("inspections:visit", args=[late.visit_id]))
    text = page.content.decode()
    assert late.publish_due_on.strftime("%Y-%m-%d") in text and "暂定" in text


def test_on_time_publication_indicator_per_department(iw):
    from qinqing.assessment.registry import Period, get_indicator

    campaign = drawn_campaign(iw, publish=True)
    market = VisitItem.objects.filter(visit__campaign=campaign, item=iw.market_item)
    first = market.order_by("pk").first()
    service.record_result(
        first,
        actor=iw.market_clerk,
        result="no_issue",
        checked_on=date(2026, 6, 1),
        note="",
        now=NOW,
    )
    indicator = get_indicator("inspections.results_published_on_time")
    values = indicator.compute(
        Period(date(2026, 7, 1), date(2026, 8, 31)), [iw.market.pk, iw.tax.pk, iw.ndrc.pk]
    )
    assert values[iw.market.pk] == round(100 / market.count(), 1)
    assert values[iw.tax.pk] == 0.0 and values[iw.ndrc.pk] is None
