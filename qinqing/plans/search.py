"""Chinese full-text search of the experience library (经验库) and article–task tagging.

Text is cut into words with jieba. Each article stores its words in ``Article.tokens`` as
" w1 w2 … " (spaces around every word). On PostgreSQL the search runs on a ``simple``
text-search vector of that column (GIN index in migration 0002); on SQLite it is an AND of
``contains " word "`` filters. Both find the same articles for the same words.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from django.db import connection
from django.db.models import QuerySet

_WORD_RE = re.compile(r"[\w\u4e00-\u9fff]")
# words that occur in nearly every plan or article and say nothing about its topic
_STOPWORD_TEXT = (
    "的 了 和 与 及 等 在 对 为 是 将 把 被 由 以 或 并 其 中 上 下 年 月 日 个 各 有关 相关 进一步 "
    "工作 推进 推动 加强 持续 全面 不断 积极 有效 切实 优化 营商 环境 营商环境 建立 完善 开展 实现 "
    "提升 提高 落实 深化 加快 强化 坚持 健全 市 县 区 我们 一是 二是 三是 四是 五是 通过 进行 要 "
    "一 二 三 四 五 六 七 八 九 十 xx"
)  # fmt: skip
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _keep(word: str) -> bool:
    word = word.strip()
    return bool(word) and bool(_WORD_RE.search(word)) and not word.isdigit()


def index_words(text: str) -> list[str]:
    """Words stored for an article: jieba's search mode (a long word and its parts).

    Examples:
        >>> "一网通办" in index_words("推行一网通办") or "网通" in index_words("推行一网通办")
        True
    """
    return [w.strip().lower() for w in _jieba().cut_for_search(text) if _keep(w)]


def query_words(text: str) -> list[str]:
    """Words of a search query (jieba's precise mode), without duplicates and stop words.

    Examples:
        >>> query_words("企业开办 的 时间")
        ['企业', '开办', '时间']
    """
    out: list[str] = []
    for word in _jieba().cut(text or ""):
        word = word.strip().lower()
        if _keep(word) and word not in STOPWORDS and word not in out:
            out.append(word)
    return out


def tokens_column(*texts: str) -> str:
    """The value stored in ``Article.tokens``: every word once, spaces around each."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in index_words(text or ""):
            seen.setdefault(word, None)
    return " " + " ".join(seen) + " " if seen else ""


def search_articles(queryset: QuerySet, text: str) -> QuerySet:
    """Articles whose words contain every word of ``text`` (best match first on PostgreSQL)."""
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
            .order_by("-rank", "plan_id", "order")
        )
    for word in words:
        queryset = queryset.filter(tokens__contains=f" {word} ")
    return queryset


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


def site_search(user, q: str, limit: int) -> list:
    """The plans part of the site-wide search box: ledger tasks and 经验库 articles."""
    from django.db.models import Q

    from qinqing.core.accounts.access import has_capability
    from qinqing.core.manifest import SearchHit
    from qinqing.plans.queries import visible_articles_for_user, visible_tasks_for_user

    if not has_capability(user, "plans.view"):
        return []
    tasks = visible_tasks_for_user(user).filter(Q(title__icontains=q) | Q(body__icontains=q))
    hits = [
        SearchHit(
            title=f"{t.label} {t.title}".strip(),
            url=f"/plans/tasks/{t.pk}/",
            kind="任务",
            detail=t.plan.title if t.plan_id else "交办事项",
        )
        for t in tasks.select_related("plan").order_by("-pk")[:limit]
    ]
    articles = search_articles(visible_articles_for_user(user), q)[: max(limit - len(hits), 0)]
    hits += [
        SearchHit(title=a.title, url=f"/plans/library/{a.pk}/", kind="经验做法") for a in articles
    ]
    return hits
