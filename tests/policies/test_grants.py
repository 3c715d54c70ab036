"""免申即享 grant batches: two people, frozen with rule version and data snapshot, paid from
the 资金池, exported as the payment list, every enterprise notified, everything audited."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from qinqing.core.notifications.models import Notification
from qinqing.policies import service
from qinqing.policies.models import Budget, GrantBatch, GrantBatchState
from tests.policies.conftest import NOW, USCC_E, set_budget
from tests.world import USCC_B


@pytest.fixture
def batch(pw, matched):
    set_budget(pw.art2, 1_000_000, actor=pw.world.office_admin)
    return service.prepare_grant_batch(pw.art2, actor=pw.world.office_admin, now=NOW)


def test_prepare_freezes_rule_version_snapshot_and_lines(pw, matched, batch):
    assert batch.state == GrantBatchState.PREPARED
    assert batch.rule == pw.art2.rules.get(active=True)
    assert batch.rule_digest == batch.rule.digest
    assert batch.registry_digest == matched.registry_digest
    assert batch.line_count == 2 and batch.total_amount == Decimal(260000)
    lines = {line.uscc: line for line in batch.lines.all()}
    assert lines[USCC_E].amount == Decimal(210000)
    # the basis names the article, the rule version and the items that count
    assert "《XX区进一步优化营商环境十八条措施》第二条" in lines[USCC_E].basis
    assert "第 1 版" in lines[USCC_E].basis
    assert "单项冠军" in lines[USCC_E].basis and "限上" in lines[USCC_E].basis
    assert "规上工业" in lines[USCC_B].basis
    assert AuditEvent.objects.filter(verb="grant_batch.prepared").count() == 1


def test_the_preparer_cannot_approve_their_own_batch(pw, batch):
    events = AuditEvent.objects.count()
    with pytest.raises(IllegalTransition, match="制单人以外"):
        service.approve_grant_batch(batch, actor=pw.world.office_admin, now=NOW)
    batch.refresh_from_db()
    assert batch.state == GrantBatchState.PREPARED and batch.approved_by is None
    assert Budget.objects.get(policy=pw.art2).committed == 0
    assert not Notification.objects.filter(kind="policies.grant").exists()
    assert AuditEvent.objects.count() == events


def test_the_preparer_cannot_approve_through_the_page_either(pw, batch, client_for):
    client = client_for(pw.world.office_admin)
    page = client.get(f"/policies/grants/{batch.pk}/")
    assert "审批通过" not in page.content.decode()
    assert "须由另一名工作人员审批" in page.content.decode()
    response = client.post(f"/policies/grants/{batch.pk}/approve/")
    assert response.status_code == 400
    assert "制单人以外" in response.content.decode()
    batch.refresh_from_db()
    assert batch.state == GrantBatchState.PREPARED


def test_the_database_refuses_preparer_as_approver(pw, batch):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        GrantBatch.objects.filter(pk=batch.pk).update(approved_by=pw.world.office_admin)


def test_another_officer_approves_commits_budget_and_notifies_each_enterprise(pw, batch):
    from qinqing.core.accounts.service import create_user_with_role

    ent_e = create_user_with_role(
        actor="test", username="ent-e", password="x-Qinqing-2026", role_code="enterprise",
        unit=None, uscc=USCC_E, enterprise_name="戊企业", full_name="戊企业", email="",
    )  # fmt: skip
    service.approve_grant_batch(batch, actor=pw.world.office_checker, now=NOW)
    batch.refresh_from_db()
    assert batch.state == GrantBatchState.APPROVED and batch.approved_by == pw.world.office_checker
    budget = Budget.objects.get(policy=pw.art2)
    assert budget.committed == Decimal(260000) and budget.paid == 0
    notes = Notification.objects.filter(kind="policies.grant")
    assert {n.recipient.profile.uscc for n in notes} == {USCC_B, USCC_E}
    assert "210,000 元" in notes.get(recipient=ent_e).title
    event = AuditEvent.objects.get(verb="grant_batch.approved")
    assert event.actor_id == pw.world.office_checker.pk
    assert event.after["prepared_by"] == pw.world.office_admin.pk
    with pytest.raises(IllegalTransition, match="已审批"):
        service.cancel_grant_batch(batch, actor=pw.world.office_admin, reason="x", now=NOW)


def test_approval_never_exceeds_the_budget(pw, matched):
    set_budget(pw.art2, 200_000, actor=pw.world.office_admin)
    batch = service.prepare_grant_batch(pw.art2, actor=pw.world.office_admin, now=NOW)
    with pytest.raises(
        InvalidInput, match="资金池余额不足.*可用 200,000 元，本批次需要 260,000 元"
    ):
        service.approve_grant_batch(batch, actor=pw.world.office_checker, now=NOW)
    batch.refresh_from_db()
    assert batch.state == GrantBatchState.PREPARED
    assert Budget.objects.get(policy=pw.art2).committed == 0


def test_approval_needs_a_budget(pw, matched):
    batch = service.prepare_grant_batch(pw.art2, actor=pw.world.office_admin, now=NOW)
    with pytest.raises(InvalidInput, match="还没有资金池"):
        service.approve_grant_batch(batch, actor=pw.world.office_checker, now=NOW)


def test_payment_moves_committed_to_paid(pw, batch):
    import datetime as dt

    service.approve_grant_batch(batch, actor=pw.world.office_checker, now=NOW)
    service.record_grant_payment(
        batch, actor=pw.world.office_admin, paid_on=dt.date(2025, 11, 20), payment_ref="PZ-1",
        now=NOW,
    )  # fmt: skip
    budget = Budget.objects.get(policy=pw.art2)
    assert (budget.committed, budget.paid) == (0, Decimal(260000))
    batch.refresh_from_db()
    assert batch.state == GrantBatchState.PAID


def test_payment_list_xlsx(pw, batch, client_for):
    client = client_for(pw.world.office_checker)
    assert client.get(f"/policies/grants/{batch.pk}/export.xlsx").status_code == 400  # not approved
    service.approve_grant_batch(batch, actor=pw.world.office_checker, now=NOW)
    response = client.get(f"/policies/grants/{batch.pk}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("序号", "企业名称", "统一社会信用代码", "政策", "金额（元）", "依据")
    assert rows[1][0] == 1 and rows[1][3] == "培育企业发展壮大"
    assert {(r[2], float(r[4])) for r in rows[1:]} == {(USCC_B, 50000.0), (USCC_E, 210000.0)}
    assert all("第 1 版" in r[5] for r in rows[1:])
    assert AuditEvent.objects.filter(verb="grant_batch.exported").count() == 1


def test_one_batch_per_policy_and_year_unless_cancelled(pw, batch):
    with pytest.raises(IllegalTransition, match="不能重复生成"):
        service.prepare_grant_batch(pw.art2, actor=pw.world.office_admin, now=NOW)
    service.cancel_grant_batch(batch, actor=pw.world.office_admin, reason="重新制单", now=NOW)
    again = service.prepare_grant_batch(pw.art2, actor=pw.world.office_admin, now=NOW)
    assert again.pk != batch.pk


def test_a_registry_change_after_the_run_blocks_the_batch(pw, matched):
    from qinqing.core.enterprises.models import Enterprise

    Enterprise.objects.filter(uscc=USCC_E).update(name="戊企业（已更名）")
    with pytest.raises(InvalidInput, match="重新运行政策匹配"):
        service.prepare_grant_batch(pw.art2, actor=pw.world.office_admin, now=NOW)
    assert not GrantBatch.objects.exists()


def test_a_rule_change_after_the_run_blocks_the_batch(pw, matched):
    text = pw.art2.rules.get(active=True).yaml_text.replace("version: 1", "version: 2")
    text = text.replace("amount: 1万元", "amount: 2万元")
    service.save_policy_rule(pw.art2, text, actor=pw.world.office_admin, now=NOW)
    with pytest.raises(InvalidInput, match="现行规则为第 2 版"):
        service.prepare_grant_batch(pw.art2, actor=pw.world.office_admin, now=NOW)


def test_application_policies_have_no_grant_batch(pw, matched):
    with pytest.raises(InvalidInput, match="依申请兑现"):
        service.prepare_grant_batch(pw.sme, actor=pw.world.office_admin, now=NOW)


@pytest.mark.parametrize("who", ["market_clerk", "leader", "enterprise_a", "county_officer"])
def test_who_may_not_approve_changes_nothing(pw, batch, client_for, who):
    user = getattr(pw.world, who)
    events = AuditEvent.objects.count()
    response = client_for(user).post(f"/policies/grants/{batch.pk}/approve/")
    assert response.status_code in (403, 404)
    batch.refresh_from_db()
    assert batch.state == GrantBatchState.PREPARED
    assert AuditEvent.objects.count() == events
    with pytest.raises((PermissionDenied, IllegalTransition)):
        service.approve_grant_batch(batch, actor=user, now=NOW)


@pytest.mark.parametrize("who", ["market_clerk", "leader", "enterprise_a", "other_officer"])
def test_who_may_not_prepare_changes_nothing(pw, matched, client_for, who):
    events = AuditEvent.objects.count()
    response = client_for(getattr(pw.world, who)).post(
        "/policies/grants/prepare/", {"policy": pw.art2.code}
    )
    assert response.status_code in (403, 404)
    assert not GrantBatch.objects.exists()
    assert AuditEvent.objects.count() == events


def test_other_city_cannot_see_export_or_cancel(pw, batch, client_for):
    client = client_for(pw.world.other_officer)
    assert client.get(f"/policies/grants/{batch.pk}/").status_code == 404
    assert client.get(f"/policies/grants/{batch.pk}/export.xlsx").status_code == 404
    assert client.post(f"/policies/grants/{batch.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert "戊企业" not in client.get("/policies/grants/").content.decode()
    batch.refresh_from_db()
    assert batch.state == GrantBatchState.PREPARED


def test_leader_reads_but_cannot_cancel_or_pay(pw, batch, client_for):
    client = client_for(pw.world.leader)
    assert client.get(f"/policies/grants/{batch.pk}/").status_code == 200
    assert client.post(f"/policies/grants/{batch.pk}/cancel/", {"reason": "x"}).status_code == 403
    response = client.post(f"/policies/grants/{batch.pk}/paid/", {"paid_on": "2025-11-20"})
    assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.state == GrantBatchState.PREPARED


def test_basis_names_the_same_items_as_the_explanation(pw, matched):
    """The vectorised 依据 agrees with the per-enterprise explanation for every line."""
    from qinqing.policies.engine.explain import explain_policy
    from qinqing.policies.matching import parse_rule, stored_registry

    for policy in (pw.art2, pw.art3, pw.grad):
        set_budget(policy, 1_000_000, actor=pw.world.office_admin)
        batch = service.prepare_grant_batch(policy, actor=pw.world.office_admin, now=NOW)
        parsed = parse_rule(batch.rule.yaml_text, f"{policy.code}.yaml")
        registry = stored_registry()
        for line in batch.lines.all():
            one = registry.take([registry.row_of(line.uscc)])
            counted = [i.title for i in explain_policy(parsed, one, 2025).items if i.counted]
            assert line.basis.endswith("：" + "、".join(counted)), line.basis
