"""The experience library: Chinese full-text search, related tasks, who may read it."""

from __future__ import annotations

import pytest

from qinqing.plans.models import Article, ArticleTask
from tests.plans.samples import COMPILATION_TEXT, import_plan, task


@pytest.fixture
def library(world):
    plan = import_plan(world, confirm=True)
    compilation = import_plan(world, COMPILATION_TEXT, "经验汇编.txt", confirm=True)
    return plan, compilation


def _found(response) -> list[str]:
    body = response.content.decode()
    titles = Article.objects.values_list("title", flat=True)
    return sorted(t for t in titles if f">{t}</a>" in body)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("一网通办", ["甲区：企业开办一日办结"]),
        ("证明", ["丙市打造“无证明城市”"]),
        ("联合检查", ["乙县推行“综合查一次”减轻企业负担"]),
        ("企业 检查", ["乙县推行“综合查一次”减轻企业负担"]),
        ("企业开办", ["甲区：企业开办一日办结"]),
        ("火箭发射", []),
    ],
)
def test_search_finds_articles_by_chinese_words(world, library, client_for, q, expected):
    r = client_for(world.office_admin).get("/plans/library/", {"q": q})
    assert r.status_code == 200
    assert _found(r) == sorted(expected)


def test_articles_are_tagged_with_related_tasks(world, library, client_for):
    plan, _ = library
    opening = Article.objects.get(title="甲区：企业开办一日办结")
    related = list(
        ArticleTask.objects.filter(article=opening).order_by("-score").values_list(
            "task__title", flat=True)
    )  # fmt: skip
    assert related[0] == "压缩企业开办时间"
    page = client_for(world.office_admin).get(f"/plans/library/{opening.pk}/").content.decode()
    assert "压缩企业开办时间" in page
    task_page = client_for(world.office_admin).get(f"/plans/tasks/{task(plan, '1').pk}/")
    assert "甲区：企业开办一日办结" in task_page.content.decode()


def test_unit_staff_read_the_library_but_see_only_their_related_tasks(world, library, client_for):
    article = Article.objects.get(title="乙县推行“综合查一次”减轻企业负担")
    assert ArticleTask.objects.filter(article=article, task__title="规范涉企行政检查").exists()
    client = client_for(world.county_clerk)  # 示例县 carries task 1 only
    page = client.get(f"/plans/library/{article.pk}/").content.decode()
    assert "规范涉企行政检查" not in page
    assert client.get("/plans/library/", {"q": "证明"}).status_code == 200


def test_other_city_and_enterprise_do_not_see_the_library(world, library, client_for):
    article = Article.objects.get(title="甲区：企业开办一日办结")
    assert client_for(world.other_officer).get(f"/plans/library/{article.pk}/").status_code == 404
    assert "企业开办一日办结" not in client_for(world.other_officer).get(
        "/plans/library/").content.decode()  # fmt: skip
    assert client_for(world.enterprise_a).get(f"/plans/library/{article.pk}/").status_code == 403
