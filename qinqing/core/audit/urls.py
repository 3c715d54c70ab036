from django.urls import path

from qinqing.core.audit import export, views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("export/", export.export_events, name="export"),
]
