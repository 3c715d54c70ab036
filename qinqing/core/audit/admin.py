from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from qinqing.core.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "seq",
        "created_at",
        "actor_label",
        "verb",
        "object_type",
        "object_id",
        "object_repr",
    )
    list_filter = ("verb", "object_type", "visibility")
    search_fields = ("object_repr", "actor_label", "object_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
