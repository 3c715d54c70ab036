"""Explanations (政策匹配说明): every condition of every policy for one enterprise.

Only the enterprise's own row is evaluated (``Registry.take([row])``), with the same
compiled code as the whole-registry evaluation, so an explanation always agrees with
the amounts paid and costs milliseconds even on a 1,000,000-enterprise registry.

Examples:
    >>> from qinqing.core.enterprises.registry_io import read_registry_records
    >>> from qinqing.policies.engine.spec import load_ruleset
    >>> registry = read_registry_records([
    ...     {"uscc": "91110000600037341L", "name": "甲公司", "region_code": "110000",
    ...      "industry_code": "C39", "size": "large", "established_on": "2010-01-01",
    ...      "serious_dishonesty": False, "graduate_hires": 3},
    ... ]).registry
    >>> e = explain(load_ruleset(), registry, 2025, uscc="91110000600037341L")
    >>> grad = e.policy("grad-hiring-subsidy")
    >>> grad.eligible, [(c.text, c.value, c.passed) for c in grad.conditions]
    (False, [('中小微企业（企业规模为中型、小型或微型）', '大型', False), ('本年度招用符合条件的高校毕业生至少 1 人', '3', True)])
    >>> grad.near_miss is None  # a large firm cannot become 中小微: not a near miss
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from qinqing.core.enterprises.registry_io import Registry
from qinqing.policies.engine.evaluate import (
    NearMisses,
    _Context,
    item_amount,
    policy_amounts,
)
from qinqing.policies.engine.one_pass import find_reachable_near_misses
from qinqing.policies.engine.reach import can_change
from qinqing.policies.engine.spec import Condition, Item, Policy, RuleSet, money


@dataclass
class ConditionCheck:
    """One condition with the enterprise's value and whether it is met."""

    text: str
    passed: bool
    attribute: str | None = None
    attribute_label: str | None = None
    value: str | None = None
    children: list[ConditionCheck] = field(default_factory=list)


@dataclass
class ItemCheck:
    """One award item: its conditions, whether all are met, and what it pays."""

    id: str
    title: str
    amount_rule: str
    conditions: list[ConditionCheck]
    met: bool
    amount: int
    payable: bool = True  # the policy's own conditions are met and no exclusion applies
    counted: bool = False  # contributes to the policy amount (the highest of its group)
    group: str | None = None


@dataclass
class PolicyExplanation:
    """Why one policy does or does not apply to the enterprise, and how much."""

    policy_id: str
    version: int
    digest: str
    title: str
    reference: str
    interpretation: str
    in_force: bool
    validity: str
    eligible: bool
    amount: int
    conditions: list[ConditionCheck]
    exclusions: list[ConditionCheck]
    items: list[ItemCheck]
    group_titles: dict[str, str]
    cap: int | None
    near_miss: str | None

    @property
    def excluded(self) -> bool:
        return any(x.passed for x in self.exclusions)


@dataclass
class Explanation:
    """All policies for one enterprise in one policy year."""

    uscc: str
    name: str
    year: int
    line: int
    policies: list[PolicyExplanation]

    @property
    def total(self) -> int:
        return sum(p.amount for p in self.policies)

    def policy(self, policy_id: str) -> PolicyExplanation:
        for p in self.policies:
            if p.policy_id == policy_id:
                return p
        raise KeyError(policy_id)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def to_text(self) -> str:
        """The explanation in Chinese, as printed by ``qinqing policies explain``."""
        eligible = [p for p in self.policies if p.eligible]
        lines = [
            f"企业：{self.name}（统一社会信用代码 {self.uscc}，名录第 {self.line} 行）",
            f"政策年度：{self.year} 年",
            f"结论：符合 {len(eligible)} 项政策，合计 {money(self.total)}。"
            if eligible
            else "结论：暂不符合任何政策。",
        ]
        for number, p in enumerate(self.policies, start=1):
            lines.append("")
            lines.extend(_policy_lines(number, p))
        near = [p for p in self.policies if p.near_miss]
        if near:
            lines.append("")
            lines.append("差一点符合（只差一个条件）：")
            for p in near:
                lines.append(f"  - {p.title}（{p.policy_id}）：{p.near_miss}")
        return "\n".join(lines) + "\n"


_NUMBERS = "一二三四五六七八九十"


def _mark(passed: bool) -> str:
    return "[满足]" if passed else "[不满足]"


def _condition_lines(check: ConditionCheck, indent: str, *, exclusion: bool = False) -> list[str]:
    mark = ("[触发]" if check.passed else "[未触发]") if exclusion else _mark(check.passed)
    value = ""
    if check.attribute_label is not None:
        value = f" —— 本企业的{check.attribute_label}：{check.value}"
    lines = [f"{indent}{mark} {check.text}{value}"]
    for child in check.children:
        lines.extend(_condition_lines(child, indent + "    "))
    return lines


def _policy_lines(number: int, p: PolicyExplanation) -> list[str]:
    head = _NUMBERS[number - 1] if number <= len(_NUMBERS) else str(number)
    verdict = f"符合，金额 {money(p.amount)}" if p.eligible else "不符合（金额 0 元）"
    lines = [
        f"{head}、{p.title}（{p.policy_id}，第 {p.version} 版）",
        f"  依据：{p.reference}",
        f"  结论：{verdict}",
    ]
    if not p.in_force:
        lines.append(f"  该政策在本年度不在有效期内（{p.validity}），不予计算。")
        return lines
    if p.conditions:
        lines.append("  适用条件（须全部满足）：")
        for c in p.conditions:
            lines.extend(_condition_lines(c, "    "))
    if p.exclusions:
        lines.append("  排除条件（触发任何一项即不予奖励）：")
        for c in p.exclusions:
            lines.extend(_condition_lines(c, "    ", exclusion=True))
    blocked = "触发排除条件" if p.excluded else "政策适用条件不满足"
    additive = [i for i in p.items if i.group is None]
    if additive:
        lines.append("  奖励项（各项金额相加）：")
        lines.extend(_item_lines(additive, blocked))
    for gid, title in p.group_titles.items():
        lines.append(f"  {title}（不重复奖，只取最高的一项）：")
        lines.extend(_item_lines([i for i in p.items if i.group == gid], blocked))
    if p.cap is not None:
        lines.append(f"  本政策每家企业最高 {money(p.cap)}。")
    return lines


def _item_lines(items: Sequence[ItemCheck], blocked: str) -> list[str]:
    lines = []
    for item in items:
        pays = f"，计 {money(item.amount)}" if item.amount else ""
        chosen = "（采用）" if item.counted and item.group else ""
        mark = _mark(item.met)
        if item.met and not item.payable:
            mark = f"[本项满足，但{blocked}，不计]"
        lines.append(f"    {mark} {item.title}（{item.amount_rule}）{pays}{chosen}")
        for c in item.conditions:
            lines.extend(_condition_lines(c, "        "))
    return lines


def _check(
    condition: Condition, ctx: _Context, policy: Policy, registry: Registry
) -> ConditionCheck:
    passed = bool(ctx.compute(condition, policy)[0])
    children = [_check(c, ctx, policy, registry) for c in condition.children]
    text = condition.describe(ctx.year)
    if condition.attribute is None:
        return ConditionCheck(text, passed, children=children)
    attribute = registry.catalogue[condition.attribute]
    shown = attribute.display(registry.value(condition.attribute, 0))
    return ConditionCheck(text, passed, attribute.name, attribute.label, shown, children)


def _item_check(
    item: Item,
    ctx: _Context,
    policy: Policy,
    registry: Registry,
    active: bool,
    group: str | None,
) -> ItemCheck:
    conditions = [_check(c, ctx, policy, registry) for c in item.when]
    met = all(c.passed for c in conditions)
    amount = int(item_amount(item, np.array([met and active]), registry)[0])
    return ItemCheck(
        item.id, item.title, item.amount.describe(), conditions, met, amount, active, group=group
    )


def explain_policy(policy: Policy, one: Registry, year: int) -> PolicyExplanation:
    """Explain one policy for a one-row registry."""
    ctx = _Context(one, year)
    reference = f"《{policy.document}》{policy.article}"
    conditions = [_check(c, ctx, policy, one) for c in policy.when]
    exclusions = [_check(c, ctx, policy, one) for c in policy.exclusions]
    active = all(c.passed for c in conditions) and not any(x.passed for x in exclusions)
    items = [_item_check(i, ctx, policy, one, active, None) for i in policy.items]
    group_titles = {}
    for group in policy.groups:
        group_titles[group.id] = group.title
        checks = [_item_check(i, ctx, policy, one, active, group.id) for i in group.items]
        best = max(checks, key=lambda c: c.amount)
        if best.amount > 0:
            best.counted = True
        items.extend(checks)
    for check in items:
        if check.group is None:
            check.counted = check.amount > 0
    in_force = policy.in_force(year)
    total = policy_amounts(policy, ctx)
    amount = int(total[0]) if total is not None else 0
    return PolicyExplanation(
        policy_id=policy.id,
        version=policy.version,
        digest=policy.digest,
        title=policy.title,
        reference=reference,
        interpretation=policy.interpretation,
        in_force=in_force,
        validity=policy.validity_text(),
        eligible=amount > 0,
        amount=amount,
        conditions=conditions,
        exclusions=exclusions,
        items=items,
        group_titles=group_titles,
        cap=policy.cap,
        near_miss=None,
    )


def explain(
    ruleset: RuleSet | Sequence[Policy],
    registry: Registry,
    year: int,
    *,
    uscc: str | None = None,
    row: int | None = None,
) -> Explanation:
    """Explain every policy for the enterprise ``uscc`` (or registry ``row``)."""
    if row is None:
        if uscc is None:
            raise ValueError("explain() needs uscc or row")
        row = registry.row_of(uscc)
    one = registry if len(registry) == 1 and row == 0 else registry.take([row])
    policies = [explain_policy(p, one, year) for p in ruleset]
    for near in find_reachable_near_misses(ruleset, one, year):
        if len(near.rows) and near_miss_reachable(near, 0):
            for p in policies:
                if p.policy_id == near.policy.id:
                    p.near_miss = near.reason(0, year)
    return Explanation(
        uscc=str(one.value("uscc", 0)),
        name=str(one.value("name", 0)),
        year=year,
        line=registry.line_of(row),
        policies=policies,
    )


# ---------------------------------------------------------------------------
# Near misses an enterprise can act on


def condition_attributes(condition: Condition) -> set[str]:
    """Every registry attribute a condition (and its parts) reads."""
    names = {condition.attribute} if condition.attribute else set()
    for child in condition.children:
        names |= condition_attributes(child)
    return names


def failed_condition(near: NearMisses, i: int) -> Condition | None:
    """The one condition the i-th near miss fails (None: an exclusion or a zero amount)."""
    code = int(near.failed[i])
    if code < 0:
        return None
    item = near.policy.all_items[int(near.items[i])]
    return (*near.policy.when, *item.when)[code]


def near_miss_reachable(near: NearMisses, i: int) -> bool:
    """Whether the enterprise could meet the condition it misses (defect 12): a condition
    only on fixed attributes (size class, registration place, industry…) is not a near miss.
    An exclusion (严重失信) can be lifted by 信用修复 and stays one."""
    condition = failed_condition(near, i)
    return condition is None or can_change(condition_attributes(condition))


def unreachable_reasons(policy: Policy, year: int) -> frozenset[str]:
    """The near-miss reasons of ``policy`` (worded as ``NearMisses.reason`` words them) that
    name a condition the enterprise cannot come to meet; stored results with one of these
    reasons are not shown or pushed to the enterprise."""
    out: set[str] = set()
    for index, item in enumerate(policy.all_items):
        for code, condition in enumerate((*policy.when, *item.when)):
            if can_change(condition_attributes(condition)):
                continue
            one = NearMisses(
                policy,
                np.zeros(1, dtype=np.int64),
                np.array([index], dtype=np.int32),
                np.array([code], dtype=np.int32),
            )
            out.add(one.reason(0, year))
    return frozenset(out)
