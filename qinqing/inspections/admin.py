"""Admin: read-mostly views for the site administrator.

Campaign state, seeds, commitments and results change only through the services (audited);
the admin shows them read-only.
"""

from django.contrib import admin

from qinqing.core.admin_classes import ReadOnlyAdmin
from qinqing.inspections.models import (
    Campaign,
    CreditListEntry,
    CreditRepairRequest,
    CreditTierChange,
    InspectionItem,
    Inspector,
    LocalQuietDays,
    QuietPeriod,
)


@admin.register(InspectionItem)
class InspectionItemAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "unit", "industries", "frequency", "active"]
    list_filter = ["frequency", "active"]
    search_fields = ["code", "name"]


@admin.register(Inspector)
class InspectorAdmin(ReadOnlyAdmin):
    list_display = ["name", "certificate_number", "unit", "active"]
    list_filter = ["active"]
    search_fields = ["name", "certificate_number"]
    exclude = ["conflicts"]


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "area", "state", "window_start_on", "window_end_on", "created_at"]
    list_filter = ["state"]
    search_fields = ["name"]
    exclude = ["seed"]


admin.site.register(QuietPeriod, ReadOnlyAdmin)
admin.site.register(LocalQuietDays, ReadOnlyAdmin)
admin.site.register(CreditTierChange, ReadOnlyAdmin)
admin.site.register(CreditListEntry, ReadOnlyAdmin)
admin.site.register(CreditRepairRequest, ReadOnlyAdmin)
