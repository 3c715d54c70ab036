from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "qinqing.policies"
    label = "policies"
    verbose_name = "惠企政策"
