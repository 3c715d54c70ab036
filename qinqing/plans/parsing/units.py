"""Unit annotations of a task: 牵头单位 (lead), 责任单位 (responsible), 配合单位 (supporting), 完成时限.

Plans write them in many ways; all of these are recognised:

* labelled, in brackets at the end of a paragraph: ``（牵头部门：A；责任部门：B、C）``,
  ``〔责任单位：A，B〕``, ``【牵头单位：A】``;
* labelled, on their own lines, possibly run together: ``牵头单位:A责任单位：B``;
* verb style in brackets: ``（市发展改革委牵头，市财政局配合）``;
* a table row (see ``tables.py``), whose cells are split the same way.

Unit lists split on 、，,；; and line breaks outside parentheses; a bare administrative level
("市、县(区)各行政执法单位", "各乡、镇、办事处") stays joined to what follows; a trailing 等 is
dropped and "X等Y" (Y a general group such as 市直相关部门) gives X and Y.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LEAD = "lead"
RESPONSIBLE = "responsible"
SUPPORTING = "supporting"
DEADLINE = "deadline"
IGNORED = "ignored"

# Longest first so that 牵头责任单位 wins over 责任单位. Values are the role.
LABELS: dict[str, str] = {
    "牵头责任单位": LEAD,
    "牵头落实单位": LEAD,
    "牵头考核单位": LEAD,
    "牵头实施单位": LEAD,
    "牵头推进单位": LEAD,
    "责任牵头单位": LEAD,
    "牵头单位": LEAD,
    "牵头部门": LEAD,
    "牵头处室": LEAD,
    "牵头科室": LEAD,
    "牵头机构": LEAD,
    "主责单位": LEAD,
    "主责部门": LEAD,
    "主办单位": LEAD,
    "主办部门": LEAD,
    "主要责任单位": RESPONSIBLE,
    "具体责任单位": RESPONSIBLE,
    "责任单位": RESPONSIBLE,
    "责任部门": RESPONSIBLE,
    "责任处室": RESPONSIBLE,
    "责任科室": RESPONSIBLE,
    "责任主体": RESPONSIBLE,
    "责任机构": RESPONSIBLE,
    "负责部门": RESPONSIBLE,
    "负责单位": RESPONSIBLE,
    "承办单位": RESPONSIBLE,
    "实施单位": RESPONSIBLE,
    "落实单位": RESPONSIBLE,
    "配合单位": SUPPORTING,
    "配合部门": SUPPORTING,
    "配合处室": SUPPORTING,
    "协办单位": SUPPORTING,
    "协办部门": SUPPORTING,
    "参与单位": SUPPORTING,
    "参与部门": SUPPORTING,
    "协同单位": SUPPORTING,
    "协作单位": SUPPORTING,
    "协同部门": SUPPORTING,
    "配合落实单位": SUPPORTING,
    "完成时限": DEADLINE,
    "完成时间": DEADLINE,
    "完成期限": DEADLINE,
    "时间节点": DEADLINE,
    "时限要求": DEADLINE,
    "办结时限": DEADLINE,
    "时间要求": DEADLINE,
    "进度安排": DEADLINE,
    "时间安排": DEADLINE,
    "责任领导": IGNORED,
    "牵头领导": IGNORED,
    "分管领导": IGNORED,
    "责任人": IGNORED,
    "联系人": IGNORED,
    "适用范围": IGNORED,
    "牵头": LEAD,
    "主办": LEAD,
    "责任": RESPONSIBLE,
    "配合": SUPPORTING,
    "协办": SUPPORTING,
    "时限": DEADLINE,
    "时间": DEADLINE,
}
_LABEL_ALT = "|".join(sorted(map(re.escape, LABELS), key=len, reverse=True))
# A label followed by a colon. Bare 牵头/配合/时限 need the colon and must not be part of a word.
LABEL_RE = re.compile(rf"(?P<label>{_LABEL_ALT})\s*[:：]\s*")
# A line that starts with a label (the label may lack a colon when a space separates it).
LABEL_LINE_RE = re.compile(
    rf"^\s*[（(〔【\[]?\s*(?P<label>{_LABEL_ALT})\s*(?:[:：]|[ \t\u3000]+(?=\S))"
)
_SPACED_LABEL_RE = re.compile(rf"^(\s*[（(〔【\[]?\s*(?:{_LABEL_ALT}))[ \t\u3000]+(?=[^:：\s])")

OPEN = "（(〔【[［{｛"
CLOSE = "）)〕】]］}｝"
PAIRS = dict(zip(OPEN, CLOSE, strict=True))

# Endings of organisation names; used to tell a unit list from a sentence.
UNIT_SUFFIX_RE = re.compile(
    r"(?:局|委|办|院|厅|部|署|会|所|行|司|处|科|队|站|室|中心|政府|公司|集团|机关|单位|部门|组|社|馆|台|报|团|"
    r"园区|管委会|办事处|街道|乡镇|镇|乡|县|区|市|联社|银行|支行|分行|海关|法院|检察院|学校|大学|医院|协会|"
    r"商会|联合会|基地|港|机构|总局|分局|公署|班|小组|指挥部|领导小组|工商联|团委|妇联|科协|税务局|银保监局|供电局|"
    r"平台|项目部|专班|各地|各部门|中央|残联|侨联|文联|社科联)\s*(?:[（(][^）)]{1,20}[）)])*$"
)
_ADMIN_STUB_RE = re.compile(r"^各?(?:有关|相关)?[省市县区乡镇村州盟旗]$")
_GENERIC_TAIL_RE = re.compile(
    r"^(?:市直|市级|省直|省级|县级|区级|相关|有关|其他|其它|各|全市|全省|全县|全区|县|区|市|"
    r"国务院(?:相关|有关|其他))"
)
_BARE_GROUP = {"部门", "单位", "部门（单位）", "部门(单位)", "机构", "部门单位"}
_RESPONSIBILITY_VERBS = (
    r"(?:按职责分工负责|按职责分工落实|按职能分工负责|按职责负责|分工负责|分别负责|共同负责|负责落实|具体负责|负责|落实|"
    r"协同推进|共同推进|推进|组织实施|实施|按职责分工抓好落实|抓好落实|负责指导|指导)"
)


@dataclass
class Annotation:
    """Units and deadline found in one annotation (a bracket, a label line, a table row)."""

    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    supporting: list[str] = field(default_factory=list)
    deadline_raw: str | None = None

    @property
    def has_units(self) -> bool:
        return bool(self.lead or self.responsible or self.supporting)

    def ledger_responsible(self) -> list[str]:
        """责任单位 for the ledger: the responsible units, or the 配合单位 when none are named.

        A plan that names only 牵头单位 and 配合单位 means the latter carry the task with the
        lead; where it also names 责任单位, the 配合单位 stay supporting only.

        Examples:
            >>> Annotation(lead=["甲局"], supporting=["乙局"]).ledger_responsible()
            ['乙局']
            >>> Annotation(responsible=["丙局"], supporting=["乙局"]).ledger_responsible()
            ['丙局']
        """
        if self.responsible:
            return list(self.responsible)
        return [u for u in self.supporting if u not in self.lead]

    def merge(self, other: Annotation) -> None:
        for name in ("lead", "responsible", "supporting"):
            mine = getattr(self, name)
            mine.extend(u for u in getattr(other, name) if u not in mine)
        if other.deadline_raw and not self.deadline_raw:
            self.deadline_raw = other.deadline_raw

    def __bool__(self) -> bool:
        return self.has_units or bool(self.deadline_raw)


def _depth_split(text: str, seps: str) -> list[tuple[str, str]]:
    """Split on separator characters outside brackets; return (piece, separator-before).

    Examples:
        >>> _depth_split("甲、乙（丙、丁），戊", "、，")
        [('甲', ''), ('乙（丙、丁）', '、'), ('戊', '，')]
    """
    out: list[tuple[str, str]] = []
    depth, start, sep_before = 0, 0, ""
    for m in _token_re(seps).finditer(text):
        i, ch = m.start(), m.group()
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append((text[start:i], sep_before))
            start, sep_before = i + 1, ch
    out.append((text[start:], sep_before))
    return out


_TOKEN_RES: dict[str, re.Pattern[str]] = {}


def _token_re(seps: str) -> re.Pattern[str]:
    """A pattern matching brackets and the given separators (cached per separator set)."""
    pattern = _TOKEN_RES.get(seps)
    if pattern is None:
        pattern = _TOKEN_RES[seps] = re.compile("[" + re.escape(OPEN + CLOSE + seps) + "]")
    return pattern


def clean_unit(unit: str) -> str:
    """Trim spaces, list punctuation and a closing 。 from one unit name.

    Examples:
        >>> clean_unit(" 市人社局等。")
        '市人社局'
    """
    unit = unit.strip().strip("　 \t")
    unit = unit.strip("。.；;，,、：:")
    unit = re.sub(r"\s+", "", unit)
    if unit.endswith("等") and len(unit) > 2:
        unit = unit[:-1]
    return unit


def split_units(text: str) -> list[str]:
    """Split a written list of units into unit names.

    Examples:
        >>> split_units("市政府各部门，各乡、镇、办事处")
        ['市政府各部门', '各乡、镇、办事处']
        >>> split_units("市中级法院、市检察院，市、县(区)各行政执法单位")
        ['市中级法院', '市检察院', '市、县(区)各行政执法单位']
        >>> split_units("市发改委、市行政审批局、市直有关部门，各县（市、区）人民政府（管委会）")
        ['市发改委', '市行政审批局', '市直有关部门', '各县（市、区）人民政府（管委会）']
        >>> split_units("市住建局、市农业农村局等市级招投标行业监管部门，市财政局。")
        ['市住建局', '市农业农村局', '市级招投标行业监管部门', '市财政局']
        >>> split_units("市财政局等部门")
        ['市财政局']
        >>> split_units("市科协，各有关区、县级市")
        ['市科协', '各有关区、县级市']
        >>> split_units("市发改委\\n市财政局  市税务局")
        ['市发改委', '市财政局', '市税务局']
    """
    text = text.replace("\r", "\n")
    pieces = _depth_split(text, "、，,；;\n/|")
    merged: list[str] = []
    carry = ""
    for piece, _sep in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if _ADMIN_STUB_RE.match(piece):
            carry += piece + "、"
            continue
        merged.append(carry + piece)
        carry = ""
    if carry:
        merged.append(carry.rstrip("、"))
    units: list[str] = []
    for piece in merged:
        for part in (q for p in _split_spaces(piece) for q in _split_conjunction(p)):
            for unit in _split_deng(part):
                unit = clean_unit(unit)
                if unit and unit not in _BARE_GROUP and unit not in units:
                    units.append(unit)
    return units


_CONJUNCTION_RE = re.compile(
    r"(?<=[局委办院厅部署行司处队站室心府司会所社团联门位])(?:及|和|与|以及)"
    r"(?=[市县区省州各国中]|(?:相关|有关)(?:地区|区县|县区|市县|县市|省份))"
)


def _split_conjunction(piece: str) -> list[str]:
    """ "市财政局和市税务局" gives two units; "市人力资源和社会保障局" stays one.

    Examples:
        >>> _split_conjunction("市财政局和市税务局"), _split_conjunction("市人力资源和社会保障局")
        (['市财政局', '市税务局'], ['市人力资源和社会保障局'])
        >>> _split_conjunction("市场监管总局及相关地区"), _split_conjunction("国务院相关部门和单位")
        (['市场监管总局', '相关地区'], ['国务院相关部门和单位'])
    """
    parts = [p for p in _CONJUNCTION_RE.split(piece) if p]
    if len(parts) > 1 and all(looks_like_unit(p) for p in parts):
        return parts
    return [piece]


def _split_spaces(piece: str) -> list[str]:
    """Split on runs of spaces when every side is at least two characters (a spaced list)."""
    parts = [p for p in re.split(r"[ \t\u3000]+", piece.strip()) if p]
    if len(parts) > 1 and all(len(p) >= 2 for p in parts):
        return parts
    return [piece]


def _split_deng(piece: str) -> list[str]:
    """ "X等Y" with Y a general group gives [X, Y]; a trailing 等 is dropped by ``clean_unit``.

    "X等和Y" (national documents: "全国总工会等和各省级人民政府") also gives [X, Y].

    Examples:
        >>> _split_deng("商务部等和各有关省级人民政府")
        ['商务部', '各有关省级人民政府']
        >>> _split_deng("住房城乡建设部等国务院相关部门")
        ['住房城乡建设部', '国务院相关部门']
    """
    m = re.match(r"^(?P<x>.+?)等(?:和|及|以及)(?P<y>.+)$", piece)
    if m and looks_like_unit(m["x"]) and looks_like_unit(m["y"]):
        return [m["x"], m["y"]]
    m = re.match(r"^(?P<x>.+?[^高中平同])等(?P<y>.+)$", piece)
    if m and _GENERIC_TAIL_RE.match(m["y"]) or (m and m["y"] in _BARE_GROUP):
        return [m["x"], m["y"]]
    return [piece]


def looks_like_unit(text: str) -> bool:
    """Whether a short phrase reads like an organisation name.

    Examples:
        >>> looks_like_unit("市行政审批局"), looks_like_unit("各县（市、区）人民政府（管委会）")
        (True, True)
        >>> looks_like_unit("加快推进工程建设项目审批制度改革")
        False
    """
    text = clean_unit(text)
    if not text or len(text) > 40 or re.search(r"[。！？]", text):
        return False
    return bool(UNIT_SUFFIX_RE.search(text))


_STRICT_ORG_RE = re.compile(
    r"^(?:市|县|区|省|州|盟|旗|镇|乡|街道|各|国家|自治区|中共|共青团|人行|国网|团市委|团县委)"
    r"|(?:局|委|办|厅|院|政府|管委会|中心|公司|集团|银行|支行|分行|海关)(?:[（(][^）)]{1,20}[）)])?$"
)


def bare_unit_list(text: str) -> list[str] | None:
    """Units listed in a bracket without any label ("（市发改委、市财政局）"), or None.

    Examples:
        >>> bare_unit_list("市发展改革委、市财政局，各县（市、区）人民政府")
        ['市发展改革委', '市财政局', '各县（市、区）人民政府']
        >>> bare_unit_list("派驻纪检组") is None, bare_unit_list("含大厅、中心、站点、窗口等") is None
        (True, True)
    """
    if not text.strip() or len(text) > 150 or re.search(r"[。：:]", text):
        return None
    units = split_units(text)
    if units and all(
        looks_like_unit(u) and _STRICT_ORG_RE.search(u) and len(u) >= 3 for u in units
    ):
        return units
    return None


def parse_labelled(text: str) -> Annotation:
    """Parse text made of labelled parts: ``牵头单位：A；责任单位：B、C；完成时限：2022年6月底``.

    Examples:
        >>> a = parse_labelled("牵头部门：市行政审批局；责任部门：市政府各部门，各乡、镇、办事处")
        >>> a.lead, a.responsible
        (['市行政审批局'], ['市政府各部门', '各乡、镇、办事处'])
        >>> a = parse_labelled("牵头单位:市发展改革委责任单位：市级党委政府各部门(单位)，中省驻庆各单位")
        >>> a.lead, a.responsible
        (['市发展改革委'], ['市级党委政府各部门(单位)', '中省驻庆各单位'])
        >>> parse_labelled("完成时限:2022年6月底前完成清理整治并长期坚持。").deadline_raw
        '2022年6月底前完成清理整治并长期坚持'
    """
    ann = Annotation()
    m0 = _SPACED_LABEL_RE.match(text)
    if m0 and len(m0.group(1).strip("（(〔【[ ")) >= 4:
        text = m0.group(1) + "：" + text[m0.end() :]
    matches = list(LABEL_RE.finditer(text))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        value = text[m.end() : end].strip()
        role = LABELS[m["label"]]
        _assign(ann, role, value)
    return ann


# A bracketed note inside a unit list: "市财政局（第一责任单位为牵头单位，下同）".
_NOTE_BRACKET_RE = re.compile(
    r"[（(][^（）()]*(?:下同|为牵头单位|为牵头部门|不再做分工|不再分工|不再列出)[^（）()]*[）)]"
)
# A clause of a closing bracket that is a remark, not a unit: "下同", "不再做分工".
_NOTE_CLAUSE_RE = re.compile(r"下同|不再做分工|不再分工|不再列出|以下同|具体任务|均涉及")
# A rule that sets roles for the whole document: 「列第一位者为牵头单位」 (see roles.py).
FIRST_LISTED_LEAD_RE = re.compile(
    r"(?:列|排|居)(?:在)?(?:第一位|首位)(?:者|的)?(?:单位|部门)?为牵头(?:单位|部门)"
    r"|第一(?:责任)?(?:单位|部门)为牵头(?:单位|部门)"
    r"|排名第一的(?:单位|部门)?为牵头(?:单位|部门)"
)
_VERB_TAILS = tuple(
    sorted(re.findall(r"[^|()?:]+", _RESPONSIBILITY_VERBS) + ["配合", "协助", "参与"], key=len)[
        ::-1
    ]
)


def _without_verb_tail(clause: str) -> str:
    """ "省大数据中心按职责分工负责" -> "省大数据中心" (an endswith test: this runs per clause)."""
    for verb in _VERB_TAILS:
        if clause.endswith(verb) and len(clause) > len(verb):
            return clause[: -len(verb)]
    return clause


def _assign(ann: Annotation, role: str, value: str) -> None:
    """Assign one labelled value; the grammar of a closing clause applies to unit roles.

    The list ends at the first full stop (what follows is a remark), clauses that are time
    phrases are the deadline ("…，6月底完成"), remarks ("下同") are dropped, and a trailing
    verb ("按职责分工负责") is not part of the last name.

    Examples:
        >>> a = Annotation()
        >>> _assign(a, RESPONSIBLE, "州司法局、州委编办，各县市人民政府，6月底完成")
        >>> a.responsible, a.deadline_raw
        (['州司法局', '州委编办', '各县市人民政府'], '6月底完成')
        >>> a = Annotation()
        >>> _assign(a, RESPONSIBLE, "省市场监管局、商务厅按职责分工负责。具体任务均涉及各市，下同。")
        >>> a.responsible
        ['省市场监管局', '商务厅']
    """
    value = value.strip().rstrip("；;，,。.、 　")
    if not value or role == IGNORED:
        return
    if role == DEADLINE:
        if not ann.deadline_raw:
            ann.deadline_raw = re.sub(r"\s+", "", value)
        return
    if "下同" in value or "牵头" in value or "不再" in value:
        value = _NOTE_BRACKET_RE.sub("", value)
    if "。" in value:
        value = _depth_split(value, "。")[0][0]
    kept: list[str] = []
    for clause, _sep in _depth_split(value, "，,；;"):
        clause = clause.strip()
        if not clause:
            continue
        if is_time_phrase(clause):
            ann.deadline_raw = ann.deadline_raw or re.sub(r"\s+", "", clause)
            continue
        if _NOTE_CLAUSE_RE.search(clause) and not looks_like_unit(clause):
            continue
        kept.append(_without_verb_tail(clause))
    add_units(ann, role, split_units("，".join(kept)))


_LEAD_MARK_RE = re.compile(r"\s*[（(]\s*(?:牵头|牵头单位|主责|主办)\s*[）)]\s*$")


def add_units(ann: Annotation, role: str, units: list[str]) -> None:
    """Add units under a role; a unit written "市发改委（牵头）" is a lead unit wherever it stands."""
    for unit in units:
        if _LEAD_MARK_RE.search(unit):
            unit = _LEAD_MARK_RE.sub("", unit)
            target = ann.lead
        else:
            target = {LEAD: ann.lead, RESPONSIBLE: ann.responsible, SUPPORTING: ann.supporting}[
                role
            ]
        if unit and unit not in target:
            target.append(unit)


def parse_verb_style(text: str) -> Annotation | None:
    """Parse ``市发展改革委牵头，市财政局、市税务局配合`` (State Council style brackets).

    Returns None when the text does not read as a unit assignment.

    Examples:
        >>> a = parse_verb_style("市发展改革委、市财政局牵头，各县（市、区）人民政府按职责分工负责")
        >>> a.lead, a.responsible
        (['市发展改革委', '市财政局'], ['各县（市、区）人民政府'])
        >>> a = parse_verb_style("市商务局牵头，市发改委等配合")
        >>> a.lead, a.supporting
        (['市商务局'], ['市发改委'])
        >>> parse_verb_style("牵头抓总，统筹推进") is None
        True
    """
    ann = Annotation()
    pending: list[str] = []  # names listed before the clause whose verb gives their role
    if "。" in text.rstrip("。"):
        # "生态环境部指导，试点城市政府负责落实。以下均需试点城市政府落实，不再列出": a remark
        head, rest = _depth_split(text, "。")[0][0], text.split("。", 1)[1]
        if _NOTE_CLAUSE_RE.search(rest) or FIRST_LISTED_LEAD_RE.search(rest):
            text = head
    for clause, _sep in _depth_split(text, "；;，,"):
        clause = clause.strip().rstrip("。")
        if not clause:
            continue
        if is_time_phrase(clause):
            ann.deadline_raw = ann.deadline_raw or clause
            continue
        if FIRST_LISTED_LEAD_RE.search(clause) or clause in ("下同", "以下同"):
            continue  # a rule or a remark, applied by roles.apply_role_rules
        m = re.match(r"^(?P<lead>.+?)会同(?P<units>.+?)(?:共同)?(?:负责|推进|落实|实施)?$", clause)
        if m and looks_like_unit(_strip_by(m["lead"])):
            # "市发改委会同有关部门负责": the first named leads
            add_units(ann, LEAD, split_units(_strip_by(m["lead"])))
            add_units(ann, RESPONSIBLE, split_units(m["units"]))
            continue
        m = re.match(r"^(?P<units>.+?)(?P<verb>牵头(?:负责)?|负责牵头|为牵头单位)$", clause)
        if m:
            units = split_units(_strip_by(m["units"]))
            if not units or not all(looks_like_unit(u) for u in units):
                return None
            add_units(ann, LEAD, pending + units)
            pending = []
            continue
        m = re.match(r"^(?P<units>.+?)(?P<verb>配合|协助|参与|协同)$", clause)
        role = SUPPORTING
        if not m:
            m = re.match(rf"^(?P<units>.+?)(?P<verb>{_RESPONSIBILITY_VERBS})$", clause)
            role = RESPONSIBLE
        if not m:
            units = split_units(_strip_by(clause))
            if units and all(looks_like_unit(u) for u in units) and len(clause) <= 80:
                pending += units  # "区财政局等部门，区国投公司配合": the verb comes later
                continue
            return None
        units = split_units(_strip_by(m["units"]))
        if not units or not all(looks_like_unit(u) for u in units):
            return None
        add_units(ann, role, pending + units)
        pending = []
    if pending:
        return None
    return ann if ann.has_units else None


def _strip_by(text: str) -> str:
    return re.sub(r"^(?:由|请|各由)", "", text.strip())


_TIME_PHRASE_RE = re.compile(
    r"^(?:(?:19|20)\d{2}\s*年(?:度)?)?\s*(?:\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?(?:底|末|中旬|上旬|下旬)?|上半年|下半年|年底|年末|年内|底|第?[一二三四1-4]季度(?:末)?)?"
    r"\s*(?:前|以前|之前)?\s*(?:完成|启动|出台|建成|实现|上线|落实到位|全面完成|基本完成)?$"
)


# Phrases that only say "ongoing"; deadlines.ONGOING_RE normalises them.
_ONGOING_PHRASE_RE = re.compile(
    r"^(?:长期坚持|长期推进|长期执行|长期|持续推进|持续开展|持续实施|持续优化|持续深化|常态化推进|常态化开展|"
    r"按进度推进|按计划推进|按时间节点推进|分阶段推进|逐年推进|每年|每季度|每月|定期)(?:完成)?$"
)
_OUTCOME_TAIL_RE = re.compile(
    r"(?:份)?(?:取得(?:明显|阶段性|显著|实质性)?(?:成效|进展|突破)|见到成效|初见成效)?"
    r"(?:[并，,]?(?:持续推进|长期坚持|持续深化|持续优化))?$"
)


def is_time_phrase(text: str) -> bool:
    """A phrase that is only a time limit: "2023年6月底前", "年底前完成", "2024年".

    Examples:
        >>> is_time_phrase("2023年6月底前完成"), is_time_phrase("年底前"), is_time_phrase("长期坚持")
        (True, True, True)
        >>> is_time_phrase("市发改委"), is_time_phrase("前"), is_time_phrase("完成")
        (False, False, False)
        >>> is_time_phrase("6月份取得明显成效"), is_time_phrase("2023年底前取得阶段性成效并持续推进")
        (True, True)
        >>> is_time_phrase("按进度推进"), is_time_phrase("持续优化"), is_time_phrase("取得成效")
        (True, True, False)
    """
    text = re.sub(r"\s+", "", text)
    if _ONGOING_PHRASE_RE.match(text):
        return True
    # "6月份取得明显成效", "2023年底前取得阶段性成效并持续推进": a date with an outcome or "ongoing"
    text = _OUTCOME_TAIL_RE.sub("", text)
    return (
        bool(text) and bool(re.search(r"\d|年|月|季度", text)) and bool(_TIME_PHRASE_RE.match(text))
    )


BRACKET_RE = re.compile("[" + re.escape(OPEN + CLOSE) + "]")


def find_brackets(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of top-level bracketed groups in ``text``.

    Examples:
        >>> find_brackets("甲（乙（丙））丁〔戊〕")
        [(1, 7), (8, 11)]
    """
    spans, stack = [], []
    for m in BRACKET_RE.finditer(text):
        i, ch = m.start(), m.group()
        if ch in OPEN:
            stack.append(i)
        elif stack:
            start = stack.pop()
            if not stack:
                spans.append((start, i + 1))
    return spans


def bracket_annotation(inner: str) -> Annotation | None:
    """The annotation in one bracket's content, or None if it is ordinary prose.

    Examples:
        >>> bracket_annotation("责任单位：市发改委、市直有关部门，各县（市、区）人民政府（管委会）").responsible
        ['市发改委', '市直有关部门', '各县（市、区）人民政府（管委会）']
        >>> bracket_annotation("包括政策名称、享受对象") is None
        True
    """
    inner = inner.strip()
    early_label = LABEL_RE.search(inner)
    if LABEL_LINE_RE.match(inner) or (early_label is not None and early_label.start() < 4):
        ann = parse_labelled(inner)
        return ann if ann else None
    first = LABEL_RE.search(inner)
    if first:
        # "9月底前完成，牵头落实单位：县发改局": time clauses, then the labelled part
        head = [c.strip() for c, _s in _depth_split(inner[: first.start()], "，,；;") if c.strip()]
        if head and all(is_time_phrase(c) for c in head):
            ann = parse_labelled(inner[first.start() :])
            ann.deadline_raw = ann.deadline_raw or re.sub(r"\s+", "", "，".join(head))
            return ann if ann else None
    if len(inner) < 200 and re.search(rf"牵头|配合|协助|{_RESPONSIBILITY_VERBS}", inner):
        return parse_verb_style(inner)
    return None
