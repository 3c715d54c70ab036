"""Name the plan and article a time limit comes from, not a seed file number (issue 15, 7).

Rows the demo wrote cite "示例市优化营商环境实施方案（种子文件 000）"; a civil servant knows the
plan by its title. Only those two demo texts are rewritten; sources typed by a locality stay.
"""

from django.db import migrations

OLD_PLAN = "示例市优化营商环境实施方案（种子文件 000）第16条"
NEW_PLAN = "《2022年以更大力度优化营商环境实施方案》第16条"
OLD_LOCAL = "亲清默认值（种子文件未规定）"
NEW_LOCAL = "亲清默认值（实施方案未作规定）"


def rewrite(apps, schema_editor):
    SlaPolicy = apps.get_model("appeals", "SlaPolicy")
    for row in SlaPolicy.objects.filter(source__contains="种子文件"):
        row.source = row.source.replace(OLD_PLAN, NEW_PLAN).replace(OLD_LOCAL, NEW_LOCAL)
        row.save(update_fields=["source"])


class Migration(migrations.Migration):
    dependencies = [("appeals", "0009_encrypt_existing_contact_phones")]
    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop)]
