from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "qinqing.plans"
    label = "plans"
    verbose_name = "方案任务督办"
