"""抽取 tells the units whose inspectors were drawn, once; never the enterprises."""

from __future__ import annotations

from qinqing.core.notifications.models import Notification
from qinqing.inspections import service
from tests.inspections.conftest import NOW, drawn_campaign


def test_draw_tells_each_unit_with_drawn_inspectors_once(iw):
    campaign = drawn_campaign(iw)
    units = {
        i.unit_id
        for v in campaign.visits.prefetch_related("inspectors")
        for i in v.inspectors.all()
    }
    told = Notification.objects.filter(kind="inspections.drawn")
    assert told.exists()
    assert {n.recipient.profile.unit_id for n in told} <= units
    assert all(n.url == campaign.get_absolute_url() for n in told)
    assert len({n.recipient_id for n in told}) == told.count()  # one message per person
    assert not Notification.objects.filter(recipient__profile__role__code="enterprise").exists()
    # the same key: a second announcement of this draw would reach nobody again
    from qinqing.inspections import notify

    before = told.count()
    notify.campaign_drawn(campaign, now=NOW)
    assert Notification.objects.filter(kind="inspections.drawn").count() == before


def test_refused_draw_tells_nobody(iw):
    import pytest

    from qinqing.core.errors import QinqingError

    campaign = drawn_campaign(iw)
    before = Notification.objects.count()
    with pytest.raises(QinqingError):
        service.draw_campaign(campaign, actor=iw.office_admin, now=NOW)
    assert Notification.objects.count() == before
