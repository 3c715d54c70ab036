from django.contrib import admin

from qinqing.core.admin_classes import ReadOnlyAdmin, ReadOnlyInline
from qinqing.core.workdays.models import CalendarDay, CalendarYear

# Changes go through the 节假日安排 page or ``qinqing calendar import-notice`` (validated, audited).


class CalendarDayInline(ReadOnlyInline):
    model = CalendarDay
    fields = ("day", "kind", "name")
    readonly_fields = fields


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "source", "document_number", "version", "imported_at", "imported_by")
    inlines = [CalendarDayInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ("day", "kind", "name", "calendar_year")
    list_filter = ("kind", "calendar_year")
    date_hierarchy = "day"
