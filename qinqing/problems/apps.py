from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    """What the app contributes to the platform is declared in ``manifest.py``."""

    name = "qinqing.problems"
    label = "problems"
    verbose_name = "问题台账"
