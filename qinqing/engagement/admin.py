from django.contrib import admin

from qinqing.engagement import models


@admin.register(models.EngagementSettings)
class EngagementSettingsAdmin(admin.ModelAdmin):
    list_display = ["area", "max_visits_per_month", "meetings_per_quarter", "due_soon_workdays"]


@admin.register(models.Cadre)
class CadreAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "level", "title", "active"]
    list_filter = ["level", "active"]
    search_fields = ["name", "user__username"]
    raw_id_fields = ["user", "unit", "area"]


@admin.register(models.EnterpriseList)
class EnterpriseListAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area"]
