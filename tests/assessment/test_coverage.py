"""A run that cannot separate units warns instead of publishing a tie: most indicators
without data for any unit, or every unit on the same total; missing values say 无数据."""

from __future__ import annotations

import pytest

from qinqing.assessment import service
from qinqing.assessment.models import RunStatus
from qinqing.core.errors import InvalidInput
from tests.assessment.support import (
    NOTICES,
    NOW,
    ON_TIME,
    build_departments_scheme,
    feed_standard_values,
    run,
)


def test_a_run_with_most_indicators_empty_is_not_published_as_a_tie(world, feed, client_for):
    # only one of three indicators has data, and every unit has the same value on it
    feed.set(ON_TIME, {world.market: 100, world.tax: 100, world.ndrc: 100})
    scheme = build_departments_scheme(world)
    result = run(scheme, world=world)
    problem = service.data_coverage_problem(result)
    assert "没有任何单位的数据" in problem and "总分相同" in problem
    page = client_for(world.office_admin).get(f"/assessment/runs/{result.pk}/").content.decode()
    assert 'id="coverage-warning"' in page and "无数据" in page
    with pytest.raises(InvalidInput, match="排名不能区分单位"):
        service.publish_run(result, actor=world.office_admin, now=NOW)
    result.refresh_from_db()
    assert result.status == RunStatus.COMPUTED
    response = client_for(world.office_admin).post(f"/assessment/runs/{result.pk}/publish/")
    assert response.status_code == 400 and "确认按现有数据发布" in response.content.decode()
    response = client_for(world.office_admin).post(
        f"/assessment/runs/{result.pk}/publish/", {"accept_gaps": "1"}
    )
    assert response.status_code == 302
    result.refresh_from_db()
    assert result.status == RunStatus.PUBLISHED


def test_a_run_with_data_publishes_without_warning(world, feed):
    feed_standard_values(feed, world)
    result = run(build_departments_scheme(world), world=world)
    assert service.data_coverage_problem(result) == ""
    service.publish_run(result, actor=world.office_admin, now=NOW)
    assert NOTICES  # the standard feed covers every indicator
