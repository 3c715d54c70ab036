"""Matching on the stored registry: results, versions, near misses, push lists, feedback."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.notifications.models import Notification
from qinqing.policies import service
from qinqing.policies.matching import run_matching
from qinqing.policies.models import MatchResult, PushFeedback
from tests.policies.conftest import NOW, USCC_C, USCC_D, USCC_E, YEAR
from tests.world import USCC_A, USCC_B


def _current(policy):
    return {r.uscc: r for r in MatchResult.objects.filter(policy=policy, current=True)}


def test_run_stores_eligible_amounts_and_the_rule_version(pw, matched):
    art2, art3, grad = _current(pw.art2), _current(pw.art3), _current(pw.grad)
    assert {u: r.amount for u, r in art2.items() if r.eligible} == {
        USCC_B: Decimal(50000),
        USCC_E: Decimal(210000),  # 国家单项冠军 200,000 + 限上 10,000: items of art2 add up
    }
    assert {u: r.amount for u, r in art3.items() if r.eligible} == {USCC_A: Decimal(100000)}
    assert {u: r.amount for u, r in grad.items() if r.eligible} == {
        USCC_C: Decimal(3000),
        USCC_E: Decimal(2000),
    }
    rule = pw.art2.rules.get(active=True)
    assert all(r.rule_id == rule.pk and r.run_id == matched.pk for r in art2.values())
    assert matched.rule_refs == [
        "district18-art2@1", "district18-art3@1", "grad-hiring-subsidy@1",
    ]  # fmt: skip
    assert matched.eligible_count == 5
    assert matched.total_amount == Decimal(365000)
    assert len(matched.registry_digest) == 64
    event = AuditEvent.objects.get(verb="match_run.completed")
    assert event.after["eligible"] == 5


def test_near_misses_are_stored_with_their_reason(pw, matched):
    grad = _current(pw.grad)
    assert grad[USCC_A].near_miss and not grad[USCC_A].eligible
    assert "本年度招用符合条件的高校毕业生至少 1 人" in grad[USCC_A].reason
    assert "中小微企业" in grad[USCC_B].reason  # B is large
    art3 = _current(pw.art3)
    assert art3[USCC_D].near_miss
    assert "严重失信" in art3[USCC_D].reason  # met the item, caught by the exclusion


def test_a_second_run_replaces_the_current_results_and_keeps_the_old(pw, matched):
    from qinqing.core.enterprises.models import Enterprise

    Enterprise.objects.filter(uscc=USCC_C).update(attributes={"graduate_hires": 5})
    second = run_matching(actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW)
    assert _current(pw.grad)[USCC_C].amount == Decimal(5000)
    assert _current(pw.grad)[USCC_C].run_id == second.pk
    old = MatchResult.objects.get(run=matched, policy=pw.grad, uscc=USCC_C)
    assert old.amount == Decimal(3000) and not old.current
    assert second.registry_digest != matched.registry_digest


def test_a_new_rule_version_is_recorded_on_the_next_run(pw, matched):
    text = pw.grad.rules.get(active=True).yaml_text
    new = text.replace("version: 1", "version: 2").replace("each: 1000元", "each: 1500元")
    service.save_policy_rule(pw.grad, new, actor=pw.world.office_admin, now=NOW)
    run_matching(actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW)
    current = _current(pw.grad)[USCC_C]
    assert current.amount == Decimal(4500) and current.rule.version == 2
    assert MatchResult.objects.get(run=matched, policy=pw.grad, uscc=USCC_C).rule.version == 1


def test_run_refuses_a_bad_year_and_an_empty_registry(world):
    with pytest.raises(InvalidInput, match="还没有保存了规则的政策"):
        run_matching(actor=world.office_admin, year=YEAR, area=world.city, now=NOW)
    with pytest.raises(InvalidInput, match="2000—2100"):
        run_matching(actor=world.office_admin, year=1999, area=world.city, now=NOW)


def test_the_stored_results_reproduce_expected_2025_exactly(world, shared_dir):
    """The Django path (registry in the database → engine → MatchResult rows) gives the
    contract file's answer on the 10,000-enterprise sample."""
    from qinqing.core.enterprises.service import import_registry
    from qinqing.policies.seeds import install_seed_policies

    install_seed_policies(world.market, actor=world.office_admin, now=NOW)
    sample = shared_dir / "data" / "enterprises"
    import_registry(
        (sample / "sample_10k.csv").read_bytes(),
        filename="sample_10k.csv",
        actor=world.office_admin,
    )
    run = run_matching(actor=world.office_admin, year=2025, area=world.city, now=NOW)
    stored = {
        (u, p, int(a))
        for u, p, a in MatchResult.objects.filter(run=run, eligible=True).values_list(
            "uscc", "policy__code", "amount"
        )
    }
    with open(sample / "expected_2025.csv", encoding="utf-8") as handle:
        expected = {(r["uscc"], r["policy_id"], int(r["amount"])) for r in csv.DictReader(handle)}
    assert stored == expected
    assert run.eligible_count == len(expected)


# ---------------------------------------------------------------- 精准推送 and feedback


def test_push_notifies_eligible_and_near_miss_enterprises_once_per_run(pw, matched, client_for):
    from qinqing.core.accounts.service import create_user_with_role

    ent_c = create_user_with_role(
        actor="test", username="ent-c", password="x-Qinqing-2026", role_code="enterprise",
        unit=None, uscc=USCC_C, enterprise_name="丙企业", full_name="丙企业", email="",
    )  # fmt: skip
    push = service.push_policy(pw.grad, actor=pw.world.office_admin, now=NOW)
    # B (large) misses only 中小微企业, which it cannot come to meet: not pushed (defect 12)
    assert (push.eligible_recipients, push.near_miss_recipients) == (2, 1)
    to_c = Notification.objects.get(recipient=ent_c, kind="policies.push")
    assert "3,000 元" in to_c.body and to_c.url == "/policies/mine/"
    to_a = Notification.objects.get(recipient=pw.world.enterprise_a, kind="policies.push")
    assert "只差一个条件" in to_a.title and "高校毕业生" in to_a.body
    with pytest.raises(IllegalTransition, match="推送过"):
        service.push_policy(pw.grad, actor=pw.world.office_admin, now=NOW)
    # three enterprises pushed (C, E eligible; A a near miss), two of them with an account:
    # one message each, never two, and none to B
    pushed = Notification.objects.filter(kind="policies.push")
    assert sorted(pushed.values_list("recipient__profile__uscc", flat=True)) == sorted(
        [USCC_A, USCC_C]
    )
    page = client_for(pw.world.enterprise_a).get("/policies/mine/").content.decode()
    assert "只差一个条件" in page and "未读" in page


def test_push_needs_results(pw):
    with pytest.raises(InvalidInput, match="请先运行政策匹配"):
        service.push_policy(pw.grad, actor=pw.world.office_admin, now=NOW)


def test_feedback_gives_the_match_satisfaction_rate(pw, matched, client_for):
    result_c = MatchResult.objects.get(policy=pw.grad, uscc=USCC_C, current=True)
    result_e = MatchResult.objects.get(policy=pw.grad, uscc=USCC_E, current=True)
    from qinqing.core.accounts.service import create_user_with_role

    users = {}
    for code in (USCC_C, USCC_E):
        users[code] = create_user_with_role(
            actor="test", username=f"ent-{code[-4:]}", password="x-Qinqing-2026",
            role_code="enterprise", unit=None, uscc=code, enterprise_name="企业",
            full_name="企业用户", email="e@example.invalid",
        )  # fmt: skip
    service.record_push_feedback(result_c, actor=users[USCC_C], answer="fits", comment="", now=NOW)
    service.record_push_feedback(result_e, actor=users[USCC_E], answer="not_fit",
                                 comment="今年未招聘", now=NOW)  # fmt: skip
    # answering again changes the answer, it does not add one
    service.record_push_feedback(
        result_e, actor=users[USCC_E], answer="partly", comment="", now=NOW
    )
    assert PushFeedback.objects.count() == 2
    page = client_for(pw.world.office_admin).get(f"/policies/p/{pw.grad.code}/push/")
    assert "匹配满意率：75%" in page.content.decode()  # (1 + 0.5) / 2


def test_feedback_on_another_enterprises_result_is_refused(pw, matched):
    from qinqing.core.errors import PermissionDenied

    result_c = MatchResult.objects.get(policy=pw.grad, uscc=USCC_C, current=True)
    with pytest.raises(PermissionDenied):
        service.record_push_feedback(
            result_c, actor=pw.world.enterprise_a, answer="fits", comment="", now=NOW
        )
    assert not PushFeedback.objects.exists()


def test_matching_command_for_large_registries(pw, capsys):
    from qinqing.cli.main import main

    args = ["policies", "match", "--year", "2025", "--area", "示例市"]
    assert main([*args, "--user", "office_admin"]) == 0
    assert "符合条件 5 户次" in capsys.readouterr().out
    assert MatchResult.objects.filter(eligible=True, current=True).count() == 5
    before = MatchResult.objects.count()
    assert main([*args, "--user", "leader"]) == 2  # a read-only leader may not run it
    assert "政策与规则" in capsys.readouterr().err
    assert MatchResult.objects.count() == before
