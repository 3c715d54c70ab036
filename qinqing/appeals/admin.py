"""Admin pages for the data a locality configures (time limits, mapping, settings, articles).

Appeals, tickets and their logs change only through the services (audited), so they are
read-only here.
"""

from django.contrib import admin

from qinqing.appeals.models import (
    ApiClient,
    Appeal,
    AppealSettings,
    KnowledgeArticle,
    QrEntry,
    RoutingMapping,
    SlaPolicy,
)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "locality",
        "stage",
        "appeal_type",
        "amount",
        "time_unit",
        "effective_from",
        "source",
    ]
    list_filter = ["stage", "appeal_type", "time_unit"]


@admin.register(RoutingMapping)
class RoutingMappingAdmin(admin.ModelAdmin):
    list_display = ["locality", "category", "unit", "sort_order"]
    list_filter = ["category"]


@admin.register(AppealSettings)
class AppealSettingsAdmin(admin.ModelAdmin):
    list_display = ["locality", "auto_dispatch_threshold", "knowledge_min_score", "yellow_share"]


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ["question", "unit", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["question", "answer"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Tokens are created with ``qinqing appeals api-client``; here a client can be disabled."""

    list_display = ["name", "code", "locality", "active", "created_at"]
    readonly_fields = ["name", "code", "locality", "created_at"]
    fields = ["name", "code", "locality", "active", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(QrEntry)
class QrEntryAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "locality", "active", "created_at"]
    readonly_fields = ["token", "kind", "label", "locality", "enterprise_uscc", "enterprise_name",
                       "unit", "window_name", "created_by", "created_at"]  # fmt: skip

    def has_add_permission(self, request):
        return False


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "appeal_type", "channel", "state", "received_at"]
    list_filter = ["state", "appeal_type", "channel"]
    search_fields = ["title", "enterprise_name", "enterprise_uscc"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
