"""Encrypt the rows written before Profile's personal data was SM4-encrypted (data only)."""

from django.db import migrations

from qinqing.core.crypto.migration import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_encrypted_personal_data")]
    operations = [migrations.RunPython(*encrypt_existing("accounts", "Profile", ["phone"]))]
