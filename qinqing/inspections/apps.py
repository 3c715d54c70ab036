from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    """What the app contributes to the platform is declared in ``manifest.py``."""

    name = "qinqing.inspections"
    label = "inspections"
    verbose_name = "双随机一公开"
