"""Read-only admin views: every change goes through the audited services and pages."""

from django.contrib import admin

from qinqing.core.admin_classes import ReadOnlyAdmin
from qinqing.supervision.models import (
    Bulletin,
    ProgressReport,
    Reminder,
    ReviewCadence,
    ReviewCycle,
    SupervisionNotice,
    SweepRun,
)


@admin.register(ReviewCadence)
class ReviewCadenceAdmin(ReadOnlyAdmin):
    list_display = ["label", "area", "plan", "months", "report_lag_workdays", "starts_on", "active"]
    list_filter = ["months", "active"]


@admin.register(ReviewCycle)
class ReviewCycleAdmin(ReadOnlyAdmin):
    list_display = ["cadence", "period_start", "period_end", "report_due_on", "opened_at"]
    date_hierarchy = "period_start"


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdmin):
    list_display = ["task", "unit", "cycle", "state", "stage", "version", "first_submitted_on"]
    list_filter = ["state", "stage"]
    raw_id_fields = ["task", "unit", "cycle"]


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(ReadOnlyAdmin):
    list_display = ["number", "level", "unit", "issuing_unit", "state", "response_due_on"]
    list_filter = ["level", "state", "referred_to_discipline"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["kind", "unit", "task", "key", "created_at", "dispatched_at", "emails", "sms"]
    list_filter = ["kind"]


@admin.register(SweepRun)
class SweepRunAdmin(ReadOnlyAdmin):
    list_display = ["now", "cycles_created", "slots_opened", "reminders_created"]


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdmin):
    list_display = ["title", "area", "period_start", "version", "as_of", "generated_at"]
