from django.apps import AppConfig


class AppealsConfig(AppConfig):
    """What the app contributes to the platform is declared in ``manifest.py``."""

    name = "qinqing.appeals"
    label = "appeals"
    verbose_name = "涉企诉求"

    def ready(self) -> None:
        from qinqing.appeals.restricted import referred_audit_objects
        from qinqing.core.audit.restricted import register_restricted_objects

        # older audit rows of an appeal referred to 纪检监察 (its title in the object column,
        # its credit code in “after”) are redacted like every other page redacts the appeal
        for object_type in ("appeals.appeal", "appeals.ticket", "appeals.appealevent"):
            register_restricted_objects(object_type, referred_audit_objects(object_type))
