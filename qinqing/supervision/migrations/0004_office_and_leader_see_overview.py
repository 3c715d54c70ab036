"""Office staff and leaders see the supervision overview (调度总览); unit staff do not.

Append-only: the capability is added to the built-in roles if missing; nothing is removed.
"""

from django.db import migrations

ADDED = {"office_admin": ["supervision.overview"], "leader": ["supervision.overview"]}


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
        ("supervision", "0003_order_by_own_columns"),
        ("accounts", "0002_builtin_roles"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
