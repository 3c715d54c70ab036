"""双随机 visits become on-site registrations before entry, automatically and only once."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from qinqing.core.audit.models import AuditEvent
from qinqing.core.notifications.models import Notification
from qinqing.inspections.models import Visit
from qinqing.onsite import service, tasks
from qinqing.onsite.models import CheckRegistration, DrawnVisitRefusal, RegistrationState
from tests.inspections.conftest import NOW, drawn_campaign
from tests.onsite.conftest import register
from tests.world import USCC_A

pytestmark = pytest.mark.django_db


def _units_of(visit: Visit) -> set[int]:
    return {vi.item.unit_id for vi in visit.visit_items.select_related("item")}


def _draw(ow, capture, **overrides):
    with capture(execute=True):
        return drawn_campaign(ow, **overrides)


def test_drawing_a_campaign_registers_every_visit_before_entry(
    ow, django_capture_on_commit_callbacks, client_for
):
    campaign = _draw(ow, django_capture_on_commit_callbacks)
    visits = list(Visit.objects.filter(campaign=campaign).prefetch_related("inspectors"))
    assert visits
    expected = sum(len(_units_of(v)) for v in visits)
    rows = CheckRegistration.objects.filter(visit__campaign=campaign)
    assert rows.count() == expected and not DrawnVisitRefusal.objects.exists()
    for visit in visits:
        for r in rows.filter(visit=visit).prefetch_related("items", "inspectors"):
            assert r.category == "random" and r.state == RegistrationState.REGISTERED
            assert r.enterprise_id == visit.enterprise_id and r.planned_on == visit.planned_on
            assert campaign.name in r.reason and f"第 {visit.number} 号" in r.reason
            assert {i.unit_id for i in r.items.all()} == {r.unit_id}
            for item in r.items.all():
                assert item.legal_basis in r.legal_basis
            assert set(r.inspectors.all()) == set(visit.inspectors.all())
    # a visit of two departments is one joint visit and counts once towards the cap
    for visit in visits:
        members = list(rows.filter(visit=visit))
        if len(members) == 2:
            assert members[0].joint_id and members[0].joint_id == members[1].joint_id
            assert service.planned_checks_in_year(visit.enterprise_id, 2026) == 1
    # the enterprise sees its drawn check on its phone page (the tax item draws every D)
    mine = rows.filter(enterprise__uscc=USCC_A).first()
    page = client_for(ow.enterprise_a).get(reverse("onsite:mine")).content.decode()
    assert mine is not None and mine.reason in page and "双随机抽查" in page
    assert Notification.objects.filter(kind="onsite.check_registered").exists()


def test_running_again_or_resending_never_duplicates(ow, django_capture_on_commit_callbacks):
    from qinqing.inspections import signals

    campaign = _draw(ow, django_capture_on_commit_callbacks)
    count = CheckRegistration.objects.count()
    events = AuditEvent.objects.filter(verb="check.registered").count()
    again = service.register_drawn_visits(campaign.pk, actor=ow.office_admin, now=NOW)
    assert again.registered == 0 and again.skipped == count
    signals.send_visits_drawn(campaign, actor=ow.office_admin, now=NOW)
    assert tasks.register_drawn_visits(NOW)["registered"] == 0
    assert CheckRegistration.objects.count() == count
    assert AuditEvent.objects.filter(verb="check.registered").count() == events


def test_the_daily_job_registers_visits_whose_signal_was_lost(ow):
    campaign = drawn_campaign(ow)  # on-commit callbacks are not run: the signal is "lost"
    assert not CheckRegistration.objects.exists()
    totals = tasks.register_drawn_visits(NOW)
    visits = Visit.objects.filter(campaign=campaign)
    assert totals["registered"] == sum(len(_units_of(v)) for v in visits) > 0
    assert (
        CheckRegistration.objects.filter(visit__campaign=campaign).count() == totals["registered"]
    )


def test_a_drawn_visit_over_the_annual_cap_is_refused_and_the_unit_told(
    ow, django_capture_on_commit_callbacks
):
    ent_a = next(e for e in ow.enterprises if e.uscc == USCC_A)
    service.save_settings(actor=ow.office_admin, now=NOW, area=ow.city, annual_cap=1,
                          annual_cap_a=1)  # fmt: skip
    register(ow, unit="tax", ent=ent_a, day=date(2026, 6, 29))  # the year's one check
    campaign = _draw(ow, django_capture_on_commit_callbacks)
    visit = Visit.objects.get(campaign=campaign, uscc=USCC_A)
    refusals = DrawnVisitRefusal.objects.filter(visit=visit)
    assert refusals.count() == len(_units_of(visit))
    assert all("上限" in r.reason for r in refusals)
    assert not CheckRegistration.objects.filter(visit=visit).exists()
    assert AuditEvent.objects.filter(verb="drawn_visit.refused").count() == refusals.count()
    assert Notification.objects.filter(kind="onsite.drawn_refused").exists()
    # other enterprises were registered; a second run neither retries nor repeats
    assert CheckRegistration.objects.filter(visit__campaign=campaign).exists()
    before = CheckRegistration.objects.count()
    outcome = service.register_drawn_visits(campaign.pk, actor=ow.office_admin, now=NOW)
    assert outcome.registered == outcome.refused == 0
    assert CheckRegistration.objects.count() == before and refusals.count() == len(_units_of(visit))


def test_where_entry_needs_approval_the_drawn_checks_are_approved_by_the_campaign(
    ow, django_capture_on_commit_callbacks
):
    service.save_settings(actor=ow.office_admin, now=NOW, area=ow.city, approval_required=True)
    campaign = _draw(ow, django_capture_on_commit_callbacks)
    rows = CheckRegistration.objects.filter(visit__campaign=campaign)
    assert rows.exists()
    assert set(rows.values_list("state", flat=True)) == {RegistrationState.APPROVED}
    assert set(rows.values_list("decided_by", flat=True)) == {ow.office_admin.pk}
