"""Store personal data SM4-encrypted (schema: a text column for the ciphertext)."""

import qinqing.core.crypto.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_password_state'),
    ]

    operations = [
        migrations.AlterField(
            model_name='profile',
            name='phone',
            field=qinqing.core.crypto.fields.EncryptedTextField(blank=True, max_length=20, verbose_name='手机号'),
        ),
    ]
