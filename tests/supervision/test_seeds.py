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
