"""量化目标 (targets): verbatim clauses of a task body that state a quantity.

A target is a clause (split at 。；，) holding an Arabic number — or a number masked as
"XX" — followed by a unit or a limit: "压缩至5个工作日以内", "达到95％以上", "减负XXX亿元以上",
"每月至少1次". Dates ("2022年底前", "6月底前") are not quantities, nor are numbers that
only name something ("12345热线", "“210”标准", "5.0版"). An enumeration of quantities
("提交材料精简40%以上、办理时间压缩60%以上、不超过20个工作日") gives one target per item;
a total followed by its breakdown in brackets ("165个工作日办结（选址13个工作日、…）") gives
the total and each item.
"""

from __future__ import annotations

import re

from .units import CLOSE, OPEN

_NUM = r"(?:\d+(?:\.\d+)?|X{2,4}|x{2,4})"
_UNIT = (
    r"(?:个工作日|工作日|个自然日|自然日|个环节|环节|个百分点|百分点|%|％|‰|"
    r"万元|亿元|千元|元|万户|户|万人次|人次|万人|人|名|家|项|件|个|次|天|日|小时|分钟|秒|周|个月|年|"
    r"千瓦|千伏安|千伏|兆瓦|瓦|米|公里|千米|平方米|平方公里|亩|公顷|吨|倍|套|场|条|所|座|台|批|份|类|枚|张|"
    r"万|亿|笔|单|趟|轮|篇|页|种|栋|间|辆|株|本)"
)
QUANTITY_RE = re.compile(rf"(?<![\dX.])(?P<num>{_NUM})\s*(?P<unit>{_UNIT})")
# Numbers that are dates, not quantities.
_DATE_BITS = re.compile(
    r"(?:19|20)(?:\d\d|XX|xx)\s*年(?:度)?|\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?(?:底|末|份|中旬|上旬|下旬)?|"
    r"第\s*\d+|\d+(?:\.\d+)+\s*版|《[^》]*》|\d{5,}"
)
_SENTENCE_SEPS = "。！？；;!?\n"
_CLAUSE_SEPS = "，,：:"
_QUOTES = "“”\"‘’'「」『』"


def _split_outside(text: str, seps: str) -> list[str]:
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in seps:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [p for p in out if p.strip()]


def has_quantity(text: str) -> bool:
    """Whether a clause states a quantity (dates, ordinals and names do not count).

    Examples:
        >>> has_quantity("审批时间压缩至80个工作日以内"), has_quantity("力争全年为市场主体减负XXX亿元以上")
        (True, True)
        >>> has_quantity("2022年底前实现全覆盖"), has_quantity("6月底前“清零”"), has_quantity("落实“210”标准")
        (False, False, False)
        >>> has_quantity("到达本级15日内"), has_quantity("建设“X服通XX分厅”5.0版")
        (True, False)
    """
    masked = _DATE_BITS.sub(lambda m: "#" * len(m.group()), text)
    for m in QUANTITY_RE.finditer(masked):
        before = masked[max(0, m.start() - 1) : m.start()]
        if (
            before and before in _QUOTES
        ):  # “210”个 is not a count, but “2050”标准 has no unit anyway
            continue
        return True
    return bool(re.search(rf"(?<![\dX])({_NUM})\s*(?:以上|以下|以内|之内)", masked))


def _strip_quotes(clause: str) -> str:
    clause = clause.strip().strip("　 ")
    for left, right in (("“", "”"), ("‘", "’"), ("「", "」")):
        if clause.startswith(left) and clause.count(left) > clause.count(right):
            clause = clause[1:]
        if clause.endswith(right) and clause.count(right) > clause.count(left):
            clause = clause[:-1]
    return clause.strip()


def _breakdown(clause: str) -> list[str]:
    """A total with its breakdown in brackets gives the total and each item."""
    spans = []
    depth, start = 0, None
    for i, ch in enumerate(clause):
        if ch in OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch in CLOSE and depth:
            depth -= 1
            if depth == 0 and start is not None:
                spans.append((start, i + 1))
    for s, e in spans:
        inner = clause[s + 1 : e - 1]
        items = [p for p in _split_outside(inner, "、，,；;") if p.strip()]
        outer = clause[:s] + clause[e:]
        if len(items) >= 2 and sum(has_quantity(p) for p in items) >= 2 and has_quantity(outer):
            return [outer.strip(), *[p.strip() for p in items if has_quantity(p)]]
    return [clause]


def extract_targets(body: str, limit: int = 12) -> list[str]:
    """Quantified targets of a task body, verbatim, in order.

    Examples:
        >>> extract_targets("实现提交材料精简40%以上、办理时间压缩60%以上、不超过20个工作日。对于适用一般程序注销的企业，即到即办。")
        ['实现提交材料精简40%以上', '办理时间压缩60%以上', '不超过20个工作日']
        >>> extract_targets("到2022年底前，实现县、乡、村网上政务服务事项全覆盖。")
        []
        >>> extract_targets("即5个环节（选址、公告）、165个工作日办结（选址13个工作日、公告12个工作日）。")
        ['即5个环节（选址、公告）', '165个工作日办结', '选址13个工作日', '公告12个工作日']
    """
    out: list[str] = []
    for sentence in _split_outside(body, _SENTENCE_SEPS):
        for clause in _split_outside(sentence, _CLAUSE_SEPS):
            if not has_quantity(clause):
                continue
            parts = _split_outside(clause, "、")
            if len(parts) >= 2 and sum(has_quantity(p) for p in parts) >= 2:
                pieces = [p for p in parts if has_quantity(p)]
            else:
                pieces = [clause]
            for piece in pieces:
                for item in _breakdown(piece):
                    item = _strip_quotes(item)
                    if item and item not in out and has_quantity(item):
                        out.append(item)
    return out[:limit]
