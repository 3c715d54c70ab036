from django.contrib import admin
from django.http import HttpRequest

from qinqing.core.notifications.models import Delivery, Notification, SmsOutbox


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "key"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "notification",
        "channel",
        "status",
        "attempts",
        "address",
        "last_error",
        "queued_at",
    ]
    list_filter = ["channel", "status"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SmsOutbox)
class SmsOutboxAdmin(admin.ModelAdmin):
    list_display = ["phone", "kind", "text", "created_at"]
    readonly_fields = [f.name for f in SmsOutbox._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
