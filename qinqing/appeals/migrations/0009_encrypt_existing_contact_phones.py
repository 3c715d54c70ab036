"""Encrypt the rows written before Appeal's personal data was SM4-encrypted (data only)."""

from django.db import migrations

from qinqing.core.crypto.migration import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [("appeals", "0008_encrypted_personal_data")]
    operations = [migrations.RunPython(*encrypt_existing("appeals", "Appeal", ["contact_phone"]))]
