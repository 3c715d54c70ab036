"""The policy library: public pages without login, Chinese full-text search, maintenance by
the office only."""

from __future__ import annotations

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.policies import service
from qinqing.policies.models import Policy
from tests.policies.conftest import NOW


def test_public_policy_page_needs_no_login(pw, client):
    response = client.get(f"/policies/p/{pw.grad.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("中小微企业招用高校毕业生一次性就业补贴", "享受对象", "申请条件", "所需材料",
                 "办理流程", "承办单位", "联系方式", "起止时间", "免申即享", "市市场监管局",
                 "第 1 版", "解释口径"):  # fmt: skip
        assert text in html, text
    assert client.get("/policies/").status_code == 200


def test_unpublished_policy_is_hidden_from_the_public_and_enterprises(pw, client, client_for):
    Policy.objects.filter(pk=pw.art3.pk).update(is_public=False)
    assert client.get(f"/policies/p/{pw.art3.code}/").status_code == 404
    assert "鼓励企业科技创新" not in client.get("/policies/").content.decode()
    enterprise = client_for(pw.world.enterprise_a)
    assert enterprise.get(f"/policies/p/{pw.art3.code}/").status_code == 404
    office = client_for(pw.world.office_admin)
    assert office.get(f"/policies/p/{pw.art3.code}/").status_code == 200
    other = client_for(pw.world.other_officer)
    assert other.get(f"/policies/p/{pw.art3.code}/").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("毕业生", {"grad-hiring-subsidy"}),
        ("招用高校毕业生的补贴", {"grad-hiring-subsidy"}),
        ("单项冠军", {"district18-art2"}),
        ("小巨人", {"district18-art3"}),
        ("社会保险", {"sme-social-insurance"}),
        ("十八条措施", {"district18-art2", "district18-art3"}),
        ("航天发射", set()),
    ],
)
def test_chinese_full_text_search(pw, client, query, expected):
    response = client.get("/policies/", {"q": query})
    html = response.content.decode()
    found = {p.code for p in Policy.objects.all() if f'href="/policies/p/{p.code}/"' in html}
    assert found == expected


def test_filter_by_delivery_and_tag(pw, client):
    html = client.get("/policies/", {"delivery": "application"}).content.decode()
    assert "小微企业吸纳就业社会保险补贴" in html and "培育企业发展壮大" not in html
    html = client.get("/policies/", {"tag": "农业"}).content.decode()
    assert "培育企业发展壮大" in html and "鼓励企业科技创新" not in html


def test_office_creates_and_edits_a_policy(world, client_for):
    client = client_for(world.office_admin)
    assert client.get("/policies/new/").status_code == 200
    response = client.post(
        "/policies/new/",
        {"code": "rent-relief", "title": "小微企业房租减免", "owner_unit": world.market.pk,
         "delivery": "application", "review_limit_workdays": 5, "is_public": "on",
         "materials": "租赁合同"},
    )  # fmt: skip
    assert response.status_code == 302
    policy = Policy.objects.get(code="rent-relief")
    assert " 房租 " in policy.tokens
    response = client.post(
        "/policies/p/rent-relief/edit/",
        {"title": "小微企业国有房屋租金减免", "owner_unit": world.market.pk,
         "delivery": "application", "review_limit_workdays": 5, "is_public": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.title == "小微企业国有房屋租金减免" and " 租金 " in policy.tokens
    assert AuditEvent.objects.filter(verb="policy.updated").count() == 1


def test_owner_unit_outside_the_area_is_refused(world):
    from qinqing.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        service.create_policy(
            actor=world.county_officer,
            data={
                "code": "x-1",
                "title": "x",
                "owner_unit": world.market,
                "delivery": "application",
            },
            now=NOW,
        )
    assert not Policy.objects.filter(code="x-1").exists()


@pytest.mark.parametrize("who", ["market_clerk", "leader", "enterprise_a", "site_admin"])
def test_only_the_office_maintains_the_library(pw, client_for, who):
    client = client_for(getattr(pw.world, who))
    events = AuditEvent.objects.count()
    assert client.get("/policies/new/").status_code == 403
    response = client.post(
        "/policies/new/",
        {"code": "x-2", "title": "x", "owner_unit": pw.world.market.pk, "delivery": "application"},
    )
    assert response.status_code == 403
    response = client.post(
        f"/policies/p/{pw.grad.code}/edit/",
        {"title": "改掉", "owner_unit": pw.world.market.pk, "delivery": "application"},
    )
    assert response.status_code in (403, 404)
    pw.grad.refresh_from_db()
    assert pw.grad.title == "中小微企业招用高校毕业生一次性就业补贴"
    assert not Policy.objects.filter(code="x-2").exists()
    assert AuditEvent.objects.count() == events


def test_other_city_office_cannot_edit(pw, client_for):
    response = client_for(pw.world.other_officer).post(
        f"/policies/p/{pw.grad.code}/edit/",
        {"title": "改掉", "owner_unit": pw.world.other_office.pk, "delivery": "application"},
    )
    assert response.status_code == 404
    pw.grad.refresh_from_db()
    assert pw.grad.owner_unit == pw.world.market


def test_policy_text_is_escaped(world, client):
    service.create_policy(
        actor=world.office_admin,
        data={"code": "xss", "title": "<script>alert(1)</script>政策", "owner_unit": world.market,
              "delivery": "application", "materials": "<b>材料</b>"},
        now=NOW,
    )  # fmt: skip
    for url in ("/policies/", "/policies/p/xss/"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<b>材料" not in client.get("/policies/p/xss/").content.decode()


def test_edit_form_shows_the_stored_dates(pw, client_for):
    html = client_for(pw.world.office_admin).get(f"/policies/p/{pw.sme.code}/edit/").content
    assert b'value="2025-01-01"' in html and b'value="2027-12-31"' in html
