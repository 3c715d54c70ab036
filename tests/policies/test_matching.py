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
from qinqing.policies.models import MatchResult, MatchRun, PushFeedback
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
    # B is large: missing only 中小微企业, which it cannot change, is no near miss (defect 12)
    assert USCC_B not in grad
    assert matched.policy_counts[str(pw.grad.pk)]["near"] == 1
    art3 = _current(pw.art3)
    assert art3[USCC_D].near_miss
    assert "严重失信" in art3[USCC_D].reason  # met the item, caught by the exclusion


def _edit(uscc: str, **attributes) -> None:
    """Change an enterprise as the registry's edit paths do (``save`` moves updated_at)."""
    from qinqing.core.enterprises.models import Enterprise

    enterprise = Enterprise.objects.get(uscc=uscc)
    enterprise.attributes = {**enterprise.attributes, **attributes}
    enterprise.save()


def _rows(policy) -> dict[str, tuple[int, int]]:
    return {
        u: (pk, run)
        for u, pk, run in MatchResult.objects.filter(policy=policy, current=True).values_list(
            "enterprise__uscc", "pk", "run_id"
        )
    }


def test_a_second_run_re_evaluates_only_the_changed_enterprise(pw, matched):
    before = {p.code: _rows(p) for p in (pw.art2, pw.art3, pw.grad)}
    _edit(USCC_C, graduate_hires=5)
    second = run_matching(actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW)
    assert (second.mode, second.base_run_id, second.reevaluated_count) == (
        "incremental", matched.pk, 1,
    )  # fmt: skip
    assert _current(pw.grad)[USCC_C].amount == Decimal(5000)
    assert _current(pw.grad)[USCC_C].run_id == second.pk
    # the replaced row is gone (no feedback on it); the run's figures keep the history
    assert not MatchResult.objects.filter(
        run=matched, policy=pw.grad, enterprise__uscc=USCC_C
    ).exists()
    assert matched.policy_counts[str(pw.grad.pk)]["eligible"] == 2
    # every other enterprise's rows are the very same rows, untouched
    after = {p.code: _rows(p) for p in (pw.art2, pw.art3, pw.grad)}
    for code, rows in before.items():
        unchanged = {u: v for u, v in rows.items() if u != USCC_C}
        assert {u: v for u, v in after[code].items() if u != USCC_C} == unchanged
    assert (second.eligible_count, second.total_amount) == (5, Decimal(367000))
    assert second.registry_digest != matched.registry_digest
    event = AuditEvent.objects.filter(verb="match_run.completed").latest("pk")
    assert event.after["mode"] == "incremental" and event.after["reevaluated"] == 1


def test_an_enterprise_that_stops_qualifying_leaves_the_list(pw, matched):
    _edit(USCC_C, graduate_hires=0)
    second = run_matching(actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW)
    grad = _current(pw.grad)
    assert second.mode == "incremental"
    assert not grad[USCC_C].eligible and grad[USCC_C].near_miss  # now a near miss
    assert second.eligible_count == 4 and second.total_amount == Decimal(362000)


def test_a_run_with_nothing_changed_keeps_every_row(pw, matched):
    before = {p.code: _rows(p) for p in (pw.art2, pw.art3, pw.grad)}
    second = run_matching(actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW)
    assert (second.mode, second.reevaluated_count) == ("incremental", 0)
    assert {p.code: _rows(p) for p in (pw.art2, pw.art3, pw.grad)} == before
    assert (second.eligible_count, second.total_amount) == (5, Decimal(365000))
    assert second.policy_counts == matched.policy_counts


def test_full_run_on_request_or_after_a_deletion(pw, matched):
    from qinqing.core.enterprises.models import Enterprise

    forced = run_matching(
        actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW, full=True
    )
    assert (forced.mode, forced.reevaluated_count) == ("full", 5)
    assert set(MatchResult.objects.filter(current=True).values_list("run_id", flat=True)) == {
        forced.pk
    }
    Enterprise.objects.filter(uscc=USCC_E).delete()
    third = run_matching(actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW)
    assert (third.mode, third.reevaluated_count) == ("full", 4)
    assert not MatchResult.objects.filter(enterprise__uscc=USCC_E, current=True).exists()


def test_an_import_marks_its_rows_changed(pw, matched):
    from qinqing.core.enterprises.models import Enterprise
    from qinqing.core.enterprises.service import import_registry
    from qinqing.policies.seeds import _row
    from tests.policies.conftest import registry_csv

    name = Enterprise.objects.get(uscc=USCC_C).name
    rows = [_row(USCC_C, name, size="micro", graduate_hires=4)]
    import_registry(registry_csv(rows), filename="c.csv", actor=pw.world.office_admin)
    second = run_matching(actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW)
    assert (second.mode, second.reevaluated_count) == ("incremental", 1)
    assert _current(pw.grad)[USCC_C].amount == Decimal(4000)


def test_feedback_keeps_a_replaced_row_as_history(pw, matched):
    result = _current(pw.grad)[USCC_C]
    PushFeedback.objects.create(
        result=result, policy=pw.grad, uscc=USCC_C, answer="fits", created_at=NOW, updated_at=NOW
    )
    _edit(USCC_C, graduate_hires=5)
    run_matching(actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW)
    result.refresh_from_db()
    assert not result.current and result.amount == Decimal(3000)
    assert _current(pw.grad)[USCC_C].amount == Decimal(5000)


def test_a_new_rule_version_re_evaluates_everything(pw, matched):
    text = pw.grad.rules.get(active=True).yaml_text
    new = text.replace("version: 1", "version: 2").replace("each: 1000元", "each: 1500元")
    service.save_policy_rule(pw.grad, new, actor=pw.world.office_admin, now=NOW)
    second = run_matching(actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW)
    assert (second.mode, second.reevaluated_count) == ("full", 5)
    current = _current(pw.grad)[USCC_C]
    assert current.amount == Decimal(4500) and current.rule.version == 2
    assert {r.run_id for p in (pw.art2, pw.art3, pw.grad) for r in _current(p).values()} == {
        second.pk
    }
    assert "grad-hiring-subsidy@2" in second.rule_refs
    assert matched.policy_counts[str(pw.grad.pk)]["version"] == 1


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
            "enterprise__uscc", "policy__code", "amount"
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
    result_c = MatchResult.objects.get(policy=pw.grad, enterprise__uscc=USCC_C, current=True)
    result_e = MatchResult.objects.get(policy=pw.grad, enterprise__uscc=USCC_E, current=True)
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

    result_c = MatchResult.objects.get(policy=pw.grad, enterprise__uscc=USCC_C, current=True)
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


def test_near_misses_beyond_the_cap_are_counted_and_shown_to_the_enterprise(
    pw, world, client_for, monkeypatch
):
    """A province has more near misses than are stored: the list stops at the cap, the
    count is of all, and the enterprise still sees its own near miss on its page."""
    from qinqing.policies import matching

    monkeypatch.setattr(matching, "NEAR_MISS_CAP", 0)
    run = run_matching(actor=world.office_admin, year=YEAR, area=world.city, now=NOW)
    assert not MatchResult.objects.filter(near_miss=True).exists()
    assert run.near_miss_count == 2 and run.policy_counts[str(pw.grad.pk)]["near_listed"] == 0
    staff = client_for(world.market_clerk).get(f"/policies/p/{pw.grad.code}/push/")
    assert "差一个条件 <strong>1</strong> 家（名单列出并推送其中 0 家" in staff.content.decode()
    html = client_for(world.enterprise_a).get("/policies/mine/").content.decode()
    near = html.split('id="near-misses"')[1].split("</section>")[0]
    assert "中小微企业招用高校毕业生一次性就业补贴" in near
    assert "本年度招用符合条件的高校毕业生至少 1 人" in near and "按企业库最新信息" in near
    other = client_for(world.enterprise_b).get("/policies/mine/").content.decode()
    assert "没有只差一个条件的政策" in other


def test_the_refresh_job_reruns_only_when_the_registry_changed(pw, matched):
    from qinqing.policies.tasks import refresh_matching

    assert refresh_matching(NOW) == {"refreshed": 0, "unchanged": 1, "not_refreshable": 0}
    _edit(USCC_C, graduate_hires=5)
    assert refresh_matching(NOW)["refreshed"] == 1
    latest = MatchRun.objects.latest("pk")
    assert (latest.mode, latest.reevaluated_count) == ("incremental", 1)
    assert _current(pw.grad)[USCC_C].amount == Decimal(5000)
    assert refresh_matching(NOW)["unchanged"] == 1


def test_an_incremental_run_lists_near_misses_only_where_the_cap_leaves_room(
    pw, matched, client_for, monkeypatch
):
    """The near misses listed of a policy stay at most the cap after incremental runs:
    an enterprise that becomes a near miss is counted, not listed, when the list is full
    (issue 20: a 1% re-run of a province listed 2,000 more per policy each time)."""
    from qinqing.policies import matching

    monkeypatch.setattr(matching, "NEAR_MISS_CAP", 1)  # the grad list holds A already
    _edit(USCC_C, graduate_hires=0)
    second = run_matching(actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW)
    assert second.mode == "incremental"
    listed = MatchResult.objects.filter(policy=pw.grad, current=True, near_miss=True)
    assert list(listed.values_list("enterprise__uscc", flat=True)) == [USCC_A]
    counts = second.policy_counts[str(pw.grad.pk)]
    assert (counts["near"], counts["near_listed"]) == (2, 1)
    staff = client_for(pw.world.market_clerk).get(f"/policies/p/{pw.grad.code}/push/")
    assert "差一个条件 <strong>2</strong> 家（名单列出并推送其中 1 家" in staff.content.decode()
    # room again once A's listed near miss goes: C's is listed
    _edit(USCC_A, graduate_hires=1)
    _edit(USCC_C, graduate_hires=0, size="micro")
    third = run_matching(actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW)
    assert third.mode == "incremental"
    assert list(listed.values_list("enterprise__uscc", flat=True)) == [USCC_C]


def test_push_list_shows_the_registry_name_joined_over_the_page(pw, matched, client_for):
    """A row refers to its enterprise: the push list shows the enterprise's credit code
    and its name as the registry has it now, joined in the page's query, not per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qinqing.core.enterprises.models import Enterprise

    Enterprise.objects.filter(uscc=USCC_C).update(name="丙企业（已更名）")
    client = client_for(pw.world.market_clerk)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"/policies/p/{pw.grad.code}/push/").content.decode()
    assert "丙企业（已更名）" in html and USCC_C in html and "戊企业" in html
    per_row = [q["sql"] for q in queries if 'FROM "enterprises_enterprise" WHERE' in q["sql"]]
    assert per_row == []


def test_a_deleted_enterprise_leaves_its_answered_row_as_history(pw, matched, client_for):
    """Rows refer to the enterprise by id: deleting it from the registry keeps the rows
    (no enterprise), the one it answered on stays with its feedback and credit code, the
    push list still shows, and the next (full) run drops the current ones."""
    from qinqing.core.enterprises.models import Enterprise

    answered = MatchResult.objects.get(policy=pw.grad, enterprise__uscc=USCC_E, current=True)
    PushFeedback.objects.create(
        result=answered, policy=pw.grad, uscc=USCC_E, answer="fits", created_at=NOW,
        updated_at=NOW,
    )  # fmt: skip
    Enterprise.objects.filter(uscc=USCC_E).delete()
    answered.refresh_from_db()
    assert answered.enterprise_id is None and answered.enterprise_name == "（已不在企业库）"
    page = client_for(pw.world.market_clerk).get(f"/policies/p/{pw.grad.code}/push/")
    assert page.status_code == 200 and "丙企业" in page.content.decode()
    run = run_matching(actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW)
    assert run.mode == "full"
    answered.refresh_from_db()
    assert answered.current is False and answered.feedback.uscc == USCC_E
    assert not MatchResult.objects.filter(current=True, enterprise__isnull=True).exists()
