"""What the jobs app contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest, Job, NavItem

MANIFEST = AppManifest(
    label="jobs",
    url_prefix="",  # /healthz and /metrics sit at the root; the page lives under system/
    nav=[NavItem("系统运行", "jobs:status", "system.view", "系统")],
    audit_verbs={
        "job.run_requested": "手动运行定时任务",
        "problem.reported": "系统发现待处理问题",
        "problem.resolved": "标记问题已处理",
    },
    banners="qinqing.core.jobs.banners.banners",
    jobs=[
        # the working-day calendar's own job, declared here because core.workdays keeps no
        # manifest jobs; it recomputes open deadlines once after a holiday notice is imported
        Job(
            "workdays.recompute_deadlines",
            "节假日安排导入后重算办理时限",
            "every 15 minutes",
            "qinqing.core.workdays.changes.recompute_if_calendar_changed",
        ),
    ],
)
