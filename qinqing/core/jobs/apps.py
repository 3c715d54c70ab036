from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "qinqing.core.jobs"
    label = "jobs"
    verbose_name = "定时任务与系统运行"

    def ready(self) -> None:
        from django.conf import settings

        if getattr(settings, "QINQING_PROMETHEUS", False):
            from qinqing.core.jobs.metrics import register_collector

            register_collector()
