"""Re-create the triggers keeping ``report_unique_slot`` and ``report_one_current`` on
PostgreSQL with the current definition: a key is serialised on one of
``partitions.LOCK_SLOTS`` advisory-lock slots instead of one lock per key, so opening a
province's report slots in one transaction no longer fills the server's lock table
(docs/dev/partitions.md)."""

from django.db import migrations

UNIQUE_BY_TRIGGER = ["report_unique_slot", "report_one_current"]


def refresh(apps, schema_editor):
    from qinqing.core.db import partitions

    partitions.refresh_unique_triggers(
        schema_editor.connection, "supervision_progressreport", UNIQUE_BY_TRIGGER
    )


class Migration(migrations.Migration):
    dependencies = [("supervision", "0008_monthly_partitions")]
    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
