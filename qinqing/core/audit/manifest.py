"""What the audit trail contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest, Job, NavItem

MANIFEST = AppManifest(
    label="audit",
    url_prefix="audit/",
    nav=[NavItem("审计日志", "audit:list", "audit.view", "基础")],
    jobs=[
        Job(
            "audit.checkpoint",
            "审计日志链校验点",
            "daily 00:30",
            "qinqing.core.audit.checkpoints.write_checkpoint",
        ),
        Job(
            "audit.protect_partitions",
            "审计日志分区禁止清空（为新建分区加触发器）",
            "daily 00:10",
            "qinqing.core.audit.partitioning.protect_partitions",
        ),
        Job(
            "audit.retention_purge",
            "按留存期限清理过期数据",
            "daily 02:00",
            "qinqing.core.audit.retention.purge",
        ),
    ],
)
