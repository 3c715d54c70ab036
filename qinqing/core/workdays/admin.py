from django.contrib import admin

from qinqing.core.workdays.models import CalendarDay, CalendarYear


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes go through ``qinqing calendar import-notice`` (validated and audited)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    fields = ("day", "kind", "name")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "source", "document_number", "version", "imported_at", "imported_by")
    inlines = [CalendarDayInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ("day", "kind", "name", "calendar_year")
    list_filter = ("kind", "calendar_year")
    date_hierarchy = "day"
