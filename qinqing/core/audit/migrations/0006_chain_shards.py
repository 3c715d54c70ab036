"""Chain shards (分链): each event records its shard and its position in it.

Both columns are nullable so that adding them rewrites no row (the append-only triggers
stay and refuse any UPDATE; on SQLite a NOT NULL column would rebuild the table and drop
them). Existing rows keep NULL: they are shard 0 at position ``seq``. On PostgreSQL the heads
of every possible shard are created now (``id = shard + 1``; id 1 is the existing head).
"""

import django.db.models.functions.comparison
from django.db import migrations, models

GENESIS = "0" * 64
MAX_SHARDS = 64


def create_heads(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "INSERT INTO audit_audithead (id, seq, hash) SELECT g, 0, %s "
        "FROM generate_series(1, %s) g ON CONFLICT (id) DO NOTHING",
        [GENESIS, MAX_SHARDS],
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_visibility_restricted")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="shard",
            field=models.SmallIntegerField(blank=True, null=True, verbose_name="分链"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="shard_seq",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="分链序号"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce("shard", 0),
                django.db.models.functions.comparison.Coalesce("shard_seq", "seq"),
                name="audit_event_shard_pos",
            ),
        ),
        migrations.RunPython(create_heads, migrations.RunPython.noop),
    ]
