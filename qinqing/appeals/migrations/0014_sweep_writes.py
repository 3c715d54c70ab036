"""Fewer index writes for the SLA sweep (issue 20).

* ``appeals_appealevent``: the ticket's own index goes (``event_ticket_at`` starts with the
  ticket and serves every lookup by ticket), and the actor's index keeps only events that
  have an actor (the sweep's, written by the system, have none). A sweep's 催办 and 督办
  then write three index entries per event instead of five.
* ``appeals_ticket`` (PostgreSQL): pages are filled to half (``fillfactor`` 50, was 80), so
  that the sweep's updates of reminder levels and 督办 flags, which touch no indexed column,
  stay on their page (HOT updates, no index entry written) even when most tickets of a page
  change at once, as in the first sweep of freshly loaded appeals. New pages only: rows
  already stored keep their packing until the table is rewritten (VACUUM FULL, pg_repack).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE appeals_ticket SET (fillfactor = 50)")


def back_to_eighty(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE appeals_ticket SET (fillfactor = 80)")


# The foreign keys stay as they are: only their indexes change (AlterField would drop and
# re-add the constraints, re-checking every event).
INDEXES_SQL = [
    (
        'DROP INDEX IF EXISTS "appeals_appealevent_ticket_id_9c21e823"',
        'CREATE INDEX "appeals_appealevent_ticket_id_9c21e823" ON "appeals_appealevent" ("ticket_id")',
    ),
    (
        'DROP INDEX IF EXISTS "appeals_appealevent_actor_id_60c2975b"',
        'CREATE INDEX "appeals_appealevent_actor_id_60c2975b" ON "appeals_appealevent" ("actor_id")',
    ),
    (
        'CREATE INDEX "event_actor" ON "appeals_appealevent" ("actor_id") '
        'WHERE "actor_id" IS NOT NULL',
        'DROP INDEX IF EXISTS "event_actor"',
    ),
]

STATE = [
    migrations.AlterField(
        model_name="appealevent",
        name="actor",
        field=models.ForeignKey(
            blank=True,
            db_index=False,
            null=True,
            on_delete=django.db.models.deletion.SET_NULL,
            related_name="+",
            to=settings.AUTH_USER_MODEL,
        ),
    ),
    migrations.AlterField(
        model_name="appealevent",
        name="ticket",
        field=models.ForeignKey(
            blank=True,
            db_index=False,
            null=True,
            on_delete=django.db.models.deletion.CASCADE,
            related_name="events",
            to="appeals.ticket",
        ),
    ),
    migrations.AddIndex(
        model_name="appealevent",
        index=models.Index(
            condition=models.Q(("actor__isnull", False)), fields=["actor"], name="event_actor"
        ),
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0013_list_order_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(sql, reverse) for sql, reverse in INDEXES_SQL],
            state_operations=STATE,
        ),
        migrations.RunPython(set_fillfactor, back_to_eighty),
    ]
