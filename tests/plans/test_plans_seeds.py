"""The demo loads the four seed plans as confirmed plans and the experience library."""

from __future__ import annotations

import json

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.plans.models import Article, Plan, PlanKind, PlanStatus, Task
from qinqing.plans.seeds import DEMO_DATA, DEMO_FILES, load_demo

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


def test_shipped_demo_files_are_the_shared_seeds(shared_dir):
    for name, _title in DEMO_FILES:
        assert (DEMO_DATA / name).read_bytes() == (shared_dir / "seeds" / name).read_bytes()


def test_demo_loads_seed_plans_and_library_once(world, shared_dir):
    gold = json.loads((shared_dir / "gold" / "seeds_gold.json").read_text("utf-8"))
    docs = {d["file"]: d for d in gold["documents"]}
    lines: list[str] = []
    load_demo(city=world.city, users=world.users, log=lines.append)

    plans = Plan.objects.filter(area=world.city)
    assert plans.filter(kind=PlanKind.PLAN, status=PlanStatus.CONFIRMED).count() == 4
    for plan in plans.filter(kind=PlanKind.PLAN):
        assert plan.tasks.count() == len(docs[plan.source_filename]["tasks"])
    compilation = plans.get(kind=PlanKind.COMPILATION)
    assert compilation.status == PlanStatus.CONFIRMED
    titles = set(compilation.articles.filter(fragment=False).values_list("title", flat=True))
    assert titles == {a["title"] for a in docs[compilation.source_filename]["articles"]}
    assert compilation.articles.filter(fragment=True).exists()  # kept, but not an article
    assert len(lines) == 5

    counts = (Plan.objects.count(), Task.objects.count(), Article.objects.count())
    events = AuditEvent.objects.count()
    load_demo(city=world.city, users=world.users, log=lines.append)
    assert (Plan.objects.count(), Task.objects.count(), Article.objects.count()) == counts
    assert AuditEvent.objects.count() == events
