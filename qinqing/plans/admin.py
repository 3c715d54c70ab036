from django.contrib import admin

from qinqing.plans.models import Article, Plan, Section, Target, Task, UnitMention


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "area", "year", "version", "status", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "source_filename"]
    readonly_fields = ["source_sha256", "created_at", "confirmed_at", "confirmed_by"]
    raw_id_fields = ["area", "previous_version", "created_by"]


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


class MentionInline(admin.TabularInline):
    model = UnitMention
    extra = 0
    raw_id_fields = ["unit", "group", "proposal"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["label", "title", "plan", "origin", "due_on", "ongoing"]
    list_filter = ["origin", "ongoing"]
    search_fields = ["title", "body"]
    raw_id_fields = [
        "plan", "area", "section", "previous_version", "created_by",
        "lead_units", "responsible_units", "supporting_units",
    ]  # fmt: skip
    inlines = [TargetInline, MentionInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["label", "title", "plan", "order"]
    raw_id_fields = ["plan"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "order", "fragment"]
    list_filter = ["fragment"]
    search_fields = ["title", "body"]
    raw_id_fields = ["plan"]
    exclude = ["related_tasks"]
