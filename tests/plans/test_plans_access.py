"""Denials: who may not open, edit or confirm plans and tasks; nothing changes when refused."""

from __future__ import annotations

import pytest

from qinqing.core.orgs.models import UnitNameProposal
from qinqing.plans.models import PlanStatus
from tests.plans.samples import PLAN_TEXT, import_plan, state, task, upload


@pytest.fixture
def draft(world):
    return import_plan(world)


def _writes(plan):
    t = task(plan, "2")
    proposal = UnitNameProposal.objects.get(raw_name="市数据资源局")
    edit = {
        "label": "2", "title": "改掉的标题", "lead_units": "市税务局", "deadline_raw": "2025年底",
    }  # fmt: skip
    return [
        (f"/plans/plans/{plan.pk}/confirm/", {"accept_unresolved": "on"}),
        (f"/plans/plans/{plan.pk}/discard/", {}),
        (f"/plans/plans/{plan.pk}/details/", {"title": "改掉的方案", "year": "2030"}),
        (f"/plans/plans/{plan.pk}/tasks/{t.pk}/edit/", edit),
        (f"/plans/plans/{plan.pk}/tasks/{t.pk}/delete/", {}),
        (f"/plans/plans/{plan.pk}/names/{proposal.pk}/", {"action": "reject"}),
        (f"/plans/plans/{plan.pk}/refresh-units/", {}),
        (
            f"/plans/plans/{plan.pk}/tasks/add/",
            {"add-title": "补充的任务", "add-lead_units": "市税务局"},
        ),
    ]


@pytest.mark.parametrize("persona", ["market_clerk", "tax_clerk", "county_clerk", "other_officer"])
def test_outside_the_plans_area_the_review_page_does_not_exist(world, draft, client_for, persona):
    client = client_for(getattr(world, persona))
    before = state()
    assert client.get(f"/plans/plans/{draft.pk}/").status_code == 404
    assert client.get(f"/plans/plans/{draft.pk}/diff/").status_code == 404
    for url, data in _writes(draft):
        assert client.post(url, data).status_code == 404, url
    assert state() == before
    draft.refresh_from_db()
    assert draft.status == PlanStatus.DRAFT


def test_leader_reads_the_review_page_but_cannot_change_anything(world, draft, client_for):
    client = client_for(world.leader)
    page = client.get(f"/plans/plans/{draft.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "压缩企业开办时间" in body and "您可以查看审核内容，但不能修改或确认" in body
    assert "确认并进入台账" not in body
    before = state()
    for url, data in _writes(draft):
        assert client.post(url, data).status_code == 403, url
    assert (
        client.get(f"/plans/plans/{draft.pk}/tasks/{task(draft, '1').pk}/edit/").status_code == 403
    )
    assert client.get("/plans/import/").status_code == 403
    r = client.post(
        "/plans/import/",
        {"file": upload("方案二.txt", PLAN_TEXT.replace("2025", "2026").encode()),
         "area": world.city.pk},
    )  # fmt: skip
    assert r.status_code == 403
    assert state() == before


@pytest.mark.parametrize("persona", ["market_clerk", "enterprise_a"])
def test_only_the_office_may_import(world, client_for, persona):
    client = client_for(getattr(world, persona))
    before = state()
    r = client.post(
        "/plans/import/", {"file": upload("方案.txt", PLAN_TEXT.encode()), "area": world.city.pk}
    )
    assert r.status_code == 403
    assert state() == before


def test_office_cannot_import_into_another_city(world, client_for):
    client = client_for(world.office_admin)
    before = state()
    r = client.post(
        "/plans/import/",
        {"file": upload("方案.txt", PLAN_TEXT.encode()), "area": world.other_city.pk},
    )
    assert r.status_code == 400  # not a choice offered to this user
    assert state() == before


def test_county_office_sees_only_county_plans(world, draft, client_for):
    client = client_for(world.county_officer)
    assert client.get(f"/plans/plans/{draft.pk}/").status_code == 404
    assert "示例市2025年" not in client.get("/plans/plans/").content.decode()


def test_unit_staff_cannot_open_a_task_not_assigned_to_it(world, client_for):
    plan = import_plan(world, confirm=True)
    t2 = task(plan, "2")  # lead 市税务局, responsible 市数据资源局 (unknown)
    before = state()
    assert client_for(world.market_clerk).get(f"/plans/tasks/{t2.pk}/").status_code == 404
    assert client_for(world.county_clerk).get(f"/plans/tasks/{t2.pk}/").status_code == 404
    assert client_for(world.other_officer).get(f"/plans/tasks/{t2.pk}/").status_code == 404
    assert client_for(world.tax_clerk).get(f"/plans/tasks/{t2.pk}/").status_code == 200
    assert state() == before


def test_unit_staff_see_tasks_but_not_plan_pages(world, client_for):
    plan = import_plan(world, confirm=True)
    client = client_for(world.market_clerk)
    assert client.get(f"/plans/plans/{plan.pk}/").status_code == 404
    body = client.get(f"/plans/tasks/{task(plan, '1').pk}/").content.decode()
    assert f'href="/plans/plans/{plan.pk}/"' not in body


def test_draft_tasks_are_invisible_in_the_ledger_and_task_pages(world, draft, client_for):
    t1 = task(draft, "1")
    for persona in ["office_admin", "market_clerk", "leader"]:
        client = client_for(getattr(world, persona))
        assert client.get(f"/plans/tasks/{t1.pk}/").status_code == 404


def test_enterprise_sees_nothing_of_plans(world, draft, client_for):
    client = client_for(world.enterprise_a)
    before = state()
    for url in ["/plans/", "/plans/plans/", f"/plans/plans/{draft.pk}/", "/plans/library/"]:
        assert client.get(url).status_code == 403, url
    for url, data in _writes(draft):
        assert client.post(url, data).status_code == 403, url
    assert state() == before


def test_anonymous_visitor_is_sent_to_login(world, draft, client):
    r = client.get(f"/plans/plans/{draft.pk}/")
    assert r.status_code == 302 and "/login/" in r["Location"]
