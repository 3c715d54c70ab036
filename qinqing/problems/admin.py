"""Admin pages: the per-area settings (回头看 period, 考评 deductions) and read-mostly lists."""

from django.contrib import admin

from qinqing.problems.models import Campaign, Problem, ProblemSettings, Supervisor


@admin.register(ProblemSettings)
class ProblemSettingsAdmin(admin.ModelAdmin):
    """Read-only: the office changes its settings on the ledger's settings page (audited)."""

    list_display = ["area", "follow_up_days", "deduction_overdue", "deduction_recurrence",
                    "deduction_accountability"]  # fmt: skip

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "area", "target_on"]


@admin.register(Supervisor)
class SupervisorAdmin(admin.ModelAdmin):
    list_display = ["name", "area", "beat", "term_start", "term_end", "active"]
    readonly_fields = ["qr_token"]


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    """Read-only: every change goes through the service (audited); referred problems'
    restricted fields live in ``Referral``, which has no admin page."""

    list_display = ["number", "title", "lead_unit", "state", "due_at"]
    list_filter = ["state", "source"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
