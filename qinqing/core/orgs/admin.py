from django.contrib import admin

from qinqing.core.orgs.models import Unit, UnitAlias, UnitGroup, UnitNameProposal


class AliasInline(admin.TabularInline):
    model = UnitAlias
    fields = ("alias",)
    extra = 0


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "coordinating", "active")
    list_filter = ("kind", "coordinating", "active")
    search_fields = ("name", "aliases__alias")
    readonly_fields = ("path",)
    inlines = [AliasInline]


@admin.register(UnitGroup)
class UnitGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "area")
    filter_horizontal = ("members",)
    exclude = ("normalized",)


@admin.register(UnitNameProposal)
class UnitNameProposalAdmin(admin.ModelAdmin):
    list_display = ("raw_name", "area", "status", "occurrences", "source")
    list_filter = ("status",)
