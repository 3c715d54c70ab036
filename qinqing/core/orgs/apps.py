from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "qinqing.core.orgs"
    label = "orgs"
    verbose_name = "机构库"
