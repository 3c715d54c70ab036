"""Store personal data SM4-encrypted (schema: a text column for the ciphertext)."""

import qinqing.core.crypto.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('policies', '0005_one_open_application_per_policy'),
    ]

    operations = [
        migrations.AlterField(
            model_name='application',
            name='bank_account',
            field=qinqing.core.crypto.fields.EncryptedTextField(max_length=100, verbose_name='收款账户'),
        ),
        migrations.AlterField(
            model_name='application',
            name='contact_phone',
            field=qinqing.core.crypto.fields.EncryptedTextField(max_length=30, verbose_name='联系电话'),
        ),
    ]
