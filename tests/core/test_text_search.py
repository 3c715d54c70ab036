"""Core's Chinese search, tested on a model no domain owns (auth groups whose name holds the
jieba words), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from qinqing.core.text_search import (
    ChineseSearch,
    create_gin_index,
    drop_gin_index,
    query_words,
    tokens_column,
)

TEXTS = {
    "opening": "推行企业开办一网通办，压缩企业开办时间",
    "inspection": "推行综合查一次，减少对企业的重复检查",
    "graduates": "中小微企业招用高校毕业生一次性就业补贴",
}

SEARCH = ChineseSearch(field="name", stopwords=frozenset({"推行"}), tie_break=("pk",),
                       fallback_fields=("name",))  # fmt: skip


@pytest.fixture
def groups(db):
    return {
        key: Group.objects.create(name=tokens_column(text)[:150]) for key, text in TEXTS.items()
    }


def found(groups, query: str, search: ChineseSearch = SEARCH) -> set[str]:
    by_pk = {g.pk: key for key, g in groups.items()}
    return {by_pk[g.pk] for g in search.search(Group.objects.all(), query)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("一网通办", {"opening"}),
        ("企业", {"opening", "inspection", "graduates"}),
        ("企业 检查", {"inspection"}),
        ("高校毕业生的补贴", {"graduates"}),
        ("火箭发射", set()),
    ],
)
def test_every_query_word_must_be_stored(groups, query, expected):
    assert found(groups, query) == expected


def test_empty_query_keeps_everything_and_stopword_query_falls_back(groups):
    assert found(groups, "") == set(TEXTS)
    # "推行" is this search's stop word and "2025" a number: no searchable word is left, so the
    # raw text is looked for in the fallback field, which holds "推行" for two rows
    assert found(groups, "推行") == {"opening", "inspection"}
    assert found(groups, "2025") == set()
    without_fallback = ChineseSearch(field="name", stopwords=frozenset({"推行"}))
    assert found(groups, "推行", without_fallback) == set()


def test_app_stopwords_are_added_to_the_common_ones():
    assert query_words("企业开办的时间") == ["企业", "开办", "时间"]
    assert SEARCH.query_words("推行企业开办的时间") == ["企业", "开办", "时间"]
    assert "的" in SEARCH.all_stopwords and "推行" in SEARCH.all_stopwords


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking is PostgreSQL's")
def test_postgresql_ranks_the_closer_match_first(groups):
    extra = Group.objects.create(name=tokens_column("企业开办 企业开办 企业开办手册"))
    rows = list(SEARCH.search(Group.objects.all(), "企业开办"))
    assert {g.pk for g in rows} == {groups["opening"].pk, extra.pk}
    assert all(hasattr(g, "rank") for g in rows)
    assert rows[0].rank >= rows[1].rank


class _RecordingEditor:
    """A schema editor's two parts the helpers use, for a vendor other than this database's."""

    def __init__(self, vendor: str) -> None:
        self.connection = type("C", (), {"vendor": vendor})()
        self.statements: list[str] = []

    def execute(self, sql: str) -> None:
        self.statements.append(sql)


def test_sqlite_gets_no_index():
    editor = _RecordingEditor("sqlite")
    create_gin_index(editor, table="auth_group", column="name", name="auth_group_name_fts")
    drop_gin_index(editor, name="auth_group_name_fts")
    assert editor.statements == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_postgresql_gets_the_gin_index_the_search_uses(db):
    with connection.schema_editor() as editor:
        create_gin_index(editor, table="auth_group", column="name", name="auth_group_name_fts")
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "auth_group")
        assert indexes["auth_group_name_fts"]["type"] == "gin"
        cursor.execute("SET enable_seqscan = off")
        sql, params = SEARCH.search(Group.objects.all(), "一网通办").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "auth_group_name_fts" in plan, plan
    with connection.schema_editor() as editor:
        drop_gin_index(editor, name="auth_group_name_fts")
    with connection.cursor() as cursor:
        assert "auth_group_name_fts" not in connection.introspection.get_constraints(
            cursor, "auth_group"
        )


def test_index_names_must_be_plain_identifiers():
    editor = _RecordingEditor("postgresql")
    with pytest.raises(ValueError):
        create_gin_index(editor, table="auth_group; drop table x", column="name", name="i")
    with pytest.raises(ValueError):
        drop_gin_index(editor, name="i; drop table x")
    assert editor.statements == []
