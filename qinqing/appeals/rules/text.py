"""Text rules: similarity for duplicates (并单), conduct terms, 共性问题 grouping."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


# ---------------------------------------------------------------------------------------
# Duplicates, conduct complaints, masking
# ---------------------------------------------------------------------------------------

_NOT_TEXT = re.compile(r"[\W_]+", re.UNICODE)


def similarity_text(text: str) -> str:
    """NFKC, lower case, letters and digits only (punctuation and spaces carry no meaning)."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text or "").lower())


def char_ngrams(text: str, n: int = 2) -> Counter[str]:
    """Character n-grams of the normalised text (bigrams by default).

    Examples:
        >>> sorted(char_ngrams("办证难！"))
        ['办证', '证难']
    """
    clean = similarity_text(text)
    if len(clean) < n:
        return Counter([clean]) if clean else Counter()
    return Counter(clean[i : i + n] for i in range(len(clean) - n + 1))


def text_similarity(a: str, b: str, n: int = 2) -> float:
    """Cosine similarity of character n-gram counts, in [0, 1].

    Examples:
        >>> text_similarity("厂区门口道路破损严重，货车无法通行", "厂区门口的道路破损严重，大货车没法通行") > 0.6
        True
        >>> text_similarity("申请稳岗补贴", "路灯不亮") == 0
        True
    """
    ca, cb = char_ngrams(a, n), char_ngrams(b, n)
    if not ca or not cb:
        return 0.0
    dot = sum(count * cb[gram] for gram, count in ca.items() if gram in cb)
    norm = math.sqrt(sum(v * v for v in ca.values())) * math.sqrt(sum(v * v for v in cb.values()))
    return dot / norm


CONDUCT_TERMS: tuple[str, ...] = (
    "吃拿卡要",
    "损害营商环境",
    "作风",
    "索要",
    "索贿",
    "好处费",
    "回扣",
    "吃请",
    "宴请",
    "刁难",
    "不作为",
    "乱作为",
    "慢作为",
    "推诿扯皮",
    "门难进",
    "脸难看",
    "事难办",
    "收受",
    "红包",
)


def conduct_terms(text: str) -> list[str]:
    """Words that suggest a complaint about officials' conduct (作风, 吃拿卡要 …).

    The dispatcher decides; this only flags the appeal for a second look.

    Examples:
        >>> conduct_terms("办理许可时工作人员故意刁难，还暗示要好处费")
        ['好处费', '刁难']
        >>> conduct_terms("咨询稳岗补贴申领条件")
        []
    """
    clean = unicodedata.normalize("NFKC", text or "")
    return [term for term in CONDUCT_TERMS if term in clean]


def normalize_issue(text: str) -> str:
    """Group 共性问题 written slightly differently: NFKC, no spaces or punctuation.

    Examples:
        >>> normalize_issue(" 不动产 登记，材料重复提交 ") == normalize_issue("不动产登记材料重复提交")
        True
    """
    return similarity_text(text)
