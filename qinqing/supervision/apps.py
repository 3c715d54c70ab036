from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """What the app contributes to the platform is declared in ``manifest.py``."""

    name = "qinqing.supervision"
    label = "supervision"
    verbose_name = "调度督办"
