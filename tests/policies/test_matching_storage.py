"""How a run's results are stored: all or nothing, and readers see the current run only
(on PostgreSQL a full run's rows form a partition of their own, ``result_store``)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from qinqing.core.enterprises.models import Enterprise
from qinqing.policies import matching, result_store
from qinqing.policies.matching import run_matching
from qinqing.policies.models import MatchResult, MatchRun, PushFeedback
from tests.policies.conftest import NOW, USCC_C, USCC_D, YEAR


def _current(policy):
    return {r.uscc: r for r in MatchResult.objects.filter(policy=policy, current=True)}


def _snapshot():
    return sorted(
        MatchResult.objects.filter(current=True).values_list(
            "pk", "run_id", "policy_id", "enterprise__uscc", "eligible", "amount", "reason"
        )
    )


def _unattached_run_tables() -> set[str]:
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' AND c.relname LIKE %s"
            " AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)",
            [result_store.PARENT + "_r%"],
        )
        return {row[0] for row in cursor.fetchall()}


def _full(pw):
    return run_matching(
        actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW, full=True
    )


def test_a_failed_full_run_leaves_the_previous_results(pw, matched, monkeypatch):
    before, runs, tables = _snapshot(), MatchRun.objects.count(), _unattached_run_tables()

    def fail(*args, **kwargs):
        raise RuntimeError("审计写入失败")

    # the last step of a run, after every result row was written
    monkeypatch.setattr(matching.audit, "record", fail)
    with pytest.raises(RuntimeError):
        _full(pw)
    assert _snapshot() == before
    assert MatchRun.objects.count() == runs
    assert _unattached_run_tables() == tables  # the failed run's own table is gone


def test_a_full_run_replaces_the_previous_one_and_keeps_answered_rows(pw, matched):
    answered = _current(pw.grad)[USCC_C]
    PushFeedback.objects.create(
        result=answered, policy=pw.grad, uscc=USCC_C, answer="fits", created_at=NOW,
        updated_at=NOW,
    )  # fmt: skip
    second = _full(pw)
    current = MatchResult.objects.filter(current=True)
    assert set(current.values_list("run_id", flat=True)) == {second.pk}
    assert current.count() == len(_snapshot())
    # the enterprise's answer still points at the row it answered on, now history
    answered.refresh_from_db()
    assert (answered.current, answered.run_id, answered.amount) == (
        False, matched.pk, Decimal(3000),
    )  # fmt: skip
    assert PushFeedback.objects.get().result == answered
    # the enterprise sees its current result once, with the new run's figures
    mine = MatchResult.objects.filter(enterprise__uscc=USCC_C, policy=pw.grad, current=True)
    assert [(r.run_id, r.amount) for r in mine] == [(second.pk, Decimal(3000))]
    if result_store.partitioned(connection):
        assert set(result_store.run_partitions(connection)) == {second.pk}
    assert second.timings["store"] >= 0  # the run page's 保存 figure


def test_an_incremental_run_after_full_runs_replaces_the_changed_rows_only(pw, matched):
    second = _full(pw)
    enterprise = Enterprise.objects.get(uscc=USCC_C)
    enterprise.attributes = {**enterprise.attributes, "graduate_hires": 6}
    enterprise.save()
    third = run_matching(actor=pw.world.office_admin, year=YEAR, area=pw.world.city, now=NOW)
    assert (third.mode, third.base_run_id, third.reevaluated_count) == (
        "incremental", second.pk, 1,
    )  # fmt: skip
    grad = _current(pw.grad)
    assert grad[USCC_C].amount == Decimal(6000) and grad[USCC_C].run_id == third.pk
    others = MatchResult.objects.filter(current=True).exclude(enterprise__uscc=USCC_C)
    assert set(others.values_list("run_id", flat=True)) == {second.pk}
    assert (third.eligible_count, third.total_amount) == (5, Decimal(368000))


def _migrate(target: str) -> None:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if target == "latest":
        leaves = executor.loader.graph.leaf_nodes()
        executor.migrate([key for key in leaves if key[0] == "policies"])
    else:
        executor.migrate([("policies", target)])


@pytest.mark.django_db(transaction=True)
def test_the_migrations_keep_the_results_already_stored(pw, matched):
    """Migrate a populated results table back to 0009 and forward again (0010 partitions
    it by run, 0011 refers to the enterprise by id instead of copying its credit code and
    name): every row, its id, its enterprise and the feedback on it survive; a row whose
    credit code is no longer in the registry keeps no enterprise; new rows get fresh ids."""
    answered = _current(pw.grad)[USCC_C]
    PushFeedback.objects.create(
        result=answered, policy=pw.grad, uscc=USCC_C, answer="fits", created_at=NOW,
        updated_at=NOW,
    )  # fmt: skip
    before = _snapshot()
    gone = _current(pw.art3)[USCC_D].pk
    table = connection.ops.quote_name(MatchResult._meta.db_table)
    registry = dict(Enterprise.objects.values_list("uscc", "name"))
    _migrate("0010_results_partitioned_by_run")
    with connection.cursor() as cursor:  # the copies are back, from the registry
        cursor.execute(f"SELECT id, uscc, enterprise_name FROM {table}")  # noqa: S608
        copies = {pk: (code, name) for pk, code, name in cursor.fetchall()}
    assert {pk: copies[pk] for pk, _, _, code, *_ in before} == {
        pk: (code, registry[code]) for pk, _, _, code, *_ in before
    }
    for target in ("0009_results_without_fk_constraints", "0010_results_partitioned_by_run"):
        _migrate(target)
    with connection.cursor() as cursor:  # an enterprise that left the registry since
        cursor.execute(
            f"UPDATE {table} SET uscc = %s WHERE id = %s",  # noqa: S608
            ["91420602MA0ZZZZ0ZX", gone],
        )
    _migrate("latest")
    assert _snapshot() == [
        (pk, run, policy, None if pk == gone else code, *rest)
        for pk, run, policy, code, *rest in before
    ]
    assert PushFeedback.objects.get().result_id == answered.pk
    assert MatchResult.objects.get(pk=gone).enterprise_name == "（已不在企业库）"
    assert result_store.partitioned(connection) == (connection.vendor == "postgresql")
    second = _full(pw)
    assert min(MatchResult.objects.filter(run=second).values_list("pk", flat=True)) > max(
        pk for pk, *_ in before
    )
    assert MatchResult.objects.get(pk=answered.pk).current is False


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="staged tables exist on PostgreSQL only"
)
def test_a_run_drops_tables_left_by_a_killed_run_but_not_one_still_staging(pw, matched):
    import psycopg

    # a run killed between staging and COMMIT left its table behind; another run (id
    # 999998) is staging right now in another session and holds its staging lock
    killed, busy = result_store.stage_name(999997), result_store.stage_name(999998)
    with connection.cursor() as cursor:
        for name in (killed, busy):
            cursor.execute(f'CREATE TABLE "{name}" (LIKE {result_store.PARENT})')
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"] or None, port=settings["PORT"] or None,
        user=settings["USER"], dbname=settings["NAME"], autocommit=True,
    )  # fmt: skip
    try:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [result_store._STAGING_LOCK, 999998])
        _full(pw)
    finally:
        other.close()
    left = _unattached_run_tables()
    assert killed not in left
    assert busy in left
