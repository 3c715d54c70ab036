"""The JSON API for the 12345 platform: token per calling system, idempotent, Chinese errors."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from qinqing.appeals import service
from qinqing.appeals.choices import AppealState, Channel
from qinqing.appeals.models import Appeal
from qinqing.core.audit.models import AuditEvent
from tests.appeals.conftest import NOW
from tests.appeals.factories import appeal_data

URL = "/appeals/api/v1/appeals/"


@pytest.fixture
def api(appeals_world):
    from qinqing.appeals.api import forget_clients

    forget_clients()
    client, token = service.create_api_client(
        actor="test",
        name="示例市12345平台",
        code="city-12345",
        locality=appeals_world.city,
        now=NOW,
    )
    _, other_token = service.create_api_client(
        actor="test", name="另一系统", code="other", locality=appeals_world.city, now=NOW
    )
    return token, other_token


def post(token, payload):
    return Client().post(
        URL, json.dumps(payload, ensure_ascii=False), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip


def test_create_is_idempotent_on_the_external_id(api, clock):
    token, _ = api
    payload = {**appeal_data(), "external_id": "12345-0001"}
    first = post(token, payload)
    assert first.status_code == 201
    body = first.json()
    assert body["state"] == AppealState.RECEIVED and body["state_label"] == "待派单"
    again = post(token, payload)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    appeal = Appeal.objects.get()
    assert appeal.channel == Channel.API and appeal.source == "city-12345"
    assert appeal.external_id == "12345-0001"
    assert AuditEvent.objects.filter(verb="appeal.received").count() == 1


def test_two_systems_may_use_the_same_external_id(api, clock):
    token, other = api
    payload = {**appeal_data(), "external_id": "A-1"}
    assert post(token, payload).status_code == 201
    assert (
        post(other, {**payload, "content": "另一系统的不同内容，关于道路破损"}).status_code == 201
    )
    assert Appeal.objects.count() == 2


def test_validation_errors_are_json_in_chinese(api, clock):
    token, _ = api
    response = post(
        token, {**appeal_data(enterprise_uscc="91110000MA01AAAA09", title=""), "external_id": "x"}
    )
    assert response.status_code == 400
    message = response.json()["error"]
    assert "校验位" in message and "“标题”未填写" in message
    missing = post(token, appeal_data())
    assert missing.status_code == 400 and "external_id" in missing.json()["error"]
    wrong_type = post(token, {**appeal_data(appeal_type="grumble"), "external_id": "y"})
    assert "complaint" in wrong_type.json()["error"] and "投诉" in wrong_type.json()["error"]
    garbage = Client().post(
        URL, b"{not json", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert garbage.status_code == 400 and "JSON" in garbage.json()["error"]
    assert not Appeal.objects.exists()


def test_token_is_required_and_checked(api, clock):
    payload = {**appeal_data(), "external_id": "z"}
    events = AuditEvent.objects.count()
    no_token = Client().post(URL, json.dumps(payload), content_type="application/json")
    assert no_token.status_code == 401 and "令牌" in no_token.json()["error"]
    assert post("wrong-token", payload).status_code == 401
    assert Client().get(URL).status_code == 405
    assert not Appeal.objects.exists() and AuditEvent.objects.count() == events


def test_a_system_reads_back_only_its_own_appeals(api, appeals_world, clock):
    token, other = api
    post(token, {**appeal_data(), "external_id": "R-1"})
    item = reverse("appeals:api_appeal", args=["R-1"])
    mine = Client().get(item, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert mine.status_code == 200 and mine.json()["reply"] is None
    theirs = Client().get(item, HTTP_AUTHORIZATION=f"Bearer {other}")
    assert theirs.status_code == 404 and "R-1" in theirs.json()["error"]


def test_inactive_client_is_refused(api, clock):
    from qinqing.appeals.api import forget_clients
    from qinqing.appeals.models import ApiClient

    token, _ = api
    assert post(token, {**appeal_data(), "external_id": "p"}).status_code == 201
    ApiClient.objects.filter(code="city-12345").update(active=False)
    forget_clients()  # otherwise refused within CLIENT_CACHE_SECONDS
    assert post(token, {**appeal_data(), "external_id": "q"}).status_code == 401
