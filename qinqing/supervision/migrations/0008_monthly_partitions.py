"""Partition the progress reports by month on PostgreSQL (issue 20; docs/dev/partitions.md).

``supervision_progressreport`` is split by RANGE on its month-aligned ids (PRIMARY KEY (id)
stays, so the report versions and attachments keep real foreign keys to their report). Rows
already there keep their ids and are split by the month their period ends in; new slots
take the month's ids from the daily job ``db.partitions``, which keeps this table's coming
months ready like every partitioned table's.

Neither unique key contains the id, so neither can be a unique index of the partitioned
table: the one slot per task, unit and cycle (``report_unique_slot``) and the one standing
report per task and unit (``report_one_current``) are kept by triggers (plain indexes plus a
check under an advisory lock, ``unique_violation`` as before). Opening a cycle therefore
skips existing slots with ``NOT EXISTS`` instead of an ``ON CONFLICT`` target
(``service.cadences.insert_slots``). The way back restores both unique keys as they were.
SQLite keeps a plain table; Django's model state is unchanged.
"""

from django.db import migrations

TABLE = "supervision_progressreport"
UNIQUE_BY_TRIGGER = ["report_unique_slot", "report_one_current"]


def partition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from qinqing.core.db import partitions

    partitions.convert(
        connection, TABLE, time_column="period_end", unique_by_trigger=UNIQUE_BY_TRIGGER
    )


def unpartition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from qinqing.core.db import partitions

    partitions.revert(connection, TABLE, unique_by_trigger=UNIQUE_BY_TRIGGER)
    with connection.cursor() as cursor:
        # revert brings report_unique_slot back as a unique index; Django made it a
        # constraint (a later migration removing it drops the constraint)
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT report_unique_slot"
            " UNIQUE USING INDEX report_unique_slot"
        )


class Migration(migrations.Migration):
    dependencies = [("supervision", "0007_drop_sms_outbox")]
    operations = [migrations.RunPython(partition, unpartition)]
