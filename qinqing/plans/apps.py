from django.apps import AppConfig

from qinqing.web.nav import NavItem

VERB_LABELS = {
    "plan.imported": "导入方案",
    "plan.updated": "修改方案信息",
    "plan.task_updated": "修改待确认任务",
    "plan.task_deleted": "删除待确认任务",
    "plan.unit_name_resolved": "对应方案中的单位名称",
    "plan.units_refreshed": "按机构库重新对应单位名称",
    "plan.confirmed": "确认方案",
    "plan.superseded": "方案被新版本替代",
    "plan.discarded": "放弃方案草稿",
}


class PlansConfig(AppConfig):
    name = "qinqing.plans"
    label = "plans"
    verbose_name = "方案任务督办"
    demo_seed = "qinqing.plans.seeds.load_demo"
    nav_items = [
        NavItem("任务台账", "plans:ledger", "plans.view", "方案督办"),
        NavItem("方案导入", "plans:plans", "plans.manage", "方案督办"),
        NavItem("经验库", "plans:library", "plans.view", "方案督办"),
    ]

    def ready(self) -> None:
        from qinqing.core.audit.verbs import register_verbs

        register_verbs(VERB_LABELS)
