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
        "partitions.detached": "归档旧月份分区（从分区表中分离）",
        "partitions.archived": "归档旧月份数据（导出后删除，连同引用它们的记录）",
        "partitions.restored": "恢复已归档的旧月份数据",
    },
    # the monthly partitions of PostgreSQL (qinqing.core.db.partitions): a no-op on SQLite
    jobs=[
        Job(
            "db.partitions",
            "按月分区维护（预建后续月份分区、推进本月编号）",
            "daily 00:05",
            "qinqing.core.db.partitions.maintain_job",
        ),
    ],
    banners="qinqing.core.jobs.banners.banners",
)
