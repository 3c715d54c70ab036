from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "qinqing.core.accounts"
    label = "accounts"
    verbose_name = "用户与角色"

    def ready(self) -> None:
        # Every app is loaded now: apply what the installed apps' manifests declare
        # (capability and audit-verb labels, assessment indicators).
        from django.db.models.signals import post_migrate

        from qinqing.core.accounts import totp_keys
        from qinqing.core.manifest import install

        install()
        totp_keys.install()  # TOTP secrets SM4-encrypted at rest
        post_migrate.connect(_grant_builtin_capabilities, sender=self)


def _grant_builtin_capabilities(sender: object, **kwargs: object) -> None:
    """After ``migrate``: give built-in roles what newly installed apps grant them."""
    from qinqing.core.accounts.roles import ensure_builtin_roles

    ensure_builtin_roles()
