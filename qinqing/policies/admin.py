"""Read-only admin views: every change goes through the audited service functions."""

from django.contrib import admin

from qinqing.core.admin_classes import ReadOnlyAdmin
from qinqing.policies.models import (
    Application,
    Budget,
    FundArrival,
    GrantBatch,
    MatchRun,
    Policy,
    PolicyRule,
    ServiceTargetList,
)


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin):
    list_display = ("code", "title", "owner_unit", "delivery", "is_public")
    search_fields = ("code", "title")


@admin.register(PolicyRule)
class PolicyRuleAdmin(ReadOnlyAdmin):
    list_display = ("policy", "version", "active", "created_at")


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnlyAdmin):
    list_display = ("year", "created_at", "enterprise_count", "eligible_count", "near_miss_count")


@admin.register(GrantBatch)
class GrantBatchAdmin(ReadOnlyAdmin):
    list_display = ("pk", "policy", "year", "state", "line_count", "total_amount")


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("pk", "policy", "enterprise_name", "state", "submitted_at")


@admin.register(Budget)
class BudgetAdmin(ReadOnlyAdmin):
    list_display = ("policy", "year", "total", "committed", "paid")


@admin.register(FundArrival)
class FundArrivalAdmin(ReadOnlyAdmin):
    list_display = ("budget", "source", "amount", "arrived_on", "due_on", "disbursed_on", "overdue")


@admin.register(ServiceTargetList)
class ServiceTargetListAdmin(ReadOnlyAdmin):
    list_display = ("policy", "year", "quarter", "refreshed_at", "entry_count")
