"""Copy the old supervision SMS outbox into the notification centre's outbox (phones masked)."""

from django.db import migrations


def _mask(phone):  # copied from qinqing.core.privacy.mask_phone (migrations import no app code)
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) <= 6:
        return phone[0] + "*" * (len(phone) - 2) + phone[-1]
    head = 3 if (len(phone) == 11 and phone.isdigit()) else max(0, min(4, len(phone) - 8))
    return phone[:head] + "****" + phone[-4:]


def copy(apps, schema_editor):
    old = apps.get_model("supervision", "SmsMessage")
    new = apps.get_model("notifications", "SmsOutbox")
    done = set(
        new.objects.filter(kind__startswith="supervision.legacy").values_list("created_at", "text")
    )
    rows = [
        new(
            phone=_mask(m.phone),
            text=m.text[:300],
            kind="supervision.legacy",
            created_at=m.created_at,
        )
        for m in old.objects.order_by("pk").iterator()
        if (m.created_at, m.text[:300]) not in done
    ]
    new.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0005_fewer_indexes_on_reports"),
        ("notifications", "0002_deliveries_preferences_sms_outbox"),
    ]

    operations = [migrations.RunPython(copy, migrations.RunPython.noop)]
