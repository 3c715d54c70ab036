"""The built-in roles (data migration 0002 holds a frozen copy of the first version)."""

from __future__ import annotations

from qinqing.core.accounts.capabilities import (
    DISCIPLINE_CAPABILITIES,
    ENTERPRISE_CAPABILITIES,
    LEADER_CAPABILITIES,
    OFFICE_CAPABILITIES,
    SITE_ADMIN_CAPABILITIES,
    UNIT_STAFF_CAPABILITIES,
)

BUILTIN_ROLES = [
    ("office_admin", "营商办管理员", "统筹单位（营商办、督查室等）工作人员：调度、督办、派单、考评", "jurisdiction", OFFICE_CAPABILITIES, False),
    ("unit_staff", "部门人员", "承办单位工作人员：只处理交办本单位的任务和工单", "unit", UNIT_STAFF_CAPABILITIES, False),
    ("leader", "领导", "查看本地区全部数据，不做修改", "jurisdiction", LEADER_CAPABILITIES, True),
    ("enterprise", "企业用户", "绑定一个统一社会信用代码，只看本企业的诉求和政策", "enterprise", ENTERPRISE_CAPABILITIES, False),
    ("site_admin", "系统管理员", "维护系统、机构库和用户，使用后台管理", "global", SITE_ADMIN_CAPABILITIES, False),
    ("discipline", "纪检监察", "只看移送纪检监察机关的作风问题线索", "referred", DISCIPLINE_CAPABILITIES, False),
]  # fmt: skip


def builtin_roles() -> list[tuple[str, str, str, str, list[str], bool]]:
    """Core's built-in roles with what every app's manifest grants them, plus apps' roles."""
    from qinqing.core.manifest import manifests

    rows = [(c, n, d, s, list(caps), ro) for c, n, d, s, caps, ro in BUILTIN_ROLES]
    for manifest in manifests():
        for spec in manifest.roles:
            rows.append(
                (
                    spec.code,
                    spec.name,
                    spec.description,
                    spec.scope,
                    list(spec.capabilities),
                    spec.read_only,
                )
            )
    by_code = {row[0]: row for row in rows}
    for manifest in manifests():
        for code, caps in manifest.role_capabilities.items():
            if code in by_code:
                by_code[code][4].extend(c for c in caps if c not in by_code[code][4])
    return rows


def ensure_builtin_roles() -> None:
    """Create missing built-in roles and add capabilities they lack (never removes any).

    Test databases flushed between transactional tests lose migration data; the demo and
    the test world call this so roles are always present.
    """
    from qinqing.core.accounts.models import Role

    for code, name, description, scope, caps, read_only in builtin_roles():
        role, created = Role.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "scope": scope,
                "capabilities": list(caps),
                "read_only": read_only,
                "builtin": True,
            },
        )
        if not created:
            missing = [c for c in caps if c not in role.capabilities]
            if missing:
                role.capabilities = [*role.capabilities, *missing]
                role.save(update_fields=["capabilities"])
