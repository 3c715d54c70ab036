"""Built-in roles. Helper data is copied here, not imported, so the migration never changes."""

from django.db import migrations

OFFICE = [
    "directory.view", "directory.edit", "audit.view", "calendar.manage",
    "enterprises.view", "enterprises.manage",
    "plans.view", "plans.manage", "plans.review", "supervision.issue",
    "appeals.view", "appeals.intake", "appeals.dispatch", "appeals.callback",
    "policies.view", "policies.manage", "policies.approve",
    "inspections.view", "inspections.manage",
    "assessment.view", "assessment.manage",
]
UNIT_STAFF = [
    "directory.view", "enterprises.view", "plans.view", "plans.report", "appeals.view",
    "appeals.handle", "policies.view", "policies.review", "inspections.view",
    "inspections.results", "assessment.view",
]
LEADER = [
    "directory.view", "audit.view", "enterprises.view", "plans.view", "appeals.view",
    "policies.view", "inspections.view", "assessment.view",
]

ROLES = [
    ("office_admin", "营商办管理员", "统筹单位（营商办、督查室等）工作人员：调度、督办、派单、考评", "jurisdiction", OFFICE, False),
    ("unit_staff", "部门人员", "承办单位工作人员：只处理交办本单位的任务和工单", "unit", UNIT_STAFF, False),
    ("leader", "领导", "查看本地区全部数据，不做修改", "jurisdiction", LEADER, True),
    ("enterprise", "企业用户", "绑定一个统一社会信用代码，只看本企业的诉求和政策", "enterprise", ["appeals.submit", "policies.mine"], False),
    ("site_admin", "系统管理员", "维护系统、机构库和用户，使用后台管理", "global", ["directory.view", "directory.edit", "audit.view", "users.manage", "calendar.manage"], False),
    ("discipline", "纪检监察", "只看移送纪检监察机关的作风问题线索", "referred", ["appeals.discipline"], False),
]  # fmt: skip


def forwards(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, name, description, scope, caps, read_only in ROLES:
        Role.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "scope": scope,
                "capabilities": caps,
                "read_only": read_only,
                "builtin": True,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
