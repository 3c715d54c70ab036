from django.urls import path

from qinqing.core.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("units/new/", views.unit_new, name="unit_new"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit"),
    path("units/<int:unit_id>/aliases/", views.add_alias, name="add_alias"),
    path(
        "units/<int:unit_id>/aliases/<int:alias_id>/delete/",
        views.remove_alias,
        name="remove_alias",
    ),
    path("resolve/", views.resolve, name="resolve"),
    path("groups/", views.groups, name="groups"),
    path("groups/<int:group_id>/", views.group_detail, name="group"),
    path("proposals/", views.proposals, name="proposals"),
    path("proposals/<int:proposal_id>/", views.proposal_act, name="proposal_act"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("import/", views.import_xlsx, name="import"),
]
