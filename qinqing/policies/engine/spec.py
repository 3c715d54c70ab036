"""Policy rule files (政策规则文件): parse and validate YAML into immutable rule objects.

Why one module of some 1,200 lines (issue 13 allows it with a reason): the file is the rule
language itself. Its sections (rule objects, errors, YAML with line numbers, the parser,
entry points) share one private vocabulary: the parser builds the frozen objects through
their private helpers (``_freeze``, ``_digest``, ``_show``), every error names a line the
YAML loader recorded, and the vocabulary tables at the top (operators, keys) are read by
all of them. Split, each part would import the others' private names; read together, a
rule author's question ("what does ``between`` accept?") is answered in one place. The
parser class alone is about 570 lines, one method per YAML construct.

One YAML file holds one policy. Keys are a small fixed English vocabulary (listed in
``docs/policy-rules.md`` with their Chinese meaning); everything a person reads —
titles, the quoted article, the interpretation, condition labels — is Chinese.
Validation collects *every* problem and names the file, the line and the item, e.g.
``demo.yaml 第 14 行（奖励项“above-scale”的第 1 个条件）：没有名为“size_”的企业属性……``.

Structure of a policy's amount for one enterprise::

    total = Σ items  +  Σ over groups (the single highest item of the group)
    total = min(total, cap)                     (if the policy has a cap)
    total = 0 if any exclusion applies, the policy conditions fail, or the policy
            is not in force in the policy year

Examples:
    >>> policy = parse_policy('''
    ... id: demo
    ... version: 1
    ... title: 示例政策
    ... document: 示例文件
    ... article: 第一条
    ... source_text: 对新认定的国家高新技术企业奖励10万元。
    ... items:
    ...   - id: high-tech
    ...     title: 新认定国家高新技术企业
    ...     when:
    ...       - attribute: high_tech_on
    ...         in_policy_year: true
    ...     amount: 10万元
    ... ''', "demo.yaml")
    >>> policy.items[0].amount.value
    100000
    >>> policy.items[0].when[0].describe(2025)
    '国家高新技术企业认定日期在 2025 年度内'
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import cast

import yaml

from qinqing.core.enterprises.attributes import (
    ENTERPRISE_ATTRIBUTES,
    Attribute,
    AttributeType,
    Catalogue,
)
from qinqing.core.errors import InvalidInput

MAX_AMOUNT = 10**12  # yuan; anything larger is a typo and would overflow int64 sums

# Condition operators: key -> (Chinese wording, attribute types it applies to)
OPERATORS: dict[str, tuple[str, frozenset[AttributeType]]] = {
    "equals": ("等于", frozenset(AttributeType)),
    "not_equals": ("不等于", frozenset(AttributeType)),
    "in": ("属于", frozenset({AttributeType.ENUM, AttributeType.STR, AttributeType.INT})),
    "not_in": ("不属于", frozenset({AttributeType.ENUM, AttributeType.STR, AttributeType.INT})),
    "at_least": ("不少于", frozenset({AttributeType.INT})),
    "at_most": ("不超过", frozenset({AttributeType.INT})),
    "greater_than": ("大于", frozenset({AttributeType.INT})),
    "less_than": ("小于", frozenset({AttributeType.INT})),
    "between": ("介于", frozenset({AttributeType.INT, AttributeType.DATE})),
    "in_policy_year": ("在政策年度内", frozenset({AttributeType.DATE})),
    "on_or_after": ("不早于", frozenset({AttributeType.DATE})),
    "on_or_before": ("不晚于", frozenset({AttributeType.DATE})),
    "before": ("早于", frozenset({AttributeType.DATE})),
    "after": ("晚于", frozenset({AttributeType.DATE})),
    "present": ("已填写", frozenset(AttributeType)),
    "starts_with": ("以……开头", frozenset({AttributeType.STR})),
}
COMPOSITES = ("any_of", "all_of", "not", "count_of")
DATE_TOKENS = {
    "policy_year_start": "政策年度开始（1月1日）",
    "policy_year_end": "政策年度结束（12月31日）",
}

POLICY_KEYS = {
    "id": "政策编号",
    "version": "版本号",
    "title": "名称",
    "document": "政策文件",
    "article": "条款",
    "source_text": "条款原文",
    "interpretation": "解释口径",
    "version_note": "版本说明",
    "department": "承办单位",
    "delivery": "兑现方式",
    "valid_from": "生效日期",
    "valid_until": "失效日期",
    "when": "适用条件",
    "exclusions": "排除条件",
    "items": "可叠加的奖励项",
    "groups": "不重复奖励组",
    "cap": "封顶金额",
    "notes": "备注",
}
ITEM_KEYS = {
    "id": "编号",
    "title": "名称",
    "when": "条件",
    "amount": "金额",
    "cap": "封顶金额",
    "notes": "备注",
}
GROUP_KEYS = {
    "id": "编号",
    "title": "名称",
    "pick": "取值方式",
    "items": "奖励项",
    "notes": "备注",
}
CONDITION_KEYS = {"attribute", "label", *OPERATORS, *COMPOSITES, "at_least"}
DELIVERY = {"auto_grant": "免申即享", "application": "依申请兑现"}
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_MONEY_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(万)?\s*元?\s*$")


# ---------------------------------------------------------------------------
# Rule objects


@dataclass(frozen=True)
class Condition:
    """A test on enterprise attributes; ``op`` is an operator or a composite.

    ``value`` is already typed (date, int, bool, enum value, tuple for sets);
    ``children`` holds the parts of ``any_of``/``all_of``/``not``/``count_of``.
    """

    op: str
    attribute: str | None = None
    value: object = None
    children: tuple[Condition, ...] = ()
    at_least: int = 0  # count_of threshold
    label: str | None = None
    attribute_label: str = ""
    attribute_type: AttributeType | None = None
    value_labels: tuple[str, ...] = ()
    line: int | None = None

    @property
    def key(self) -> tuple[object, ...]:
        """Identity of the test itself (shared between policies, not the label)."""
        return (
            self.op,
            self.attribute,
            _freeze(self.value),
            tuple(c.key for c in self.children),
            self.at_least,
        )

    def describe(self, year: int | None = None) -> str:
        """The condition in Chinese: the author's ``label`` or one generated from it.

        Examples:
            >>> Condition("in", "size", ("medium", "small"), attribute_label="企业规模",
            ...           value_labels=("中型", "小型")).describe()
            '企业规模为中型、小型之一'
            >>> Condition("at_least", "graduate_hires", 1, attribute_label="本年度招用高校毕业生人数").describe()
            '本年度招用高校毕业生人数不少于 1'
        """
        if self.label:
            return self.label
        return self.generated_label(year)

    def generated_label(self, year: int | None = None) -> str:
        name = self.attribute_label
        shown = "、".join(self.value_labels) if self.value_labels else _show(self.value, year)
        op = self.op
        if op == "any_of":
            return "满足以下任一条件：" + "；".join(c.describe(year) for c in self.children)
        if op == "all_of":
            return "同时满足：" + "；".join(c.describe(year) for c in self.children)
        if op == "not":
            return "不满足：" + self.children[0].describe(year)
        if op == "count_of":
            parts = "；".join(c.describe(year) for c in self.children)
            return f"以下 {len(self.children)} 项中至少满足 {self.at_least} 项：{parts}"
        if op == "in_policy_year":
            period = f" {year} 年度" if year is not None else "政策年度"
            return f"{name}在{period}内" if self.value else f"{name}不在{period}内"
        if op == "present":
            return f"{name}已填写" if self.value else f"{name}为空"
        if op == "equals":
            return f"{name}为“{shown}”"
        if op == "not_equals":
            return f"{name}不为“{shown}”"
        if op == "in":
            return f"{name}为{shown}之一"
        if op == "not_in":
            return f"{name}不是{shown}中的任何一个"
        if op == "between":
            low, high = cast(tuple[object, object], self.value)
            return f"{name}介于 {_show(low, year)} 与 {_show(high, year)} 之间（含两端）"
        if op == "starts_with":
            return f"{name}以{shown}开头"
        return f"{name}{OPERATORS[op][0]} {shown}"


@dataclass(frozen=True)
class Amount:
    """How much an item pays (integer yuan).

    kinds: ``fixed`` (value), ``per`` (value × attribute), ``percent`` (attribute ×
    basis points / 10000, rounded down to the yuan), ``tiered`` (the highest tier whose
    threshold the attribute reaches; a tier pays a fixed amount or so much per unit).
    """

    kind: str
    value: int = 0
    attribute: str | None = None
    tiers: tuple[tuple[int, int, int], ...] = ()  # (at_least, fixed amount, per unit)
    attribute_label: str = ""

    def describe(self) -> str:
        """Chinese wording, e.g. ``5万元`` or ``每人（本年度招用高校毕业生人数）1000 元``.

        Examples:
            >>> Amount("fixed", 50000).describe()
            '50,000 元'
            >>> Amount("percent", 500, "rd", attribute_label="研发投入").describe()
            '研发投入的 5%（向下取整到元）'
        """
        if self.kind == "fixed":
            return money(self.value)
        if self.kind == "per":
            return f"按“{self.attribute_label}”每 1 人（个）{money(self.value)}"
        if self.kind == "percent":
            return f"{self.attribute_label}的 {_percent(self.value)}（向下取整到元）"
        parts = []
        for at_least, fixed, each in self.tiers:
            pay = money(fixed) if not each else f"每 1 人（个）{money(each)}"
            if fixed and each:
                pay = f"{money(fixed)}加每 1 人（个）{money(each)}"
            parts.append(f"达到 {at_least}：{pay}")
        return f"按“{self.attribute_label}”分档（取达到的最高一档）：" + "；".join(parts)


@dataclass(frozen=True)
class Item:
    """One award item: conditions and an amount (optionally capped)."""

    id: str
    title: str
    when: tuple[Condition, ...]
    amount: Amount
    cap: int | None = None
    line: int | None = None


@dataclass(frozen=True)
class Group:
    """不重复奖励组: of its items an enterprise gets only the single highest amount."""

    id: str
    title: str
    items: tuple[Item, ...]
    line: int | None = None


@dataclass(frozen=True)
class Policy:
    """One policy article as code; ``digest`` identifies its exact content."""

    id: str
    version: int
    title: str
    document: str
    article: str
    source_text: str
    interpretation: str
    when: tuple[Condition, ...]
    exclusions: tuple[Condition, ...]
    items: tuple[Item, ...]
    groups: tuple[Group, ...]
    cap: int | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    digest: str
    path: str = ""
    version_note: str = ""
    department: str = ""
    delivery: str = ""
    notes: str = ""

    @property
    def all_items(self) -> tuple[Item, ...]:
        return self.items + tuple(i for g in self.groups for i in g.items)

    @property
    def reference(self) -> str:
        """``district18-art2@1``: what every decision records."""
        return f"{self.id}@{self.version}"

    def in_force(self, year: int) -> bool:
        """True when the validity period overlaps the policy year."""
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        if self.valid_from is not None and self.valid_from > end:
            return False
        return not (self.valid_until is not None and self.valid_until < start)

    def year_window(self, year: int) -> tuple[dt.date, dt.date]:
        """The part of the policy year inside the validity period ("in the policy year")."""
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        if self.valid_from is not None and self.valid_from > start:
            start = self.valid_from
        if self.valid_until is not None and self.valid_until < end:
            end = self.valid_until
        return start, end

    def validity_text(self) -> str:
        if self.valid_from is None and self.valid_until is None:
            return "未限定有效期"
        start = self.valid_from.isoformat() if self.valid_from else "不限"
        end = self.valid_until.isoformat() if self.valid_until else "不限"
        return f"有效期 {start} 至 {end}"


@dataclass(frozen=True)
class RuleSet:
    """The policies evaluated together, ordered by id (the order of the output)."""

    policies: tuple[Policy, ...]
    catalogue: Catalogue = field(default=ENTERPRISE_ATTRIBUTES, compare=False)
    source: str = ""

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.policies)

    def __len__(self) -> int:
        return len(self.policies)

    def get(self, policy_id: str) -> Policy:
        for policy in self.policies:
            if policy.id == policy_id:
                return policy
        raise InvalidInput(f"规则集中没有编号为“{policy_id}”的政策。")


# ---------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class RuleError:
    """One problem in a rule file, located by file, line and item."""

    path: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        place = self.path + (f" 第 {self.line} 行" if self.line else "")
        return (
            f"{place}（{self.where}）：{self.message}" if self.where else f"{place}：{self.message}"
        )


class RuleValidationError(InvalidInput):
    """The rule files cannot be saved or used; ``errors`` lists every problem."""

    def __init__(self, errors: list[RuleError]) -> None:
        self.errors = errors
        lines = [str(e) for e in errors[:50]]
        if len(errors) > 50:
            lines.append(f"……另有 {len(errors) - 50} 处问题未列出。")
        head = f"政策规则有 {len(errors)} 处问题，未保存，请逐条修改："
        super().__init__(head + "\n" + "\n".join(lines))


# ---------------------------------------------------------------------------
# YAML with line numbers


class _Map(dict):  # type: ignore[type-arg]
    line: int | None = None
    key_lines: dict[str, int]


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parser when available


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader that remembers line numbers and rejects duplicate keys."""

    duplicate_keys: list[tuple[str, int]]

    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        mapping = _Map()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                key = str(key).lower() if isinstance(key, bool) else str(key)
            line = key_node.start_mark.line + 1
            if key in mapping:
                self.duplicate_keys.append((key, line))
            mapping[key] = self.construct_object(value_node, deep=deep)
            mapping.key_lines[key] = line
        return mapping

    def construct_lenient_timestamp(self, node):  # type: ignore[no-untyped-def]
        """2025-02-30 stays text (then reported as a bad date) instead of crashing."""
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_lenient_timestamp)


def _load_yaml(text: str, path: str) -> tuple[object, list[RuleError]]:
    loader = _Loader(text)
    loader.duplicate_keys = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        hint = "（常见原因：冒号后缺空格、缩进不一致、用了中文冒号“：”或 Tab 缩进）"
        return None, [RuleError(path, line, "", f"YAML 格式错误：{exc.problem}{hint}")]
    except yaml.YAMLError as exc:
        return None, [RuleError(path, None, "", f"YAML 格式错误：{exc}")]
    finally:
        loader.dispose()
    errors = [
        RuleError(path, line, "", f"字段“{key}”重复出现，同一层级每个字段只能写一次。")
        for key, line in loader.duplicate_keys
    ]
    return data, errors


# ---------------------------------------------------------------------------
# Parsing


class _Parser:
    def __init__(self, path: str, catalogue: Catalogue) -> None:
        self.path = path
        self.catalogue = catalogue
        self.errors: list[RuleError] = []

    def error(self, line: int | None, where: str, message: str) -> None:
        self.errors.append(RuleError(self.path, line, where, message))

    # -- helpers ----------------------------------------------------------

    def check_keys(self, data: _Map, allowed: dict[str, str] | set[str], where: str) -> int:
        """Report unknown keys (with a guess); returns how many there were."""
        unknown = 0
        for key in data:
            if key not in allowed:
                guess = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
                hint = f"您是不是要写“{guess[0]}”？" if guess else ""
                listed = "、".join(sorted(allowed))
                self.error(
                    _key_line(data, key),
                    where,
                    f"未知的字段“{key}”。{hint}这里可用的字段：{listed}。",
                )
                unknown += 1
        return unknown

    def text(self, data: _Map, key: str, where: str, *, required: bool) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.error(
                    data.line,
                    where,
                    f"缺少必填字段“{key}”（{POLICY_KEYS.get(key, ITEM_KEYS.get(key, key))}）。",
                )
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.error(_key_line(data, key), where, f"“{key}”应为一段文字。")
            return ""
        return str(value).strip()

    def ident(self, data: _Map, where: str) -> str:
        value = data.get("id")
        if value is None:
            self.error(data.line, where, "缺少必填字段“id”（编号）。")
            return ""
        text = str(value)
        if not _ID_RE.match(text):
            self.error(
                _key_line(data, "id"),
                where,
                f"编号“{text}”不合规：只能用小写英文字母、数字和连字符“-”，以字母或数字开头，最长 64 个字符（例如 district18-art2）。",
            )
        return text

    def money(self, raw: object, line: int | None, where: str, what: str = "金额") -> int | None:
        value = parse_money(raw)
        if value is None:
            self.error(
                line,
                where,
                f"{what}“{raw}”无法识别：请写整数元（如 50000）或带单位的金额（如 5万元、1000元）。",
            )
            return None
        if value < 0 or value > MAX_AMOUNT:
            self.error(line, where, f"{what}“{raw}”超出范围：应在 0 至 1 万亿元之间。")
            return None
        return value

    def date(self, raw: object, line: int | None, where: str, what: str) -> dt.date | None:
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        if isinstance(raw, str):
            try:
                return dt.date.fromisoformat(raw.strip())
            except ValueError:
                pass
        self.error(line, where, f"{what}“{raw}”不是有效日期，请写成 年-月-日，例如 2025-01-01。")
        return None

    # -- policy -----------------------------------------------------------

    def policy(self, data: object, raw_text: str) -> Policy | None:
        if not isinstance(data, _Map):
            self.error(
                None,
                "",
                "规则文件的最外层应是“字段: 值”的映射（以 id:、version:、title: 等开头）。",
            )
            return None
        self.check_keys(data, POLICY_KEYS, "政策")
        policy_id = self.ident(data, "政策")
        where = f"政策“{policy_id}”" if policy_id else "政策"
        version = data.get("version")
        if version is None:
            self.error(
                data.line, where, "缺少必填字段“version”（版本号），第一版写 1，每次修改后加 1。"
            )
            version = 0
        elif not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.error(
                _key_line(data, "version"), where, f"版本号“{version}”应为正整数（1、2、3……）。"
            )
            version = 0
        title = self.text(data, "title", where, required=True)
        document = self.text(data, "document", where, required=True)
        article = self.text(data, "article", where, required=True)
        source_text = self.text(data, "source_text", where, required=True)
        interpretation = self.text(data, "interpretation", where, required=False)
        delivery = self.text(data, "delivery", where, required=False)
        if delivery and delivery not in DELIVERY and delivery not in DELIVERY.values():
            self.error(
                _key_line(data, "delivery"),
                where,
                f"兑现方式“{delivery}”无法识别，可写 auto_grant（免申即享）或 application（依申请兑现）。",
            )
        valid_from = valid_until = None
        if data.get("valid_from") is not None:
            valid_from = self.date(
                data["valid_from"], _key_line(data, "valid_from"), where, "生效日期"
            )
        if data.get("valid_until") is not None:
            valid_until = self.date(
                data["valid_until"], _key_line(data, "valid_until"), where, "失效日期"
            )
        if valid_from and valid_until and valid_from > valid_until:
            self.error(
                _key_line(data, "valid_until"),
                where,
                f"失效日期 {valid_until} 早于生效日期 {valid_from}，请检查有效期。",
            )
        when = self.conditions(data.get("when"), _key_line(data, "when"), f"{where}的适用条件")
        exclusions = self.conditions(
            data.get("exclusions"), _key_line(data, "exclusions"), f"{where}的排除条件"
        )
        items = self.items(data.get("items"), _key_line(data, "items"), where, "奖励项")
        groups = self.groups(data.get("groups"), _key_line(data, "groups"), where)
        cap = None
        if data.get("cap") is not None:
            cap = self.money(data["cap"], _key_line(data, "cap"), where, "封顶金额")
        if not items and not groups and "items" not in data and "groups" not in data:
            self.error(
                data.line,
                where,
                "没有任何奖励项：请在“items”（可叠加的奖励项）或“groups”（不重复奖励组）下写出至少一项及其金额。",
            )
        seen: dict[str, int | None] = {}
        for item in items + tuple(i for g in groups for i in g.items):
            if item.id in seen:
                self.error(
                    item.line,
                    where,
                    f"奖励项编号“{item.id}”重复（第 {seen[item.id]} 行已使用），同一政策内编号不能重复。",
                )
            seen[item.id] = item.line
        group_ids = [g.id for g in groups]
        for gid in {g for g in group_ids if group_ids.count(g) > 1}:
            self.error(_key_line(data, "groups"), where, f"奖励组编号“{gid}”重复。")
        if self.errors:
            return None
        return Policy(
            id=policy_id,
            version=int(version),
            title=title,
            document=document,
            article=article,
            source_text=source_text,
            interpretation=interpretation,
            when=when,
            exclusions=exclusions,
            items=items,
            groups=groups,
            cap=cap,
            valid_from=valid_from,
            valid_until=valid_until,
            digest=_digest(data),
            path=self.path,
            version_note=self.text(data, "version_note", where, required=False),
            department=self.text(data, "department", where, required=False),
            delivery={v: k for k, v in DELIVERY.items()}.get(delivery, delivery),
            notes=self.text(data, "notes", where, required=False),
        )

    def groups(self, data: object, line: int | None, where: str) -> tuple[Group, ...]:
        if data is None:
            return ()
        if not isinstance(data, list):
            self.error(line, where, "“groups”应为列表：每个不重复奖励组以“- id:”开头。")
            return ()
        out = []
        for n, entry in enumerate(data, start=1):
            gwhere = f"{where}的第 {n} 个不重复奖励组"
            if not isinstance(entry, _Map):
                self.error(line, gwhere, "奖励组应写成“字段: 值”的映射（id、title、pick、items）。")
                continue
            self.check_keys(entry, GROUP_KEYS, gwhere)
            gid = self.ident(entry, gwhere)
            gwhere = f"{where}的不重复奖励组“{gid}”" if gid else gwhere
            title = self.text(entry, "title", gwhere, required=True)
            pick = entry.get("pick", "highest")
            if pick not in ("highest", "最高"):
                self.error(
                    _key_line(entry, "pick"),
                    gwhere,
                    f"取值方式“{pick}”不支持：不重复奖励组只能写 pick: highest（以最高标准为准）。",
                )
            if not entry.get("items"):
                self.error(
                    entry.line,
                    gwhere,
                    "这个不重复奖励组没有任何带金额的奖励项：请在“items”下列出各项及其金额（amount）。",
                )
                continue
            items = self.items(entry.get("items"), _key_line(entry, "items"), gwhere, "组内奖励项")
            out.append(Group(gid, title, items, entry.line))
        return tuple(out)

    def items(self, data: object, line: int | None, where: str, noun: str) -> tuple[Item, ...]:
        if data is None:
            return ()
        if not isinstance(data, list):
            self.error(line, where, f"“items”应为列表：每个{noun}以“- id:”开头。")
            return ()
        out = []
        for n, entry in enumerate(data, start=1):
            iwhere = f"{where}的第 {n} 个{noun}"
            if not isinstance(entry, _Map):
                self.error(
                    line, iwhere, f"{noun}应写成“字段: 值”的映射（id、title、when、amount）。"
                )
                continue
            self.check_keys(entry, ITEM_KEYS, iwhere)
            iid = self.ident(entry, iwhere)
            iwhere = f"{noun}“{iid}”" if iid else iwhere
            title = self.text(entry, "title", iwhere, required=True)
            when = self.conditions(entry.get("when"), _key_line(entry, "when"), iwhere)
            if "amount" not in entry or entry.get("amount") is None:
                self.error(entry.line, iwhere, "缺少金额“amount”：每个奖励项都要写明奖励多少元。")
                continue
            amount = self.amount(entry["amount"], _key_line(entry, "amount"), iwhere)
            cap = None
            if entry.get("cap") is not None:
                cap = self.money(entry["cap"], _key_line(entry, "cap"), iwhere, "封顶金额")
            if amount is not None:
                out.append(Item(iid, title, when, amount, cap, entry.line))
        return tuple(out)

    def amount(self, raw: object, line: int | None, where: str) -> Amount | None:
        if not isinstance(raw, _Map):
            value = self.money(raw, line, where)
            return None if value is None else Amount("fixed", value)
        keys = set(raw)
        if keys <= {"each", "per"} and keys == {"each", "per"}:
            attribute = self.numeric_attribute(raw["per"], _key_line(raw, "per"), where, "per")
            each = self.money(raw["each"], _key_line(raw, "each"), where, "每人（个）金额")
            if attribute is None or each is None:
                return None
            return Amount("per", each, attribute.name, attribute_label=attribute.label)
        if keys == {"percent", "of"}:
            attribute = self.numeric_attribute(raw["of"], _key_line(raw, "of"), where, "of")
            basis_points = parse_percent(raw["percent"])
            if basis_points is None or not 0 <= basis_points <= 10000:
                self.error(
                    _key_line(raw, "percent"),
                    where,
                    f"比例“{raw['percent']}”无法识别：请写 0 到 100 之间的百分数，最多两位小数，例如 5 或 2.5%。",
                )
                return None
            if attribute is None:
                return None
            return Amount("percent", basis_points, attribute.name, attribute_label=attribute.label)
        if keys == {"tiers_by", "tiers"}:
            return self.tiered(raw, where)
        listed = "金额可写：固定金额（amount: 5万元）；按人数（each 与 per）；按比例（percent 与 of）；分档（tiers_by 与 tiers）"
        self.error(
            line, where, f"金额的写法无法识别（出现的字段：{'、'.join(sorted(keys))}）。{listed}。"
        )
        return None

    def tiered(self, raw: _Map, where: str) -> Amount | None:
        attribute = self.numeric_attribute(
            raw["tiers_by"], _key_line(raw, "tiers_by"), where, "tiers_by"
        )
        tiers_raw = raw["tiers"]
        if not isinstance(tiers_raw, list) or not tiers_raw:
            self.error(
                _key_line(raw, "tiers"),
                where,
                "“tiers”应为至少一档的列表，每档写 at_least 和 amount（或 each）。",
            )
            return None
        tiers: list[tuple[int, int, int]] = []
        for n, tier in enumerate(tiers_raw, start=1):
            twhere = f"{where}的第 {n} 档"
            if (
                not isinstance(tier, _Map)
                or "at_least" not in tier
                or not ({"amount", "each"} & set(tier))
            ):
                self.error(
                    _key_line(raw, "tiers"),
                    twhere,
                    "每档应写成 {at_least: 门槛, amount: 金额} 或 {at_least: 门槛, each: 每人（个）金额}。",
                )
                continue
            self.check_keys(tier, {"at_least", "amount", "each"}, twhere)
            threshold = tier["at_least"]
            if not isinstance(threshold, int) or isinstance(threshold, bool):
                self.error(tier.line, twhere, f"门槛“{threshold}”应为整数。")
                continue
            fixed = self.money(tier.get("amount", 0), tier.line, twhere) if "amount" in tier else 0
            each = (
                self.money(tier.get("each", 0), tier.line, twhere, "每人（个）金额")
                if "each" in tier
                else 0
            )
            if fixed is None or each is None:
                continue
            if tiers and threshold <= tiers[-1][0]:
                self.error(
                    tier.line,
                    twhere,
                    f"各档门槛应从低到高排列，第 {n} 档的门槛 {threshold} 不高于上一档 {tiers[-1][0]}。",
                )
            tiers.append((threshold, fixed, each))
        if attribute is None or len(tiers) != len(tiers_raw):
            return None
        return Amount("tiered", 0, attribute.name, tuple(tiers), attribute.label)

    def numeric_attribute(
        self, name: object, line: int | None, where: str, key: str
    ) -> Attribute | None:
        attribute = self.attribute(name, line, where)
        if attribute is not None and attribute.type is not AttributeType.INT:
            self.error(
                line,
                where,
                f"“{key}”须是整数类型的属性，“{attribute.name}”（{attribute.label}）是{attribute.type.label}类型。",
            )
            return None
        return attribute

    def attribute(self, name: object, line: int | None, where: str) -> Attribute | None:
        if not isinstance(name, str) or not name:
            self.error(line, where, "缺少属性名“attribute”，例如 attribute: size。")
            return None
        attribute = self.catalogue.get(name)
        if attribute is None:
            self.error(line, where, self.catalogue.unknown_message(name))
        return attribute

    # -- conditions -------------------------------------------------------

    def conditions(self, data: object, line: int | None, where: str) -> tuple[Condition, ...]:
        if data is None:
            return ()
        if isinstance(data, _Map):
            data = [data]
        if not isinstance(data, list):
            self.error(line, where, "条件应写成列表，每个条件以“- attribute:”开头。")
            return ()
        out = []
        for n, entry in enumerate(data, start=1):
            condition = self.condition(entry, line, f"{where}的第 {n} 个条件")
            if condition is not None:
                out.append(condition)
        return tuple(out)

    def condition(self, entry: object, line: int | None, where: str) -> Condition | None:
        if not isinstance(entry, _Map):
            self.error(
                line,
                where,
                "条件应写成“字段: 值”的映射，例如 {attribute: size, in: [small, micro]}。",
            )
            return None
        line = entry.line
        unknown = self.check_keys(entry, CONDITION_KEYS, where)
        label = entry.get("label")
        label = str(label).strip() if label is not None else None
        composites = [k for k in COMPOSITES if k in entry]
        if composites:
            return self.composite(entry, composites, label, line, where)
        ops = [k for k in entry if k in OPERATORS]
        attribute = self.attribute(entry.get("attribute"), line, where)
        if len(ops) != 1:
            listed = "、".join(OPERATORS)
            if not ops:
                if not unknown:  # a misspelt operator was already reported
                    self.error(line, where, f"条件缺少比较方式，请写其中之一：{listed}。")
            else:
                self.error(
                    line,
                    where,
                    f"一个条件只能写一种比较方式，这里写了 {'、'.join(ops)}；需要同时满足时请分成多个条件。",
                )
            return None
        if attribute is None:
            return None
        op = ops[0]
        if attribute.type not in OPERATORS[op][1]:
            usable = "、".join(k for k, (_, types) in OPERATORS.items() if attribute.type in types)
            self.error(
                _key_line(entry, op),
                where,
                f"属性“{attribute.name}”（{attribute.label}）是{attribute.type.label}类型，不能用“{op}”（{OPERATORS[op][0]}）。可用：{usable}。",
            )
            return None
        value, labels = self.operand(op, entry[op], attribute, _key_line(entry, op), where)
        if value is _INVALID:
            return None
        return Condition(
            op,
            attribute.name,
            value,
            label=label,
            attribute_label=attribute.label,
            attribute_type=attribute.type,
            value_labels=labels,
            line=line,
        )

    def composite(
        self, entry: _Map, composites: list[str], label: str | None, line: int | None, where: str
    ) -> Condition | None:
        mixed = [
            k for k in entry if k in OPERATORS and not (k == "at_least" and "count_of" in entry)
        ]
        if len(composites) > 1 or "attribute" in entry or mixed:
            self.error(
                line,
                where,
                f"组合条件（{'、'.join(composites)}）不能与属性比较写在同一个条件里，请分开写。",
            )
            return None
        op = composites[0]
        raw = entry[op]
        if op == "not":
            child = self.condition(raw, line, f"{where}的“not”部分")
            return (
                None
                if child is None
                else Condition("not", children=(child,), label=label, line=line)
            )
        if not isinstance(raw, list) or not raw:
            self.error(line, where, f"“{op}”下应列出至少一个条件。")
            return None
        children = tuple(
            c
            for c in (
                self.condition(x, line, f"{where}的第 {i} 个子条件") for i, x in enumerate(raw, 1)
            )
            if c
        )
        if len(children) != len(raw):
            return None
        at_least = 0
        if op == "count_of":
            raw_at_least = entry.get("at_least")
            at_least = raw_at_least if isinstance(raw_at_least, int) else -1
            if (
                not isinstance(at_least, int)
                or isinstance(at_least, bool)
                or not 1 <= at_least <= len(children)
            ):
                self.error(
                    _key_line(entry, "at_least") or line,
                    where,
                    f"“count_of”须配合“at_least”写明至少满足几项（1 到 {len(children)} 之间的整数）。",
                )
                return None
        elif "at_least" in entry:
            self.error(_key_line(entry, "at_least"), where, "“at_least”只能与“count_of”一起使用。")
            return None
        return Condition(op, children=children, at_least=at_least, label=label, line=line)

    def operand(
        self, op: str, raw: object, attribute: Attribute, line: int | None, where: str
    ) -> tuple[object, tuple[str, ...]]:
        kind = attribute.type
        if op in ("in_policy_year", "present"):
            if not isinstance(raw, bool):
                self.error(line, where, f"“{op}”后应写 true（是）或 false（否）。")
                return _INVALID, ()
            return raw, ()
        if op in ("in", "not_in"):
            if not isinstance(raw, list) or not raw:
                self.error(line, where, f"“{op}”后应写一个列表，例如 [small, micro]。")
                return _INVALID, ()
            values = [self.scalar(v, attribute, line, where) for v in raw]
            if any(v is _INVALID for v in values):
                return _INVALID, ()
            labels = (
                tuple(attribute.display(v) for v in values) if kind is AttributeType.ENUM else ()
            )
            return tuple(values), labels
        if op == "between":
            if not isinstance(raw, list) or len(raw) != 2:
                self.error(line, where, "“between”后应写两个值 [下限, 上限]（含两端）。")
                return _INVALID, ()
            low, high = (self.scalar(v, attribute, line, where) for v in raw)
            if _INVALID in (low, high):
                return _INVALID, ()
            if not isinstance(low, str) and not isinstance(high, str) and low > high:  # type: ignore[operator]
                self.error(line, where, f"“between”的下限 {raw[0]} 大于上限 {raw[1]}。")
                return _INVALID, ()
            return (low, high), ()
        if op == "starts_with":
            prefixes = raw if isinstance(raw, list) else [raw]
            if not prefixes or not all(isinstance(p, str) and p for p in prefixes):
                self.error(
                    line, where, "“starts_with”后应写开头的文字或文字列表，例如 C 或 [C, D]。"
                )
                return _INVALID, ()
            return tuple(prefixes), tuple(f"“{p}”" for p in prefixes)
        value = self.scalar(raw, attribute, line, where)
        if value is _INVALID:
            return _INVALID, ()
        labels = (attribute.display(value),) if kind is AttributeType.ENUM else ()
        return value, labels

    def scalar(self, raw: object, attribute: Attribute, line: int | None, where: str) -> object:
        kind = attribute.type
        name = f"属性“{attribute.name}”（{attribute.label}）"
        if kind is AttributeType.BOOL:
            if isinstance(raw, bool):
                return raw
            if raw in ("是", "否"):
                return raw == "是"
            self.error(line, where, f"{name}是“是/否”类型，值“{raw}”应写 true 或 false。")
        elif kind is AttributeType.INT:
            if isinstance(raw, int) and not isinstance(raw, bool):
                return raw
            self.error(line, where, f"{name}是整数类型，值“{raw}”应为整数。")
        elif kind is AttributeType.DATE:
            if isinstance(raw, str) and raw in DATE_TOKENS:
                return raw
            if isinstance(raw, dt.date):
                return raw.date() if isinstance(raw, dt.datetime) else raw
            if isinstance(raw, str):
                try:
                    return dt.date.fromisoformat(raw.strip())
                except ValueError:
                    pass
            self.error(
                line,
                where,
                f"{name}是日期类型，值“{raw}”应写成 年-月-日（例如 2025-01-01），或 policy_year_start、policy_year_end。",
            )
        elif kind is AttributeType.ENUM:
            value = attribute.normalise_enum(raw)
            if value is not None:
                return value
            self.error(
                line,
                where,
                f"{name}没有“{raw}”这个取值。允许的取值：{attribute.allowed_values_text()}。",
            )
        else:
            if isinstance(raw, str | int) and not isinstance(raw, bool):
                return str(raw)
            self.error(line, where, f"{name}是文本类型，值“{raw}”应为一段文字。")
        return _INVALID


_INVALID = object()


def _key_line(data: object, key: str) -> int | None:
    if isinstance(data, _Map):
        return data.key_lines.get(key, data.line)
    return None


def _freeze(value: object) -> object:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _digest(data: object) -> str:
    """sha256 of the rule's content; the version number and its note are not content."""
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in ("version", "version_note")}
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _show(value: object, year: int | None) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if value == "policy_year_start":
        return f"{year}-01-01" if year is not None else DATE_TOKENS["policy_year_start"]
    if value == "policy_year_end":
        return f"{year}-12-31" if year is not None else DATE_TOKENS["policy_year_end"]
    if isinstance(value, tuple):
        return "、".join(_show(v, year) for v in value)
    return str(value)


def _percent(basis_points: int) -> str:
    return f"{Decimal(basis_points) / 100:f}".rstrip("0").rstrip(".") + "%"


def money(yuan: int) -> str:
    """Format integer yuan for people: ``money(300000)`` → ``'300,000 元'``."""
    return f"{yuan:,} 元"


def parse_money(raw: object) -> int | None:
    """Integer yuan from 50000, "5万元", "1000元" or "0.5万"; None if not whole yuan.

    Examples:
        >>> parse_money("5万元"), parse_money(1000), parse_money("0.5万"), parse_money("1.5元")
        (50000, 1000, 5000, None)
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    if not isinstance(raw, str):
        return None
    match = _MONEY_RE.match(raw.replace(",", "").replace("，", ""))
    if not match:
        return None
    try:
        amount = Decimal(match.group(1)) * (10000 if match.group(2) else 1)
    except InvalidOperation:
        return None
    return int(amount) if amount == amount.to_integral_value() else None


def parse_percent(raw: object) -> int | None:
    """Basis points from 5, 2.5, "2.5%" (at most two decimals).

    Examples:
        >>> parse_percent("2.5%"), parse_percent(5), parse_percent("1.234")
        (250, 500, None)
    """
    if isinstance(raw, bool):
        return None
    text = str(raw).strip().rstrip("%").strip()
    try:
        value = Decimal(text) * 100
    except InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() else None


# ---------------------------------------------------------------------------
# Public entry points


def parse_policy(
    text: str, path: str = "规则", *, catalogue: Catalogue = ENTERPRISE_ATTRIBUTES
) -> Policy:
    """Parse one rule file's text; RuleValidationError lists every problem."""
    data, errors = _load_yaml(text, path)
    if errors and data is None:
        raise RuleValidationError(errors)
    parser = _Parser(path, catalogue)
    parser.errors.extend(errors)
    policy = parser.policy(data, text)
    if parser.errors or policy is None:
        raise RuleValidationError(parser.errors)
    return policy


def validate_policy_text(
    text: str, path: str = "规则", *, catalogue: Catalogue = ENTERPRISE_ATTRIBUTES
) -> list[RuleError]:
    """Every problem of a rule file (empty when it can be saved) — for the edit form."""
    try:
        parse_policy(text, path, catalogue=catalogue)
    except RuleValidationError as exc:
        return exc.errors
    return []


def load_ruleset(
    source: str | Path | None = None, *, catalogue: Catalogue = ENTERPRISE_ATTRIBUTES
) -> RuleSet:
    """Load every ``*.yaml``/``*.yml`` file of a directory (default: the shipped rules).

    A single file path loads just that policy. Errors of all files are reported
    together; policy ids must be unique across the set.
    """
    root = Path(source) if source is not None else builtin_specs_dir()
    if not root.exists():
        raise InvalidInput(f"找不到规则目录或文件“{root}”，请检查 --rules 参数。")
    files = [root] if root.is_file() else sorted([*root.glob("*.yaml"), *root.glob("*.yml")])
    if not files:
        raise InvalidInput(f"规则目录“{root}”中没有 .yaml 规则文件。")
    return ruleset_from_texts(
        ((f.name, f.read_text(encoding="utf-8")) for f in files),
        catalogue=catalogue,
        source=str(root),
    )


def ruleset_from_texts(
    texts: Iterable[tuple[str, str]],
    *,
    catalogue: Catalogue = ENTERPRISE_ATTRIBUTES,
    source: str = "",
) -> RuleSet:
    """Build a rule set from (file name, YAML text) pairs (files or database rows)."""
    policies: list[Policy] = []
    errors: list[RuleError] = []
    seen: dict[str, str] = {}
    for name, text in texts:
        try:
            policy = parse_policy(text, name, catalogue=catalogue)
        except RuleValidationError as exc:
            errors.extend(exc.errors)
            continue
        if policy.id in seen:
            errors.append(
                RuleError(
                    name,
                    None,
                    "",
                    f"政策编号“{policy.id}”与“{seen[policy.id]}”重复，每条政策的编号必须唯一。",
                )
            )
            continue
        seen[policy.id] = name
        policies.append(policy)
    if errors:
        raise RuleValidationError(errors)
    return RuleSet(tuple(sorted(policies, key=lambda p: p.id)), catalogue, source)


def builtin_specs_dir() -> Path:
    """The shipped rule files of the seed policies (``qinqing/policies/policy_specs/``)."""
    return Path(__file__).resolve().parents[1] / "policy_specs"


def check_new_version(old: Policy, new: Policy) -> None:
    """Saving ``new`` over ``old``: a changed rule must carry a higher version number.

    Examples:
        >>> import dataclasses
        >>> p = parse_policy(open(builtin_specs_dir() / "grad-hiring-subsidy.yaml").read())
        >>> check_new_version(p, dataclasses.replace(p, digest="changed"))
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 政策“grad-hiring-subsidy”的内容已修改，但版本号仍为 1。请把 version 改为 2 后再保存，已有的兑现结果会继续记录旧版本。
    """
    if old.id != new.id:
        raise InvalidInput(
            f"政策编号不能修改（原为“{old.id}”，现为“{new.id}”）；需要新政策请另建规则。"
        )
    if new.digest != old.digest and new.version <= old.version:
        raise InvalidInput(
            f"政策“{new.id}”的内容已修改，但版本号仍为 {new.version}。"
            f"请把 version 改为 {old.version + 1} 后再保存，已有的兑现结果会继续记录旧版本。"
        )
    if new.digest == old.digest and new.version != old.version:
        raise InvalidInput(f"政策“{new.id}”的内容没有变化，不需要改版本号。")
