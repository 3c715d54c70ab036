"""热点问题 (themes): recurring problems mined from a month of appeals, before anyone escalates.

Beijing's 接诉即办 calls the practice 「每月一题」: group the month's messages into themes
by *topic and place*, compare them with earlier months and propose the rising ones to the
office as candidate problems (主动治理、未诉先办). This module is pure Python: no Django, no
database, so ``qinqing problems themes --appeals A.csv`` runs anywhere.

How it works (every step is deterministic and independent of the input order: rows are
first put in the canonical order of their ids):

1. **Features.** The head of each message (title and the start of the body) is cut into
   words with jieba; stop words and boilerplate (「您好」「请问」「相关部门」…) are dropped.
   Place names are read from the *whole* text with patterns (「××小区」「××路」「××村」
   「××学校」「××公司」…, and the anonymised region codes 「A3区」「K8县」), and count
   three times as much as a word. The region code of the row (``region_code``) is a feature
   too.
2. **TF-IDF** over these features (smoothed idf, L2-normalised rows).
3. **Candidate pairs** come only from *distinctive* features (document frequency at most
   ``max_df`` of the rows and at most ``MAX_POSTING``), computed chunk by chunk as a sparse
   product. Two messages about the same concrete problem in the same place share such a
   feature (the estate's, road's or company's name); 「小区」 or 「物业」 alone do not make
   a pair. This keeps 100,000 messages to seconds.
4. **Edges**: a candidate pair is linked when the full cosine similarity reaches
   ``threshold`` and the two places do not contradict each other (two different region
   codes never join).
5. **Clusters**: connected components of the graph, each re-cut with average-linkage
   agglomerative clustering (so that a chain A–B–C does not glue A and C when they have
   nothing in common).
6. **Explanations**: each theme's top terms are the highest weights of its centroid; its
   label names the place and the top terms; example messages are those nearest the
   centroid.
7. **Heat** ranks themes: size, growth against the months before (when the input spans
   several months), and spread across enterprises (distinct ``enterprise`` values when the
   input has that column) — see :func:`heat`.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Rows with at most this many characters of head text are cut with jieba; the place
# patterns still read the whole text. Messages state the problem and the place first.
HEAD_CHARS = 160
PLACE_CHARS = 400  # place names are read from the title and this much of the body
PLACE_WEIGHT = 2.0
AREA_WEIGHT = 1.5
REGION_WEIGHT = 1.0
DEFAULT_THRESHOLD = 0.40
DEFAULT_LINKAGE = 0.30
PLACE_BONUS = 0.10  # two messages naming the same distinctive spot
MAX_POSTING = 400  # a feature shared by more rows than this is not distinctive
DEFAULT_MIN_SIZE = 2
PARALLEL_FROM = 10_000  # cut words in two processes from this many rows

STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "在",
        "是",
        "有",
        "我",
        "我们",
        "你",
        "你们",
        "他",
        "他们",
        "她",
        "它",
        "这",
        "那",
        "这个",
        "那个",
        "这些",
        "那些",
        "这样",
        "那样",
        "一个",
        "一些",
        "一直",
        "一下",
        "一次",
        "已经",
        "还是",
        "还有",
        "就是",
        "但是",
        "而且",
        "因为",
        "所以",
        "如果",
        "虽然",
        "可是",
        "然后",
        "现在",
        "目前",
        "今年",
        "去年",
        "今天",
        "昨天",
        "每天",
        "时候",
        "之后",
        "以后",
        "以前",
        "之前",
        "期间",
        "当时",
        "不是",
        "没有",
        "不能",
        "不会",
        "可以",
        "能够",
        "需要",
        "应该",
        "要求",
        "希望",
        "请求",
        "恳请",
        "强烈",
        "反映",
        "反应",
        "投诉",
        "举报",
        "咨询",
        "请问",
        "问题",
        "情况",
        "事情",
        "问一下",
        "您好",
        "你好",
        "领导",
        "尊敬",
        "书记",
        "市长",
        "县长",
        "局长",
        "厅长",
        "主任",
        "部门",
        "相关",
        "有关",
        "政府",
        "单位",
        "工作人员",
        "工作",
        "解决",
        "处理",
        "落实",
        "关注",
        "重视",
        "调查",
        "核实",
        "回复",
        "答复",
        "谢谢",
        "感谢",
        "麻烦",
        "尽快",
        "及时",
        "严重",
        "非常",
        "特别",
        "十分",
        "很多",
        "很大",
        "一样",
        "这种",
        "那种",
        "什么",
        "怎么",
        "怎样",
        "为什么",
        "为何",
        "如何",
        "哪里",
        "多少",
        "是否",
        "能否",
        "有没有",
        "是不是",
        "市民",
        "群众",
        "老百姓",
        "业主",
        "居民",
        "本人",
        "大家",
        "自己",
        "他人",
        "其他",
        "其中",
        "以上",
        "以下",
        "通过",
        "对于",
        "关于",
        "由于",
        "根据",
        "按照",
        "进行",
        "存在",
        "出现",
        "发生",
        "造成",
        "导致",
        "影响",
        "已",
        "被",
        "把",
        "让",
        "给",
        "对",
        "向",
        "从",
        "到",
        "为",
        "将",
        "也",
        "都",
        "又",
        "再",
        "还",
        "就",
        "才",
        "很",
        "太",
        "更",
        "最",
        "不",
        "没",
        "未",
        "无",
        "啊",
        "吧",
        "呢",
        "吗",
        "呀",
        "哦",
        "嘛",
        "么",
        "等",
        "等等",
        "之",
        "其",
        "此",
        "该",
        "各",
        "每",
        "个",
        "些",
        "年",
        "月",
        "日",
        "号",
        "天",
        "时",
        "分",
        "元",
        "万",
        "多",
        "位",
        "名",
        "家",
        "条",
        "次",
        "里",
        "上",
        "下",
        "中",
        "内",
        "外",
        "前",
        "后",
        "左右",
        "附近",
        "周边",
        "一带",
        "西地省",
        "留言",
        "网友",
        "平台",
        "栏目",
        "问政",
        "来信",
        "信息",
        "内容",
        "方面",
        "措施",
        "办法",
        "规定",
        "政策",
        "管理",
        "服务",
    ]
)

# Endings of place names: an estate, a road, a village, a school, a company…
STRONG_SUFFIXES = [
    "小区",
    "花园",
    "家园",
    "新城",
    "新村",
    "公寓",
    "广场",
    "大厦",
    "商城",
    "市场",
    "工业园",
    "产业园",
    "园区",
    "项目",
    "工地",
    "大道",
    "路",
    "街",
    "巷",
    "大桥",
    "桥",
    "村",
    "镇",
    "乡",
    "街道",
    "社区",
    "学校",
    "中学",
    "小学",
    "幼儿园",
    "学院",
    "大学",
    "医院",
    "卫生院",
    "公司",
    "集团",
    "工厂",
    "厂",
    "车站",
    "公园",
    "景区",
    "酒店",
    "楼盘",
    "菜市场",
]
# endings of areas rather than spots: they weigh less and give no bonus
AREA_SUFFIXES = ("镇", "乡", "街道", "社区", "路", "大道", "街", "巷", "园区")
# single characters that end an estate's name (「江南华府」「翠苑」「恒大城」); they merge
# with a strong ending right after them (「江南华府小区」)
WEAK_SUFFIXES = ["府", "苑", "城", "湾", "庭", "郡", "园", "阁", "轩"]
_SUFFIX_RE = re.compile("|".join(sorted(STRONG_SUFFIXES + WEAK_SUFFIXES, key=len, reverse=True)))
_REGION_CODE_RE = re.compile(r"(?<![A-Za-z0-9])([A-Z]\d{0,2})(市|区|县)")
_COMPANY_FORM_RE = re.compile(r"(?:集团)?(?:股份)?有限(?:责任)?公司|分公司")
# characters and words that never belong to a name; text is cut there
_BREAKS = re.compile(
    r"[^\u4e00-\u9fa5A-Za-z0-9]+|[的了在和与是到从对向把被给让将及或等也都还就我你他她们这那有无不没个说要为于其该此各每已]"
)
# leading words of a phrase that are not part of the name: 「投诉××小区」「请问××镇」
_LEADERS = re.compile(
    r"^(?:投诉|举报|反映|反应|请求|请问|咨询|关于|位于|地处|希望|要求|建议|呼吁|恳请|解决|处理|整治|"
    r"查处|严查|调查|住在|居住|家住|所在|周边|附近|旁边|整个|导致|造成|由于|因为|但是|而且|现在|目前|"
    r"如果|作为|通往|前往|进入|同意|接收|开办|修建|新建|改建|拆除|建设|严重影响|影响|全体|西地省|省|市|县|区|"
    r"请|问|拆|建|修|去|往|经|住)+"
)
_NOT_AFTER = {
    "城": "市区管乡镇际",
    "路": "灯口段面边上费线况径",
    "街": "道头",
    "园": "区林艺",
    "市": "场民区委政",
    "厂": "家区长",
    "村": "民委级干部组",
    "镇": "政府长",
    "乡": "镇村政",
}
_GENERIC_NAMES = frozenset(
    [
        "物业",
        "开发",
        "开发商",
        "业主",
        "农村",
        "新农",
        "贫困",
        "城中",
        "行政",
        "自然",
        "学校",
        "公司",
        "村里",
        "城市",
        "城区",
        "市区",
        "县城",
        "老旧",
        "马路",
        "道路",
        "公路",
        "大马",
        "社区",
        "民办",
        "公办",
        "私立",
        "公立",
        "有限",
        "责任",
        "股份",
        "分公司",
        "管理",
        "物业管理",
        "房地产",
        "地产",
        "置业",
        "投资",
        "建设",
        "建筑",
        "工程",
        "实业",
        "发展",
        "科技",
        "贸易",
        "商贸",
        "一所",
        "全市",
        "全县",
        "全区",
        "本地",
        "当地",
        "外地",
        "农贸",
        "农产品",
        "菜市",
        "超市",
        "地铁",
        "高速",
        "一些",
        "很多",
        "所有",
        "其他",
        "同一",
        "附属",
        "第一",
        "人民",
        "中心",
        "配套",
        "政务",
        "公共",
        "公交",
        "汽车",
        "火车",
        "高铁",
        "客运",
        "私人",
        "个人",
        "我家",
        "老家",
        "家里",
        "小孩",
        "孩子",
        "公立幼",
        "重点",
        "示范",
    ]
)


@dataclass
class Message:
    id: str
    created_at: str = ""
    title: str = ""
    body: str = ""
    region_code: str = ""
    enterprise: str = ""

    @property
    def month(self) -> str:
        return self.created_at[:7] if len(self.created_at) >= 7 else ""

    @property
    def text(self) -> str:
        return f"{self.title} {self.body}".strip()


@dataclass
class Theme:
    label: str
    ids: list[str]
    top_terms: list[str]
    months: list[str]
    places: list[str] = field(default_factory=list)
    examples: list[dict] = field(default_factory=list)
    size: int = 0
    growth: float = 0.0
    previous: int = 0
    enterprises: int = 0
    heat: float = 0.0

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "ids": self.ids,
            "top_terms": self.top_terms,
            "months": self.months,
            "places": self.places,
            "examples": self.examples,
            "size": self.size,
            "previous": self.previous,
            "growth": round(self.growth, 3),
            "enterprises": self.enterprises,
            "heat": round(self.heat, 3),
        }


# ---------------------------------------------------------------------------------------------
# Reading input


def read_csv(data: str | bytes) -> list[Message]:
    """Rows of a CSV with header ``id,created_at,title,body,region_code`` (UTF-8, BOM allowed).

    An ``enterprise`` (or ``uscc``) column, when present, measures spread across enterprises.

    Examples:
        >>> rows = read_csv("id,created_at,title,body,region_code\\n7,2025-03-02,路灯不亮,,A3\\n")
        >>> rows[0].id, rows[0].month, rows[0].region_code
        ('7', '2025-03', 'A3')
    """
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig")
    data = data.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(data))
    headers = [h.strip() for h in (reader.fieldnames or [])]
    missing = [h for h in ("id", "title", "body") if h not in headers]
    if missing:
        from qinqing.core.errors import InvalidInput

        raise InvalidInput(
            f"诉求 CSV 缺少必需的列：{'、'.join(missing)}。第 1 行应为表头 "
            "id,created_at,title,body,region_code（UTF-8 编码）。"
        )
    out = []
    for raw in reader:
        row = {(k or "").strip(): (v or "") for k, v in raw.items()}
        if not row.get("id", "").strip():
            continue
        out.append(
            Message(
                id=row["id"].strip(),
                created_at=row.get("created_at", "").strip(),
                title=row.get("title", "").strip(),
                body=row.get("body", "").strip(),
                region_code=row.get("region_code", "").strip(),
                enterprise=(row.get("enterprise") or row.get("uscc") or "").strip(),
            )
        )
    return out


def canonical(messages: Iterable[Message]) -> list[Message]:
    """Messages in the order of their ids (numeric ids numerically), duplicates dropped."""
    seen: dict[str, Message] = {}
    for m in messages:
        seen.setdefault(m.id, m)

    def key(i: str):
        return (0, int(i), "") if i.isdigit() else (1, 0, i)

    return [seen[i] for i in sorted(seen, key=key)]


# ---------------------------------------------------------------------------------------------
# Features


_JIEBA = None
_NUMERIC = re.compile(r"[\d.,:：%年月日号\-/]+")
_LETTER = re.compile(r"[\u4e00-\u9fa5A-Za-z]")


def _jieba():
    global _JIEBA
    if _JIEBA is None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _JIEBA = jieba
    return _JIEBA


@functools.lru_cache(maxsize=200_000)
def _keep(word: str) -> bool:
    word = word.strip()
    if len(word) < 2 or word in STOP_WORDS:
        return False
    if word.isdigit() or _NUMERIC.fullmatch(word):
        return False
    return bool(_LETTER.search(word))


def words(text: str) -> list[str]:
    """The words of a message head, without stop words.

    Examples:
        >>> words("您好，A3区杜鹃路的路灯不亮了")
        ['A3', '杜鹃', '灯不亮']
    """
    jieba = _jieba()
    return [w.strip() for w in jieba.lcut(text, HMM=False) if _keep(w)]


def _cut_many(texts: list[str]) -> list[list[str]]:
    seen: dict[str, list[str]] = {}  # reposts of the same message are cut once
    return [seen[t] if t in seen else seen.setdefault(t, words(t)) for t in texts]


def places(text: str) -> list[str]:
    """Place names in the text: 「××小区」「××路」「××村」…, generic ones dropped.

    The text is cut at punctuation, region codes and function characters; a name is the
    two to six characters before an ending, without leading verbs (「投诉」「位于」…). A
    name ending in 「城」「苑」「府」… before 「小区」「幼儿园」 is also given in its short form,
    so that 「恒大城幼儿园」 meets 「恒大城」.

    Examples:
        >>> places("我们小区旁边的魅力之城小区门面油烟扰民")
        ['魅力之城小区', '魅力之城']
        >>> places("投诉A7县黄花镇合心村周家冲组焦煤堆放场地")
        ['黄花镇', '合心村']
        >>> places("A3区杜鹃路和雷峰大道交界处，路灯不亮")
        ['杜鹃路', '雷峰大道']
    """
    found: list[str] = []
    text = _REGION_CODE_RE.sub("，", text)
    text = _COMPANY_FORM_RE.sub("公司", text)
    for segment in _BREAKS.split(text):
        if len(segment) < 3:
            continue
        hits = []
        for match in _SUFFIX_RE.finditer(segment):
            after = segment[match.end() : match.end() + 1]
            if after and after in _NOT_AFTER.get(match.group(), ""):
                continue
            hits.append((match.start(), match.end()))
        kept = []
        short_forms = []
        for k, (start, stop) in enumerate(hits):
            nxt = hits[k + 1] if k + 1 < len(hits) else None
            if nxt and nxt[0] == stop and segment[start:stop] in WEAK_SUFFIXES:
                # 「恒大城」 + 「幼儿园」: one name, also known by its short form
                name = _LEADERS.sub("", segment[max(0, start - 5) : start])
                if len(name) >= 2 and name not in _GENERIC_NAMES:
                    short_forms.append(name + segment[start:stop])
                continue
            kept.append((start, stop))
        prev_end = 0
        for k, (start, stop) in enumerate(kept):
            # a weak ending merged into the next strong one starts the name earlier
            name_start = max(prev_end, start - 6)
            name = segment[name_start:start]
            suffix = segment[start:stop]
            if k and kept[k - 1][1] == start:
                prev_end = stop
                continue
            prev_end = stop
            name = _LEADERS.sub("", name)
            if len(name) < 2 or name in _GENERIC_NAMES or name in STOP_WORDS:
                continue
            if name.endswith(("人民政", "政")) or re.fullmatch(r"[\dA-Za-z]+", name):
                continue
            candidate = name + suffix
            if candidate not in found:
                found.append(candidate)
        found.extend(f for f in short_forms if f not in found)
    return found


def regions(message: Message) -> set[str]:
    """Region keys: the row's ``region_code`` and the most specific codes named in the text.

    Examples:
        >>> sorted(regions(Message("1", title="A3区杜鹃路", body="A市政府：")))
        ['A3']
        >>> sorted(regions(Message("2", body="K8县丁字街", region_code="430100")))
        ['430100']
    """
    if message.region_code:
        return {message.region_code.upper()}
    codes = {m.group(1) for m in _REGION_CODE_RE.finditer(message.text)}
    county = {c for c in codes if len(c) > 1}
    return county or codes


def _head(message: Message) -> str:
    title = message.title
    body = message.body
    return (f"{title}。{body}" if title else body)[:HEAD_CHARS]


def _place_text(message: Message) -> str:
    return f"{message.title}。{message.body[:PLACE_CHARS]}"


def features(messages: Sequence[Message]) -> list[dict[str, float]]:
    """Weighted features of every message: words, place names (×3) and regions."""
    heads = [_head(m) for m in messages]
    cut = _cut_parallel(heads) if len(heads) >= PARALLEL_FROM else _cut_many(heads)
    out = []
    for message, toks in zip(messages, cut, strict=True):
        feats: dict[str, float] = {}
        for w in toks:
            feats["w:" + w] = 1.0
        for p in places(_place_text(message)):
            feats["p:" + p] = AREA_WEIGHT if p.endswith(AREA_SUFFIXES) else PLACE_WEIGHT
        for r in regions(message):
            feats["r:" + r] = REGION_WEIGHT
        out.append(feats)
    return out


def _cut_parallel(heads: list[str]) -> list[list[str]]:
    import multiprocessing
    import os

    workers = min(2, os.cpu_count() or 1)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return _cut_many(heads)
    _jieba()  # load the dictionary once, before forking
    step = math.ceil(len(heads) / (workers * 4))
    chunks = [heads[i : i + step] for i in range(0, len(heads), step)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        parts = pool.map(_cut_many, chunks)
    return [toks for part in parts for toks in part]


# ---------------------------------------------------------------------------------------------
# Vectors and clustering


def tfidf(feats: list[dict[str, float]]):
    """(matrix, vocabulary, document frequencies): L2-normalised TF-IDF rows (scipy CSR)."""
    import numpy as np
    from scipy import sparse

    vocab_set = set()
    for f in feats:
        vocab_set.update(f)
    vocab = sorted(vocab_set)
    index = {term: i for i, term in enumerate(vocab)}
    indptr = [0]
    indices: list[int] = []
    values: list[float] = []
    for f in feats:
        for term, weight in f.items():
            indices.append(index[term])
            values.append(weight)
        indptr.append(len(indices))
    n = len(feats)
    matrix = sparse.csr_matrix(
        (np.asarray(values, dtype=np.float32), np.asarray(indices), np.asarray(indptr)),
        shape=(n, len(vocab)),
    )
    matrix.sort_indices()
    df = np.bincount(matrix.indices, minlength=len(vocab))
    # a place named by one message only links nothing; it would only dilute long letters
    lonely = np.array([df[i] == 1 and vocab[i].startswith("p:") for i in range(len(vocab))])
    if lonely.any():
        matrix = matrix @ sparse.diags((~lonely).astype(np.float32))
        matrix.eliminate_zeros()
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    matrix = matrix @ sparse.diags(idf)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    matrix = sparse.diags((1.0 / norms).astype(np.float32)) @ matrix
    return matrix.tocsr(), vocab, df


def _region_conflict(a: set[str], b: set[str]) -> bool:
    return bool(a) and bool(b) and not (a & b)


def _is_spot(term: str) -> bool:
    """A place small enough that two messages naming it are about the same spot: an estate,
    a village, a school, a company — not a town, a street or a road, which are areas.

    Examples:
        >>> _is_spot("p:恒大城幼儿园"), _is_spot("p:黄花镇"), _is_spot("p:时代阳光大道")
        (True, False, False)
    """
    return term.startswith("p:") and not term.endswith(AREA_SUFFIXES)


def _place_matrix(matrix, vocab, distinctive):
    """Binary matrix of each row's distinctive spot features (see :func:`_is_spot`)."""
    import numpy as np
    from scipy import sparse

    is_place = np.array([_is_spot(t) for t in vocab])
    mask = np.zeros(len(vocab), dtype=np.float32)
    mask[distinctive] = 1.0
    mask[~is_place] = 0.0
    places_only = (matrix @ sparse.diags(mask)).tocsr()
    places_only.eliminate_zeros()
    places_only.data[:] = 1.0
    return places_only


_REGION_IDS: dict[str, int] = {}


def _region_ids(regions_: set[str], _all) -> int:
    (code,) = regions_
    return _REGION_IDS.setdefault(code, len(_REGION_IDS))


def candidate_edges(matrix, df, vocab, region_sets, *, threshold: float, max_df: float):
    """Pairs (i, j, score), i < j, that share a distinctive feature and are similar.

    ``score`` is the cosine similarity, plus ``PLACE_BONUS`` when the two messages name the
    same distinctive place (the same estate, road or company).
    """
    import numpy as np
    from scipy import sparse

    n = matrix.shape[0]
    cap = min(MAX_POSTING, max(50, int(max_df * n)))
    distinctive = np.flatnonzero((df >= 2) & (df <= cap))
    # region features join only through the words and places around them
    distinctive = np.array([i for i in distinctive if not vocab[i].startswith("r:")], dtype=int)
    if distinctive.size == 0:
        return [], None
    mask = np.zeros(matrix.shape[1], dtype=np.float32)
    mask[distinctive] = 1.0
    pruned = (matrix @ sparse.diags(mask)).tocsr()
    pruned.eliminate_zeros()
    pruned_t = pruned.T.tocsr()
    place_rows = _place_matrix(matrix, vocab, distinctive)
    # one region per row (-1: none named, -2: several): different single regions never pair
    single = np.array(
        [
            (-1 if not r else (_region_ids(r, region_sets) if len(r) == 1 else -2))
            for r in region_sets
        ]
    )
    edges = []
    chunk = 2000
    for start in range(0, n, chunk):
        block = (pruned[start : start + chunk] @ pruned_t).tocoo()
        rows = block.row + start
        cols = block.col
        mask_upper = cols > rows
        rows, cols = rows[mask_upper], cols[mask_upper]
        a, b = single[rows], single[cols]
        compatible = (a < 0) | (b < 0) | (a == b)
        rows, cols = rows[compatible], cols[compatible]
        if rows.size == 0:
            continue
        for b in range(0, rows.size, 200_000):
            r, c = rows[b : b + 200_000], cols[b : b + 200_000]
            sims = np.asarray(matrix[r].multiply(matrix[c]).sum(axis=1)).ravel()
            shared = np.asarray(place_rows[r].multiply(place_rows[c]).sum(axis=1)).ravel() > 0
            scores = sims + PLACE_BONUS * shared
            ok = scores >= threshold
            for i, j, s in zip(r[ok].tolist(), c[ok].tolist(), scores[ok].tolist(), strict=True):
                if not _region_conflict(region_sets[i], region_sets[j]):
                    edges.append((i, j, s))
    return edges, place_rows


def _components(n: int, edges) -> list[list[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, _ in edges:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[find(i)].append(i)
    return [g for g in groups.values() if len(g) > 1]


def _conflicts(sets: list[set[str]]):
    """Boolean matrix: True where two members name regions and none in common."""
    import numpy as np

    codes = sorted({r for s in sets for r in s})
    if len(codes) < 2:
        return np.zeros((len(sets), len(sets)), dtype=bool)
    index = {c: i for i, c in enumerate(codes)}
    member_regions = np.zeros((len(sets), len(codes)), dtype=np.float32)
    for row, regions_ in enumerate(sets):
        for r in regions_:
            member_regions[row, index[r]] = 1.0
    overlap = (member_regions @ member_regions.T) > 0
    named = member_regions.sum(axis=1) > 0
    return named[:, None] & named[None, :] & ~overlap


def _recut(
    members: list[int], matrix, region_sets, linkage_sim: float, place_rows=None
) -> list[list[int]]:
    """Average-linkage re-cut of one component (members in canonical order)."""
    import numpy as np

    if len(members) == 2:
        return [members]
    if len(members) > 3000:  # too big to cut densely: tighten the edges first
        return _split_large(members, matrix, region_sets, linkage_sim, place_rows)
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    sub = matrix[members]
    sims = (sub @ sub.T).toarray().astype(np.float64)
    if place_rows is not None:
        psub = place_rows[members]
        sims += PLACE_BONUS * ((psub @ psub.T).toarray() > 0)
    sims[_conflicts([region_sets[m] for m in members])] = 0.0
    dist = np.clip(1.0 - sims, 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    tree = linkage(squareform(dist, checks=False), method="average")
    labels = fcluster(tree, t=1.0 - linkage_sim, criterion="distance")
    groups: dict[int, list[int]] = defaultdict(list)
    for member, label in zip(members, labels, strict=True):
        groups[int(label)].append(member)
    return [sorted(g) for g in groups.values() if len(g) > 1]


def _split_large(members, matrix, region_sets, linkage_sim, place_rows):
    sub = matrix[members]
    sims = (sub @ sub.T).tocoo()
    strict = [
        (int(i), int(j), float(s))
        for i, j, s in zip(sims.row, sims.col, sims.data, strict=True)
        if i < j and s >= 0.5
    ]
    out = []
    for group in _components(len(members), strict):
        mapped = [members[k] for k in group]
        if len(mapped) > 3000:
            out.append(mapped)  # a flood of near-identical messages stays one theme
        else:
            out.extend(_recut(mapped, matrix, region_sets, linkage_sim, place_rows))
    return out


def _split_by_region(group: list[int], matrix, region_sets) -> list[list[int]]:
    """One theme is one place: members naming different regions go to different themes;
    members naming none join the part they are most similar to."""
    import numpy as np

    keyed: dict[frozenset, list[int]] = {}
    loose = []
    for i in group:
        regions_i = region_sets[i]
        if not regions_i:
            loose.append(i)
            continue
        home = next((k for k in keyed if k & regions_i), None)
        if home is None:
            keyed[frozenset(regions_i)] = [i]
        else:
            keyed[home].append(i)
    if len(keyed) <= 1:
        return [group]
    parts = list(keyed.values())
    for i in loose:
        scores = [float(np.asarray((matrix[p] @ matrix[i].T).todense()).mean()) for p in parts]
        best = max(range(len(parts)), key=lambda k: (round(scores[k], 6), -parts[k][0]))
        parts[best].append(i)
    return [sorted(p) for p in parts if len(p) > 1]


def cluster(
    messages: Sequence[Message],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    linkage_sim: float = DEFAULT_LINKAGE,
    max_df: float = 0.02,
) -> tuple[list[list[int]], object, list[str]]:
    """Clusters (lists of indexes into ``messages``, canonical order), the matrix, the vocabulary."""
    feats = features(messages)
    matrix, vocab, df = tfidf(feats)
    region_sets = [regions(m) for m in messages]
    edges, place_rows = candidate_edges(
        matrix, df, vocab, region_sets, threshold=threshold, max_df=max_df
    )
    clusters = []
    for component in _components(len(messages), edges):
        for group in _recut(component, matrix, region_sets, linkage_sim, place_rows):
            clusters.extend(_split_by_region(group, matrix, region_sets))
    clusters.sort(key=lambda g: g[0])
    return clusters, matrix, vocab


# ---------------------------------------------------------------------------------------------
# Explaining and ranking


def _display(term: str) -> str:
    return term.split(":", 1)[1]


def top_terms(members: list[int], matrix, vocab: list[str], k: int = 6) -> list[str]:
    """The features with the highest weight in the theme's centroid (regions excluded)."""
    rows = matrix[members].tocoo()
    weights: dict[int, float] = defaultdict(float)
    for col, value in zip(rows.col.tolist(), rows.data.tolist(), strict=True):
        weights[col] += value
    order = sorted(weights, key=lambda c: (-round(weights[c], 6), c))
    out: list[str] = []
    for idx in order:
        if len(out) >= k:
            break
        term = vocab[idx]
        if term.startswith("r:"):
            continue
        shown = _display(term)
        if re.fullmatch(r"[A-Z]\d{0,2}", shown) or any(shown in o or o in shown for o in out):
            continue
        out.append(shown)
    return out


def heat(size: int, growth: float, enterprises: int) -> float:
    """How hot a theme is: size, growth against the months before, spread across enterprises.

    ``heat = size × (1 + min(growth, 5)) × (1 + ln(enterprises))``, where ``growth`` is the
    rise over the monthly average of the earlier months (0 when there is nothing earlier to
    compare or the theme shrank): a theme of 12 messages that doubled, or that came from 12
    enterprises, outranks a steady one of 12 messages from one enterprise.

    Examples:
        >>> heat(10, 0.0, 1)
        10.0
        >>> heat(10, 0.0, 1) < heat(10, 1.0, 1) < heat(10, 1.0, 5)
        True
    """
    return size * (1.0 + min(growth, 5.0)) * (1.0 + math.log(max(enterprises, 1)))


def _growth(size: int, previous: float) -> float:
    if previous <= 0:
        return 0.0
    return max(0.0, (size - previous) / previous)


def mine_themes(
    messages: Iterable[Message],
    *,
    month: str | None = None,
    min_size: int = DEFAULT_MIN_SIZE,
    threshold: float = DEFAULT_THRESHOLD,
    compare_months: int = 3,
) -> list[Theme]:
    """The themes of ``month`` (or of every row), hottest first.

    With ``month``, the rows of the ``compare_months`` months before it are matched to the
    themes to measure growth; they are not members.
    """
    import numpy as np
    from scipy import sparse

    every = canonical(messages)
    if month:
        current = [m for m in every if m.month == month]
        earlier_months = _months_before(month, compare_months)
        earlier = [m for m in every if m.month in earlier_months]
    else:
        current, earlier, earlier_months = every, [], []
    if len(current) < 2:
        return []
    clusters, matrix, vocab = cluster(current + earlier, threshold=threshold)
    n_current = len(current)
    themes = []
    for group in clusters:
        members = [i for i in group if i < n_current]
        if len(members) < min_size:
            continue
        before = [i for i in group if i >= n_current]
        msgs = [current[i] for i in members]
        size = len(members)
        previous = len(before) / max(len(earlier_months), 1) if earlier_months else 0.0
        month_counts = Counter(m.month for m in msgs if m.month)
        if not month and len(month_counts) > 1:
            months_sorted = sorted(month_counts)
            latest = month_counts[months_sorted[-1]]
            prior = sum(month_counts[x] for x in months_sorted[:-1]) / (len(months_sorted) - 1)
            growth = _growth(latest, prior)
        else:
            growth = _growth(size, previous)
        enterprises = len({m.enterprise for m in msgs if m.enterprise}) or 1
        terms = top_terms(members, matrix, vocab)
        sub = matrix[members]
        centroid = sparse.csr_matrix(sub.mean(axis=0))
        closeness = np.asarray((sub @ centroid.T).todense()).ravel()
        order = sorted(range(size), key=lambda k: (-round(float(closeness[k]), 6), k))
        examples = [
            {"id": msgs[k].id, "title": (msgs[k].title or msgs[k].body)[:60]} for k in order[:3]
        ]
        place_counts = Counter(p for m in msgs for p in set(places(m.text)))
        shared_places = [p for p, c in place_counts.most_common() if c >= 2][:3]
        region_counts = Counter(r for m in msgs for r in regions(m))
        region = region_counts.most_common(1)[0][0] if region_counts else ""
        themes.append(
            Theme(
                label=_label(region, shared_places, terms),
                ids=[m.id for m in msgs],
                top_terms=terms,
                months=sorted(
                    set(month_counts)
                    | {m.month for m in (earlier[i - n_current] for i in before) if m.month}
                ),
                places=shared_places,
                examples=examples,
                size=size,
                growth=growth,
                previous=len(before),
                enterprises=enterprises,
                heat=heat(size, growth, enterprises),
            )
        )
    themes.sort(key=lambda t: (-round(t.heat, 6), -t.size, t.ids[0]))
    return themes


def _label(region: str, shared_places: list[str], terms: list[str]) -> str:
    place = shared_places[0] if shared_places else ""
    topic = [t for t in terms if t != place and t not in place and place not in t][:3]
    head = "".join(x for x in (region and f"{region}", place) if x)
    return f"{head}：{'、'.join(topic)}" if head else "、".join(topic)


def _months_before(month: str, count: int) -> list[str]:
    """
    Examples:
        >>> _months_before("2025-02", 3)
        ['2024-11', '2024-12', '2025-01']
    """
    year, mon = int(month[:4]), int(month[5:7])
    out = []
    for _ in range(count):
        mon -= 1
        if mon == 0:
            year, mon = year - 1, 12
        out.append(f"{year:04d}-{mon:02d}")
    return sorted(out)


def themes_json(themes: list[Theme]) -> dict:
    return {"themes": [t.as_dict() for t in themes]}
