from django.urls import path

from qinqing.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("ledger.xlsx", views.ledger_export, name="ledger_export"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("plans/", views.plan_list, name="plans"),
    path("import/", views.upload, name="import"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan"),
    path("plans/<int:plan_id>/details/", views.plan_details, name="plan_details"),
    path("plans/<int:plan_id>/diff/", views.plan_diff, name="diff"),
    path("plans/<int:plan_id>/confirm/", views.confirm, name="confirm"),
    path("plans/<int:plan_id>/discard/", views.discard, name="discard"),
    path("plans/<int:plan_id>/refresh-units/", views.refresh_units, name="refresh_units"),
    path(
        "plans/<int:plan_id>/names/<int:proposal_id>/",
        views.resolve_name,
        name="resolve_name",
    ),
    path("plans/<int:plan_id>/tasks/<int:task_id>/edit/", views.task_edit, name="task_edit"),
    path("plans/<int:plan_id>/tasks/<int:task_id>/delete/", views.task_delete, name="task_delete"),
    path("plans/<int:plan_id>/tasks/add/", views.task_add, name="task_add"),
    path("library/", views.library, name="library"),
    path("library/<int:article_id>/", views.article_detail, name="article"),
]
