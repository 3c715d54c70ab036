"""Capabilities: the verbs a role may perform. Roles (data) hold lists of these codes.

A domain that needs a new capability registers its label here and adds it to the built-in
roles in a data migration of its own; a locality may define further roles in the admin.
"""

CAPABILITY_LABELS: dict[str, str] = {
    # foundation
    "directory.view": "查看机构库",
    "directory.edit": "维护机构库",
    "audit.view": "查看审计日志",
    "users.manage": "管理用户",
    "calendar.manage": "维护节假日数据",
    "enterprises.view": "查看企业库",
    "enterprises.manage": "维护企业库",
    # 方案任务督办
    "plans.view": "查看方案与任务台账",
    "plans.manage": "导入方案、维护任务台账",
    "plans.report": "报送任务进度",
    "plans.review": "审核进度报送",
    "supervision.issue": "签发督办单、通报",
    # 涉企诉求
    "appeals.view": "查看诉求",
    "appeals.submit": "提交诉求",
    "appeals.intake": "代企业登记诉求（热线）",
    "appeals.dispatch": "受理与派单",
    "appeals.handle": "签收、办理、答复工单",
    "appeals.callback": "回访",
    "appeals.discipline": "处理移送的作风问题线索",
    # 惠企政策
    "policies.view": "查看政策与匹配结果",
    "policies.manage": "维护政策与规则",
    "policies.approve": "审批免申即享发放批次",
    "policies.review": "审核政策申报",
    "policies.mine": "查看本企业可享政策",
    # 双随机、一公开
    "inspections.view": "查看抽查计划与结果",
    "inspections.manage": "制定抽查计划、抽取",
    "inspections.results": "录入检查结果",
    # 评价
    "assessment.view": "查看考评与评价",
    "assessment.manage": "维护考评方案、导入外部评价",
}

OFFICE_CAPABILITIES = [
    "directory.view", "directory.edit", "audit.view", "calendar.manage",
    "enterprises.view", "enterprises.manage",
    "plans.view", "plans.manage", "plans.review", "supervision.issue",
    "appeals.view", "appeals.intake", "appeals.dispatch", "appeals.callback",
    "policies.view", "policies.manage", "policies.approve",
    "inspections.view", "inspections.manage",
    "assessment.view", "assessment.manage",
    "supervision.overview",
]  # fmt: skip
UNIT_STAFF_CAPABILITIES = [
    "directory.view", "enterprises.view",
    "plans.view", "plans.report",
    "appeals.view", "appeals.handle",
    "policies.view", "policies.review",
    "inspections.view", "inspections.results",
    "assessment.view",
]  # fmt: skip
LEADER_CAPABILITIES = [
    "directory.view", "audit.view", "enterprises.view", "plans.view", "appeals.view",
    "policies.view", "inspections.view", "assessment.view",
    "supervision.overview",
]  # fmt: skip
ENTERPRISE_CAPABILITIES = ["appeals.submit", "policies.mine"]
SITE_ADMIN_CAPABILITIES = [
    "directory.view",
    "directory.edit",
    "audit.view",
    "users.manage",
    "calendar.manage",
]
DISCIPLINE_CAPABILITIES = ["appeals.discipline", "supervision.referrals"]


def register_capabilities(labels: dict[str, str]) -> None:
    CAPABILITY_LABELS.update(labels)
