from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "qinqing.appeals"
    label = "appeals"
    verbose_name = "涉企诉求"
