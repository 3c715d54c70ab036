"""Store the cadre's phone number SM4-encrypted and encrypt the rows already there."""

from django.db import migrations

import qinqing.core.crypto.fields
from qinqing.core.crypto.migration import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [("engagement", "0002_visit_covering_indexes")]

    operations = [
        migrations.AlterField(
            model_name="cadre",
            name="phone",
            field=qinqing.core.crypto.fields.EncryptedTextField(
                blank=True, max_length=30, verbose_name="联系电话"
            ),
        ),
        migrations.RunPython(*encrypt_existing("engagement", "Cadre", ["phone"])),
    ]
