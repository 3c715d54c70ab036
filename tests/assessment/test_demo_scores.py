"""`qinqing demo`: the counties' assessment comes from what the demo produced, and separates them."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from qinqing.assessment.models import AssessmentScheme, ItemScore, RunStatus, TargetKind
from qinqing.core.orgs.models import Unit
from qinqing.web.demo import build_demo

# goes through the demo: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_demo_counties_get_different_scores_from_the_demo_data(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    lines: list[str] = []
    build_demo(lines.append)
    city = Unit.objects.get(name="示例市")
    scheme = AssessmentScheme.objects.get(area=city, target_kind=TargetKind.COUNTIES)
    runs = list(scheme.runs.filter(status=RunStatus.PUBLISHED).order_by("period_start"))
    assert runs, "\n".join(line for line in lines if "考评" in line)
    for run in runs:
        totals = {s.unit.name: s.total for s in run.scores.select_related("unit")}
        assert len(set(totals.values())) > 1, (run.period_label, totals)
        assert any(t is not None and t < 100 for t in totals.values()), totals
        # the county that filed its reports on time is ahead of the one that did not
        assert totals["示例县"] > totals["西山县"], (run.period_label, totals)
        # more than half the items carry values measured from the demo's data
        with_data = set(
            ItemScore.objects.filter(unit_score__run=run, raw_value__isnull=False).values_list(
                "indicator_code", flat=True
            )
        )
        assert len(with_data) * 2 > len(run.items), (with_data, run.items)
    # the report timeliness behind the scores is visible per county on the run page
    office = Client()
    office.force_login(get_user_model().objects.get(username="office_admin"))
    page = office.get(f"/assessment/runs/{runs[-1].pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "西山县" in html and "进度报送及时率" in html
