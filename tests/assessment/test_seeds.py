"""The demo: two schemes for 示例市, published runs when indicators exist, a province ranking."""

import pytest

from qinqing.assessment import registry, service
from qinqing.assessment.models import (
    AssessmentRun,
    AssessmentScheme,
    ExternalTrigger,
    RunStatus,
    SchemeStatus,
)
from qinqing.assessment.seeds import demo_indicators, load_demo
from tests.assessment.support import snapshot

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


def test_demo_with_the_domains_indicators_is_idempotent(world, counties):
    assert demo_indicators(), "the supervision and appeals modules register indicators"
    log = []
    load_demo(city=world.city, users={"office_admin": world.office_admin}, log=log.append)
    schemes = AssessmentScheme.objects.filter(area=world.city)
    assert {s.target_kind for s in schemes} == {"departments", "counties"}
    assert all(s.status == SchemeStatus.ACTIVE for s in schemes)
    for scheme in schemes:
        assert sum(i.weight for i in scheme.items.all()) == 100
        assert not any("罚" in i.label for i in scheme.items.all())
    runs = AssessmentRun.objects.all()
    assert runs.count() == 4
    # a run is published only when its data separates the units; the others wait, computed
    for r in runs:
        problem = service.data_coverage_problem(r)
        assert (r.status == RunStatus.PUBLISHED) == (problem == ""), (r, problem)
    [trigger] = ExternalTrigger.objects.all()
    assert trigger.unit.name == "西山县" and trigger.get_level_display() == "约谈"
    before = snapshot()
    load_demo(city=world.city, users={"office_admin": world.office_admin}, log=log.append)
    assert snapshot() == before


def test_demo_without_indicators_leaves_draft_schemes(world, monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", {})
    log = []
    load_demo(city=world.city, users={"office_admin": world.office_admin}, log=log.append)
    assert AssessmentScheme.objects.filter(status=SchemeStatus.DRAFT).count() == 2
    assert not AssessmentRun.objects.exists()
    assert any("尚无已登记的考评指标" in line for line in log)


@pytest.mark.parametrize("code", ["x.fine_income"])
def test_demo_never_picks_a_fines_indicator(monkeypatch, code):
    ind = registry.Indicator(code, "罚没收入", lambda p, u: {}, source="supervision")
    monkeypatch.setattr(registry, "_REGISTRY", {code: ind})
    assert demo_indicators() == []
