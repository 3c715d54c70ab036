"""What the app contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest, Job, NavItem

MANIFEST = AppManifest(
    label="inspections",
    workbench="qinqing.inspections.workbench.work_items",
    notification_kinds={"inspections.drawn": "抽查任务（抽取完成）"},
    deadlines="qinqing.inspections.deadlines.recompute_deadlines",
    url_prefix="inspections/",
    nav=[
        NavItem("抽查计划", "inspections:campaigns", "inspections.view", "双随机、一公开"),
        NavItem("检查事项清单", "inspections:items", "inspections.view", "双随机、一公开"),
        NavItem("执法检查人员", "inspections:inspectors", "inspections.view", "双随机、一公开"),
        NavItem("宁静期", "inspections:quiet", "inspections.manage", "双随机、一公开"),
        NavItem("信用分级分类", "inspections:credit", "inspections.manage", "双随机、一公开"),
        NavItem("抽查结果公示", "inspections:public", None, "双随机、一公开"),
    ],
    capabilities={
        "inspections.view": "查看抽查计划与结果",
        "inspections.manage": "制定抽查计划、抽取",
        "inspections.results": "录入检查结果",
    },
    role_capabilities={
        "office_admin": ["inspections.view", "inspections.manage"],
        "unit_staff": ["inspections.view", "inspections.results"],
        "leader": ["inspections.view"],
    },
    audit_verbs={
        "inspection_item.created": "新增检查事项",
        "inspection_item.updated": "修改检查事项",
        "inspector.created": "新增执法检查人员",
        "inspector.updated": "修改执法检查人员",
        "quiet_period.added": "登记企业宁静期",
        "quiet_period.removed": "删除企业宁静期",
        "local_quiet_days.added": "登记全域宁静日",
        "local_quiet_days.deactivated": "停用全域宁静日",
        "campaign.planned": "制定抽查计划",
        "campaign.updated": "修改抽查计划",
        "campaign.committed": "公布抽取承诺值",
        "campaign.drawn": "抽取检查对象和执法检查人员",
        "campaign.published": "公布抽取结果和种子",
        "campaign.cancelled": "撤销抽查计划",
        "visit.result_recorded": "录入检查结果",
        "visit.result_overdue": "检查结果逾期未公示",
        "credit_list.added": "列入红黑名单",
        "credit_list.removed": "移出红黑名单",
        "credit_repair.submitted": "登记信用修复申请",
        "credit_repair.reviewed": "信用修复初审",
        "credit_repair.decided": "信用修复决定",
        "credit_repair.overdue": "信用修复初审逾期",
    },
    jobs=[
        Job(
            "inspections.flag_overdue",
            "抽查结果公示逾期、信用修复初审逾期标记",
            "workdays 08:30",
            "qinqing.inspections.tasks.flag_overdue",
        ),
    ],
    indicators="qinqing.inspections.indicators",
    demo_seed="qinqing.inspections.seeds.load_demo",
    demo_title="双随机一公开",
)
