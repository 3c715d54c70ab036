import pytest
from django.core.management import call_command
from django.db import connection, transaction

from qinqing.cli.main import main as qinqing_main
from qinqing.core import audit
from qinqing.core.audit.models import AuditEvent, AuditHead, AuditTamperingRefused
from qinqing.core.audit.service import position, verify_chain


def _three_events(world):
    for i in range(3):
        audit.record(
            world.office_admin, "unit.updated", world.market, before={"n": i}, after={"n": i + 1}
        )
    return list(AuditEvent.objects.order_by("seq"))[-3:]


def _raw(sql, params=()):
    """Write behind the application's back, as a database administrator could: on PostgreSQL
    a superuser disables the triggers for the session, on SQLite whoever holds the file drops
    them (the test's transaction rolls the DDL back afterwards)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = replica")  # disables the trigger
        else:
            for name in ("audit_event_no_update", "audit_event_no_delete", "audit_head_no_delete"):
                cur.execute(f"DROP TRIGGER IF EXISTS {name}")
        cur.execute(sql, params)
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = DEFAULT")


def test_chain_of_untouched_trail_verifies(world):
    _three_events(world)
    result = verify_chain()
    assert result.ok
    assert result.checked == AuditEvent.objects.count()


def test_every_service_write_leaves_an_event(world):
    from qinqing.core.orgs.service import add_alias

    add_alias(world.ndrc, "市发改委", actor=world.office_admin)
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"unit.created", "unit.alias_added", "unitgroup.created", "user.created"} <= verbs


def test_update_through_orm_is_refused(world):
    event = _three_events(world)[0]
    event.verb = "forged"
    with pytest.raises(AuditTamperingRefused):
        event.save()
    with pytest.raises(AuditTamperingRefused):
        AuditEvent.objects.filter(pk=event.pk).update(verb="forged")
    with pytest.raises(AuditTamperingRefused):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditTamperingRefused):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).verb == "unit.updated"


def test_database_trigger_refuses_plain_sql_update(world):
    event = _three_events(world)[0]
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("UPDATE audit_auditevent SET verb = %s WHERE id = %s", ["forged", event.pk])
    assert AuditEvent.objects.get(pk=event.pk).verb == "unit.updated"


def test_database_trigger_refuses_plain_sql_delete(world):
    """Both databases: the SQLite delete trigger is real outside the test flush too."""
    event = _three_events(world)[0]
    for sql, params in (
        ("DELETE FROM audit_auditevent WHERE id = %s", [event.pk]),
        ("DELETE FROM audit_auditevent", []),
        ("DELETE FROM audit_audithead", []),
    ):
        with (
            pytest.raises(Exception, match="append-only|cannot be deleted"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, params)
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert AuditHead.objects.filter(pk=1).exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.parametrize("table", ["audit_auditevent", "audit_audithead"])
def test_postgresql_trigger_refuses_truncate(world, table):
    _three_events(world)
    count = AuditEvent.objects.count()
    with (
        pytest.raises(Exception, match="append-only|cannot be deleted"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.count() == count


def test_sqlite_flush_permit_is_empty_outside_the_test_flush(world):
    if connection.vendor != "sqlite":
        pytest.skip("the flush permit table is SQLite's")
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM audit_flush_permit")
        assert cur.fetchone()[0] == 0


def test_verify_reports_first_altered_row(world, capsys):
    events = _three_events(world)
    target = events[1]
    _raw("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"n": 99}', target.pk])
    result = verify_chain()
    assert not result.ok
    assert f"第 {target.seq} 条" in result.problem and "改动" in result.problem
    assert qinqing_main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"第 {target.seq} 条" in out


def test_verify_reports_deleted_row_in_the_middle(world):
    events = _three_events(world)
    target = events[1]
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [target.pk])
    result = verify_chain()
    assert not result.ok
    assert f"第 {position(target)[1]} 条缺失" in result.problem


def test_verify_reports_deleted_tail(world):
    events = _three_events(world)
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    result = verify_chain()
    assert not result.ok
    assert "缺失" in result.problem


def test_cli_verify_passes_on_clean_trail(world, capsys):
    assert qinqing_main(["audit", "verify"]) == 0
    assert "审计日志完整" in capsys.readouterr().out


def test_failed_service_leaves_no_event(world):
    from qinqing.core.errors import InvalidInput
    from qinqing.core.orgs.service import create_unit

    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput):
        create_unit(actor=world.office_admin, name="市税务局", kind="department", parent=world.city)
    assert AuditEvent.objects.count() == before


def test_audit_page_visible_to_leader_not_to_unit_staff(world, client_for):
    page = client_for(world.leader).get("/audit/")
    assert page.status_code == 200
    assert "新增单位" in page.content.decode()
    denied = client_for(world.market_clerk).get("/audit/")
    assert denied.status_code == 403


def test_audit_page_filters_by_unit(world, client_for):
    from qinqing.core.orgs.service import add_alias

    add_alias(world.tax, "税务局", actor=world.office_admin)
    page = client_for(world.office_admin).get(f"/audit/?unit={world.tax.pk}&verb=unit.alias_added")
    body = page.content.decode()
    assert "税务局" in body
    assert "市场监管局" not in body.split("<tbody>")[1]


@pytest.mark.django_db
def test_migrations_are_complete():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
