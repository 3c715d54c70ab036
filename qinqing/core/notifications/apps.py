from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "qinqing.core.notifications"
    label = "notifications"
    verbose_name = "消息中心"
