"""Defect 5: an application's phone, bank account and amount are checked (the form comes back
with the errors and what was typed), and the enterprise is told, with the reason, when the
registry says it does not meet the policy's rule."""

from __future__ import annotations

import pytest

from qinqing.policies.models import Application, Delivery, MatchResult
from tests.policies.conftest import NOW

pytestmark = pytest.mark.date_sensitive

GOOD = {
    "contact_name": "钱经理",
    "contact_phone": "138 0000 0000",
    "bank_account": "中国工商银行示例市分行 6222 0210 0112 3456 789",
    "requested_amount": "30000",
    "statement": "",
}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_phone", "找钱经理", "不是有效的电话号码"),
        ("bank_account", "工行", "开户银行名称和银行账号"),
        ("requested_amount", "3", "不能少于 100 元"),
    ],
)
def test_bad_values_come_back_on_the_form(pw, client_for, _pinned_clock, field, value, message):
    _pinned_clock.move_to(NOW)
    client = client_for(pw.world.enterprise_a)
    response = client.post(f"/policies/p/{pw.sme.code}/apply/", {**GOOD, field: value})
    body = response.content.decode()
    assert response.status_code == 200  # the form again, not an error page
    assert message in body and value in body  # the reason, and what was typed kept
    assert not Application.objects.exists()


def test_landline_and_spaced_mobile_are_accepted():
    from qinqing.policies.forms import ApplicationForm

    for phone in ("0710-3456789", "138 0000 0000"):
        form = ApplicationForm({**GOOD, "contact_phone": phone})
        assert form.is_valid(), form.errors


def test_enterprise_is_told_whether_it_meets_the_rule(pw, matched, client_for, _pinned_clock):
    _pinned_clock.move_to(NOW)
    policy = pw.grad
    policy.delivery = Delivery.APPLICATION
    policy.save(update_fields=["delivery"])
    user = pw.world.enterprise_a
    body = client_for(user).get(f"/policies/p/{policy.code}/apply/").content.decode()
    assert 'id="eligibility"' in body
    eligible = MatchResult.objects.filter(
        policy=policy, enterprise__uscc=user.profile.uscc, current=True, eligible=True
    ).exists()
    if eligible:
        assert "符合本政策条件" in body
    else:
        assert "提示：" in body and "仍可申报" in body
