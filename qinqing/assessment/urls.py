from django.urls import path

from qinqing.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
    path("schemes/new/", views.scheme_new, name="scheme_new"),
    path("schemes/<int:scheme_id>/", views.scheme_detail, name="scheme"),
    path("schemes/<int:scheme_id>/edit/", views.scheme_edit, name="scheme_edit"),
    path("schemes/<int:scheme_id>/items/", views.item_add, name="item_add"),
    path("schemes/<int:scheme_id>/items/<int:item_id>/", views.item_update, name="item_update"),
    path(
        "schemes/<int:scheme_id>/items/<int:item_id>/delete/",
        views.item_delete,
        name="item_delete",
    ),
    path("schemes/<int:scheme_id>/targets/", views.scheme_targets, name="scheme_targets"),
    path("schemes/<int:scheme_id>/activate/", views.scheme_activate, name="scheme_activate"),
    path("schemes/<int:scheme_id>/revise/", views.scheme_revise, name="scheme_revise"),
    path("schemes/<int:scheme_id>/runs/", views.run_create, name="run_create"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/recompute/", views.run_recompute, name="run_recompute"),
    path("runs/<int:run_id>/publish/", views.run_publish, name="run_publish"),
    path("runs/<int:run_id>/export.xlsx", views.run_export, name="run_export"),
    path("runs/<int:run_id>/units/<int:unit_id>/", views.unit_detail, name="unit"),
    path("external/", views.external, name="external"),
    path("external/import/", views.external_import, name="external_import"),
    path("external/rule/", views.external_rule, name="external_rule"),
    path("external/<int:ranking_id>/", views.external_ranking, name="external_ranking"),
    path(
        "external/triggers/<int:trigger_id>/handle/",
        views.trigger_handle,
        name="trigger_handle",
    ),
]
