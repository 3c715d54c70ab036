"""Pages of 双随机、一公开 and credit through the test client: what each role sees and may do.

Every page and endpoint has a denial test for each role that must not use it; each one
also checks that nothing changed (campaigns, results, items, inspectors, credit) and that
no audit event was written.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from qinqing.core.audit.models import AuditEvent
from qinqing.core.enterprises.models import Enterprise
from qinqing.inspections import service
from qinqing.inspections.models import (
    Campaign,
    CampaignState,
    CreditListEntry,
    CreditListKind,
    CreditRepairRequest,
    CreditTierChange,
    InspectionItem,
    Inspector,
    LocalQuietDays,
    QuietPeriod,
    VisitItem,
)
from tests.inspections.conftest import EVIL_NAME, NOW, TODAY, drawn_campaign, plan
from tests.world import USCC_A


@pytest.fixture
def scene(iw):
    """A published campaign (with visits), a committed one, a draft; credit records."""
    published = drawn_campaign(iw, publish=True)
    committed = service.commit_campaign(
        plan(iw, name="已公布承诺值的计划", items=[iw.market_item]), actor=iw.office_admin, now=NOW
    )
    draft = plan(iw, name="草稿计划", items=[iw.tax_item])
    enterprise = Enterprise.objects.get(uscc=USCC_A)
    entry = service.add_list_entry(
        enterprise,
        actor=iw.office_admin,
        area=iw.city,
        kind=CreditListKind.BLACK,
        reason="拒不履行行政处罚决定",
        source="市市场监管局 示市监罚〔2026〕1 号",
        listed_on=TODAY,
        ends_on=None,
        now=NOW,
    )
    repair = service.submit_credit_repair(
        enterprise,
        actor=iw.office_admin,
        area=iw.city,
        statement="已履行处罚决定",
        list_entry=entry,
        now=NOW,
    )
    period = service.add_quiet_period(
        actor=iw.office_admin,
        area=iw.city,
        enterprise=iw.enterprises[0],
        start_on=TODAY,
        end_on=TODAY,
        reason="安静生产期",
        now=NOW,
    )
    rule = service.add_local_quiet_days(
        actor=iw.office_admin,
        area=iw.city,
        name="上、中旬宁静日",
        first_day=1,
        last_day=20,
        source="",
        now=NOW,
    )
    visits = list(published.visits.order_by("number"))
    market_visit = next(v for v in visits if v.visit_items.filter(item=iw.market_item).exists())
    tax_only = [v for v in visits if not v.visit_items.filter(item=iw.market_item).exists()]
    return {
        "iw": iw,
        "published": published,
        "committed": committed,
        "draft": draft,
        "enterprise": enterprise,
        "entry": entry,
        "repair": repair,
        "period": period,
        "rule": rule,
        "market_visit": market_visit,
        "tax_only_visit": tax_only[0] if tax_only else None,
    }


def snapshot():
    """Everything a denied request could have changed."""
    return (
        AuditEvent.objects.count(),
        sorted(Campaign.objects.values_list("pk", "state", "name", "commitment")),
        sorted(VisitItem.objects.values_list("pk", "result", "checked_on", "note", "published_at")),
        sorted(InspectionItem.objects.values_list("pk", "name", "active", "ratio_a")),
        sorted(Inspector.objects.values_list("pk", "name", "active", "conflicts")),
        sorted(Enterprise.objects.values_list("uscc", "credit_tier")),
        CreditTierChange.objects.count(),
        sorted(CreditListEntry.objects.values_list("pk", "removed_on")),
        sorted(CreditRepairRequest.objects.values_list("pk", "state")),
        QuietPeriod.objects.count(),
        sorted(LocalQuietDays.objects.values_list("pk", "active")),
    )


def endpoints(s):
    """(name, method, url, data) of every page and action."""
    iw = s["iw"]
    pub, com, draft = s["published"].pk, s["committed"].pk, s["draft"].pk
    visit = s["market_visit"]
    vi = visit.visit_items.get(item=iw.market_item)
    uscc = s["enterprise"].uscc
    campaign_data = {
        "name": "改名",
        "items": [iw.tax_item.pk],
        "window_start_on": "2026-06-01",
        "window_end_on": "2026-06-30",
        "monthly_quiet": "1-20",
        "cap_a": 1,
        "cap_b": 2,
        "cap_c": 3,
        "cap_d": 4,
        "publish_within_workdays": 20,
        "area": iw.city.pk,
    }
    item_data = {
        "unit": iw.market.pk,
        "code": "X-1",
        "name": "改名",
        "industries": "*",
        "ratio_a": "0.1",
        "ratio_b": "0.1",
        "ratio_c": "0.1",
        "ratio_d": "0.1",
        "frequency": "yearly",
        "active": "on",
    }
    inspector_data = {
        "unit": iw.market.pk,
        "name": "改名",
        "certificate_number": "X-9",
        "fields_text": "",
        "conflicts": "",
        "active": "on",
    }
    return [
        ("campaigns", "get", reverse("inspections:campaigns"), None),
        ("campaign_new", "get", reverse("inspections:campaign_new"), None),
        ("campaign_new_post", "post", reverse("inspections:campaign_new"), campaign_data),
        ("campaign", "get", reverse("inspections:campaign", args=[pub]), None),
        ("campaign_edit", "get", reverse("inspections:campaign_edit", args=[draft]), None),
        (
            "campaign_edit_post",
            "post",
            reverse("inspections:campaign_edit", args=[draft]),
            campaign_data,
        ),
        ("commit", "post", reverse("inspections:campaign_commit", args=[draft]), {}),
        ("draw", "post", reverse("inspections:campaign_draw", args=[com]), {}),
        ("publish", "post", reverse("inspections:campaign_publish", args=[pub]), {}),
        ("cancel", "post", reverse("inspections:campaign_cancel", args=[com]), {"reason": "x"}),
        ("package", "get", reverse("inspections:campaign_package", args=[pub]), None),
        ("visit", "get", reverse("inspections:visit", args=[visit.pk]), None),
        (
            "visit_post",
            "post",
            reverse("inspections:visit", args=[visit.pk]),
            {f"vi{vi.pk}-result": "no_issue", f"vi{vi.pk}-checked_on": "2026-06-01"},
        ),
        ("items", "get", reverse("inspections:items"), None),
        ("item_new", "get", reverse("inspections:item_new"), None),
        ("item_new_post", "post", reverse("inspections:item_new"), item_data),
        ("item_edit", "get", reverse("inspections:item_edit", args=[iw.market_item.pk]), None),
        (
            "item_edit_post",
            "post",
            reverse("inspections:item_edit", args=[iw.market_item.pk]),
            item_data,
        ),
        ("inspectors", "get", reverse("inspections:inspectors"), None),
        ("inspector_new", "get", reverse("inspections:inspector_new"), None),
        ("inspector_new_post", "post", reverse("inspections:inspector_new"), inspector_data),
        (
            "inspector_edit",
            "get",
            reverse("inspections:inspector_edit", args=[iw.market_inspectors[0].pk]),
            None,
        ),
        (
            "inspector_edit_post",
            "post",
            reverse("inspections:inspector_edit", args=[iw.market_inspectors[0].pk]),
            inspector_data,
        ),
        ("quiet", "get", reverse("inspections:quiet"), None),
        (
            "quiet_post",
            "post",
            reverse("inspections:quiet"),
            {
                "action": "period",
                "uscc": uscc,
                "start_on": "2026-06-02",
                "end_on": "2026-06-03",
                "reason": "x",
            },
        ),
        ("quiet_remove", "post", reverse("inspections:quiet_remove", args=[s["period"].pk]), {}),
        (
            "local_deactivate",
            "post",
            reverse("inspections:local_quiet_deactivate", args=[s["rule"].pk]),
            {},
        ),
        ("credit", "get", reverse("inspections:credit"), None),
        ("credit_enterprise", "get", reverse("inspections:credit_enterprise", args=[uscc]), None),
        (
            "credit_tier",
            "post",
            reverse("inspections:credit_tier", args=[uscc]),
            {"tier": "A", "reason": "x", "effective_on": "2026-06-01"},
        ),
        (
            "credit_list_add",
            "post",
            reverse("inspections:credit_list_add", args=[uscc]),
            {"kind": "red", "reason": "x", "source": "y", "listed_on": "2026-06-01"},
        ),
        (
            "credit_list_remove",
            "post",
            reverse("inspections:credit_list_remove", args=[s["entry"].pk]),
            {"reason": "x"},
        ),
        (
            "credit_repair_new",
            "post",
            reverse("inspections:credit_repair_new", args=[uscc]),
            {"statement": "x"},
        ),
        (
            "credit_repair_review",
            "post",
            reverse("inspections:credit_repair_review", args=[s["repair"].pk]),
            {"stage": "review", "decision": "accept", "note": ""},
        ),
    ]


def _call(client, method, url, data):
    return client.get(url) if method == "get" else client.post(url, data or {})


ALL = {
    "campaigns", "campaign_new", "campaign_new_post", "campaign", "campaign_edit",
    "campaign_edit_post", "commit", "draw", "publish", "cancel", "package", "visit",
    "visit_post", "items", "item_new", "item_new_post", "item_edit", "item_edit_post",
    "inspectors", "inspector_new", "inspector_new_post", "inspector_edit",
    "inspector_edit_post", "quiet", "quiet_post", "quiet_remove", "local_deactivate",
    "credit", "credit_enterprise", "credit_tier", "credit_list_add", "credit_list_remove",
    "credit_repair_new", "credit_repair_review",
}  # fmt: skip
READS = {
    "campaigns", "campaign", "package", "visit", "items", "inspectors", "quiet", "credit",
    "credit_enterprise",
}  # fmt: skip

# role -> endpoints it must be refused (every one of them), with the expected status
DENIED = {
    "enterprise_a": (ALL, 403),
    "site_admin": (ALL, 403),
    "leader": (ALL - READS, 403),
    "market_clerk": (
        {
            "campaign_new",
            "campaign_new_post",
            "draw",
            "cancel",
            "publish",
            "package",
            "item_new",
            "item_new_post",
            "item_edit",
            "item_edit_post",
            "inspector_new",
            "inspector_new_post",
            "inspector_edit",
            "inspector_edit_post",
        },
        403,
    ),  # fmt: skip
    "market_clerk_hidden": (
        {
            "campaign_edit",
            "campaign_edit_post",
            "commit",
            "quiet",
            "quiet_post",
            "quiet_remove",
            "local_deactivate",
            "credit",
            "credit_enterprise",
            "credit_tier",
            "credit_list_add",
            "credit_list_remove",
            "credit_repair_new",
            "credit_repair_review",
        },
        404,
    ),  # fmt: skip
    "other_officer": (
        {
            "campaign",
            "campaign_edit",
            "campaign_edit_post",
            "commit",
            "draw",
            "publish",
            "cancel",
            "package",
            "visit",
            "visit_post",
            "item_edit",
            "item_edit_post",
            "inspector_edit",
            "inspector_edit_post",
            "quiet_remove",
            "local_deactivate",
            "credit_list_remove",
            "credit_repair_review",
        },
        404,
    ),  # fmt: skip
    "county_officer": (
        {
            "campaign",
            "commit",
            "draw",
            "publish",
            "cancel",
            "package",
            "visit",
            "item_edit",
            "item_edit_post",
            "inspector_edit_post",
            "quiet_remove",
            "credit_list_remove",
            "credit_repair_review",
        },
        404,
    ),  # fmt: skip
}


@pytest.mark.parametrize("role", sorted(DENIED))
def test_each_role_is_refused_what_it_may_not_do_and_nothing_changes(role, scene, client):
    names, status = DENIED[role]
    user = scene["iw"].users[role.removesuffix("_hidden")]
    client.force_login(user)
    table = {name: (method, url, data) for name, method, url, data in endpoints(scene)}
    assert names <= set(table)
    before = snapshot()
    for name in sorted(names):
        method, url, data = table[name]
        response = _call(client, method, url, data)
        assert response.status_code == status, (name, response.status_code)
        assert snapshot() == before, name


def test_anonymous_visitors_are_sent_to_login_and_nothing_changes(scene, client):
    before = snapshot()
    for name, method, url, data in endpoints(scene):
        response = _call(client, method, url, data)
        assert response.status_code == 302 and "/login/" in response["Location"], name
    assert snapshot() == before


def test_leader_reads_everything_of_the_area_without_edit_controls(scene, client_for):
    client = client_for(scene["iw"].leader)
    for name, _method, url, _ in endpoints(scene):
        if name in READS:
            response = client.get(url)
            assert response.status_code == 200, name
            if name == "package":
                assert response["Content-Type"] == "application/zip"
                continue
            body = response.content.decode()
            assert "公布承诺值</button>" not in body and "新增检查事项" not in body, name
    page = client.get(
        reverse("inspections:campaign", args=[scene["published"].pk])
    ).content.decode()
    assert "下载输入文件和 DRAW.json" in page


def test_unit_staff_see_own_items_and_visits_only(scene, client_for):
    iw = scene["iw"]
    client = client_for(iw.market_clerk)
    items = client.get(reverse("inspections:items")).content.decode()
    assert "SCJG-T01" in items and "SW-T01" not in items
    inspectors = client.get(reverse("inspections:inspectors")).content.decode()
    assert "SJ0001" in inspectors and "SW0001" not in inspectors
    assert "草稿计划" not in client.get(reverse("inspections:campaigns")).content.decode()
    page = client.get(reverse("inspections:campaign", args=[scene["published"].pk]))
    assert page.status_code == 200
    shown = page.context["page"].paginator.count
    market_visits = (
        scene["published"].visits.filter(visit_items__item=iw.market_item).distinct().count()
    )
    assert shown == market_visits < scene["published"].visits.count()
    if scene["tax_only_visit"]:
        hidden = client.get(reverse("inspections:visit", args=[scene["tax_only_visit"].pk]))
        assert hidden.status_code == 404


def test_tax_clerk_records_only_tax_results_on_a_joint_visit(scene, client_for):
    iw = scene["iw"]
    joint = (
        scene["published"]
        .visits.filter(visit_items__item=iw.tax_item)
        .filter(visit_items__item=iw.market_item)
        .first()
    )
    assert joint is not None, "the fixture should produce a joint visit"
    market_vi = joint.visit_items.get(item=iw.market_item)
    tax_vi = joint.visit_items.get(item=iw.tax_item)
    client = client_for(iw.tax_clerk)
    page = client.get(reverse("inspections:visit", args=[joint.pk])).content.decode()
    assert f'name="vi{tax_vi.pk}-result"' in page and f'name="vi{market_vi.pk}-result"' not in page
    response = client.post(
        reverse("inspections:visit", args=[joint.pk]),
        {
            f"vi{tax_vi.pk}-result": "rectification",
            f"vi{tax_vi.pk}-checked_on": "2026-06-01",
            f"vi{tax_vi.pk}-note": "内部：账簿不全",
            f"vi{market_vi.pk}-result": "case_filed",
            f"vi{market_vi.pk}-checked_on": "2026-06-01",
        },
    )
    assert response.status_code == 302
    tax_vi.refresh_from_db()
    market_vi.refresh_from_db()
    assert tax_vi.result == "rectification" and tax_vi.published_at == NOW
    assert market_vi.result == ""
    event = AuditEvent.objects.get(verb="visit.result_recorded")
    assert event.unit_id == iw.tax.pk and event.actor_id == iw.tax_clerk.pk


def test_office_plans_a_campaign_through_the_form(iw, client_for):
    client = client_for(iw.office_admin)
    assert client.get(reverse("inspections:campaign_new")).status_code == 200
    response = client.post(
        reverse("inspections:campaign_new"),
        {
            "area": iw.city.pk,
            "name": "六月联合抽查",
            "items": [iw.market_item.pk, iw.tax_item.pk],
            "window_start_on": "2026-06-01",
            "window_end_on": "2026-06-30",
            "monthly_quiet": "1-20",
            "cap_a": 1,
            "cap_b": 2,
            "cap_c": 3,
            "cap_d": 4,
            "publish_within_workdays": 20,
        },
    )
    campaign = Campaign.objects.get(name="六月联合抽查")
    assert response.status_code == 302 and response["Location"] == campaign.get_absolute_url()
    assert campaign.monthly_quiet == [[1, 20]] and campaign.items.count() == 2
    preview = client.get(campaign.get_absolute_url() + "?check=1")
    assert "预检结果" in preview.content.decode()
    assert (
        Campaign.objects.get(pk=campaign.pk).state == CampaignState.DRAFT
    )  # preview writes nothing
    client.post(reverse("inspections:campaign_commit", args=[campaign.pk]))
    client.post(reverse("inspections:campaign_draw", args=[campaign.pk]))
    client.post(reverse("inspections:campaign_publish", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.PUBLISHED and campaign.visits.exists()


def test_enterprise_names_are_escaped_on_every_page(scene, client_for):
    iw = scene["iw"]
    published = scene["published"]
    evil_visit = published.visits.filter(uscc=USCC_A).first()
    assert evil_visit is not None, "tier D, ratio 1 for the tax item: always drawn"
    for vi in evil_visit.visit_items.all():
        service.record_result(
            vi, actor=iw.office_admin, result="no_issue", checked_on=TODAY, note="", now=NOW
        )
    pages = [
        (iw.office_admin, reverse("inspections:campaign", args=[published.pk])),
        (iw.office_admin, reverse("inspections:visit", args=[evil_visit.pk])),
        (iw.office_admin, reverse("inspections:credit") + "?q=甲企业"),
        (iw.office_admin, reverse("inspections:credit_enterprise", args=[USCC_A])),
        (None, reverse("inspections:public_campaign", args=[published.pk])),
    ]
    for user, url in pages:
        client = client_for(user) if user else Client()
        body = client.get(url).content.decode()
        assert "&lt;script&gt;" in body, url
        assert EVIL_NAME not in body, url


def test_engine_message_is_shown_on_the_page_and_nothing_is_written(iw, client_for):
    lonely = service.create_item(
        actor=iw.office_admin,
        unit=iw.market,
        code="SCJG-T99",
        name="矿山安全检查",
        legal_basis="",
        industries="B06",
        ratios={t: Decimal("0.5") for t in "ABCD"},
        frequency="yearly",
        now=NOW,
    )
    campaign = plan(iw, items=[iw.market_item, lonely])
    events = AuditEvent.objects.count()
    client = client_for(iw.office_admin)
    response = client.post(reverse("inspections:campaign_commit", args=[campaign.pk]))
    assert response.status_code == 400
    body = response.content.decode()
    assert "以下检查事项没有可抽取的检查对象" in body and "SCJG-T99" in body
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DRAFT and not campaign.commitment
    assert not campaign.files.exists() and AuditEvent.objects.count() == events


def test_public_pages_show_only_what_is_published(scene, client):
    draft, committed = scene["draft"], scene["committed"]
    assert client.get(reverse("inspections:public_campaign", args=[draft.pk])).status_code == 404
    listing = client.get(reverse("inspections:public")).content.decode()
    assert draft.name not in listing and committed.name in listing
    page = client.get(reverse("inspections:public_campaign", args=[committed.pk])).content.decode()
    assert committed.commitment in page and committed.seed not in page
    published = scene["published"]
    vi = VisitItem.objects.filter(visit__campaign=published).first()
    service.record_result(
        vi,
        actor=scene["iw"].office_admin,
        result="no_issue",
        checked_on=TODAY,
        note="内部备注不公开",
        now=NOW,
    )
    page = client.get(reverse("inspections:public_campaign", args=[published.pk])).content.decode()
    assert published.seed in page and "未发现问题" in page and "内部备注不公开" not in page
    for inspector in Inspector.objects.all():
        assert inspector.name not in page and inspector.certificate_number not in page


def test_office_can_clear_the_monthly_quiet_days_of_a_draft(scene, client_for):
    draft = scene["draft"]
    client = client_for(scene["iw"].office_admin)
    response = client.post(
        reverse("inspections:campaign_edit", args=[draft.pk]),
        {
            "name": draft.name,
            "items": [scene["iw"].tax_item.pk],
            "window_start_on": "2026-06-01",
            "window_end_on": "2026-06-30",
            "monthly_quiet": "无",
            "cap_a": 1,
            "cap_b": 2,
            "cap_c": 3,
            "cap_d": 4,
            "publish_within_workdays": 15,
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.monthly_quiet == [] and draft.publish_within_workdays == 15
    event = AuditEvent.objects.filter(verb="campaign.updated").get()
    assert event.before["monthly_quiet"] == [[1, 20]] and event.after["monthly_quiet"] == []
