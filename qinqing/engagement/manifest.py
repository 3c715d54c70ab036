"""What the app contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest, Job, NavItem, RoleSpec

SECTION = "包联服务"

MANIFEST = AppManifest(
    label="engagement",
    url_prefix="engagement/",
    nav=[
        NavItem("我的包联企业", "engagement:mine", "engagement.visit", SECTION),
        NavItem("我的包联服务", "engagement:enterprise_home", "engagement.enterprise", SECTION),
        NavItem("包联关系", "engagement:pairings", "engagement.view", SECTION),
        NavItem("包联驾驶舱", "engagement:dashboard", "engagement.view", SECTION),
        NavItem("重点项目专班", "engagement:projects", "engagement.view", SECTION),
        NavItem("政企沟通会", "engagement:meetings", "engagement.view", SECTION),
        NavItem("企业名录", "engagement:lists", "engagement.manage", SECTION),
    ],
    capabilities={
        "engagement.visit": "登记本人包联企业的走访",
        "engagement.view": "查看包联走访情况",
        "engagement.manage": "管理包联关系、名录、专班和沟通会",
        "engagement.enterprise": "查看本企业的包联服务并评价走访",
    },
    role_capabilities={
        "office_admin": ["engagement.view", "engagement.manage"],
        "unit_staff": ["engagement.visit"],
        "leader": ["engagement.view"],
        "enterprise": ["engagement.enterprise"],
    },
    roles=[
        RoleSpec(
            code="engagement_liaison",
            name="包联联络员",
            description="单位包联工作联络员：查看本单位包联干部的关系、走访和收集的诉求",
            scope="unit",
            capabilities=["engagement.view", "engagement.visit"],
        ),
    ],
    audit_verbs={
        "cadre.registered": "登记包联干部",
        "pairing.created": "建立包联关系",
        "pairing.ended": "结束包联关系",
        "pairing.imported": "导入包联关系",
        "visit.recorded": "登记入企走访",
        "visit.rated": "企业评价走访",
        "visit.issue_raised": "走访问题转为诉求",
        "visits.swept": "走访逾期巡检",
        "project.created": "登记重点项目",
        "project.advanced": "推进项目阶段",
        "project.approval_added": "添加项目审批事项",
        "project.approval_updated": "更新审批代办状态",
        "project.blocker_added": "登记项目堵点",
        "project.blocker_resolved": "项目堵点解决",
        "project.task_linked": "项目关联方案任务",
        "meeting.scheduled": "安排政企沟通会",
        "meeting.minutes_recorded": "登记会议纪要",
        "meeting.issue_raised": "沟通会问题转为诉求",
        "consultation.replied": "企业反馈征求意见",
        "list.created": "建立企业名录",
        "list.member_added": "列入企业名录",
        "list.member_removed": "移出企业名录",
    },
    indicators="qinqing.engagement.indicators",
    demo_seed="qinqing.engagement.seeds.load_demo",
    demo_title="包联服务",
    jobs=[
        Job(
            "engagement.overdue_visits",
            "走访逾期提醒",
            "workdays 09:00",
            "qinqing.engagement.tasks.flag_overdue_visits",
            catch_up="once",
        ),
    ],
    notification_kinds={
        "engagement.visit_overdue": "包联企业逾期未走访",
        "engagement.visit_due_soon": "包联走访即将到期",
        "engagement.visit_rated": "企业评价走访不满意",
        "engagement.blocker_assigned": "重点项目堵点交办",
        "engagement.meeting_invited": "政企沟通会邀请",
    },
)
