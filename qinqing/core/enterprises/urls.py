from django.urls import path

from qinqing.core.enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("attributes/", views.attribute_catalogue, name="attributes"),
    path("import/", views.registry_import, name="import"),
    path("import/<int:batch_id>/", views.import_detail, name="import_detail"),
    path("<str:uscc>/", views.enterprise_detail, name="detail"),
]
