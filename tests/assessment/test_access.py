"""Denials on every assessment page and action, each checking that nothing changed."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qinqing.assessment import service
from qinqing.assessment.models import SupervisionLevel
from tests.assessment.support import (
    NOW,
    ON_TIME,
    Q1,
    Q2,
    RETURNED,
    build_departments_scheme,
    feed_standard_values,
    run,
    snapshot,
    xlsx_bytes,
)


@pytest.fixture
def objects(world, feed, counties):
    """A published run (Q1), an unpublished run (Q2), a draft, a ranking and its trigger."""
    feed_standard_values(feed, world)
    scheme = build_departments_scheme(world)
    published = run(scheme, Q1, world=world, publish=True)
    unpublished = run(scheme, Q2, world=world)
    draft = build_departments_scheme(world, activate=False, name="2027年度部门考评（草稿）")
    service.set_external_rule(world.city, actor=world.office_admin, bottom_n=10,
                              level=SupervisionLevel.INTERVIEW, active=True, now=NOW)  # fmt: skip
    ranking = service.import_external_ranking(
        xlsx_bytes([["县区", "排名", "年度"], ["东城区", 99, "2026年度"]]),
        area=world.city, total_ranked=100, actor=world.office_admin, now=NOW,
        filename="r.xlsx",
    )  # fmt: skip
    return {
        "scheme": scheme.pk,
        "draft": draft.pk,
        "item": draft.items.get(indicator_code=RETURNED).pk,
        "run": published.pk,
        "unpublished": unpublished.pk,
        "unit": world.tax.pk,
        "own_unit": world.market.pk,
        "ranking": ranking.pk,
        "trigger": ranking.triggers.get().pk,
    }


PAGES = {
    "index": "/assessment/",
    "new": "/assessment/schemes/new/",
    "scheme": "/assessment/schemes/{scheme}/",
    "draft": "/assessment/schemes/{draft}/",
    "run": "/assessment/runs/{run}/",
    "unpublished": "/assessment/runs/{unpublished}/",
    "unit": "/assessment/runs/{run}/units/{unit}/",
    "own_unit": "/assessment/runs/{run}/units/{own_unit}/",
    "export": "/assessment/runs/{run}/export.xlsx",
    "external": "/assessment/external/",
    "ranking": "/assessment/external/{ranking}/",
}


def _actions(o):
    """Every state-changing request, with data that would succeed for the office."""
    return {
        "new": ("/assessment/schemes/new/", {
            "name": "闯入方案", "target_kind": "departments", "effective_from": "2026-01-01",
            "bottom_n": 1}),
        "edit": (f"/assessment/schemes/{o['draft']}/edit/", {
            "name": "改名", "effective_from": "2026-01-01", "bottom_n": 2}),
        "item_add": (f"/assessment/schemes/{o['draft']}/items/", {
            "indicator_code": "test.broken", "weight": "5", "method": "rank"}),
        "item_update": (f"/assessment/schemes/{o['draft']}/items/{o['item']}/", {
            "weight": "1", "method": "rank"}),
        "item_delete": (f"/assessment/schemes/{o['draft']}/items/{o['item']}/delete/", {}),
        "targets": (f"/assessment/schemes/{o['draft']}/targets/", {"targets": []}),
        "activate": (f"/assessment/schemes/{o['draft']}/activate/", {}),
        "revise": (f"/assessment/schemes/{o['scheme']}/revise/", {}),
        "run": (f"/assessment/schemes/{o['scheme']}/runs/", {
            "period_start": "2026-07-01", "period_end": "2026-09-30"}),
        "recompute": (f"/assessment/runs/{o['unpublished']}/recompute/", {}),
        "publish": (f"/assessment/runs/{o['unpublished']}/publish/", {}),
        "import": ("/assessment/external/import/", {
            "total_ranked": 100, "source": "全省营商环境评价", "replace": "on",
            "file": SimpleUploadedFile(
                "r.csv", "县区,排名,年度\n示例县,100,2026年度\n".encode("gbk"))}),
        "rule": ("/assessment/external/rule/", {"bottom_n": 3, "level": "reminder"}),
        "handle": (f"/assessment/external/triggers/{o['trigger']}/handle/", {"note": "x"}),
    }  # fmt: skip


# expected status per role for each page (everything not listed: the value under "*")
PAGE_EXPECTATIONS = {
    "enterprise_a": {"*": 403},
    "site_admin": {"*": 403},
    "discipline": {"*": 403},
    "leader": {
        "*": 200, "new": 403, "draft": 404, "unpublished": 404, "external": 403,
    },
    "market_clerk": {
        "*": 200, "new": 403, "draft": 404, "unpublished": 404, "unit": 404, "export": 403,
        "external": 403, "ranking": 404,
    },
    "county_clerk": {  # 示例县 is not a department: the departments scheme is not theirs
        "*": 404, "index": 200, "new": 403, "export": 404, "external": 403,
    },
    "other_officer": {"*": 404, "index": 200, "new": 200, "external": 200},
    "county_officer": {"*": 404, "index": 200, "new": 200, "external": 200},
}  # fmt: skip


@pytest.mark.parametrize("role", sorted(PAGE_EXPECTATIONS))
def test_pages_by_role(world, objects, client_for, role):
    client = client_for(getattr(world, role))
    expected = PAGE_EXPECTATIONS[role]
    before = snapshot()
    for name, template in PAGES.items():
        r = client.get(template.format(**objects))
        want = expected.get(name, expected["*"])
        assert r.status_code == want, (role, name, r.status_code)
        if want != 200:
            body = r.content.decode()
            assert "市发展和改革委员会" not in body and "2026年度市直部门" not in body
    assert snapshot() == before


@pytest.mark.parametrize("role", ["other_officer", "county_officer"])
def test_another_areas_office_sees_none_of_our_data(world, objects, client_for, role):
    client = client_for(getattr(world, role))
    for url in ("/assessment/", "/assessment/external/"):
        body = client.get(url).content.decode()
        assert "2026年度市直部门" not in body and "东城区" not in body


# expected status for every action per role; all of them must change nothing
ACTION_EXPECTATIONS = {
    "enterprise_a": 403,
    "site_admin": 403,
    "discipline": 403,
    "leader": 403,
    "market_clerk": 403,
    "county_clerk": 403,
    "other_officer": 404,
    "county_officer": 404,
}
OWN_AREA_ACTIONS = {"new", "import", "rule"}  # these act on the caller's own area


@pytest.mark.parametrize("role", sorted(ACTION_EXPECTATIONS))
def test_actions_are_refused_and_change_nothing(world, objects, client_for, role):
    client = client_for(getattr(world, role))
    for name, (url, data) in _actions(objects).items():
        want = ACTION_EXPECTATIONS[role]
        if want == 404 and name in OWN_AREA_ACTIONS:
            continue  # another office may create schemes and import for its own area
        before = snapshot()
        r = client.post(url, data)
        assert r.status_code == want, (role, name, r.status_code)
        assert snapshot() == before, (role, name)


ACTION_NAMES = [
    "new", "edit", "item_add", "item_update", "item_delete", "targets", "activate", "revise",
    "run", "recompute", "publish", "import", "rule", "handle",
]  # fmt: skip


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_office_actions_succeed_so_the_denials_mean_something(world, objects, client_for, name):
    assert set(ACTION_NAMES) == set(_actions(objects))
    client = client_for(world.office_admin)
    url, data = _actions(objects)[name]
    before = snapshot()
    r = client.post(url, data)
    assert r.status_code == 302, (name, r.status_code, r.content.decode()[-1500:])
    assert snapshot() != before, name


def test_anonymous_is_sent_to_login(client, world, objects):
    for template in PAGES.values():
        r = client.get(template.format(**objects))
        assert r.status_code == 302 and "/login/" in r["Location"]
    before = snapshot()
    for url, data in _actions(objects).values():
        r = client.post(url, data)
        assert r.status_code == 302 and "/login/" in r["Location"]
    assert snapshot() == before


def test_county_sees_the_county_ranking_but_only_its_own_details(world, feed, counties, client_for):
    scheme = service.create_scheme(actor=world.office_admin, area=world.city, name="县区考评",
                                   target_kind="counties", effective_from=Q1.start, now=NOW)  # fmt: skip
    service.add_scheme_item(scheme, actor=world.office_admin, indicator_code=ON_TIME,
                            weight=Decimal(100), method="rank", now=NOW)  # fmt: skip
    service.activate_scheme(scheme, actor=world.office_admin, now=NOW)
    feed.set(ON_TIME, {counties[0]: 90, counties[1]: 70, counties[2]: 80})
    result = run(scheme, Q1, world=world, publish=True)
    for user in (world.county_clerk, world.county_officer):
        client = client_for(user)
        body = client.get(f"/assessment/runs/{result.pk}/").content.decode()
        assert "东城区" in body and "西山县" in body  # the ranking table
        own = f"/assessment/runs/{result.pk}/units/{world.county.pk}/"
        other = f"/assessment/runs/{result.pk}/units/{counties[1].pk}/"
        assert client.get(own).status_code == 200
        assert client.get(other).status_code == 404
        assert client.get(f"/assessment/runs/{result.pk}/export.xlsx").status_code == 403
        before = snapshot()
        assert client.post(f"/assessment/schemes/{scheme.pk}/revise/").status_code in (403, 404)
        assert snapshot() == before
