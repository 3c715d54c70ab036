from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "qinqing.assessment"
    label = "assessment"
    verbose_name = "营商环境评价"
