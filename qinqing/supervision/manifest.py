"""What the app contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest, Job, NavItem

MANIFEST = AppManifest(
    label="supervision",
    workbench="qinqing.supervision.workbench.work_items",
    deadlines="qinqing.supervision.deadlines.recompute_deadlines",
    notification_kinds={
        "supervision.notice": "督办通知",
        "supervision.report_returned": "进度报送被退回",
        "supervision.reminder": "调度提醒（临期、逾期）",
    },
    url_prefix="supervision/",
    nav=[
        NavItem("本单位调度任务", "supervision:my_tasks", "plans.report", "调度督办"),
        NavItem("调度总览", "supervision:overview", "supervision.overview", "调度督办"),
        NavItem("报送审核", "supervision:review_queue", "plans.review", "调度督办"),
        NavItem("逾期督办", "supervision:overdue", "plans.review", "调度督办"),
        NavItem("督办单", "supervision:notices", "plans.view", "调度督办"),
        NavItem("交办事项", "supervision:assignments", "plans.manage", "调度督办"),
        NavItem("调度机制", "supervision:cadences", "plans.manage", "调度督办"),
        NavItem("工作通报", "supervision:bulletins", "plans.view", "调度督办"),
        NavItem("问责移送", "supervision:referrals", "supervision.referrals", "调度督办"),
    ],
    capabilities={
        "supervision.issue": "签发督办单、通报",
        "supervision.referrals": "查看移送纪检监察的问责事项",
        "supervision.overview": "查看调度总览",
    },
    role_capabilities={
        "office_admin": ["supervision.issue", "supervision.overview"],
        "leader": ["supervision.overview"],
        "discipline": ["supervision.referrals"],
    },
    audit_verbs={
        "review_cadence.configured": "设置调度机制",
        "review_cadence.deactivated": "停用调度机制",
        "progress_report.submitted": "报送任务进度",
        "progress_report.resubmitted": "修改后重新报送进度",
        "progress_report.accepted": "采纳进度报送",
        "progress_report.returned": "退回进度报送",
        "task.completion_verified": "核验任务完成",
        "task.completion_withdrawn": "撤销任务完成核验",
        "task.assigned": "交办事项",
        "supervision_notice.issued": "签发督办单",
        "supervision_notice.escalated": "升级督办",
        "supervision_notice.responded": "反馈督办单",
        "supervision_notice.closed": "办结督办单",
        "supervision_notice.referred": "移送纪检监察",
        "supervision.swept": "调度巡检（到期与逾期提醒）",
        "bulletin.generated": "生成工作通报",
    },
    jobs=[
        Job(
            "supervision.sweep",
            "调度巡检（开放报送、到期与逾期提醒）",
            "workdays 09:00",
            "qinqing.supervision.tasks.sweep_job",
        ),
    ],
    indicators="qinqing.supervision.indicators",
    demo_seed="qinqing.supervision.seeds.load_demo",
    demo_after=["problems"],  # the demo 通报 counts the problem ledger's demo problems
    demo_title="调度督办",
)
