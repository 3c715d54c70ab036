# ruff: noqa: S608  (the table names come from the migration state's models)
"""Results refer to the enterprise by id instead of copying its credit code and name into
every row (issue 20: ~19 million rows per province run; a row goes from ~140 to 80 bytes
on PostgreSQL and its second index from a text key to a bigint).

Works on a populated database: the new column is filled from the credit codes before they
are dropped. A row whose credit code is no longer in the registry (history an enterprise
answered on, or a current row of an enterprise deleted since the last run) keeps no
enterprise (NULL); its feedback keeps the credit code. On PostgreSQL the table is
partitioned by run (0010): the column, the update and the indexes go to every partition.
The partitions written before keep the dropped columns' space until the next full run
replaces them."""

import django.db.models.deletion
from django.db import migrations, models


def _tables(apps):
    result = apps.get_model("policies", "MatchResult")._meta.db_table
    enterprise = apps.get_model("enterprises", "Enterprise")._meta.db_table
    return result, enterprise


def fill_enterprise_ids(apps, schema_editor):
    connection = schema_editor.connection
    result, enterprise = (connection.ops.quote_name(t) for t in _tables(apps))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # one hash join; the codes are compared bytewise (the results' column is
            # COLLATE "C" since 0010, the registry's uses the database's)
            cursor.execute(
                f"UPDATE {result} r SET enterprise_id = e.id FROM {enterprise} e"
                ' WHERE e.uscc COLLATE "C" = r.uscc COLLATE "C"'
            )
        else:
            cursor.execute(
                f"UPDATE {result} SET enterprise_id = (SELECT e.id FROM {enterprise} e"
                f" WHERE e.uscc = {result}.uscc)"
            )


def fill_codes_and_names(apps, schema_editor):
    """Backwards: the copies again, from the enterprises still in the registry."""
    connection = schema_editor.connection
    result, enterprise = (connection.ops.quote_name(t) for t in _tables(apps))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {result} r SET uscc = e.uscc, enterprise_name = e.name"
                f" FROM {enterprise} e WHERE e.id = r.enterprise_id"
            )
        else:
            for column, source in (("uscc", "uscc"), ("enterprise_name", "name")):
                cursor.execute(
                    f"UPDATE {result} SET {column} = coalesce((SELECT e.{source}"
                    f" FROM {enterprise} e WHERE e.id = {result}.enterprise_id), '')"
                )


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0002_enterprise_updated_at_index"),
        ("policies", "0010_results_partitioned_by_run"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="matchresult",
            options={
                "ordering": ["policy", "-eligible", "enterprise_id"],
                "verbose_name": "政策匹配结果",
                "verbose_name_plural": "政策匹配结果",
            },
        ),
        migrations.AddField(
            model_name="matchresult",
            name="enterprise",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="enterprises.enterprise",
                verbose_name="企业",
            ),
        ),
        migrations.RunPython(fill_enterprise_ids, fill_codes_and_names, elidable=False),
        migrations.RemoveIndex(
            model_name="matchresult",
            name="policy_result_uscc",
        ),
        # defaults, so that migrating back can add the columns to stored rows again
        migrations.AlterField(
            model_name="matchresult",
            name="uscc",
            field=models.CharField(default="", max_length=18, verbose_name="统一社会信用代码"),
        ),
        migrations.AlterField(
            model_name="matchresult",
            name="enterprise_name",
            field=models.CharField(default="", max_length=200, verbose_name="企业名称"),
        ),
        migrations.RemoveField(
            model_name="matchresult",
            name="enterprise_name",
        ),
        migrations.RemoveField(
            model_name="matchresult",
            name="uscc",
        ),
        migrations.AddIndex(
            model_name="matchresult",
            index=models.Index(fields=["enterprise", "current"], name="policy_result_enterprise"),
        ),
    ]
