from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path

from qinqing.core.jobs import views

app_name = "jobs"

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", views.healthz, name="healthz"),
    path("system/jobs/", views.status, name="status"),
    path("system/jobs/<str:name>/run", views.run_now, name="run_now"),
    path("system/problems/<int:pk>/resolve", views.resolve, name="resolve_problem"),
]

if getattr(settings, "QINQING_PROMETHEUS", False):
    urlpatterns.append(path("", include("django_prometheus.urls")))
