"""Full-text index of the policy library on PostgreSQL (a GIN index of the jieba words).

SQLite has no such index; ``qinqing.policies.search`` filters the same column with LIKE there.
The expression matches the one ``SearchVector("tokens", config="simple")`` generates.
"""

from django.db import migrations

INDEX = "policies_policy_tokens_fts"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON policies_policy USING GIN "
        "(to_tsvector('simple'::regconfig, COALESCE((tokens)::text, '')))"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_policy_library_rules_matching_delivery")]

    operations = [migrations.RunPython(create_index, drop_index)]
