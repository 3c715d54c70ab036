"""What the app contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest, Job, NavItem

SECTION = "涉企检查"

MANIFEST = AppManifest(
    label="onsite",
    url_prefix="onsite/",
    nav=[
        NavItem("入企检查备案", "onsite:list", "onsite.view", SECTION),
        NavItem("联合检查建议", "onsite:proposals", "onsite.view", SECTION),
        NavItem("免罚清单", "onsite:lists", "onsite.view", SECTION),
        NavItem("柔性执法案例", "onsite:cases", "onsite.view", SECTION),
        NavItem("入企检查规则", "onsite:settings", "onsite.approve", SECTION),
        NavItem("本企业的入企检查", "onsite:mine", "onsite.enterprise", SECTION),
        NavItem("免罚清单公示", "onsite:public_lists", None, SECTION),
        NavItem("执法事项与裁量基准", "onsite:public_matters", None, SECTION),
    ],
    capabilities={
        "onsite.view": "查看涉企检查备案",
        "onsite.register": "登记涉企检查备案、扫码入企",
        "onsite.approve": "核准入企检查、设置入企检查规则",
        "onsite.lists": "维护本单位免罚清单",
        "onsite.cases": "登记柔性执法案例",
        "onsite.enterprise": "查看本企业的入企检查、反映未备案入企",
    },
    role_capabilities={
        "office_admin": ["onsite.view", "onsite.approve"],
        "unit_staff": ["onsite.view", "onsite.register", "onsite.lists", "onsite.cases"],
        "leader": ["onsite.view"],
        "enterprise": ["onsite.enterprise"],
        "site_admin": ["onsite.view"],
    },
    audit_verbs={
        "check.registered": "涉企检查备案",
        "check.recorded_afterwards": "事后补录涉企检查",
        "check.approved": "核准入企检查",
        "check.rejected": "不予核准入企检查",
        "check.cancelled": "取消涉企检查备案",
        "check.arrived": "扫码入企",
        "check.finished": "登记检查结果",
        "joint_visits.proposed": "生成联合检查建议",
        "joint_visit.accepted": "合并为联合检查",
        "joint_visit.dismissed": "不合并联合检查",
        "unregistered_visit.reported": "反映未备案入企",
        "leniency_list.created": "新建免罚清单",
        "leniency_list.revision_started": "修订免罚清单新版本",
        "leniency_list.published": "发布免罚清单",
        "leniency_entry.saved": "保存免罚清单事项",
        "leniency_entry.removed": "删除免罚清单事项",
        "flexible_case.recorded": "登记柔性执法案例",
        "enforcement_matter.created": "新增执法事项",
        "recognition.linked": "登记执法结果互认",
        "penalty_notice.published": "公示行政处罚信息",
        "onsite_settings.saved": "修改入企检查规则",
    },
    indicators="qinqing.onsite.indicators",
    demo_seed="qinqing.onsite.seeds.load_demo",
    demo_title="涉企检查监管",
    jobs=[
        Job(
            "onsite.propose_joint_visits",
            "生成联合检查建议（本月和下月）",
            "workdays 07:30",
            "qinqing.onsite.tasks.propose_joint_visits",
        ),
    ],
    notification_kinds={
        "onsite.approval_requested": "入企检查待核准",
        "onsite.entry_decided": "入企检查核准结果",
        "onsite.check_registered": "本企业有新的入企检查备案",
        "onsite.check_arrived": "检查人员扫码入企",
        "onsite.joint_visit": "合并为联合检查",
    },
)
