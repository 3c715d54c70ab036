"""What the app contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest, NavItem

MANIFEST = AppManifest(
    label="assessment",
    workbench="qinqing.assessment.workbench.work_items",
    url_prefix="assessment/",
    nav=[
        NavItem("考评排名", "assessment:index", "assessment.view", "考评"),
        NavItem("外部评价", "assessment:external", "assessment.manage", "考评"),
    ],
    capabilities={
        "assessment.view": "查看考评与评价",
        "assessment.manage": "维护考评方案、导入外部评价",
    },
    role_capabilities={
        "office_admin": ["assessment.view", "assessment.manage"],
        "unit_staff": ["assessment.view"],
        "leader": ["assessment.view"],
    },
    audit_verbs={
        "assessment_scheme.created": "新建考评方案",
        "assessment_scheme.updated": "修改考评方案",
        "assessment_scheme.targets_set": "调整考评对象",
        "assessment_scheme.activated": "启用考评方案",
        "assessment_scheme.retired": "停用考评方案旧版本",
        "assessment_scheme.revised": "新建考评方案修订版",
        "assessment_item.added": "添加考评指标",
        "assessment_item.updated": "修改考评指标",
        "assessment_item.removed": "删除考评指标",
        "assessment_run.computed": "计算考评结果",
        "assessment_run.recomputed": "重算考评结果",
        "assessment_run.published": "发布考评结果",
        "external_ranking.imported": "导入外部评价排名",
        "external_ranking.replaced": "覆盖外部评价排名",
        "external_rule.set": "设置外部评价触发规则",
        "external_trigger.created": "外部评价触发督办",
        "external_trigger.handled": "处理外部评价触发记录",
    },
    demo_seed="qinqing.assessment.seeds.load_demo",
    # the demo scores read every app's indicators, so their demo data comes first
    demo_after=[
        "supervision",
        "appeals",
        "policies",
        "inspections",
        "engagement",
        "problems",
        "onsite",
    ],  # fmt: skip
    demo_title="营商环境评价",
)
