from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_cache_table(sender, using="default", **kwargs) -> None:
    """The database cache (the embedded default's shared cache) needs its table; every
    `migrate` creates it if missing, so production upgrades need no extra step."""
    from django.conf import settings
    from django.core.management import call_command

    if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        call_command("createcachetable", database=using, verbosity=0)


class WebConfig(AppConfig):
    name = "qinqing.web"
    label = "web"
    verbose_name = "网页外壳"

    def ready(self) -> None:
        post_migrate.connect(_create_cache_table, sender=self)
        from qinqing.web import audit_trail

        audit_trail.connect()
