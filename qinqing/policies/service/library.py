"""Library and rule versions: create and edit policies, validate and save a rule's new version."""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction

from qinqing.core import audit
from qinqing.core.accounts.access import (
    require_capability,
    visible_units,
)
from qinqing.core.errors import InvalidInput, PermissionDenied
from qinqing.policies import queries
from qinqing.policies.engine.spec import (
    check_new_version,
    parse_policy,
    validate_policy_text,
)
from qinqing.policies.matching import parse_rule
from qinqing.policies.models import (
    Policy,
    PolicyRule,
)
from qinqing.policies.search import tokens_column
from qinqing.policies.service._common import _user

POLICY_FIELDS = (
    "title", "document", "article", "document_number", "issuer_unit", "issuer_name",
    "owner_unit", "beneficiaries", "conditions_text", "materials", "procedure", "contact",
    "starts_on", "ends_on", "delivery", "amount_text", "industry_tags", "size_tags",
    "region_tags", "is_public", "review_limit_workdays",
)  # fmt: skip


def _index(policy: Policy) -> None:
    policy.tokens = tokens_column(
        policy.title, policy.document, policy.article, policy.document_number, policy.issuer,
        policy.beneficiaries, policy.conditions_text, policy.materials, policy.procedure,
        policy.amount_text, policy.industry_tags, policy.size_tags, policy.region_tags,
        policy.get_delivery_display(),
    )  # fmt: skip


def _check_policy(policy: Policy, actor) -> None:
    if policy.starts_on and policy.ends_on and policy.ends_on < policy.starts_on:
        raise InvalidInput(
            f"截止日期（{policy.ends_on}）早于起始日期（{policy.starts_on}），请检查起止时间。"
        )
    if not visible_units(actor).filter(pk=policy.owner_unit_id).exists():
        raise PermissionDenied("承办单位须是您所在地区的单位。")


@transaction.atomic
def create_policy(*, actor, data: dict, now: dt.datetime) -> Policy:
    """录入政策: a new policy in the library (its rule is saved separately)."""
    require_capability(actor, "policies.manage")
    code = (data.get("code") or "").strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", code):
        raise InvalidInput(
            f"政策编号“{code}”不符合要求：只能用小写字母、数字和连字符，以字母或数字开头，"
            "如 grad-hiring-subsidy。"
        )
    if Policy.objects.filter(code=code).exists():
        raise InvalidInput(f"政策编号“{code}”已被使用，请换一个编号。")
    policy = Policy(code=code, created_at=now, updated_at=now, created_by=_user(actor))
    for name in POLICY_FIELDS:
        if name in data:
            setattr(policy, name, data[name])
    _check_policy(policy, actor)
    _index(policy)
    policy.save()
    audit.record(
        actor, "policy.created", policy, after={"code": code, "title": policy.title}, now=now
    )
    return policy


@transaction.atomic
def update_policy(policy: Policy, *, actor, data: dict, now: dt.datetime) -> Policy:
    """修改政策信息 (library fields; the code and the rules are not changed here)."""
    require_capability(actor, "policies.manage")
    queries.require_policy_in_scope(actor, policy)
    before = {n: str(getattr(policy, n)) for n in POLICY_FIELDS}
    for name in POLICY_FIELDS:
        if name in data:
            setattr(policy, name, data[name])
    _check_policy(policy, actor)
    _index(policy)
    policy.updated_at = now
    policy.save()
    after = {n: str(getattr(policy, n)) for n in POLICY_FIELDS}
    changed = {n: after[n] for n in POLICY_FIELDS if before[n] != after[n]}
    audit.record(
        actor, "policy.updated", policy, before={n: before[n] for n in changed}, after=changed,
        now=now,
    )  # fmt: skip
    return policy


# ---------------------------------------------------------------- rules


def check_rule_text(policy: Policy, text: str) -> list[str]:
    """Problems of a rule text for this policy, in Chinese (empty when it can be saved)."""
    name = f"{policy.code}.yaml"
    errors = [str(e) for e in validate_policy_text(text, name)]
    if errors:
        return errors
    parsed = parse_policy(text, name)
    if parsed.id != policy.code:
        return [
            f"{name}：规则的 id 为“{parsed.id}”，与政策编号“{policy.code}”不一致。"
            f"请把第一行改为 id: {policy.code}。"
        ]
    current = policy.rules.filter(active=True).first()
    highest = policy.rules.order_by("-version").values_list("version", flat=True).first()
    if current is not None:
        old = parse_rule(current.yaml_text, name)
        if old.digest == parsed.digest and old.version == parsed.version:
            return [
                f"{name}：规则内容与现行第 {current.version} 版相同（只改注释或排版不算修改），"
                "没有保存新版本。"
            ]
        try:
            check_new_version(old, parsed)
        except InvalidInput as exc:
            return [f"{name}：{exc.message}"]
    if highest is not None and parsed.version <= highest:
        return [
            f"{name}：版本号 {parsed.version} 已经用过（最高为第 {highest} 版）。"
            f"请把 version 改为 {highest + 1}。"
        ]
    return []


@transaction.atomic
def save_policy_rule(
    policy: Policy, text: str, *, actor, now: dt.datetime, source: str = ""
) -> PolicyRule:
    """保存规则: validate, then store the text as a new active version.

    Old versions stay (every stored decision points at the version it used).
    """
    require_capability(actor, "policies.manage")
    queries.require_policy_in_scope(actor, policy)
    Policy.objects.select_for_update().filter(pk=policy.pk).first()
    problems = check_rule_text(policy, text)
    if problems:
        raise InvalidInput("规则未保存，请修改以下问题：\n" + "\n".join(problems))
    parsed = parse_policy(text, f"{policy.code}.yaml")
    current = policy.rules.filter(active=True).first()
    if current is not None:
        current.active = False
        current.save(update_fields=["active"])
    rule = PolicyRule.objects.create(
        policy=policy,
        version=parsed.version,
        yaml_text=text,
        digest=parsed.digest,
        version_note=parsed.version_note[:300],
        source=source[:200],
        active=True,
        created_at=now,
        created_by=_user(actor),
    )
    audit.record(
        actor,
        "policy_rule.saved",
        rule,
        before={"version": current.version, "digest": current.digest} if current else None,
        after={"version": rule.version, "digest": rule.digest, "note": rule.version_note},
        now=now,
    )
    return rule
