from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "qinqing.core.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from qinqing.core.audit.partitioning import TABLE
        from qinqing.core.db import partitions

        # a month of the trail leaves only with its shards' anchors recorded and signed
        partitions.archived_by_own_procedure(TABLE, "qinqing audit archive")
