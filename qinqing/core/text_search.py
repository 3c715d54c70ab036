"""Chinese full-text search over a column of jieba words, shared by every app that searches.

A searchable model keeps the words of its searchable fields in one text column (by
convention ``tokens``) as " w1 w2 … " (a space around every word), written with
:func:`tokens_column` whenever the fields change. Text is cut into words with jieba: the
stored words use its search mode (a long word and its parts), a query its precise mode.

* On PostgreSQL the search runs on a ``simple`` text-search vector of that column, ranked,
  with a GIN index on the same expression (:func:`create_gin_index` in a ``RunPython``
  migration; PostgreSQL only).
* On SQLite it is an AND of ``contains " word "`` filters (no index). Both find the same rows
  for the same words.

Core knows no domain: an app describes its search with a :class:`ChineseSearch` (the column,
its own stop words, the tie-break ordering and the fields a query without words falls back
to) and calls :meth:`ChineseSearch.search` on its access-scoped queryset.

How the two earlier copies (plans' 经验库 and policies' 政策库) were reconciled:

* stop words: function words common to any Chinese text are here (:data:`COMMON_STOPWORDS`);
  each app adds the words that say nothing in *its* texts (营商环境 for plans, 政策/企业 for
  policies). The copies had mixed both kinds in one list each.
* numbers: plans dropped pure numbers from stored and query words, policies kept them. Numbers
  are dropped (plans won): years and amounts occur everywhere and identify nothing, and a
  query word must be in the stored column, so dropping them from queries keeps every column
  already stored by either app valid without re-indexing.
* a query with no searchable word (only stop words or numbers) used to return every row in
  the library pages; it now falls back to ``icontains`` on the app's named fields, as the
  policies' site search already did.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import Model, Q, QuerySet

M = TypeVar("M", bound=Model)

_WORD_RE = re.compile(r"[\w\u4e00-\u9fff]")
_SAFE_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*$")

# Function words and numerals that say nothing about the topic of any text.
_COMMON_STOPWORD_TEXT = (
    "的 了 和 与 及 等 在 对 为 是 将 把 被 由 以 或 并 其 中 上 下 年 月 日 个 各 有关 相关 "
    "对于 按 我 我们 可以 哪些 什么 怎么 如何 通过 进行 要 "
    "一 二 三 四 五 六 七 八 九 十 一是 二是 三是 四是 五是"
)  # fmt: skip
COMMON_STOPWORDS = frozenset(_COMMON_STOPWORD_TEXT.split())


@lru_cache(maxsize=1)
def _jieba() -> Any:
    jieba = importlib.import_module("jieba")
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _keep(word: str) -> bool:
    """A word worth storing or searching: has a letter or a Chinese character, not a number."""
    return bool(word) and bool(_WORD_RE.search(word)) and not word.isdigit()


def index_words(text: str | None) -> list[str]:
    """Words stored for a text: jieba's search mode (a long word and its parts), lower case.

    Examples:
        >>> words = index_words("高校毕业生就业补贴")
        >>> "毕业生" in words and "补贴" in words
        True
        >>> index_words("2025 年") == ["年"]
        True
        >>> index_words(None)
        []
    """
    words = (w.strip().lower() for w in _jieba().cut_for_search(text or ""))
    return [w for w in words if _keep(w)]


def tokens_column(*texts: str | None) -> str:
    """The value stored in a tokens column: every word once, a space around each.

    Examples:
        >>> tokens_column("专精特新", "小巨人", "专精特新企业")
        ' 专精 特新 小 巨人 企业 '
        >>> tokens_column("", None)
        ''
    """
    seen: dict[str, None] = {}
    for text in texts:
        for word in index_words(text):
            seen.setdefault(word, None)
    return " " + " ".join(seen) + " " if seen else ""


def query_words(text: str | None, stopwords: Iterable[str] = COMMON_STOPWORDS) -> list[str]:
    """Words of a query (jieba's precise mode), without duplicates, numbers and stop words.

    Examples:
        >>> query_words("企业开办 的 时间")
        ['企业', '开办', '时间']
        >>> query_words("企业开办的时间", stopwords=COMMON_STOPWORDS | {"企业"})
        ['开办', '时间']
        >>> query_words("2025")
        []
    """
    stop = stopwords if isinstance(stopwords, frozenset | set) else frozenset(stopwords)
    out: list[str] = []
    for word in _jieba().cut(text or ""):
        word = word.strip().lower()
        if _keep(word) and word not in stop and word not in out:
            out.append(word)
    return out


@dataclass(frozen=True)
class ChineseSearch:
    """How one app searches one model.

    ``field`` is the tokens column; ``stopwords`` the app's own words to drop from queries
    (added to :data:`COMMON_STOPWORDS`); ``tie_break`` orders rows of equal rank on
    PostgreSQL (SQLite keeps the queryset's ordering); ``fallback_fields`` are searched with
    ``icontains`` when a query has no searchable word.
    """

    field: str = "tokens"
    stopwords: frozenset[str] = frozenset()
    tie_break: Sequence[str] = ("pk",)
    fallback_fields: Sequence[str] = ()

    @property
    def all_stopwords(self) -> frozenset[str]:
        return COMMON_STOPWORDS | self.stopwords

    def query_words(self, text: str | None) -> list[str]:
        """The words of ``text`` this search looks for."""
        return query_words(text, self.all_stopwords)

    def search(self, queryset: QuerySet[M], text: str | None) -> QuerySet[M]:
        """Rows whose words contain every word of ``text`` (best match first on PostgreSQL).

        An empty query returns the queryset unchanged; a query without searchable words
        matches the fallback fields (or nothing if there are none).
        """
        raw = (text or "").strip()
        if not raw:
            return queryset
        words = self.query_words(raw)
        if not words:
            if not self.fallback_fields:
                return queryset.none()
            match = Q()
            for name in self.fallback_fields:
                match |= Q(**{f"{name}__icontains": raw})
            return queryset.filter(match)
        if connection.vendor == "postgresql":
            vector = SearchVector(self.field, config="simple")
            query = SearchQuery(" ".join(words), config="simple", search_type="plain")
            ranked: QuerySet[M] = (
                queryset.annotate(search=vector, rank=SearchRank(vector, query))
                .filter(search=query)
                .order_by("-rank", *self.tie_break)
            )
            return ranked
        for word in words:
            queryset = queryset.filter(**{f"{self.field}__contains": f" {word} "})
        return queryset


# ---------------------------------------------------------------- PostgreSQL index


def _gin_sql(table: str, column: str, name: str) -> str:
    """The index on the expression ``SearchVector(column, config="simple")`` compiles to, so
    the planner can use it (for text and varchar columns alike).

    Examples:
        >>> _gin_sql("plans_article", "tokens", "plans_article_tokens_fts")
        "CREATE INDEX IF NOT EXISTS plans_article_tokens_fts ON plans_article USING GIN (to_tsvector('simple'::regconfig, COALESCE(tokens, '')))"
    """
    for part in (table, column, name):
        if not _SAFE_NAME_RE.match(part):
            raise ValueError(f"not a plain SQL identifier: {part!r}")
    return (
        f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING GIN "
        f"(to_tsvector('simple'::regconfig, COALESCE({column}, '')))"
    )


def create_gin_index(
    schema_editor: BaseDatabaseSchemaEditor, *, table: str, column: str, name: str
) -> None:
    """Create the full-text index of a tokens column (PostgreSQL only; SQLite needs none).

    For a ``RunPython`` migration::

        def forwards(apps, schema_editor):
            create_gin_index(schema_editor, table="app_model", column="tokens",
                             name="app_model_tokens_fts")
    """
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_gin_sql(table, column, name))


def drop_gin_index(schema_editor: BaseDatabaseSchemaEditor, *, name: str) -> None:
    """Drop an index made by :func:`create_gin_index` (PostgreSQL only)."""
    if not _SAFE_NAME_RE.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
