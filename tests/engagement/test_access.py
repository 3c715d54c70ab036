"""Every page and action against every persona: 403 without the capability, the same 404 for
"missing" and "not yours", and each denied write leaves no row, no change, no audit event."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse

from qinqing.core.audit.models import AuditEvent
from qinqing.engagement import service
from qinqing.engagement.models import (
    ApprovalItem,
    Blocker,
    ConsultationReply,
    ListMembership,
    Meeting,
    Pairing,
    Project,
    RaisedIssue,
    Visit,
)
from tests.engagement.conftest import NOW

PERSONAS = [
    "office_admin", "county_officer", "other_officer", "market_clerk", "county_clerk",
    "tax_clerk", "market_liaison", "leader", "discipline", "enterprise_a", "enterprise_b",
    "site_admin",
]  # fmt: skip


@dataclass
class Things:
    visit: Visit
    project: Project
    approval: ApprovalItem
    blocker: Blocker
    meeting: Meeting
    roundtable: Meeting
    enterprise_list: object
    membership: ListMembership


@pytest.fixture
def things(scene):
    w = scene.world
    v = service.record_visit(scene.pairing_a, actor=w.market_clerk, now=NOW,
                             visited_on=dt.date(2026, 3, 6), mode="onsite", summary="走访")  # fmt: skip
    project = service.create_project(actor=w.office_admin, now=NOW, name="产业园项目", area=w.city,
                                     lead_unit=w.ndrc, leader=w.leader, investment="1000")  # fmt: skip
    approval = service.add_approval(project, actor=w.office_admin, now=NOW, name="规划许可")
    blocker = service.add_blocker(project, actor=w.office_admin, now=NOW, description="供电",
                                  owner_unit=w.market)  # fmt: skip
    meeting = service.schedule_meeting(
        actor=w.office_admin, now=NOW, kind="consultation", title="征求意见会", area=w.city,
        host_unit=w.office, held_on=dt.date(2026, 3, 12), enterprises=[scene.ent_a],
        draft_title="若干措施", draft_text="第一条", replies_due_on=dt.date(2026, 3, 20),
    )  # fmt: skip
    roundtable = service.schedule_meeting(
        actor=w.office_admin, now=NOW, kind="roundtable", title="圆桌会", area=w.city,
        host_unit=w.office, held_on=dt.date(2026, 3, 6), enterprises=[scene.ent_a],
    )  # fmt: skip
    key = service.create_enterprise_list(actor=w.office_admin, now=NOW, name="重点企业",
                                         kind="key", area=w.city)  # fmt: skip
    membership = service.add_to_list(key, scene.ent_a, actor=w.office_admin, now=NOW)
    return Things(v, project, approval, blocker, meeting, roundtable, key, membership)


def expected(persona: str, allowed: set[str], missing: set[str] = frozenset()) -> set[int]:
    if persona in allowed:
        return {200}
    return {404} if persona in missing else {403, 404}


def page_cases(s, t):
    p = s.pairing_a.pk
    office = {"office_admin"}
    city_viewers = {"office_admin", "leader"}
    return [
        ("engagement:mine", [], {"market_clerk", "county_clerk", "tax_clerk", "market_liaison"}),
        ("engagement:enterprise_home", [], {"enterprise_a", "enterprise_b"}),
        ("engagement:pairings", [], city_viewers | {"county_officer", "other_officer", "market_liaison"}),
        ("engagement:pairing", [p], city_viewers | {"market_clerk", "market_liaison", "enterprise_a"}),
        ("engagement:visit_new", [p], {"market_clerk"}),
        ("engagement:visit", [t.visit.pk], city_viewers | {"market_clerk", "market_liaison", "enterprise_a"}),
        ("engagement:issue_new", [t.visit.pk], {"market_clerk"}),
        ("engagement:card", [s.ent_a.uscc], city_viewers | {"market_clerk", "market_liaison", "enterprise_a"}),
        ("engagement:pairing_new", [], office | {"county_officer", "other_officer"}),
        ("engagement:pairings_import", [], office | {"county_officer", "other_officer"}),
        ("engagement:cadres", [], city_viewers | {"county_officer", "other_officer", "market_liaison"}),
        ("engagement:dashboard", [], city_viewers | {"county_officer", "other_officer", "market_liaison"}),
        ("engagement:projects", [], city_viewers | {"county_officer", "other_officer", "market_clerk",
                                                    "county_clerk", "tax_clerk", "market_liaison"}),
        ("engagement:project", [t.project.pk], city_viewers),
        ("engagement:project_new", [], office | {"county_officer", "other_officer"}),
        ("engagement:meetings", [], city_viewers | {"county_officer", "other_officer", "market_clerk",
                                                    "county_clerk", "tax_clerk", "market_liaison",
                                                    "enterprise_a", "enterprise_b"}),
        ("engagement:meeting", [t.meeting.pk], city_viewers | {"enterprise_a"}),
        ("engagement:meeting_docx", [t.meeting.pk], city_viewers),
        ("engagement:meeting_issue", [t.meeting.pk], office),
        ("engagement:meeting_new", [], office | {"county_officer", "other_officer"}),
        ("engagement:lists", [], office | {"county_officer", "other_officer"}),
        ("engagement:enterprise_list", [t.enterprise_list.pk], city_viewers),
    ]  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_for_every_persona(persona, scene, things, as_user):
    client = as_user(scene.world.users[persona])
    for name, args, allowed in page_cases(scene, things):
        response = client.get(reverse(name, args=args))
        assert response.status_code in expected(persona, allowed), (
            name,
            persona,
            response.status_code,
        )
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            assert b"<script>alert(1)</script>" not in response.content, name


def test_missing_and_not_yours_look_the_same(scene, things, as_user):
    client = as_user(scene.world.county_clerk)
    mine = client.get(reverse("engagement:pairing", args=[scene.pairing_a.pk]))
    missing = client.get(reverse("engagement:pairing", args=[999999]))
    assert mine.status_code == missing.status_code == 404

    def strip(content):
        return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)

    assert strip(mine.content) == strip(missing.content)
    assert "包联关系不存在，或不在您可查看的范围内" in mine.content.decode()


def snapshot():
    return (
        Visit.objects.count(), RaisedIssue.objects.count(), Pairing.objects.count(),
        list(Pairing.objects.order_by("pk").values_list("ends_on", "next_due_on")),
        list(Visit.objects.values_list("rating", flat=True)), ConsultationReply.objects.count(),
        list(Project.objects.values_list("stage", flat=True)),
        list(ApprovalItem.objects.values_list("status", flat=True)),
        list(Blocker.objects.values_list("resolved_on", flat=True)),
        ListMembership.objects.count(), list(ListMembership.objects.values_list("left_on", flat=True)),
        list(Meeting.objects.values_list("minutes", flat=True)),
        AuditEvent.objects.count(),
    )  # fmt: skip


def action_cases(s, t):
    visit_data = {"visited_on": "2026-03-06", "mode": "phone", "summary": "电话"}
    issue = {"need_type": "labor", "appeal_type": "help", "title": "t", "content": "c",
             "contact_name": "钱", "contact_phone": "13800000000"}  # fmt: skip
    return [
        ("engagement:visit_new", [s.pairing_a.pk], visit_data, {"market_clerk"}),
        ("engagement:issue_new", [t.visit.pk], issue, {"market_clerk"}),
        ("engagement:visit_rate", [t.visit.pk], {"rating": "satisfied"}, {"enterprise_a"}),
        ("engagement:pairing_end", [s.pairing_a.pk], {"ends_on": "2026-03-09"}, {"office_admin"}),
        ("engagement:pairing_new", [], {"cadre": s.market_cadre.pk, "uscc": s.ent_b.uscc,
                                        "grid_level": "industry", "cadence_months": 1,
                                        "starts_on": "2026-03-01"}, {"office_admin"}),
        ("engagement:project_advance", [t.project.pk], {"stage": "started"}, {"office_admin", "leader"}),
        ("engagement:approval_add", [t.project.pk], {"name": "环评", "status": "proxy"}, {"office_admin", "leader"}),
        ("engagement:approval_update", [t.approval.pk], {"status": "done"}, {"office_admin", "leader"}),
        ("engagement:blocker_resolve", [t.blocker.pk], {"resolution": "已迁改"},
         {"office_admin", "leader", "market_clerk", "market_liaison"}),
        ("engagement:meeting_minutes", [t.roundtable.pk], {"minutes": "纪要"}, {"office_admin"}),
        ("engagement:meeting_reply", [t.meeting.pk], {"text": "建议"}, {"enterprise_a"}),
        ("engagement:list_add", [t.enterprise_list.pk], {"uscc": s.ent_b.uscc}, {"office_admin"}),
        ("engagement:list_remove", [t.membership.pk], {}, {"office_admin"}),
    ]  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
def test_denied_actions_write_nothing(persona, scene, things, as_user):
    client = as_user(scene.world.users[persona])
    for name, args, data, allowed in action_cases(scene, things):
        if persona in allowed:
            continue
        before = snapshot()
        response = client.post(reverse(name, args=args), data)
        # an office of another area gets the form back: that cadre is not one it may choose
        form_refusal = name == "engagement:pairing_new" and response.status_code == 200
        assert form_refusal or response.status_code in (403, 404), (
            name,
            persona,
            response.status_code,
        )
        if form_refusal:
            assert "选择一个有效的选项" in response.content.decode()
        assert snapshot() == before, (name, persona)


@pytest.mark.parametrize("persona", ["office_admin", "market_clerk", "enterprise_a"])
def test_allowed_actions_do_write(persona, scene, things, as_user):
    client = as_user(scene.world.users[persona])
    for name, args, data, allowed in action_cases(scene, things):
        if persona not in allowed:
            continue
        before = AuditEvent.objects.count()
        response = client.post(reverse(name, args=args), data)
        assert response.status_code == 302, (
            name,
            response.status_code,
            response.content[:3000].decode(),
        )
        assert AuditEvent.objects.count() > before, name


def test_county_office_sees_only_its_county(scene, things, as_user):
    client = as_user(scene.world.county_officer)
    page = client.get(reverse("engagement:pairings")).content.decode()
    assert "乙企业" in page and "甲企业" not in page
    dash = client.get(reverse("engagement:dashboard")).content.decode()
    assert "示例县" in dash and "市市场监管局" not in dash
    other = as_user(scene.world.other_officer).get(reverse("engagement:pairings")).content.decode()
    assert "乙企业" not in other and "甲企业" not in other


def test_liaison_sees_its_units_cadres_and_a_cadre_only_their_own(scene, things, as_user):
    liaison = (
        as_user(scene.world.market_liaison).get(reverse("engagement:pairings")).content.decode()
    )
    assert "甲企业" in liaison and "丙企业" in liaison and "乙企业" not in liaison
    mine = as_user(scene.world.county_clerk).get(reverse("engagement:mine")).content.decode()
    assert "乙企业" in mine and "甲企业" not in mine
