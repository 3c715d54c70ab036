"""Dispatch suggestions from the router, auto-dispatch above a threshold, 即时办结 from the
knowledge base. One model is trained here on real messages (../shared, read at test time)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest
from django.urls import reverse

from qinqing.appeals import suggest
from qinqing.appeals.choices import AppealState, AppealType
from qinqing.appeals.models import AppealSettings
from tests.appeals.conftest import NOW
from tests.appeals.factories import make_appeal

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
PER_LABEL_TRAIN, PER_LABEL_TEST = 80, 15


@pytest.fixture(scope="module")
def real_split(tmp_path_factory):
    from qinqing.appeals.routing import message_text, save_router, train_router

    source = SHARED / "data" / "appeals" / "train.csv"
    assert source.exists(), f"shared data missing: {source}"
    by_label = defaultdict(list)
    with source.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_label[row["label"]].append(row)
    train, test = [], []
    for rows in by_label.values():
        train += rows[:PER_LABEL_TRAIN]
        test += rows[PER_LABEL_TRAIN : PER_LABEL_TRAIN + PER_LABEL_TEST]
    router = train_router(
        [message_text(r["title"], r["body"]) for r in train], [r["label"] for r in train]
    )
    path = tmp_path_factory.mktemp("real-router") / "router.npz"
    save_router(router, path)
    return path, test


def test_suggestions_on_unseen_real_messages_point_to_the_mapped_unit(
    appeals_world, settings, real_split
):
    from qinqing.appeals.models import Appeal, RoutingMapping

    w = appeals_world
    path, test = real_split
    settings.QINQING_APPEALS_ROUTER_MODEL = str(path)
    suggest.forget_model()
    unit_of = {m.category: m.unit_id for m in RoutingMapping.objects.filter(locality=w.city)}
    truth = {}
    in_memory = []
    for n, row in enumerate(test):
        a = Appeal(pk=10_000 + n, locality=w.city, title=row["title"], content=row["body"])
        in_memory.append(a)
        truth[a.pk] = unit_of[row["label"]]
    found = suggest.suggest_for_appeals(in_memory)
    top1 = sum(found[a.pk][0].unit_id == truth[a.pk] for a in in_memory) / len(in_memory)
    top3 = sum(truth[a.pk] in {s.unit_id for s in found[a.pk]} for a in in_memory) / len(in_memory)
    # the world maps five domains to ndrc, so units are coarser than labels
    assert top1 >= 0.75 and top3 >= 0.95, (top1, top3)
    for a in in_memory[:10]:
        confidences = [s.confidence for s in found[a.pk]]
        assert confidences == sorted(confidences, reverse=True) and 0 < confidences[0] <= 1


def test_auto_dispatch_above_the_threshold_for_listed_categories(appeals_world):
    w = appeals_world
    config = AppealSettings.objects.get(locality=w.city)
    config.auto_dispatch_threshold, config.auto_dispatch_categories = 0.3, ["商贸旅游"]
    config.save()
    appeal = make_appeal(w, NOW)
    appeal.refresh_from_db()
    assert appeal.state == AppealState.DISPATCHED and appeal.auto_dispatched
    ticket = appeal.tickets.get()
    assert ticket.unit == w.market
    assert ticket.events.get(kind="dispatched").actor_label == "系统自动派单"
    config.auto_dispatch_threshold = 0.999
    config.save()
    other = make_appeal(
        w, NOW, title="另一件", content="网店被同一批人以标签瑕疵为由反复投诉索赔，请明确处理口径。"
    )
    other.refresh_from_db()
    assert other.state == AppealState.RECEIVED and not other.auto_dispatched
    assert other.suggestions  # kept for the dispatcher


def test_conduct_complaints_are_never_auto_dispatched(appeals_world):
    w = appeals_world
    config = AppealSettings.objects.get(locality=w.city)
    config.auto_dispatch_threshold = 0.0
    config.save()
    appeal = make_appeal(w, NOW, content="超市检查时工作人员吃拿卡要，暗示要好处费。")
    appeal.refresh_from_db()
    assert appeal.conduct and appeal.state == AppealState.RECEIVED


def test_knowledge_base_answers_a_consultation_on_the_spot(appeals_world, as_user, clock):
    w = appeals_world
    appeal = make_appeal(
        w, NOW, appeal_type=AppealType.CONSULTATION, title="经营范围变更能否网上办",
        content="请问营业执照经营范围变更能否在网上办理？",
    )  # fmt: skip
    office = as_user(w.office_admin)
    page = office.get(appeal.get_absolute_url()).content.decode()
    assert "知识库答复" in page and "企业开办一网通" in page
    office.post(
        reverse("appeals:answer", args=[appeal.pk]),
        {"answer": "可以，登录省政务服务网“企业开办一网通”专区办理。"},
    )
    appeal.refresh_from_db()
    assert appeal.state == AppealState.ANSWERED
    timeline = as_user(w.enterprise_a).get(appeal.get_absolute_url()).content.decode()
    assert "即时办结" in timeline and "企业开办一网通" in timeline


def test_without_a_model_the_queue_still_works(appeals_world, settings, as_user, clock, tmp_path):
    settings.QINQING_APPEALS_ROUTER_MODEL = str(tmp_path / "absent.npz")
    suggest.forget_model()
    w = appeals_world
    appeal = make_appeal(w, NOW)
    office = as_user(w.office_admin)
    page = office.get(reverse("appeals:queue")).content.decode()
    assert "尚未训练诉求分类模型" in page and appeal.number in page
    office.post(reverse("appeals:dispatch", args=[appeal.pk]), {"primary_unit": w.tax.pk})
    appeal.refresh_from_db()
    assert appeal.state == AppealState.DISPATCHED and appeal.dispatch_overridden is None
