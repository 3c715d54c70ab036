from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "qinqing.core.workdays"
    label = "workdays"
    verbose_name = "工作日历"

    def ready(self) -> None:
        from qinqing.core.audit.verbs import register_verbs

        register_verbs(
            {
                "calendar_year.imported": "导入节假日安排",
                "calendar_year.replaced": "更正节假日安排",
            }
        )
