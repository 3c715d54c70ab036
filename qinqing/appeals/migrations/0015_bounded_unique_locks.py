"""Re-create the trigger keeping ``appeal_unique_external_id`` on PostgreSQL with the
current definition: it serialises a key on one of ``partitions.LOCK_SLOTS`` advisory-lock
slots instead of one lock per key, so loading tens of thousands of appeals in one
transaction no longer fills the server's lock table (docs/dev/partitions.md)."""

from django.db import migrations

UNIQUE_BY_TRIGGER = ["appeal_unique_external_id"]


def refresh(apps, schema_editor):
    from qinqing.core.db import partitions

    partitions.refresh_unique_triggers(
        schema_editor.connection, "appeals_appeal", UNIQUE_BY_TRIGGER
    )


class Migration(migrations.Migration):
    dependencies = [("appeals", "0014_sweep_writes")]
    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
