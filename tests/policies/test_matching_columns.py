"""The stored registry read as columns (COPY on PostgreSQL) equals the row-built registry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qinqing.core.enterprises import columns
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.enterprises.service import registry_from_db
from qinqing.core.errors import InvalidInput
from tests.world import make_uscc

pytestmark = pytest.mark.django_db

DATES = st.one_of(
    st.none(),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat),
    st.sampled_from(["2025-02-30", "  ", ""]),  # invalid or blank text, as a bad import could leave
)


def mostly(good: list, bad: list) -> st.SearchStrategy:
    """Valid values nine times in ten, so that most examples give a registry."""
    return st.sampled_from(good * (9 * max(1, len(bad))) + bad)


TEXT = st.text(
    st.sampled_from(list("ab,\"'\n 企业公司，；\\")), min_size=0, max_size=12
)  # separators, quotes and newlines a CSV stream must carry through
ENTERPRISE = st.fixed_dictionaries(
    {
        "name": st.one_of(TEXT, st.just("某某科技有限公司")),
        "region_code": mostly(["420602", "110000"], ["42060"]),
        "industry_code": st.sampled_from(["C39", "I65", "F51"]),
        "size": mostly(["large", "medium", "small", "micro"], ["huge"]),
        "established_on": mostly([dt.date(2001, 2, 3), dt.date(2019, 12, 31)], [None]),
        "serious_dishonesty": st.booleans(),
        "attributes": st.fixed_dictionaries(
            {"graduate_hires": mostly([0, 3, 499, "7"], [None, "abc"])},
            optional={
                "high_tech_on": DATES,
                "little_giant_on": DATES,
                "above_quota_on": DATES,
                "note": TEXT,  # not in the catalogue: ignored by both paths
            },
        ),
    }
)


OUTCOMES: list[str] = []


def _outcome(read):
    try:
        registry = read()
    except InvalidInput:
        # both refuse; the wording may differ (the row path reports a required attribute
        # absent from every stored row as a missing column, COPY as empty on each row)
        OUTCOMES.append("refused")
        return ("refused",)
    OUTCOMES.append("registry")
    return ("registry", registry.table.to_pydict())


def _store(rows):
    Enterprise.objects.all().delete()
    Enterprise.objects.bulk_create(
        Enterprise(uscc=make_uscc(f"9142060200000{i:04d}"), **row) for i, row in enumerate(rows)
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(ENTERPRISE, min_size=1, max_size=12))
def test_copy_columns_equal_the_row_built_registry(rows):
    _store(rows)
    everything = Enterprise.objects.all()
    assert _outcome(lambda: registry_from_db()) == _outcome(
        lambda: columns._registry_by_rows(everything)
    )
    some = Enterprise.objects.filter(pk__in=[e.pk for e in everything[: len(rows) // 2 + 1]])
    assert _outcome(lambda: registry_from_db(some)) == _outcome(
        lambda: columns._registry_by_rows(some)
    )


def test_the_random_data_gave_registries_as_well_as_refusals():
    """The comparison above is worth something only if both outcomes occurred."""
    if OUTCOMES:
        assert {"registry", "refused"} <= set(OUTCOMES)


def test_a_stored_value_of_the_wrong_type_is_refused_in_chinese():
    _store(
        [
            {
                "name": "甲公司",
                "region_code": "420602",
                "industry_code": "C39",
                "size": "small",
                "established_on": dt.date(2020, 1, 1),
                "attributes": {"graduate_hires": "三人"},
            }
        ]
    )
    with pytest.raises(InvalidInput, match="graduate_hires"):
        registry_from_db()


def test_a_filtered_registry_holds_only_the_chosen_enterprises_in_code_order():
    base = {
        "region_code": "420602",
        "industry_code": "C39",
        "size": "small",
        "established_on": dt.date(2020, 1, 1),
        "attributes": {"graduate_hires": 2, "high_tech_on": "2024-05-01"},
    }
    _store([{**base, "name": f"企业{i}"} for i in range(5)])
    chosen = Enterprise.objects.filter(name__in=["企业3", "企业1"])
    registry = registry_from_db(chosen)
    assert registry.arrow("name").to_pylist() == ["企业1", "企业3"]
    assert registry.table.column("high_tech_on").to_pylist() == [dt.date(2024, 5, 1)] * 2


FIELDS = ("policy_id", "rule_id", "enterprise_id", "eligible", "near_miss", "amount")


def _stored(run):
    from qinqing.policies.models import MatchResult

    return sorted(
        (*row[:-1], str(row[-1]), reason)
        for *row, reason in MatchResult.objects.filter(run=run).values_list(*FIELDS, "reason")
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_results_written_by_copy_equal_those_written_by_the_orm(pw, monkeypatch):
    from qinqing.policies.matching import run_matching
    from tests.policies.conftest import NOW, YEAR

    by_copy = run_matching(actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW)
    written = _stored(by_copy)  # the next full run replaces (deletes) these rows
    monkeypatch.setattr(connection, "vendor", "sqlite")  # the ORM path, same database
    by_orm = run_matching(
        actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW, full=True
    )
    assert len(written) >= 5 and not _stored(by_copy)
    assert written == _stored(by_orm)
