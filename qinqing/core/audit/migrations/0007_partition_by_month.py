"""Partition the audit events by month on PostgreSQL (issue 20; ``audit/partitioning.py``).

Works on a populated table: :func:`qinqing.core.db.partitions.convert` copies the rows into
a table partitioned by ``RANGE (id)`` (month-aligned ids; the rows already there are split
into months by ``created_at``), and keeps the indexes, the id sequence and the triggers that
refuse UPDATE, DELETE and TRUNCATE. It holds an exclusive lock on the table while it copies:
run it in a maintenance window on a large trail.

A unique constraint must contain the partition key, so ``UNIQUE (seq)`` becomes a plain
index on PostgreSQL: since sharding, a new event's ``seq`` *is* its id (unique as the primary
key), and older rows were numbered one by one under the single head. (The model keeps
``unique=True``, which SQLite still enforces.) Every partition then gets its own TRUNCATE
trigger, which PostgreSQL does not clone from the parent.

SQLite: nothing changes.
"""

from django.db import migrations

TABLE = "audit_auditevent"


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from qinqing.core.db import partitions

    with connection.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [TABLE]
        )
        if cur.fetchone():
            return
        cur.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'",
            [TABLE],
        )
        for (name,) in cur.fetchall():
            cur.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')
        cur.execute(f"CREATE INDEX IF NOT EXISTS audit_auditevent_seq_order ON {TABLE} (seq)")
    partitions.convert(connection, TABLE, time_column="created_at")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        for (name,) in cur.fetchall():
            cur.execute(
                f'CREATE OR REPLACE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON "{name}" '
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
            )


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from qinqing.core.db import partitions

    partitions.revert(connection, TABLE)
    with connection.cursor() as cur:
        cur.execute("DROP INDEX IF EXISTS audit_auditevent_seq_order")
        cur.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT audit_auditevent_seq_key UNIQUE (seq)")


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_chain_shards")]
    operations = [migrations.RunPython(forwards, backwards)]
