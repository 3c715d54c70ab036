"""问题台账设置: the office sets its own area's 回头看 period and 考评 deductions on a page,
audited; 问责 may not weigh less than the other deductions; nobody else may change them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from qinqing.core.accounts.access import scope_area
from qinqing.core.audit.models import AuditEvent
from qinqing.problems import service, views
from qinqing.problems.models import ProblemSettings
from tests.problems.conftest import NOW

VALID = {
    "follow_up_days": "60", "deduction_overdue": "1.5", "deduction_recurrence": "3",
    "deduction_accountability": "8", "source": "考评办法（2025年）",
}  # fmt: skip


@pytest.fixture
def pages(client, monkeypatch):
    monkeypatch.setattr(views, "_now", lambda: NOW)
    return client


def test_office_sets_its_area_and_the_change_is_audited(world, pages):
    pages.force_login(world.office_admin)
    page = pages.get(reverse("problems:settings")).content.decode()
    assert 'value="90"' in page  # the defaults are shown before anything is saved
    assert pages.post(reverse("problems:settings"), VALID).status_code == 302
    area = scope_area(world.office_admin)
    conf = service.settings_for(area)
    assert (conf.follow_up_days, conf.deduction_accountability) == (60, Decimal("8.00"))
    event = AuditEvent.objects.get(verb="problems.settings_saved")
    assert event.before["follow_up_days"] == "90" and event.after["follow_up_days"] == "60"
    assert event.after["deduction_accountability"] == "8.00"
    # another city's office sets only its own area
    pages.force_login(world.other_officer)
    assert (
        pages.post(reverse("problems:settings"), {**VALID, "follow_up_days": "30"}).status_code
        == 302
    )
    assert service.settings_for(area).follow_up_days == 60
    assert service.settings_for(scope_area(world.other_officer)).follow_up_days == 30


def test_accountability_may_not_weigh_less_and_the_form_keeps_what_was_typed(world, pages):
    pages.force_login(world.office_admin)
    response = pages.post(reverse("problems:settings"), {**VALID, "deduction_recurrence": "9.5"})
    page = response.content.decode()
    assert response.status_code == 400 and "问责是最高一级的处理" in page
    assert 'value="9.5"' in page and "考评办法（2025年）" in page
    assert not ProblemSettings.objects.exists()
    assert not AuditEvent.objects.filter(verb="problems.settings_saved").exists()


@pytest.mark.parametrize("who", ["market_clerk", "leader", "discipline"])
def test_others_may_not_change_the_settings(world, pages, who):
    pages.force_login(getattr(world, who))
    assert pages.get(reverse("problems:settings")).status_code in (403, 404)
    assert pages.post(reverse("problems:settings"), VALID).status_code in (403, 404)
    assert not ProblemSettings.objects.exists()
    assert not AuditEvent.objects.filter(verb="problems.settings_saved").exists()
