from django.apps import AppConfig


class EngagementConfig(AppConfig):
    """What the app contributes to the platform is declared in ``manifest.py``."""

    name = "qinqing.engagement"
    label = "engagement"
    verbose_name = "政企互动（包联走访）"
