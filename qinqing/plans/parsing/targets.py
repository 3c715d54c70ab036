"""量化目标 (targets): verbatim clauses of a task body that state a quantity.

A target is a clause (split at 。；，) holding an Arabic number — or a number masked as
"XX" — followed by a unit or a limit: "压缩至5个工作日以内", "达到95％以上", "减负XXX亿元以上",
"每月至少1次". Dates ("2022年底前", "6月底前") are not quantities, nor are numbers that
only name something ("12345热线", "“210”标准", "5.0版", "10千伏").

Clause rules, all structural:

* an enumeration of quantities with their own subjects ("提交材料精简40%以上、办理时间压缩
  60%以上、不超过20个工作日") gives one target per item, but a bare list of numbers
  ("26个小时、0.8个小时以内", "3个工作日、2个环节、1项材料") stays one target;
* a breakdown in brackets gives one target per item when the items are full phrases
  ("“1351”（1天内受理融资申请、3天内调查收集资料…）") or when they break down a total
  ("165个工作日办结（选址13个工作日、…）");
* a clause that ends on its number ("到达本级15日内") runs on into the next clause, which
  says what happens in that time; a clause opening with 且 continues the one before;
* conditions are not targets: clauses opening with 根据/按照/围绕/针对…, clauses ending
  in 的 ("…缴纳社会保险费的") or 范围内.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .units import CLOSE, OPEN, _depth_split

_NUM = r"(?:\d+(?:\.\d+)?|X{2,4}|x{2,4})"
_UNIT = (
    r"(?:个工作日|工作日|个自然日|自然日|个环节|环节|个百分点|百分点|%|％|‰|"
    r"万元|亿元|千元|元|万户|户|万人次|人次|万人|人|名|家|项|件|个|次|天|日|小时|分钟|秒|周|个月|年|"
    r"千瓦时|千瓦|兆瓦|毫米|厘米|米|公里|千米|平方米|平方公里|亩|公顷|吨|倍|套|场|条|所|座|台|批|份|类|枚|张|"
    r"万|亿|笔|单|趟|轮|篇|页|种|栋|间|辆|株|本|例)"
)
# A masked number ("XX") only counts with units that cannot start a place name ("XX人力资源").
_MASKED_UNITS = {
    "%",
    "％",
    "亿元",
    "万元",
    "元",
    "件",
    "项",
    "个工作日",
    "工作日",
    "个",
    "天",
    "小时",
    "次",
    "万",
    "亿",
}
QUANTITY_RE = re.compile(rf"(?<![\dXx.])(?P<num>{_NUM})\s*(?P<unit>{_UNIT})(?!伏)")
_LIMIT = r"(?:以上|以下|以内|之内|左右|内)"
# Numbers that are dates, versions, ordinals or names, not quantities.
_DATE_BITS = re.compile(
    r"(?:19|20)(?:\d\d|XX|xx)\s*年(?:度)?|\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?(?:底|末|份|中旬|上旬|下旬)?|"
    r"第\s*\d+|\d+(?:\.\d+)+\s*版|《[^》]*》|\d{5,}|\d+\s*千伏安?|\d+\s*周岁"
)
_SENTENCE_SEPS = "。！？；;!?\n"
_CLAUSE_SEPS = "，,：:"
_CONDITION_START_RE = re.compile(r"^(?:根据|按照|依据|围绕|针对|对照|结合|参照|依托|聚焦|以)")
_CONDITION_END_RE = re.compile(r"(?:的|范围内|之间)$")
_CONTINUATION_START_RE = re.compile(r"^(?:且|并且|但)")
# "到达本级15日内", "…等8个专题": the clause ends on its number (and at most a short noun).
_ENDS_ON_NUMBER_RE = re.compile(rf"{_NUM}\s*{_UNIT}\s*{_LIMIT}?[\u4e00-\u9fff]{{0,2}}$")
# A verb right before the number makes the clause a complete statement ("压缩至5个工作日以内").
_VERB_BEFORE_NUMBER_RE = re.compile(
    rf"(?:至|到|达|为|于|在|过|减|降|增|高|低|少|多|长|短|缩|压|提|内|满|足|超|共|累计|新增|完成|实现|建成|培育|引进|发放|开展|举办|组织|招聘|帮助|推出|打造|建设|设立|保持|突破){_NUM}\s*{_UNIT}\s*{_LIMIT}?[\u4e00-\u9fff]{{0,2}}$"
)
_STARTS_WITH_NUMBER_RE = re.compile(rf"^{_NUM}\s*{_UNIT}")


def _split_outside(text: str, seps: str) -> list[str]:
    return [p for _sep, p in _split_keeping(text, seps) if p.strip()]


def _split_keeping(text: str, seps: str) -> list[tuple[str, str]]:
    """Split on separators outside brackets; each part comes with the separator before it."""
    return [(sep, piece) for piece, sep in _depth_split(text, seps)]


def _mask(text: str) -> str:
    return _DATE_BITS.sub(lambda m: "#" * len(m.group()), text)


@lru_cache(maxsize=8192)
def _quantities(text: str) -> tuple[re.Match[str], ...]:
    return tuple(
        m
        for m in QUANTITY_RE.finditer(_mask(text))
        if not (m["num"][0] in "Xx" and m["unit"] not in _MASKED_UNITS)
    )


def clear_caches() -> None:
    """Forget memoised clause checks (for benchmarks that must start cold)."""
    _quantities.cache_clear()


def has_quantity(text: str) -> bool:
    """Whether a clause states a quantity (dates, ordinals and names do not count).

    Examples:
        >>> has_quantity("审批时间压缩至80个工作日以内"), has_quantity("力争全年为市场主体减负XXX亿元以上")
        (True, True)
        >>> has_quantity("2022年底前实现全覆盖"), has_quantity("6月底前“清零”"), has_quantity("落实“210”标准")
        (False, False, False)
        >>> has_quantity("到达本级15日内"), has_quantity("建设“X服通XX分厅”5.0版"), has_quantity("针对10千伏用户")
        (True, False, False)
        >>> has_quantity("推动XX人力资源产业提升")
        False
    """
    return bool(_quantities(text))


def _words_besides_numbers(text: str) -> int:
    """How many characters a phrase has besides its quantities, limits and punctuation."""
    stripped = QUANTITY_RE.sub("", _mask(text))
    stripped = re.sub(_LIMIT, "", stripped)
    return len(re.sub(r"[\W\d#_]", "", stripped))


def _strip_quotes(clause: str) -> str:
    clause = clause.strip().strip("　 ")
    # "实行“1个工作日签收" (the quotation runs on past the clause): keep the quoted part
    opened = clause.rfind("“")
    if opened > 0 and clause.count("“") > clause.count("”") and has_quantity(clause[opened + 1 :]):
        clause = clause[opened + 1 :]
    for left, right in (("“", "”"), ("‘", "’"), ("「", "」")):
        if clause.startswith(left) and clause.count(left) > clause.count(right):
            clause = clause[1:]
        if clause.endswith(right) and clause.count(right) > clause.count(left):
            clause = clause[:-1]
    return clause.strip()


def _bracket_spans(text: str) -> list[tuple[int, int]]:
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch in CLOSE and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
    return spans


def _breakdown(clause: str) -> list[str]:
    """A bracketed list of quantities gives one target per item (see the module docstring)."""
    for s, e in _bracket_spans(clause):
        items = [p.strip() for p in _split_outside(clause[s + 1 : e - 1], "、，,；;") if p.strip()]
        counted = [p for p in items if has_quantity(p)]
        if len(counted) < 2:
            continue
        # verbatim: the text before the bracket, else the text after it
        outer = clause[:s].strip() if has_quantity(clause[:s]) else clause[e:].strip()
        full_items = sum(_words_besides_numbers(p) for p in counted) >= 3 * len(counted)
        if has_quantity(outer):
            return [outer, *counted]
        if full_items:
            return counted
    return [clause]


_ADMIN_END_RE = re.compile(r"[省市县区乡镇村州]$")
_ADMIN_START_RE = re.compile(r"^[省市县区乡镇村州]")


def _enumeration(clause: str) -> list[str]:
    """Split "A 40%以上、B 60%以上" into items; keep "26个小时、0.8个小时以内" whole."""
    parts = _split_outside(clause, "、")
    if sum(has_quantity(p) for p in parts) < 2:
        return [clause]
    # the list qualifies a noun ("不超过15米、…不超过200米的用电接入工程"): one target
    last = parts[-1]
    tail = _quantities(last)
    if tail and "的" in last[tail[-1].end() :]:
        return [clause]
    # "市、区（县级市）两级…": administrative levels listed together are one subject
    joined: list[str] = []
    for part in parts:
        if joined and _ADMIN_END_RE.search(joined[-1]) and _ADMIN_START_RE.match(part):
            joined[-1] += "、" + part
        else:
            joined.append(part)
    parts = joined
    if sum(has_quantity(p) for p in parts) < 2:
        return [clause]
    items: list[str] = []
    for part in parts:
        bare_number = _STARTS_WITH_NUMBER_RE.match(part.strip()) and len(_breakdown(part)) == 1
        if items and (bare_number or not has_quantity(part)):
            items[-1] += "、" + part
        else:
            items.append(part)
    return items


def _clauses(sentence: str) -> list[str]:
    """Clauses of a sentence, with run-on and continuation clauses joined."""
    out: list[str] = []
    glue = False
    for sep, clause in _split_keeping(sentence, _CLAUSE_SEPS):
        if not clause.strip():
            continue
        quantity = has_quantity(clause)
        short = quantity and _words_besides_numbers(clause) <= 2  # "2个环节，1日办结"
        runs_on = glue and (not quantity or short) and "的" not in clause
        if out and (runs_on or (quantity and _CONTINUATION_START_RE.match(clause.strip()))):
            out[-1] += sep + clause
            glue = False
            continue
        out.append(clause)
        core = _strip_quotes(_strip_tail_brackets(clause))
        glue = (
            quantity
            and bool(_ENDS_ON_NUMBER_RE.search(core))
            and not _VERB_BEFORE_NUMBER_RE.search(core)
        )
    return out


def _strip_tail_brackets(text: str) -> str:
    text = text.strip()
    while text and text[-1] in CLOSE:
        spans = _bracket_spans(text)
        if not spans or spans[-1][1] != len(text):
            break
        text = text[: spans[-1][0]].rstrip()
    return text


# A list number opening a clause ("1.确保…") is not part of the target; the points a criterion
# of an assessment table awards ("…用稿2篇，得5分") are not part of it, and a clause that only
# awards or deducts points is a scoring rule, not a target.
_ITEM_MARK_RE = re.compile(r"^\s*\d{1,2}\s*[.．、](?!\d)")
_SCORE_RE = re.compile(r"[得扣奖加减]\s*\d+(?:\.\d+)?\s*分")
_SCORE_TAIL_RE = re.compile(r"[，,；;]\s*[得扣奖加减]\s*\d+(?:\.\d+)?\s*分.*$")


def extract_targets(body: str, limit: int = 8) -> list[str]:
    """Quantified targets of a task body, verbatim, in order.

    Examples:
        >>> extract_targets("实现提交材料精简40%以上、办理时间压缩60%以上、不超过20个工作日。对于适用一般程序注销的企业，即到即办。")
        ['实现提交材料精简40%以上', '办理时间压缩60%以上', '不超过20个工作日']
        >>> extract_targets("到2022年底前，实现县、乡、村网上政务服务事项全覆盖。")
        []
        >>> extract_targets("即5个环节（选址、公告）、165个工作日办结（选址13个工作日、公告12个工作日）。")
        ['即5个环节（选址、公告）', '165个工作日办结', '选址13个工作日', '公告12个工作日']
        >>> extract_targets("属于上级给付的奖补资金，到达本级15日内，下达县(区)或直接足额拨付给企业。")
        ['到达本级15日内，下达县(区)或直接足额拨付给企业']
        >>> extract_targets("进出口整体通关时间力争分别压缩至26个小时、0.8个小时以内。")
        ['进出口整体通关时间力争分别压缩至26个小时、0.8个小时以内']
    """
    out: list[str] = []
    for sentence in _split_outside(body, _SENTENCE_SEPS):
        for clause in _clauses(sentence):
            if not has_quantity(clause):
                continue
            for piece in _enumeration(clause):
                for item in _breakdown(piece):
                    item = _ITEM_MARK_RE.sub("", _strip_quotes(item))
                    item = _SCORE_TAIL_RE.sub("", item)
                    if _SCORE_RE.search(item):
                        continue  # a scoring rule of an assessment ("每少一次扣0.5分")
                    head = item.split("，")[0]
                    if _CONDITION_START_RE.match(item) or _CONDITION_END_RE.search(head.strip()):
                        continue
                    if item and item not in out and has_quantity(item):
                        out.append(item)
    return out[:limit]
