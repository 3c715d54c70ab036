from django.apps import AppConfig


class OnsiteConfig(AppConfig):
    """What the app contributes to the platform is declared in ``manifest.py``."""

    name = "qinqing.onsite"
    label = "onsite"
    verbose_name = "涉企检查监管"
