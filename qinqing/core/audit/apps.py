from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "qinqing.core.audit"
    label = "audit"
    verbose_name = "审计日志"
