# ruff: noqa: S608  (the table names are this migration's own constants)
"""On PostgreSQL, results are LIST-partitioned by run: a full run's rows are loaded into a
table of their own, indexed afterwards and attached, and the run they replace is dropped
as a whole instead of deleted row by row (issue 20, ``qinqing/policies/result_store.py``).
The rows already stored move to the DEFAULT partition. Feedback keeps no database foreign
key to its result (a partitioned table's key includes the run), and results lose their
single-column run index (the partition key); credit codes are compared bytewise (``COLLATE
"C"``, the same order for their ASCII). Nothing changes on SQLite but the index."""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "policies_matchresult"


def _q(name):
    return '"' + name + '"'


def partition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM policies_matchresult")
        top = cursor.fetchone()[0]
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        sequence = cursor.fetchone()[0]
        if sequence:
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            value, called = cursor.fetchone()
            top = max(top, value if called else value - 1)
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}__plain")
        cursor.execute(
            "SELECT attidentity FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'id'",
            [f"{TABLE}__plain"],
        )
        if cursor.fetchone()[0]:
            cursor.execute(f"ALTER TABLE {TABLE}__plain ALTER COLUMN id DROP IDENTITY")
        elif sequence:
            cursor.execute(f"ALTER TABLE {TABLE}__plain ALTER COLUMN id DROP DEFAULT")
            cursor.execute(f"DROP SEQUENCE {sequence}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {TABLE}__plain INCLUDING DEFAULTS INCLUDING"
            " CONSTRAINTS INCLUDING STORAGE) PARTITION BY LIST (run_id)"
        )
        # credit codes are ASCII: byte order is their order, and indexing 17 million of
        # them sorts several times faster than with the database's locale
        cursor.execute(f'ALTER TABLE {TABLE} ALTER COLUMN uscc TYPE varchar(18) COLLATE "C"')
        cursor.execute(f"CREATE SEQUENCE {TABLE}_id_seq AS bigint OWNED BY {TABLE}.id")
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{TABLE}_id_seq')")
        if top:
            cursor.execute("SELECT setval(%s, %s)", [f"{TABLE}_id_seq", top])
        cursor.execute(f"CREATE TABLE {TABLE}_pdefault PARTITION OF {TABLE} DEFAULT")
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {TABLE}__plain")
        cursor.execute(f"DROP TABLE {TABLE}__plain")
        cursor.execute(f"ALTER TABLE {TABLE} ADD PRIMARY KEY (id, run_id)")
        cursor.execute(f'CREATE INDEX policy_result_uscc ON {TABLE} (uscc, "current")')
        cursor.execute(
            f'CREATE INDEX policy_result_list ON {TABLE} (policy_id, year, "current", eligible)'
        )
        cursor.execute(f"ANALYZE {TABLE}")


def unpartition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {TABLE}__plain (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING"
            " CONSTRAINTS INCLUDING STORAGE)"
        )
        cursor.execute(
            f'ALTER TABLE {TABLE}__plain ALTER COLUMN uscc TYPE varchar(18) COLLATE "default"'
        )
        cursor.execute(f"INSERT INTO {TABLE}__plain SELECT * FROM {TABLE}")
        cursor.execute(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY NONE")
        cursor.execute(f"DROP TABLE {TABLE} CASCADE")
        cursor.execute(f"ALTER TABLE {TABLE}__plain RENAME TO {TABLE}")
        cursor.execute(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
        cursor.execute(f"ALTER TABLE {TABLE} ADD PRIMARY KEY (id)")
        cursor.execute(f'CREATE INDEX policy_result_uscc ON {TABLE} (uscc, "current")')
        cursor.execute(
            f'CREATE INDEX policy_result_list ON {TABLE} (policy_id, year, "current", eligible)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0009_results_without_fk_constraints"),
    ]

    operations = [
        migrations.AlterField(
            model_name="pushfeedback",
            name="result",
            field=models.OneToOneField(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="feedback",
                to="policies.matchresult",
            ),
        ),
        migrations.AlterField(
            model_name="matchresult",
            name="run",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="results",
                to="policies.matchrun",
            ),
        ),
        migrations.RunPython(partition, unpartition, elidable=False),
    ]
