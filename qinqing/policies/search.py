"""Chinese full-text search of the policy library (政策库).

The search itself is core's (:mod:`qinqing.core.text_search`): each policy stores the jieba
words of its searchable fields in ``Policy.tokens``; PostgreSQL searches them through the
GIN index of migration 0002, SQLite with ``contains`` filters. This module says what is
particular to the library: the words that name no particular policy, and the part of the
site-wide search box that lists policies.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from qinqing.core.manifest import SearchHit
from qinqing.core.text_search import ChineseSearch, index_words, tokens_column
from qinqing.policies.models import Policy
from qinqing.policies.queries import library_policies_for_user

__all__ = [
    "LIBRARY",
    "STOPWORDS",
    "index_words",
    "query_words",
    "search_policies",
    "site_search",
    "tokens_column",
]

# words that say nothing about which policy is meant
_POLICY_STOPWORD_TEXT = "政策 企业 给予 一次性 申请 享受"
LIBRARY = ChineseSearch(
    field="tokens",
    stopwords=frozenset(_POLICY_STOPWORD_TEXT.split()),
    tie_break=("code",),
    fallback_fields=("title",),
)
STOPWORDS = LIBRARY.all_stopwords


def query_words(text: str) -> list[str]:
    """Words of a library search (precise mode), without duplicates and stop words.

    Examples:
        >>> query_words("企业招用毕业生的补贴")
        ['招用', '毕业生', '补贴']
    """
    return LIBRARY.query_words(text)


def search_policies(queryset: QuerySet[Policy], text: str) -> QuerySet[Policy]:
    """Policies whose words contain every word of ``text`` (best match first on PostgreSQL);
    a query of stop words only matches policy titles."""
    return LIBRARY.search(queryset, text)


def site_search(user: Any, q: str, limit: int) -> list[SearchHit]:
    """The policies part of the site-wide search box: the policy library the user may read."""
    policies = search_policies(library_policies_for_user(user), q)
    return [
        SearchHit(
            title=p.title,
            url=f"/policies/p/{p.code}/",
            kind="政策",
            detail=p.owner_unit.name if p.owner_unit_id else "",
        )
        for p in policies.select_related("owner_unit")[:limit]
    ]
