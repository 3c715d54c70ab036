from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    """What the app contributes to the platform is declared in ``manifest.py``."""

    name = "qinqing.assessment"
    label = "assessment"
    verbose_name = "营商环境评价"
