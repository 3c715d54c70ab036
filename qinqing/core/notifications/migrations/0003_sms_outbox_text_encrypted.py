"""Store the SMS outbox's text SM4-encrypted (it may carry a one-time code) and encrypt the
rows already there."""

from django.db import migrations

import qinqing.core.crypto.fields
from qinqing.core.crypto.migration import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_deliveries_preferences_sms_outbox")]

    operations = [
        migrations.AlterField(
            model_name="smsoutbox",
            name="text",
            field=qinqing.core.crypto.fields.EncryptedTextField(
                max_length=300, verbose_name="内容"
            ),
        ),
        migrations.RunPython(*encrypt_existing("notifications", "SmsOutbox", ["text"])),
    ]
