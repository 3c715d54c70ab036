import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Role",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(max_length=40, unique=True, verbose_name="代码")),
                ("name", models.CharField(max_length=40, verbose_name="角色名称")),
                ("description", models.CharField(blank=True, max_length=200, verbose_name="说明")),
                ("scope", models.CharField(choices=[("jurisdiction", "本单位所在地区及下辖地区"), ("unit", "本单位"), ("enterprise", "本企业"), ("referred", "移送本角色的事项"), ("global", "全部")], max_length=20, verbose_name="数据范围")),
                ("capabilities", models.JSONField(blank=True, default=list, verbose_name="权限")),
                ("read_only", models.BooleanField(default=False, verbose_name="只读")),
                ("builtin", models.BooleanField(default=False, editable=False, verbose_name="内置")),
            ],
            options={"ordering": ["code"], "verbose_name": "角色", "verbose_name_plural": "角色"},
        ),
        migrations.CreateModel(
            name="Profile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uscc", models.CharField(blank=True, db_index=True, max_length=18, verbose_name="统一社会信用代码")),
                ("enterprise_name", models.CharField(blank=True, max_length=200, verbose_name="企业名称")),
                ("phone", models.CharField(blank=True, max_length=20, verbose_name="手机号")),
                ("email_notifications", models.BooleanField(default=True, verbose_name="接收邮件提醒")),
                ("role", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="profiles", to="accounts.role", verbose_name="角色")),
                ("unit", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="members", to="orgs.unit", verbose_name="所在单位")),
                ("user", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="profile", to=settings.AUTH_USER_MODEL, verbose_name="用户")),
            ],
            options={"verbose_name": "用户档案", "verbose_name_plural": "用户档案"},
        ),
    ]
