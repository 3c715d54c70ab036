"""The search box on every page finds tasks, appeals and policies, each as its app allows."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 9, 10, 0, tzinfo=SH)


@pytest.fixture
def data(world):
    from qinqing.appeals.choices import Channel
    from tests.appeals.factories import make_appeal
    from tests.supervision.factories import make_plan, make_task

    plan = make_plan(world, title="示例市营商环境行动方案")
    task = make_task(plan, title="推行企业开办一网通办", lead=[world.market])
    appeal = make_appeal(world, NOW, channel=Channel.HOTLINE, title="超市门店被反复检查")
    return world, task, appeal


def search(client, q):
    response = client.get(reverse("web:search"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_office_finds_tasks_and_appeals(data, client_for):
    world, task, appeal = data
    page = search(client_for(world.office_admin), "一网通办")
    assert "推行企业开办一网通办" in page and f"/plans/tasks/{task.pk}/" in page
    page = search(client_for(world.office_admin), appeal.number)
    assert appeal.number in page and "超市门店被反复检查" in page


@pytest.mark.django_db
def test_another_city_and_another_enterprise_find_nothing(data, client_for):
    world, task, appeal = data
    for user in (world.other_officer, world.enterprise_b):
        assert "推行企业开办一网通办" not in search(client_for(user), "一网通办")
        page = search(client_for(user), appeal.number)
        assert f"/appeals/{appeal.pk}/" not in page and "没有找到相关内容" in page


@pytest.mark.django_db
def test_a_referred_complaint_is_not_found_by_its_text(data, client_for):
    from qinqing.appeals import service

    world, _, appeal = data
    service.refer_to_discipline(appeal, actor=world.office_admin, now=NOW, note="作风问题")
    office = client_for(world.office_admin)
    assert f"/appeals/{appeal.pk}/" not in search(office, "反复检查")
    page = search(office, appeal.number)
    assert appeal.number in page and "（已移送）" in page and "反复检查" not in page


@pytest.mark.django_db
def test_a_nul_byte_or_an_empty_query_is_harmless(data, client_for):
    world, *_ = data
    client = client_for(world.office_admin)
    assert "共找到" not in search(client, "")
    response = client.get(reverse("web:search"), {"q": "一网\x00通办"})
    assert response.status_code in (200, 400)  # answered in Chinese, never a server error
    assert "<html" in response.content.decode()
