"""Chinese full-text search of the policy library (政策库).

Each policy stores the jieba words of its searchable fields in ``Policy.tokens`` as
" w1 w2 … " (a space around every word). On PostgreSQL the search runs on a ``simple``
text-search vector of that column (ranked, GIN index in migration 0002); on SQLite it is an
AND of ``contains " word "`` filters. Both find the same policies for the same words.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from django.db import connection
from django.db.models import QuerySet

_WORD_RE = re.compile(r"[\w\u4e00-\u9fff]")
# words that say nothing about which policy is meant
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "等",
        "在",
        "对",
        "为",
        "是",
        "将",
        "把",
        "被",
        "由",
        "以",
        "或",
        "并",
        "其",
        "中",
        "上",
        "下",
        "个",
        "各",
        "有关",
        "相关",
        "政策",
        "企业",
        "给予",
        "一次性",
        "按",
        "对于",
        "我",
        "我们",
        "可以",
        "哪些",
        "什么",
        "怎么",
        "如何",
        "申请",
        "享受",
    ]
)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _keep(word: str) -> bool:
    return bool(word) and bool(_WORD_RE.search(word))


def index_words(text: str) -> list[str]:
    """Words stored for a policy: jieba's search mode (a long word and its parts).

    Examples:
        >>> words = index_words("高校毕业生就业补贴")
        >>> "毕业生" in words and "补贴" in words
        True
    """
    return [w.strip().lower() for w in _jieba().cut_for_search(text or "") if _keep(w.strip())]


def query_words(text: str) -> list[str]:
    """Words of a search query (precise mode), without duplicates and stop words.

    Examples:
        >>> query_words("企业招用毕业生的补贴")
        ['招用', '毕业生', '补贴']
    """
    out: list[str] = []
    for word in _jieba().cut(text or ""):
        word = word.strip().lower()
        if _keep(word) and word not in STOPWORDS and word not in out:
            out.append(word)
    return out


def tokens_column(*texts: str) -> str:
    """The value stored in ``Policy.tokens``: every word once, spaces around each.

    Examples:
        >>> tokens_column("专精特新", "小巨人", "专精特新企业")
        ' 专精 特新 小 巨人 企业 '
    """
    seen: dict[str, None] = {}
    for text in texts:
        for word in index_words(text):
            seen.setdefault(word, None)
    return " " + " ".join(seen) + " " if seen else ""


def search_policies(queryset: QuerySet, text: str) -> QuerySet:
    """Policies whose words contain every word of ``text`` (best match first on PostgreSQL)."""
    words = query_words(text)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("tokens", config="simple")
        query = SearchQuery(" ".join(words), config="simple", search_type="plain")
        return (
            queryset.annotate(search=vector, rank=SearchRank(vector, query))
            .filter(search=query)
            .order_by("-rank", "code")
        )
    for word in words:
        queryset = queryset.filter(tokens__contains=f" {word} ")
    return queryset


def site_search(user, q: str, limit: int) -> list:
    """The policies part of the site-wide search box: the policy library the user may read."""
    from qinqing.core.manifest import SearchHit
    from qinqing.policies.queries import library_policies_for_user

    policies = search_policies(library_policies_for_user(user), q)
    if not query_words(q):
        policies = policies.filter(title__icontains=q)
    return [
        SearchHit(
            title=p.title,
            url=f"/policies/p/{p.code}/",
            kind="政策",
            detail=p.owner_unit.name if p.owner_unit_id else "",
        )
        for p in policies.select_related("owner_unit")[:limit]
    ]
