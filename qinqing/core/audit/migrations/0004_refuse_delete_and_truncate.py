"""Refuse every way of removing audit rows inside the database, not only UPDATE.

PostgreSQL: TRUNCATE fires no row trigger, so statement triggers refuse TRUNCATE of the
events and of the chain head, and a row trigger refuses deleting the head. Only a superuser
can get past them (``SET session_replication_role = replica``): the test suite's flush does,
the application's database role must not be a superuser (docs/security.md).

SQLite: the DELETE trigger now exists outside the tests too. SQLite has no session setting a
trigger can read, so the trigger allows a delete only while the table ``audit_flush_permit``
holds a row. Nothing in the application writes that table: only the test suite's flush of
the test database does, around the flush (tests/conftest.py). Anyone who can write the
SQLite file can of course drop the trigger; the signed checkpoints outside the database are
what catches that (``qinqing audit verify``).
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION audit_head_keep() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit chain head cannot be deleted (审计日志链头不能删除)';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_audithead;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_audithead
    FOR EACH ROW EXECUTE FUNCTION audit_head_keep();
DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_audithead;
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_audithead
    FOR EACH STATEMENT EXECUTE FUNCTION audit_head_keep();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_audithead;
DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_audithead;
DROP FUNCTION IF EXISTS audit_head_keep();
"""
SQLITE_UP = [
    "CREATE TABLE IF NOT EXISTS audit_flush_permit (reason TEXT NOT NULL)",
    """
CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
""",
    """
CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
WHEN NOT EXISTS (SELECT 1 FROM audit_flush_permit)
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
""",
    """
CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON audit_audithead
WHEN NOT EXISTS (SELECT 1 FROM audit_flush_permit)
BEGIN
    SELECT RAISE(ABORT, 'the audit chain head cannot be deleted');
END;
""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    "DROP TRIGGER IF EXISTS audit_head_no_delete",
    "DROP TABLE IF EXISTS audit_flush_permit",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_auditevent_hash_algorithm")]
    operations = [migrations.RunPython(forwards, backwards)]
