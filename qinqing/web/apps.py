from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "qinqing.web"
    label = "web"
    verbose_name = "网页外壳"
