from django.urls import path

from qinqing.core.workdays import views

app_name = "workdays"
urlpatterns = [
    path("", views.years, name="years"),
    path("import/", views.import_notice, name="import"),
    path("changes/", views.changes, name="changes"),
    path("changes/<int:recompute_id>/", views.change_detail, name="change_detail"),
]
