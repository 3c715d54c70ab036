"""The supervision demo loads on the demo directory, twice without duplicates."""

from datetime import date

import pytest

from qinqing.supervision.models import (
    Assignment,
    Bulletin,
    ProgressReport,
    ReviewCadence,
    SupervisionNotice,
)

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


def _counts():
    return (
        ReviewCadence.objects.count(),
        Assignment.objects.count(),
        ProgressReport.objects.exclude(state="pending").count(),
        SupervisionNotice.objects.count(),
        Bulletin.objects.count(),
    )


@pytest.mark.django_db
def test_demo_loads_and_is_idempotent(settings):
    from qinqing.core.orgs.models import Unit
    from qinqing.supervision.seeds import load_demo
    from qinqing.web.demo import build_demo, build_demo_people
    from tests.supervision.factories import make_plan, make_task

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    build_demo(log=lambda _msg: None, with_domains=False)  # directory and personas only
    city = Unit.objects.get(name="示例市")
    users, _ = build_demo_people(city, reset_passwords=False)
    plan = make_plan(None, area=city, title="2022年打造比肩大湾区营商环境工作要点")
    market = Unit.objects.get(name="示例市市场监督管理局")
    make_task(plan, lead=[market], due_on=date(2030, 12, 31))
    load_demo(city=city, users=users, log=lambda _msg: None)
    counts = _counts()
    assert counts[1] == 2 and counts[2] >= 2 and counts[3] == 1 and counts[4] == 1
    assert ReviewCadence.objects.filter(plan=plan, label="主要领导调度", months=2).exists()
    assert ReviewCadence.objects.filter(plan=plan, label="分管领导调度", months=1).exists()
    load_demo(city=city, users=users, log=lambda _msg: None)
    assert _counts() == counts


@pytest.mark.django_db
def test_the_demo_bulletin_counts_the_demo_problem_ledger(settings):
    """The 通报 reads the problem ledger, so supervision's seed declares that it runs after
    problems' (``demo_after``); run in the demo's order, the bulletin's chapter has the counts."""
    import io

    from django.core.files.storage import default_storage
    from django.utils.module_loading import import_string
    from docx import Document

    from qinqing.core.manifest import demo_seeds
    from qinqing.core.orgs.models import Unit
    from qinqing.problems.models import Problem
    from qinqing.web.demo import build_demo, build_demo_people
    from tests.supervision.factories import make_plan, make_task

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    labels = [m.label for m in demo_seeds()]
    assert labels.index("problems") < labels.index("supervision")
    build_demo(log=lambda _msg: None, with_domains=False)
    city = Unit.objects.get(name="示例市")
    users, _ = build_demo_people(city, reset_passwords=False)
    plan = make_plan(None, area=city, title="2022年打造比肩大湾区营商环境工作要点")
    make_task(plan, lead=[Unit.objects.get(name="示例市市场监督管理局")],
              due_on=date(2030, 12, 31))  # fmt: skip
    for manifest in demo_seeds():
        if manifest.label in ("problems", "supervision"):
            import_string(manifest.demo_seed)(city=city, users=users, log=lambda _msg: None)
    assert Problem.objects.exists()
    with default_storage.open(Bulletin.objects.get().docx.name, "rb") as fh:
        text = "\n".join(p.text for p in Document(io.BytesIO(fh.read())).paragraphs)
    assert "问题整改情况" in text
    assert "问题台账共登记问题" in text and "无登记的问题" not in text
