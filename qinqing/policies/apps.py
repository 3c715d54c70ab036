from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    """What the app contributes to the platform is declared in ``manifest.py``."""

    name = "qinqing.policies"
    label = "policies"
    verbose_name = "惠企政策"
