"""Leave room on ticket pages (PostgreSQL) so that the daily sweep's updates of reminder
levels and 督办 flags, which touch no indexed column, are HOT updates."""

from django.db import migrations


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE appeals_ticket SET (fillfactor = 80)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE appeals_ticket RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_appeals_tickets_events_ratings")]
    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
