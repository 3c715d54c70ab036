from django.apps import AppConfig


class PlansConfig(AppConfig):
    """What the app contributes to the platform is declared in ``manifest.py``."""

    name = "qinqing.plans"
    label = "plans"
    verbose_name = "方案任务督办"
