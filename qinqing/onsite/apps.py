from django.apps import AppConfig


class OnsiteConfig(AppConfig):
    """What the app contributes to the platform is declared in ``manifest.py``."""

    name = "qinqing.onsite"
    label = "onsite"
    verbose_name = "涉企检查监管"

    def ready(self) -> None:
        # inspections announces drawn visits without knowing this app (one-way dependency)
        from qinqing.inspections.signals import visits_drawn
        from qinqing.onsite import receivers

        visits_drawn.connect(
            receivers.register_drawn_visits, dispatch_uid="onsite.register_drawn_visits"
        )
