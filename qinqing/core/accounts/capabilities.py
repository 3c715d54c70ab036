"""Capabilities: the verbs a role may perform. Roles (data) hold lists of these codes.

Core declares only its own capabilities here. Each app declares its capabilities, and which
built-in roles get them, in its manifest (``AppManifest.capabilities`` and
``role_capabilities``); :func:`qinqing.core.manifest.install` registers their labels and
:func:`qinqing.core.accounts.roles.ensure_builtin_roles` grants them. A locality may define
further roles in the admin.
"""

CAPABILITY_LABELS: dict[str, str] = {
    "directory.view": "查看机构库",
    "directory.edit": "维护机构库",
    "audit.view": "查看审计日志",
    "users.manage": "管理用户",
    "calendar.manage": "维护节假日数据",
    "enterprises.view": "查看企业库",
    "enterprises.manage": "维护企业库",
    "system.view": "查看系统运行情况",
}

# The core part of each built-in role; apps add theirs through their manifests.
OFFICE_CAPABILITIES = [
    "directory.view", "directory.edit", "audit.view", "calendar.manage",
    "enterprises.view", "enterprises.manage",
]  # fmt: skip
UNIT_STAFF_CAPABILITIES = ["directory.view", "enterprises.view"]
LEADER_CAPABILITIES = ["directory.view", "audit.view", "enterprises.view"]
ENTERPRISE_CAPABILITIES: list[str] = []
SITE_ADMIN_CAPABILITIES = [
    "directory.view",
    "directory.edit",
    "audit.view",
    "users.manage",
    "calendar.manage",
    "system.view",
]
DISCIPLINE_CAPABILITIES: list[str] = []


def register_capabilities(labels: dict[str, str]) -> None:
    CAPABILITY_LABELS.update(labels)
