"""Attribute catalogue (企业属性目录): what each column of the enterprise registry means.

The catalogue is the single description of the registry layout shared by the import
(validation, Chinese error messages), the policy rules (which attributes a rule may
use and with which operators) and the explanations shown to enterprises (labels and
value display). Every column of ``../shared/data/enterprises/sample_10k.csv`` has an
entry in :data:`ENTERPRISE_ATTRIBUTES`.

Examples:
    >>> ENTERPRISE_ATTRIBUTES["size"].label
    '企业规模'
    >>> ENTERPRISE_ATTRIBUTES["size"].display("micro")
    '微型'
    >>> ENTERPRISE_ATTRIBUTES["size"].normalise_enum("小型")
    'small'
    >>> ENTERPRISE_ATTRIBUTES["high_tech_on"].type
    <AttributeType.DATE: 'date'>
    >>> len(ENTERPRISE_ATTRIBUTES.names)
    24
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from qinqing.core.errors import InvalidInput


class AttributeType(StrEnum):
    """Value types of registry columns; each has one columnar representation."""

    STR = "str"  # text; rules compare it through a dictionary of distinct values
    INT = "int"  # whole numbers (int64)
    BOOL = "bool"  # 是/否
    DATE = "date"  # calendar date; empty means "never" (e.g. not recognised)
    ENUM = "enum"  # one of a fixed list of English values with Chinese labels

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]


_TYPE_LABELS = {
    AttributeType.STR: "文本",
    AttributeType.INT: "整数",
    AttributeType.BOOL: "是/否",
    AttributeType.DATE: "日期",
    AttributeType.ENUM: "枚举（固定取值）",
}


@dataclass(frozen=True)
class Attribute:
    """One registry column.

    ``enum_values`` pairs a stable English value with its Chinese label; files and
    rules may use either. ``pattern`` (a regular expression the whole value must
    match) and ``pattern_hint`` apply to text columns, ``minimum`` to integers.
    """

    name: str
    label: str
    type: AttributeType
    description: str
    required: bool = False
    enum_values: tuple[tuple[str, str], ...] = ()
    pattern: str | None = None
    pattern_hint: str = ""
    minimum: int | None = None
    unique: bool = False

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.enum_values)

    def normalise_enum(self, value: object) -> str | None:
        """The English value for an enum value given by value or Chinese label, else None."""
        if not isinstance(value, str):
            return None
        text = value.strip()
        for enum_value, label in self.enum_values:
            if text in (enum_value, label) or text.lower() == enum_value:
                return enum_value
        return None

    def allowed_values_text(self) -> str:
        """Chinese list of allowed enum values, e.g. ``large（大型）、medium（中型）``."""
        return "、".join(f"{value}（{label}）" for value, label in self.enum_values)

    def display(self, value: object) -> str:
        """Show a value the way an official reads it.

        Examples:
            >>> ENTERPRISE_ATTRIBUTES["serious_dishonesty"].display(False)
            '否'
            >>> ENTERPRISE_ATTRIBUTES["little_giant_on"].display(None)
            '空（无此认定）'
            >>> ENTERPRISE_ATTRIBUTES["little_giant_on"].display(dt.date(2025, 3, 1))
            '2025-03-01'
        """
        if value is None:
            return "空（无此认定）" if self.type is AttributeType.DATE else "空"
        if self.type is AttributeType.BOOL:
            return "是" if value else "否"
        if self.type is AttributeType.ENUM:
            labels = dict(self.enum_values)
            return labels.get(str(value), str(value))
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)


@dataclass(frozen=True)
class Catalogue:
    """An ordered set of attributes, looked up by name."""

    attributes: tuple[Attribute, ...]
    _by_name: dict[str, Attribute] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {a.name: a for a in self.attributes}
        if len(by_name) != len(self.attributes):
            raise ValueError("duplicate attribute names in catalogue")
        object.__setattr__(self, "_by_name", by_name)

    def __getitem__(self, name: str) -> Attribute:
        try:
            return self._by_name[name]
        except KeyError:
            raise InvalidInput(self.unknown_message(name)) from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Attribute]:
        return iter(self.attributes)

    def __len__(self) -> int:
        return len(self.attributes)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.attributes)

    def get(self, name: str) -> Attribute | None:
        return self._by_name.get(name)

    def by_label(self, label: str) -> Attribute | None:
        """Find an attribute by its Chinese label (import files may use labels as headers)."""
        for attribute in self.attributes:
            if attribute.label == label:
                return attribute
        return None

    def unknown_message(self, name: str) -> str:
        """Chinese message for an unknown attribute, with a guess at what was meant.

        Examples:
            >>> ENTERPRISE_ATTRIBUTES.unknown_message("graduate_hire")
            '没有名为“graduate_hire”的企业属性。您是不是要写“graduate_hires”（本年度招用高校毕业生人数）？'
        """
        guesses = difflib.get_close_matches(name, self.names, n=1, cutoff=0.6)
        by_label = self.by_label(name)
        if by_label is not None:
            return f"规则中请用属性名“{by_label.name}”，而不是中文名称“{name}”。"
        if guesses:
            guess = self._by_name[guesses[0]]
            return f"没有名为“{name}”的企业属性。您是不是要写“{guess.name}”（{guess.label}）？"
        return f"没有名为“{name}”的企业属性。可用的属性见《政策规则编写指南》中的属性目录。"

    def describe(self) -> str:
        """A Chinese table of the catalogue, one attribute per line (for CLI help and docs)."""
        lines = []
        for a in self.attributes:
            extra = f"；取值：{a.allowed_values_text()}" if a.enum_values else ""
            lines.append(f"{a.name}\t{a.label}\t{a.type.label}\t{a.description}{extra}")
        return "\n".join(lines)


def _recognition(name: str, label: str, what: str) -> Attribute:
    return Attribute(
        name=name,
        label=label,
        type=AttributeType.DATE,
        description=f"{what}的日期；为空表示没有该认定。认定日期落在政策年度内即视为该年度认定。",
    )


SIZE_VALUES = (("large", "大型"), ("medium", "中型"), ("small", "小型"), ("micro", "微型"))

ENTERPRISE_ATTRIBUTES = Catalogue(
    (
        Attribute(
            "uscc",
            "统一社会信用代码",
            AttributeType.STR,
            "18 位统一社会信用代码（GB 32100-2015），第 18 位为校验位。",
            required=True,
            unique=True,
        ),
        Attribute("name", "名称", AttributeType.STR, "市场主体名称。", required=True),
        Attribute(
            "region_code",
            "行政区划代码",
            AttributeType.STR,
            "6 位行政区划代码（GB/T 2260）。",
            required=True,
            pattern=r"[0-9]{6}",
            pattern_hint="应为 6 位数字，例如 420602",
        ),
        Attribute(
            "industry_code",
            "行业代码",
            AttributeType.STR,
            "国民经济行业分类代码（GB/T 4754）：门类字母加 2 至 4 位数字，例如 C39。",
            required=True,
            pattern=r"[A-T][0-9]{2,4}",
            pattern_hint="应为一个大写门类字母（A-T）加 2 至 4 位数字，例如 C39",
        ),
        Attribute(
            "size",
            "企业规模",
            AttributeType.ENUM,
            "企业规模（大型、中型、小型、微型）。",
            required=True,
            enum_values=SIZE_VALUES,
        ),
        Attribute(
            "established_on", "成立日期", AttributeType.DATE, "市场主体成立日期。", required=True
        ),
        Attribute(
            "serious_dishonesty",
            "严重失信主体",
            AttributeType.BOOL,
            "是否列入严重失信主体名单；列入的企业不享受任何奖励。",
            required=True,
        ),
        Attribute(
            "graduate_hires",
            "本年度招用高校毕业生人数",
            AttributeType.INT,
            "政策年度内招用的应届高校毕业生（含离校 2 年内未就业高校毕业生）人数，"
            "限签订 1 年以上劳动合同并按规定缴纳社会保险费的。",
            required=True,
            minimum=0,
        ),
        _recognition(
            "above_scale_industrial_on", "规上工业企业认定日期", "新增（审核认定）为规上工业企业"
        ),
        _recognition(
            "above_scale_service_on", "规上服务业企业认定日期", "新增（审核认定）为规上服务业企业"
        ),
        _recognition(
            "agri_leader_on",
            "省级以上农业产业化龙头企业认定日期",
            "新增（审核认定）为省级以上农业产业化龙头企业",
        ),
        _recognition(
            "small_to_above_scale_on", "“小升规”认定日期", "新增（审核认定）为“小升规”企业"
        ),
        _recognition(
            "above_quota_on", "限上企业认定日期", "新增（审核认定）为限上企业（含限下转限上）"
        ),
        _recognition(
            "champion_national_on",
            "国家单项冠军认定日期",
            "新认定（含复审）为国家制造（服务）业单项冠军企业",
        ),
        _recognition(
            "champion_provincial_on",
            "省单项冠军认定日期",
            "新认定（含复审）为省制造（服务）业单项冠军企业",
        ),
        _recognition(
            "little_giant_on",
            "国家专精特新“小巨人”认定日期",
            "新增（含复审）为国家专精特新“小巨人”企业",
        ),
        _recognition(
            "srdi_key_provincial_on",
            "省“专精特新”骨干企业认定日期",
            "新增（含复审）为省“专精特新”骨干企业",
        ),
        _recognition(
            "srdi_demo_provincial_on",
            "省“专精特新”示范企业认定日期",
            "新增（含复审）为省“专精特新”示范企业",
        ),
        _recognition(
            "srdi_sme_provincial_on",
            "省“专精特新”中小企业认定日期",
            "新增（含复审）为省“专精特新”中小企业",
        ),
        _recognition(
            "srdi_sme_city_on", "市级“专精特新”中小企业认定日期", "新增为市级“专精特新”中小企业"
        ),
        _recognition(
            "tech_leader_national_on",
            "国家科技领军企业认定日期",
            "新认定（含复审）为国家科技领军企业",
        ),
        _recognition(
            "tech_leader_provincial_on",
            "省科技领军企业认定日期",
            "新认定（含复审）为省科技领军企业",
        ),
        _recognition(
            "tech_leader_city_on", "市科技领军企业认定日期", "新认定（含复审）为市科技领军企业"
        ),
        _recognition(
            "high_tech_on", "国家高新技术企业认定日期", "新认定（含复审）为国家高新技术企业"
        ),
    )
)
