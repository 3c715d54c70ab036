"""Rules as stored versions: validation with the engine's Chinese errors before saving,
a change makes a new version, old versions stay."""

from __future__ import annotations

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import InvalidInput
from qinqing.policies import service
from qinqing.policies.engine.spec import builtin_specs_dir
from qinqing.policies.models import PolicyRule
from qinqing.policies.seeds import SEED_RULE_SOURCE
from tests.policies.conftest import NOW


def test_seed_policies_carry_the_shipped_rule_files(pw):
    for policy in (pw.art2, pw.art3, pw.grad):
        rule = policy.rules.get(active=True)
        shipped = (builtin_specs_dir() / f"{policy.code}.yaml").read_text(encoding="utf-8")
        assert rule.yaml_text == shipped and rule.version == 1
        assert rule.source == SEED_RULE_SOURCE


def test_unknown_attribute_is_reported_with_its_line_and_nothing_saved(pw, client_for):
    text = pw.grad.rules.get(active=True).yaml_text
    bad = text.replace("version: 1", "version: 2").replace(
        "attribute: graduate_hires\n    at_least: 1", "attribute: graduates\n    at_least: 1"
    )
    response = client_for(pw.world.office_admin).post(
        f"/policies/p/{pw.grad.code}/rule/", {"yaml_text": bad, "action": "save"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "未保存" in html and "graduates" in html and "第 " in html and "行" in html
    assert PolicyRule.objects.filter(policy=pw.grad).count() == 1
    assert not AuditEvent.objects.filter(verb="policy_rule.saved", after__version=2).exists()


def test_a_change_without_a_new_version_number_is_refused(pw):
    text = pw.grad.rules.get(active=True).yaml_text.replace("each: 1000元", "each: 1200元")
    problems = service.check_rule_text(pw.grad, text)
    assert len(problems) == 1 and "请把 version 改为 2" in problems[0]
    with pytest.raises(InvalidInput, match="version 改为 2"):
        service.save_policy_rule(pw.grad, text, actor=pw.world.office_admin, now=NOW)


def test_a_comment_only_change_is_not_a_new_version(pw):
    text = "# 新增一行注释\n" + pw.grad.rules.get(active=True).yaml_text
    assert "相同" in service.check_rule_text(pw.grad, text)[0]


def test_the_rule_id_must_be_the_policy_code(pw):
    text = pw.grad.rules.get(active=True).yaml_text.replace(
        "id: grad-hiring-subsidy", "id: other-policy"
    )
    assert "与政策编号“grad-hiring-subsidy”不一致" in service.check_rule_text(pw.grad, text)[0]


def test_a_fixed_change_saves_a_new_active_version_and_keeps_the_old(pw, client_for):
    old = pw.grad.rules.get(active=True)
    text = old.yaml_text.replace("version: 1", "version: 2\nversion_note: 每人提高到 1500 元")
    text = text.replace("each: 1000元", "each: 1500元")
    client = client_for(pw.world.office_admin)
    checked = client.post(f"/policies/p/{pw.grad.code}/rule/", {"yaml_text": text,
                                                                "action": "validate"})  # fmt: skip
    assert "校验通过" in checked.content.decode()
    assert PolicyRule.objects.filter(policy=pw.grad).count() == 1  # validating saves nothing
    response = client.post(
        f"/policies/p/{pw.grad.code}/rule/", {"yaml_text": text.replace("\n", "\r\n"),
                                              "action": "save"},
    )  # fmt: skip
    assert response.status_code == 302
    new = pw.grad.rules.get(active=True)
    assert new.version == 2 and new.version_note == "每人提高到 1500 元"
    assert new.digest != old.digest and "\r" not in new.yaml_text
    old.refresh_from_db()
    assert not old.active and old.yaml_text.count("1000元") >= 1
    event = AuditEvent.objects.get(verb="policy_rule.saved", after__version=2)
    assert event.before["version"] == 1
    page = client.get(f"/policies/p/{pw.grad.code}/rule/1/")
    assert page.status_code == 200 and "each: 1000元" in page.content.decode()


def test_the_version_number_never_goes_back(pw):
    base = pw.grad.rules.get(active=True).yaml_text
    v3 = base.replace("version: 1", "version: 3").replace("each: 1000元", "each: 900元")
    service.save_policy_rule(pw.grad, v3, actor=pw.world.office_admin, now=NOW)
    v2 = base.replace("version: 1", "version: 2").replace("each: 1000元", "each: 800元")
    problems = service.check_rule_text(pw.grad, v2)
    assert problems and "请把 version 改为 4" in problems[0]


@pytest.mark.parametrize("who", ["market_clerk", "leader", "other_officer", "enterprise_a"])
def test_only_the_office_of_the_area_edits_rules(pw, client_for, who):
    text = pw.grad.rules.get(active=True).yaml_text.replace("version: 1", "version: 2")
    text = text.replace("each: 1000元", "each: 1", 1)
    events = AuditEvent.objects.count()
    response = client_for(getattr(pw.world, who)).post(
        f"/policies/p/{pw.grad.code}/rule/", {"yaml_text": text, "action": "save"}
    )
    assert response.status_code in (403, 404)
    assert PolicyRule.objects.filter(policy=pw.grad).count() == 1
    assert AuditEvent.objects.count() == events


def test_department_reads_its_rule_without_an_editor(pw, client_for):
    page = client_for(pw.world.market_clerk).get(f"/policies/p/{pw.grad.code}/rule/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "保存为新版本" not in html and "graduate_hires" in html
    assert (
        client_for(pw.world.tax_clerk).get(f"/policies/p/{pw.grad.code}/rule/").status_code == 404
    )
