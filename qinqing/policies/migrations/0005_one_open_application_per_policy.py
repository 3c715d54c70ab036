"""One open application per enterprise and policy, enforced by the database (issue 14)."""

from django.db import migrations, models
from django.db.models import Count

OPEN = ["submitted", "returned", "approved"]


def refuse_existing_duplicates(apps, schema_editor):
    """Name the duplicates instead of failing on an anonymous IntegrityError.

    Money may already be committed for them, so they are not closed automatically: an
    administrator rejects the surplus ones (不予兑现) and runs the migration again.
    """
    Application = apps.get_model("policies", "Application")
    groups = (
        Application.objects.filter(state__in=OPEN)
        .values("policy_id", "uscc")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    problems = []
    for group in groups:
        ids = Application.objects.filter(
            state__in=OPEN, policy_id=group["policy_id"], uscc=group["uscc"]
        ).values_list("pk", flat=True)
        problems.append(f"policy {group['policy_id']}, uscc {group['uscc']}: applications {list(ids)}")
    if problems:
        raise RuntimeError(
            "Several open applications of one enterprise for one policy exist; reject the "
            "surplus ones before migrating:\n" + "\n".join(problems)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0004_drop_policy_notifications"),
    ]

    operations = [
        migrations.RunPython(refuse_existing_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="application",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state__in", OPEN)),
                fields=("policy", "uscc"),
                name="one_open_application_per_policy",
            ),
        ),
    ]
