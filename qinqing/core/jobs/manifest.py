"""What the jobs app contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest, NavItem

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
)
