"""Visits, the overdue job, visit → appeal, ratings: through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.notifications.models import Notification
from qinqing.engagement import service
from qinqing.engagement.models import MissedCycle, Pairing, RaisedIssue, Visit
from qinqing.engagement.tasks import flag_overdue_visits
from tests.engagement.conftest import NOW

D = dt.date


def visit(pairing, day, *, mode="onsite", now=NOW, **kw):
    return service.record_visit(pairing, actor=pairing.cadre.user, now=now, visited_on=day,
                                mode=mode, summary=kw.pop("summary", "宣讲政策<script>"), **kw)  # fmt: skip


def test_visit_sets_the_next_due_date_on_the_cadence(scene):
    p = scene.pairing_a
    assert p.next_due_on == D(2026, 2, 4)  # first cycle: 5 Jan – 4 Feb
    v = visit(p, D(2026, 1, 20), topics=["problems", "policy", "bogus"], need_types=["finance"])
    p.refresh_from_db()
    assert v.cycle_due_on == D(2026, 2, 4) and v.fulfils_cycle
    assert v.topics == ["policy", "problems"]
    assert p.next_due_on == D(2026, 3, 4) and p.last_visit_on == D(2026, 1, 20)
    second = visit(p, D(2026, 1, 28), mode="phone")
    assert not second.fulfils_cycle  # the cycle was already fulfilled
    assert AuditEvent.objects.filter(verb="visit.recorded").count() == 2


def test_visit_in_the_future_writes_nothing(scene):
    with pytest.raises(InvalidInput, match="晚于今天"):
        visit(scene.pairing_a, D(2026, 3, 10))
    assert not Visit.objects.exists()
    assert not AuditEvent.objects.filter(verb="visit.recorded").exists()
    scene.pairing_a.refresh_from_db()
    assert scene.pairing_a.next_due_on == D(2026, 2, 4)


def test_no_more_than_n_onsite_visits_a_month(scene):
    p = scene.pairing_a
    visit(p, D(2026, 3, 2))
    visit(p, D(2026, 3, 3))
    with pytest.raises(InvalidInput, match="无事不扰"):
        visit(p, D(2026, 3, 5))
    visit(p, D(2026, 3, 5), mode="phone")  # a call is not an on-site visit
    assert Visit.objects.filter(pairing=p).count() == 3


def test_cap_counts_every_cadre_of_the_enterprise(scene):
    other = service.create_pairing(actor=scene.world.office_admin, now=NOW,
                                   cadre=scene.county_cadre, enterprise=scene.ent_a,
                                   starts_on=D(2026, 1, 5))  # fmt: skip
    visit(scene.pairing_a, D(2026, 3, 2))
    visit(other, D(2026, 3, 3))
    with pytest.raises(InvalidInput, match="已有 2 次实地走访"):
        visit(other, D(2026, 3, 4))


def test_pairing_that_overlaps_itself_is_refused(scene):
    with pytest.raises(InvalidInput, match="重叠"):
        service.create_pairing(actor=scene.world.office_admin, now=NOW, cadre=scene.market_cadre,
                               enterprise=scene.ent_a, starts_on=D(2026, 6, 1))  # fmt: skip
    # after the ended one, a new period with the same enterprise is fine
    again = service.create_pairing(actor=scene.world.office_admin, now=NOW,
                                   cadre=scene.market_cadre, enterprise=scene.ent_c,
                                   starts_on=D(2026, 3, 1))  # fmt: skip
    assert Pairing.objects.filter(cadre=scene.market_cadre, enterprise=scene.ent_c).count() == 2
    assert again.pk


def test_overdue_job_flags_missed_cycles_once_and_reminds_the_cadre(
    scene, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = flag_overdue_visits(NOW)
    p = Pairing.objects.get(pk=scene.pairing_a.pk)
    assert p.overdue_since == D(2026, 3, 9)
    assert p.next_due_on == D(2026, 4, 7)  # 4 April 2026 falls in 清明 → Tuesday 7 April
    assert sorted(MissedCycle.objects.filter(pairing=p).values_list("due_on", flat=True)) == [
        D(2026, 2, 4), D(2026, 3, 4),
    ]  # fmt: skip
    ended = Pairing.objects.get(pk=scene.pairing_c.pk)
    assert ended.overdue_since is None and ended.next_due_on is None
    assert MissedCycle.objects.filter(pairing=ended).count() == 1  # 4 Feb, inside its period
    assert result["newly_overdue"] == 2  # 甲 (market) and 乙 (county)
    note = Notification.objects.get(
        recipient=scene.world.market_clerk, kind="engagement.visit_overdue"
    )
    assert "1 家" in note.title
    # idempotent: a second run the same day changes nothing and sends nothing
    events = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        again = flag_overdue_visits(NOW + dt.timedelta(minutes=1))
    assert again == {"missed_cycles": 0, "newly_overdue": 0, "ended": 0, "due_soon_reminded": 0}
    assert MissedCycle.objects.count() == 5  # 甲 2, 乙 2, 丙 1
    assert Notification.objects.filter(kind="engagement.visit_overdue").count() == 2
    assert AuditEvent.objects.count() == events


def test_a_visit_clears_overdue_and_a_late_entry_fills_a_missed_cycle(scene):
    flag_overdue_visits(NOW)
    p = scene.pairing_a
    p.refresh_from_db()
    visit(p, D(2026, 3, 2))  # entered late: fills the cycle that ended on 4 March
    p.refresh_from_db()
    assert not MissedCycle.objects.filter(pairing=p, due_on=D(2026, 3, 4)).exists()
    assert p.overdue_since is None  # no missed cycle after the visit
    assert p.next_due_on == D(2026, 4, 7)


def test_due_soon_reminder_is_sent_once_per_cycle(scene, django_capture_on_commit_callbacks):
    p = scene.pairing_a
    visit(p, D(2026, 3, 2))  # fulfils the cycle ending 4 March: next due 7 April
    assert MissedCycle.objects.filter(pairing=p, due_on=D(2026, 2, 4)).exists()  # seen late
    before_due = dt.datetime(
        2026, 4, 1, 9, 0, tzinfo=NOW.tzinfo
    )  # 3 workdays before 7 April (清明 in between)
    with django_capture_on_commit_callbacks(execute=True):
        flag_overdue_visits(before_due)
        flag_overdue_visits(before_due + dt.timedelta(hours=1))
    assert Notification.objects.filter(recipient=scene.world.market_clerk,
                                       kind="engagement.visit_due_soon").count() == 1  # fmt: skip


def test_problem_found_on_a_visit_becomes_an_appeal_linked_both_ways(scene):
    from qinqing.appeals.choices import Channel

    v = visit(scene.pairing_a, D(2026, 3, 6))
    issue = service.raise_issue_from_visit(v, actor=scene.world.market_clerk, now=NOW,
                                           need_type="labor", data={
        "title": "招工难", "content": "需要技术工人 40 名。", "contact_name": "钱经理",
        "contact_phone": "13812345678",
    })  # fmt: skip
    appeal = issue.appeal
    assert appeal.channel == Channel.VISIT
    assert appeal.enterprise_uscc == scene.ent_a.uscc
    assert appeal.source == "engagement" and appeal.external_id.startswith(f"visit-{v.pk}-")
    assert appeal.engagement_issue == issue  # and back
    v.refresh_from_db()
    assert "labor" in v.need_types
    assert issue.cadre == scene.market_cadre and issue.unit == scene.world.market


def test_bad_appeal_input_writes_neither_appeal_nor_issue(scene):
    from qinqing.appeals.models import Appeal

    v = visit(scene.pairing_a, D(2026, 3, 6))
    with pytest.raises(InvalidInput, match="联系人"):
        service.raise_issue_from_visit(v, actor=scene.world.market_clerk, now=NOW,
                                       need_type="labor",
                                       data={"title": "招工难", "content": "x", "contact_phone": "1"})  # fmt: skip
    assert not Appeal.objects.exists() and not RaisedIssue.objects.exists()


def test_enterprise_rates_a_visit_once(scene, django_capture_on_commit_callbacks):
    v = visit(scene.pairing_a, D(2026, 3, 6))
    with django_capture_on_commit_callbacks(execute=True):
        service.rate_visit(v, actor=scene.world.enterprise_a, now=NOW, rating="unsatisfied",
                           comment="来得太频繁")  # fmt: skip
    assert Notification.objects.filter(kind="engagement.visit_rated").count() == 1
    with pytest.raises(IllegalTransition, match="不能重复评价"):
        service.rate_visit(v, actor=scene.world.enterprise_a, now=NOW, rating="satisfied")
    v.refresh_from_db()
    assert v.rating == "unsatisfied"


def test_attachment_is_checked_by_content(scene):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a jpeg")
    with pytest.raises(InvalidInput):
        visit(scene.pairing_a, D(2026, 3, 6), files=[fake])
    assert not Visit.objects.exists()
    good = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    v = visit(scene.pairing_a, D(2026, 3, 6), files=[good])
    assert v.attachments.count() == 1
