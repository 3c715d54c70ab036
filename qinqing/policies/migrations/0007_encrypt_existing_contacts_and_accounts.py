"""Encrypt the rows written before Application's personal data was SM4-encrypted (data only)."""

from django.db import migrations

from qinqing.core.crypto.migration import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [("policies", "0006_encrypted_personal_data")]
    operations = [migrations.RunPython(*encrypt_existing("policies", "Application", ["contact_phone", "bank_account"]))]
