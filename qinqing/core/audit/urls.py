from django.urls import path

from qinqing.core.audit import views

app_name = "audit"
urlpatterns = [path("", views.event_list, name="list")]
