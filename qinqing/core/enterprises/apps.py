from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "qinqing.core.enterprises"
    label = "enterprises"
    verbose_name = "企业库"
