"""Inspectors get a login identity (码上监督 scans as the person) and an SM4-encrypted phone."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from qinqing.core.audit.models import AuditEvent
from qinqing.inspections.models import Inspector

pytestmark = pytest.mark.django_db


def _form(p, **kw):
    data = {"unit": p.unit_id, "name": p.name, "fields_text": p.fields, "conflicts": "",
            "active": "on", "username": "", "mobile": ""}  # fmt: skip
    data.update(kw)
    return data


def _raw_mobile(p) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile FROM inspections_inspector WHERE id = %s", [p.pk])
        return cursor.fetchone()[0]


def test_the_office_links_an_inspector_to_a_login_of_the_unit_and_the_phone_is_encrypted(
    iw, client_for
):
    p = iw.market_inspectors[3]  # 孙丽娟 has no login yet
    url = reverse("inspections:inspector_edit", args=[p.pk])
    client = client_for(iw.office_admin)
    response = client.post(url, _form(p, username="market_clerk", mobile="138 1234 5678"))
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.user == iw.market_clerk and p.mobile == "13812345678"
    raw = _raw_mobile(p)
    assert raw.startswith("sm4gcm:") and "13812345678" not in raw
    event = AuditEvent.objects.filter(verb="inspector.updated").latest("id")
    assert event.after["user"] == "market_clerk" and event.after["mobile"] == "138****5678"
    assert "13812345678" not in client.get(reverse("inspections:inspectors")).content.decode()


def test_a_login_of_another_unit_is_refused_and_nothing_changes(iw, client_for):
    p = iw.market_inspectors[3]
    url = reverse("inspections:inspector_edit", args=[p.pk])
    response = client_for(iw.office_admin).post(
        url, _form(p, name="孙丽娟（已改）", username="tax_clerk", mobile="13812345678")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "没有用户名为“tax_clerk”的在用账号" in page and "孙丽娟（已改）" in page
    p.refresh_from_db()
    assert p.user is None and p.mobile == "" and p.name == "孙丽娟"
    assert not AuditEvent.objects.filter(verb="inspector.updated").exists()


def test_one_login_belongs_to_one_inspector(iw, client_for):
    taken = iw.login_of(iw.market_inspectors[0])
    p = iw.market_inspectors[3]
    response = client_for(iw.office_admin).post(
        reverse("inspections:inspector_edit", args=[p.pk]), _form(p, username=taken.username)
    )
    assert response.status_code == 400 and "已关联执法检查人员陈立明" in response.content.decode()
    assert Inspector.objects.get(pk=p.pk).user is None


def test_a_malformed_phone_is_refused(iw, client_for):
    p = iw.market_inspectors[3]
    response = client_for(iw.office_admin).post(
        reverse("inspections:inspector_edit", args=[p.pk]), _form(p, mobile="12345")
    )
    assert response.status_code == 400 and "不是 11 位手机号码" in response.content.decode()
    assert _raw_mobile(Inspector.objects.get(pk=p.pk)) == ""


def test_a_unit_clerk_cannot_link_logins(iw, client_for):
    p = iw.market_inspectors[3]
    response = client_for(iw.market_clerk).post(
        reverse("inspections:inspector_edit", args=[p.pk]), _form(p, username="market_clerk")
    )
    assert response.status_code in (403, 404)
    assert Inspector.objects.get(pk=p.pk).user is None
