"""Anonymous 码上反映 submissions made before identity_confirmed existed were never verified."""

from django.db import migrations


def mark_unconfirmed(apps, schema_editor):
    Appeal = apps.get_model("appeals", "Appeal")
    Appeal.objects.filter(channel="qr", submitted_by__isnull=True).update(identity_confirmed=False)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0006_appeal_identity_confirmed")]

    operations = [migrations.RunPython(mark_unconfirmed, migrations.RunPython.noop)]
