from django.apps import AppConfig

from qinqing.web.nav import NavItem


class EnterprisesConfig(AppConfig):
    name = "qinqing.core.enterprises"
    label = "enterprises"
    verbose_name = "企业库"
    nav_items = [NavItem("企业库", "enterprises:list", "enterprises.view", "基础")]

    def ready(self) -> None:
        from qinqing.core.audit.verbs import register_verbs

        register_verbs(
            {"registry.imported": "导入企业名录", "enterprise.tier_changed": "调整信用风险分类"}
        )
