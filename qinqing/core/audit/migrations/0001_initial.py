from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(unique=True, verbose_name="序号")),
                ("created_at", models.DateTimeField(db_index=True, verbose_name="时间")),
                ("actor_id", models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="操作人编号")),
                ("actor_label", models.CharField(blank=True, max_length=150, verbose_name="操作人")),
                ("verb", models.CharField(db_index=True, max_length=80, verbose_name="操作")),
                ("object_type", models.CharField(db_index=True, max_length=80, verbose_name="对象类型")),
                ("object_id", models.CharField(db_index=True, max_length=64, verbose_name="对象编号")),
                ("object_repr", models.CharField(blank=True, max_length=200, verbose_name="对象")),
                ("unit_id", models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="相关单位编号")),
                ("before", models.JSONField(blank=True, null=True, verbose_name="变更前")),
                ("after", models.JSONField(blank=True, null=True, verbose_name="变更后")),
                ("visibility", models.CharField(choices=[("internal", "内部"), ("public", "公开")], default="internal", max_length=10, verbose_name="可见范围")),
                ("prev_hash", models.CharField(max_length=64, verbose_name="前一条哈希")),
                ("hash", models.CharField(max_length=64, verbose_name="哈希")),
            ],
            options={"ordering": ["-seq"], "verbose_name": "审计记录", "verbose_name_plural": "审计记录"},
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["object_type", "object_id"], name="audit_audit_object__0e78a5_idx"),
        ),
        migrations.CreateModel(
            name="AuditHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(default=0)),
                ("hash", models.CharField(default="0" * 64, max_length=64)),
            ],
            options={"verbose_name": "审计链头"},
        ),
    ]
