from django.apps import AppConfig


class AppealsConfig(AppConfig):
    """What the app contributes to the platform is declared in ``manifest.py``."""

    name = "qinqing.appeals"
    label = "appeals"
    verbose_name = "涉企诉求"
