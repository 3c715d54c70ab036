"""Store personal data SM4-encrypted (schema: a text column for the ciphertext)."""

import qinqing.core.crypto.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('appeals', '0007_mark_anonymous_qr_appeals_unconfirmed'),
    ]

    operations = [
        migrations.AlterField(
            model_name='appeal',
            name='contact_phone',
            field=qinqing.core.crypto.fields.EncryptedTextField(max_length=30, verbose_name='联系电话'),
        ),
    ]
