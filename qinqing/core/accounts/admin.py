from django.contrib import admin

from qinqing.core.accounts.models import Profile, Role


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "scope", "read_only", "builtin")


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "unit", "uscc", "enterprise_name")
    list_filter = ("role",)
    search_fields = ("user__username", "uscc", "enterprise_name")
