"""The discipline role (纪检监察) sees supervision notices referred to it (问责).

Append-only: the capability is added to the built-in role if missing; nothing is removed.
"""

from django.db import migrations

ADDED = {"discipline": ["supervision.referrals"]}


def forwards(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, caps in ADDED.items():
        role = Role.objects.filter(code=code).first()
        if role is None:
            continue
        missing = [c for c in caps if c not in (role.capabilities or [])]
        if missing:
            role.capabilities = [*(role.capabilities or []), *missing]
            role.save(update_fields=["capabilities"])


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_reviews_reports_notices_bulletins"),
        ("accounts", "0002_builtin_roles"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
