"""Denials on every page and action: 403 without the capability, the same 404 for "missing"
and "not yours", and nothing changed (no row, no state, no audit event)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from qinqing.appeals import service
from qinqing.appeals.choices import AppealType, QrKind
from qinqing.appeals.models import (
    Appeal,
    AppealEvent,
    Attachment,
    Callback,
    DisciplineLead,
    DuplicateProposal,
    HardCase,
    QrEntry,
    Rectification,
    ServiceRating,
    Ticket,
)
from qinqing.core.audit.models import AuditEvent
from tests.appeals.conftest import NOW
from tests.appeals.factories import acknowledged, dispatched, make_appeal, replied

PERSONAS = [
    "office_admin", "county_officer", "other_officer", "market_clerk", "tax_clerk",
    "county_clerk", "leader", "discipline", "enterprise_a", "enterprise_b", "site_admin",
]  # fmt: skip


@dataclass
class Scene:
    received: Appeal
    consult: Appeal
    proposal: DuplicateProposal
    open_appeal: Appeal
    ticket: Ticket
    working: Ticket
    returned: Ticket
    replied: Appeal
    closed: Appeal
    attachment: Attachment
    rectification: Rectification
    case: HardCase
    lead: DisciplineLead
    qr: QrEntry


@pytest.fixture
def scene(appeals_world):
    w = appeals_world
    received = make_appeal(w, NOW)
    make_appeal(w, NOW, content=received.content + "！")
    proposal = DuplicateProposal.objects.get()
    consult = make_appeal(
        w,
        NOW,
        appeal_type=AppealType.CONSULTATION,
        title="咨询",
        content="营业执照经营范围变更能否网上办理？",
    )
    open_appeal, ticket = dispatched(w, NOW, title="另一件", content="园区道路破损影响通行。")
    service.add_attachment(
        open_appeal,
        SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20),
        actor=None,
        now=NOW,
    )
    _, working = acknowledged(w, NOW, title="第三件", content="网店被职业索赔人恶意投诉。")
    _, returned = dispatched(w, NOW, title="第四件", content="检查过多。")
    service.request_return(returned, actor=w.market_clerk, now=NOW, reason="不属于本单位")
    replied_appeal, _ = replied(w, NOW, title="第五件", content="食品许可证办理。")
    closed, _ = replied(w, NOW, title="第六件", content="排污许可证。")
    service.record_callback(
        closed, actor=w.office_admin, now=NOW, resolved=True, satisfaction="satisfied"
    )
    closed.refresh_from_db()
    rating = service.rate_service(
        actor=w.enterprise_a, now=NOW, enterprise_uscc=closed.enterprise_uscc, enterprise_name="甲",
        level=1, comment="差", appeal=closed,
    )  # fmt: skip
    case = service.file_hard_case(
        actor=w.market_clerk, now=NOW, unit=w.market, window_name="窗口", matter="登记",
        description="原因", kind="hard", issue="共性",
    )  # fmt: skip
    conduct = make_appeal(w, NOW, title="吃拿卡要", content="索要好处费")
    lead = service.refer_to_discipline(conduct, actor=w.office_admin, now=NOW)
    qr = service.create_qr_entry(
        actor=w.office_admin, now=NOW, locality=w.city, kind=QrKind.DEPARTMENT, unit=w.market
    )
    return Scene(
        received, consult, proposal, open_appeal, ticket, working, returned, replied_appeal,
        closed, open_appeal.attachments.get(), rating.rectification, case, lead, qr,
    )  # fmt: skip


def snapshot():
    return (
        list(Appeal.objects.order_by("pk").values_list("pk", "state", "reopen_count", "escalated", "suggestions", "answer")),
        list(Ticket.objects.order_by("pk").values_list("pk", "state", "reminder_level", "supervised", "extension_amount", "paused_amount")),
        list(DuplicateProposal.objects.values_list("pk", "state")),
        list(Rectification.objects.values_list("pk", "state")),
        list(HardCase.objects.values_list("pk", "state")),
        list(DisciplineLead.objects.values_list("pk", "state", "findings")),
        AppealEvent.objects.count(), Callback.objects.count(), ServiceRating.objects.count(),
        QrEntry.objects.count(), Attachment.objects.count(), AuditEvent.objects.count(),
    )  # fmt: skip


OFFICE = {"office_admin"}
OTHER_AREA = {"other_officer": 404, "county_officer": 404}
NO_ROLE = {"site_admin": 403}

# name, method, url(scene), data, allowed personas, denied persona → status (others: 403)
ENDPOINTS = [
    ("list", "get", lambda s: reverse("appeals:list"), None,
     {"office_admin", "county_officer", "other_officer", "market_clerk", "tax_clerk", "county_clerk", "leader", "discipline", "enterprise_a", "enterprise_b"}, {}),
    ("detail", "get", lambda s: reverse("appeals:detail", args=[s.open_appeal.pk]), None,
     {"office_admin", "market_clerk", "leader", "enterprise_a"},
     {"tax_clerk": 404, "county_clerk": 404, "enterprise_b": 404, "discipline": 404, **OTHER_AREA}),
    ("attachment", "get", lambda s: reverse("appeals:attachment", args=[s.open_appeal.pk, s.attachment.pk]), None,
     {"office_admin", "market_clerk", "leader", "enterprise_a"},
     {"tax_clerk": 404, "county_clerk": 404, "enterprise_b": 404, "discipline": 404, **OTHER_AREA}),
    ("lead detail", "get", lambda s: reverse("appeals:detail", args=[s.lead.appeal_id]), None,
     {"office_admin", "leader", "enterprise_a", "discipline"},
     {"market_clerk": 404, "tax_clerk": 404, "county_clerk": 404, "enterprise_b": 404, **OTHER_AREA}),
    ("new", "get", lambda s: reverse("appeals:new"), None, {"enterprise_a", "enterprise_b"}, {}),
    ("intake", "get", lambda s: reverse("appeals:intake"), None, {"office_admin", "county_officer", "other_officer"}, {}),
    ("queue", "get", lambda s: reverse("appeals:queue"), None, {"office_admin", "county_officer", "other_officer"}, {}),
    ("tickets", "get", lambda s: reverse("appeals:tickets"), None, {"market_clerk", "tax_clerk", "county_clerk"}, {}),
    ("callbacks", "get", lambda s: reverse("appeals:callbacks"), None, {"office_admin", "county_officer", "other_officer"}, {}),
    ("figures", "get", lambda s: reverse("appeals:figures"), None,
     {"office_admin", "county_officer", "other_officer", "market_clerk", "tax_clerk", "county_clerk", "leader"}, {}),
    ("figures export", "get", lambda s: reverse("appeals:figures_export"), None,
     {"office_admin", "county_officer", "other_officer", "market_clerk", "tax_clerk", "county_clerk", "leader"}, {}),
    ("ratings", "get", lambda s: reverse("appeals:ratings"), None,
     {"office_admin", "county_officer", "other_officer", "market_clerk", "tax_clerk", "county_clerk", "leader", "enterprise_a", "enterprise_b"}, {}),
    ("hard cases", "get", lambda s: reverse("appeals:hard_cases"), None,
     {"office_admin", "county_officer", "other_officer", "market_clerk", "tax_clerk", "county_clerk", "leader"}, {}),
    ("leads", "get", lambda s: reverse("appeals:leads"), None, {"discipline"}, {}),
    ("qr list", "get", lambda s: reverse("appeals:qr_list"), None, {"office_admin", "county_officer", "other_officer"}, {}),
    ("qr png", "get", lambda s: reverse("appeals:qr_png", args=[s.qr.pk]), None, OFFICE, OTHER_AREA),
    ("qr pdf", "get", lambda s: reverse("appeals:qr_pdf", args=[s.qr.pk]), None, OFFICE, OTHER_AREA),
    ("settings", "get", lambda s: reverse("appeals:settings"), None, {"office_admin", "county_officer", "other_officer"}, {}),
    # writes
    ("dispatch", "post", lambda s: reverse("appeals:dispatch", args=[s.received.pk]), lambda s, w: {"primary_unit": w.market.pk}, None, OTHER_AREA),
    ("answer", "post", lambda s: reverse("appeals:answer", args=[s.consult.pk]), lambda s, w: {"answer": "可以网上办理。"}, None, OTHER_AREA),
    ("refer", "post", lambda s: reverse("appeals:refer", args=[s.received.pk]), lambda s, w: {"note": "x"}, None, OTHER_AREA),
    ("merge", "post", lambda s: reverse("appeals:duplicate", args=[s.proposal.pk]), lambda s, w: {"action": "merge"}, None, OTHER_AREA),
    ("callback", "post", lambda s: reverse("appeals:callback", args=[s.replied.pk]), lambda s, w: {"resolved": "yes", "satisfaction": "satisfied"}, None, OTHER_AREA),
    ("review", "post", lambda s: reverse("appeals:review", args=[s.returned.pk]), lambda s, w: {"decision": "approve"}, None, OTHER_AREA),
    ("transfer", "post", lambda s: reverse("appeals:transfer", args=[s.ticket.pk]), lambda s, w: {"unit": w.tax.pk}, None, OTHER_AREA),
    ("acknowledge", "post", lambda s: reverse("appeals:acknowledge", args=[s.ticket.pk]), None, None, {"tax_clerk": 404, "county_clerk": 404}),
    ("return", "post", lambda s: reverse("appeals:return", args=[s.ticket.pk]), lambda s, w: {"reason": "不归我管"}, None, {"tax_clerk": 404, "county_clerk": 404}),
    ("extension", "post", lambda s: reverse("appeals:extension", args=[s.working.pk]), lambda s, w: {"amount": 3, "reason": "需要时间"}, None, {"tax_clerk": 404, "county_clerk": 404}),
    ("suspension", "post", lambda s: reverse("appeals:suspension", args=[s.working.pk]), lambda s, w: {"reason": "等企业"}, None, {"tax_clerk": 404, "county_clerk": 404}),
    ("resume", "post", lambda s: reverse("appeals:resume", args=[s.working.pk]), None, None, {"tax_clerk": 404, "county_clerk": 404}),
    ("reply", "post", lambda s: reverse("appeals:reply", args=[s.working.pk]), lambda s, w: {"reply": "已经办理完毕，请知悉。"}, None, {"tax_clerk": 404, "county_clerk": 404}),
    ("rate", "post", lambda s: reverse("appeals:rate", args=[s.replied.pk]), lambda s, w: {"level": 5}, None, {"enterprise_b": 404}),
    ("rating new", "post", lambda s: reverse("appeals:rating_new"), lambda s, w: {"unit": w.tax.pk, "service_name": "发票", "level": 1, "comment": "慢"}, None, {}),
    ("rectify", "post", lambda s: reverse("appeals:rectify", args=[s.rectification.pk]), lambda s, w: {"measures": "m", "feedback": "f"}, None, {"tax_clerk": 404, "county_clerk": 404}),
    ("hard case new", "post", lambda s: reverse("appeals:hard_case_new"), lambda s, w: {"window_name": "w", "matter": "m", "kind": "hard", "issue": "i", "description": "d"}, None, {}),
    ("hard case resolve", "post", lambda s: reverse("appeals:hard_case_resolve", args=[s.case.pk]), lambda s, w: {"resolution": "r"}, None, {"tax_clerk": 404, "county_clerk": 404, **OTHER_AREA}),
    ("lead update", "post", lambda s: reverse("appeals:lead_update", args=[s.lead.pk]), lambda s, w: {"findings": "f", "close": "1"}, None, {}),
    ("qr create", "post", lambda s: reverse("appeals:qr_list"), lambda s, w: {"kind": "department", "unit": w.market.pk}, None, {}),
]  # fmt: skip

# who may perform each write (everyone else is denied)
WRITERS = {
    "dispatch": {"office_admin"}, "answer": {"office_admin"}, "refer": {"office_admin"},
    "merge": {"office_admin"}, "callback": {"office_admin"}, "review": {"office_admin"},
    "transfer": {"office_admin"}, "acknowledge": {"market_clerk"}, "return": {"market_clerk"},
    "extension": {"market_clerk"}, "suspension": {"market_clerk"}, "resume": {"market_clerk"},
    "reply": {"market_clerk"}, "rate": {"enterprise_a"}, "rating new": {"enterprise_a", "enterprise_b"},
    "rectify": {"market_clerk"},
    "hard case new": {"market_clerk", "tax_clerk", "county_clerk", "office_admin", "county_officer", "other_officer"},
    "hard case resolve": {"market_clerk", "office_admin"},
    "lead update": {"discipline"}, "qr create": {"office_admin", "county_officer", "other_officer"},
}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "method", "url", "data", "allowed", "special"),
    ENDPOINTS,
    ids=[e[0] for e in ENDPOINTS],
)
def test_denied_everywhere_and_nothing_changes(
    scene, appeals_world, name, method, url, data, allowed, special
):
    w = appeals_world
    allowed = allowed if allowed is not None else WRITERS[name]
    target = url(scene)
    payload = data(scene, w) if data else {}
    before = snapshot()
    for persona in PERSONAS:
        if persona in allowed:
            continue
        client = Client()
        client.force_login(getattr(w, persona))
        response = getattr(client, method)(target, payload)
        expected = special.get(persona, NO_ROLE.get(persona, 403))
        assert response.status_code == expected, (name, persona, response.status_code)
        if expected == 404:
            body = response.content.decode()
            assert "不存在" in body  # one message for missing and not yours
        assert snapshot() == before, (name, persona)
    anonymous = getattr(Client(), method)(target, payload)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert snapshot() == before


def test_not_found_is_the_same_for_missing_and_not_yours(scene, appeals_world):
    client = Client()
    client.force_login(appeals_world.tax_clerk)
    not_mine = client.get(reverse("appeals:detail", args=[scene.open_appeal.pk]))
    missing = client.get(reverse("appeals:detail", args=[999999]))
    assert not_mine.status_code == missing.status_code == 404

    def main(response):  # the page without the per-response CSRF token
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())

    assert main(not_mine) == main(missing)


def test_enterprise_sees_only_its_own_appeals(scene, appeals_world):
    client = Client()
    client.force_login(appeals_world.enterprise_b)
    page = client.get(reverse("appeals:list")).content.decode()
    assert scene.open_appeal.number not in page and "没有诉求" in page


def test_unit_sees_only_appeals_dispatched_to_it(scene, appeals_world):
    client = Client()
    client.force_login(appeals_world.tax_clerk)
    page = client.get(reverse("appeals:list")).content.decode()
    assert scene.open_appeal.number not in page
    service.transfer_ticket(
        scene.ticket, actor=appeals_world.office_admin, now=NOW, to_unit=appeals_world.tax
    )
    page = client.get(reverse("appeals:list")).content.decode()
    assert scene.open_appeal.number in page


def test_attachment_files_live_outside_the_web_root(scene, settings, _private_storage):
    path = scene.attachment.file.path
    assert path.startswith(str(_private_storage))
    assert not path.startswith(str(settings.STATIC_ROOT))
    assert "a.png" not in path  # stored under a random name
