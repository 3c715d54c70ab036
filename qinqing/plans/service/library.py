"""The experience library: related articles tagged across an area's compilations."""

from __future__ import annotations

from django.db.models import Q

from qinqing.core.orgs.models import Unit
from qinqing.plans.models import Article, ArticleTask, Plan, PlanKind, PlanStatus, Task
from qinqing.plans.search import related_pairs

# ---------------------------------------------------------------- experience library


def _area_family(area: Unit) -> Q:
    """Plans of ``area``, of the areas above it and of those below it."""
    ancestors = [p for p in area.path.split("/") if p]
    return Q(area__path__startswith=area.path) | Q(area_id__in=[int(p) for p in ancestors])


def tag_articles(area: Unit, *, top: int = 5) -> int:
    """Tag the library's articles with the most similar ledger tasks (recomputed wholesale).

    Articles of confirmed compilations of ``area``'s family are compared with tasks of
    confirmed plans of the same family; returns the number of links written.
    """
    family = _area_family(area)
    articles = list(
        Article.objects.filter(
            plan__in=Plan.objects.filter(
                family, kind=PlanKind.COMPILATION, status=PlanStatus.CONFIRMED
            ),
            fragment=False,
        ).values_list("pk", "title", "body")
    )
    tasks = list(
        Task.objects.filter(
            plan__in=Plan.objects.filter(family, kind=PlanKind.PLAN, status=PlanStatus.CONFIRMED)
        ).values_list("pk", "title", "body")
    )
    ArticleTask.objects.filter(article_id__in=[a[0] for a in articles]).delete()
    pairs = related_pairs(
        [(pk, f"{title} {title} {body}") for pk, title, body in articles],
        [(pk, f"{title} {title} {body}") for pk, title, body in tasks],
        top=top,
    )
    links = [ArticleTask(article_id=a, task_id=t, score=s) for a, t, s in pairs]
    ArticleTask.objects.bulk_create(links)
    return len(links)
