"""Chinese full-text search of the experience library (经验库) and article–task tagging.

The search itself is core's (:mod:`qinqing.core.text_search`): each article stores its jieba
words in ``Article.tokens``; PostgreSQL searches them through the GIN index of migration
0002, SQLite with ``contains`` filters. This module says what is particular to plans: the
words that occur in nearly every plan or article, and the TF-IDF tagging of articles with
related tasks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q, QuerySet

from qinqing.core import text_search
from qinqing.core.accounts.access import has_capability
from qinqing.core.manifest import SearchHit
from qinqing.core.text_search import index_words, tokens_column
from qinqing.plans.models import Article
from qinqing.plans.queries import visible_articles_for_user, visible_tasks_for_user

__all__ = [
    "LIBRARY",
    "STOPWORDS",
    "index_words",
    "query_words",
    "related_pairs",
    "search_articles",
    "site_search",
    "tokens_column",
    "topic_words",
]

# words that occur in nearly every plan or article and say nothing about its topic
_PLAN_STOPWORD_TEXT = (
    "工作 推进 推动 加强 持续 全面 不断 积极 有效 切实 优化 营商 环境 营商环境 建立 完善 开展 "
    "实现 提升 提高 落实 深化 加快 强化 坚持 健全 市 县 区 xx"
)  # fmt: skip
LIBRARY = text_search.ChineseSearch(
    field="tokens",
    stopwords=frozenset(_PLAN_STOPWORD_TEXT.split()),
    tie_break=("plan_id", "order"),
    fallback_fields=("title", "body"),
)
STOPWORDS = LIBRARY.all_stopwords


def query_words(text: str) -> list[str]:
    """Words of a library search (jieba's precise mode), without duplicates and stop words.

    Examples:
        >>> query_words("企业开办 的 时间")
        ['企业', '开办', '时间']
        >>> query_words("优化营商环境 企业开办")
        ['企业', '开办']
    """
    return LIBRARY.query_words(text)


def search_articles(queryset: QuerySet[Article], text: str) -> QuerySet[Article]:
    """Articles whose words contain every word of ``text`` (best match first on PostgreSQL)."""
    return LIBRARY.search(queryset, text)


# ---------------------------------------------------------------- article ↔ task tagging


def topic_words(text: str) -> str:
    """Words that carry a topic, as one space-separated string for TF-IDF."""
    return " ".join(w for w in index_words(text) if w not in STOPWORDS and len(w) > 1)


def related_pairs(
    articles: Sequence[tuple[int, str]],
    tasks: Sequence[tuple[int, str]],
    *,
    top: int = 5,
    min_score: float = 0.08,
) -> Iterable[tuple[int, int, float]]:
    """(article id, task id, score) for each article's most similar tasks.

    TF-IDF over jieba words of article and task texts together, cosine similarity; at most
    ``top`` tasks per article and only above ``min_score`` (below it the overlap is a few
    common words).
    """
    if not articles or not tasks:
        return []
    # scikit-learn takes about a second to import; only the tagging after an import needs it
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    docs = [topic_words(t) for _, t in articles] + [topic_words(t) for _, t in tasks]
    if not any(docs):
        return []
    vectorizer = TfidfVectorizer(
        analyzer=str.split, sublinear_tf=True, min_df=1, max_df=0.5 if len(docs) > 20 else 1.0
    )
    matrix = vectorizer.fit_transform(docs)
    a_mat, t_mat = matrix[: len(articles)], matrix[len(articles) :]
    scores = linear_kernel(a_mat, t_mat)
    out: list[tuple[int, int, float]] = []
    for i, (article_id, _) in enumerate(articles):
        row = scores[i]
        best = row.argsort()[::-1][:top]
        for j in best:
            if row[j] >= min_score:
                out.append((article_id, tasks[j][0], round(float(row[j]), 4)))
    return out


def site_search(user: Any, q: str, limit: int) -> list[SearchHit]:
    """The plans part of the site-wide search box: ledger tasks and 经验库 articles."""
    if not has_capability(user, "plans.view"):
        return []
    tasks = visible_tasks_for_user(user).filter(Q(title__icontains=q) | Q(body__icontains=q))
    hits = [
        SearchHit(
            title=f"{t.label} {t.title}".strip(),
            url=f"/plans/tasks/{t.pk}/",
            kind="任务",
            detail=t.plan.title if t.plan else "交办事项",
        )
        for t in tasks.select_related("plan").order_by("-pk")[:limit]
    ]
    articles = search_articles(visible_articles_for_user(user), q)[: max(limit - len(hits), 0)]
    hits += [
        SearchHit(title=a.title, url=f"/plans/library/{a.pk}/", kind="经验做法") for a in articles
    ]
    return hits
