"""The experience library's search through core's Chinese search: the plan-specific stop
words, and a query without searchable words (the drift between the two copies, resolved)."""

from __future__ import annotations

import pytest

from qinqing.plans import search
from qinqing.plans.models import Article
from tests.plans.samples import COMPILATION_TEXT, import_plan


@pytest.fixture
def library(world):
    import_plan(world, COMPILATION_TEXT, "经验汇编.txt", confirm=True)


def _titles(queryset) -> set[str]:
    return set(queryset.values_list("title", flat=True))


def test_plan_words_are_stop_words_but_numbers_are_not_searched():
    assert search.query_words("2025年优化营商环境 企业开办") == ["企业", "开办"]
    assert " 2025 " not in search.tokens_column("2025年推行企业开办一网通办")


def test_query_of_stop_words_only_matches_titles_and_bodies_not_everything(world, library):
    everything = Article.objects.all()
    assert everything.count() > 2
    # "营商环境" is a stop word of plans: the words are gone, the raw text is looked for
    found = _titles(search.search_articles(everything, "营商环境"))
    expected = _titles(everything.filter(body__contains="营商环境")) | _titles(
        everything.filter(title__contains="营商环境")
    )
    assert found == expected and found != _titles(everything)


def test_library_page_finds_by_words_and_keeps_the_query(world, library, client_for):
    body = client_for(world.office_admin).get("/plans/library/", {"q": "证明"}).content.decode()
    assert "丙市打造“无证明城市”" in body and 'value="证明"' in body
