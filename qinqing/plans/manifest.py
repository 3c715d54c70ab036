"""What the app contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest, NavItem

MANIFEST = AppManifest(
    label="plans",
    search=["qinqing.plans.search.site_search"],
    workbench="qinqing.plans.workbench.work_items",
    url_prefix="plans/",
    nav=[
        NavItem("任务台账", "plans:ledger", "plans.view", "方案督办"),
        NavItem("方案导入", "plans:plans", "plans.manage", "方案督办"),
        NavItem("经验库", "plans:library", "plans.view", "方案督办"),
    ],
    capabilities={
        "plans.view": "查看方案与任务台账",
        "plans.manage": "导入方案、维护任务台账",
        "plans.report": "报送任务进度",
        "plans.review": "审核进度报送",
    },
    role_capabilities={
        "office_admin": ["plans.view", "plans.manage", "plans.review"],
        "unit_staff": ["plans.view", "plans.report"],
        "leader": ["plans.view"],
    },
    audit_verbs={
        "plan.imported": "导入方案",
        "plan.updated": "修改方案信息",
        "plan.task_updated": "修改待确认任务",
        "plan.task_deleted": "删除待确认任务",
        "plan.unit_name_resolved": "对应方案中的单位名称",
        "plan.units_refreshed": "按机构库重新对应单位名称",
        "plan.confirmed": "确认方案",
        "plan.superseded": "方案被新版本替代",
        "plan.discarded": "放弃方案草稿",
    },
    demo_seed="qinqing.plans.seeds.load_demo",
    demo_title="方案任务督办",
)
