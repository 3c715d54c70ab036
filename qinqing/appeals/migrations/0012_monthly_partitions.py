"""Partition appeals and their events by month on PostgreSQL (issue 20; docs/dev/partitions.md).

``appeals_appeal`` is split by RANGE on its month-aligned ids (PRIMARY KEY (id) stays, so
every foreign key to an appeal stays a real one); ``appeals_appealevent`` on ``appeal_id``
with the same bounds, so an appeal's events sit, and archive, in the appeal's month. Rows
already there keep their ids and are split by the month they were received in. The unique
external id (``appeal_unique_external_id``) cannot be a unique index on a table partitioned
by id: it is kept by a trigger. SQLite keeps plain tables; Django's model state is unchanged.
"""

from django.db import migrations

UNIQUE_BY_TRIGGER = ["appeal_unique_external_id"]


def partition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from qinqing.core.db import partitions

    partitions.convert(
        connection, "appeals_appeal", time_column="received_at",
        unique_by_trigger=UNIQUE_BY_TRIGGER,
    )  # fmt: skip
    partitions.convert(
        connection, "appeals_appealevent", column="appeal_id", bounds_from="appeals_appeal"
    )


def unpartition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from qinqing.core.db import partitions

    partitions.revert(connection, "appeals_appealevent")
    partitions.revert(connection, "appeals_appeal", unique_by_trigger=UNIQUE_BY_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0011_identity_codes")]
    operations = [migrations.RunPython(partition, unpartition)]
