from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="hash_algorithm",
            field=models.CharField(blank=True, max_length=10, null=True, verbose_name="哈希算法"),
        ),
    ]
