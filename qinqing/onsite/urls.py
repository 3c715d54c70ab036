from django.urls import path

from qinqing.onsite import views

app_name = "onsite"
urlpatterns = [
    path("", views.registration_list, name="list"),
    path("register/", views.register, name="register"),
    path("afterwards/", views.record_afterwards, name="afterwards"),
    path("<int:registration_id>/", views.detail, name="detail"),
    path("<int:registration_id>/decide/<str:decision>/", views.decide, name="decide"),
    path("<int:registration_id>/do/<str:action>/", views.unit_action, name="unit_action"),
    path("joint/", views.proposals, name="proposals"),
    path("c/<str:token>/", views.scan, name="scan"),
    path("mine/", views.mine, name="mine"),
    path("mine/code.png", views.my_code, name="my_code"),
    path("mine/report/", views.report, name="report"),
    path("lists/", views.lists, name="lists"),
    path("lists/<int:list_id>/", views.list_detail, name="list_detail"),
    path("cases/", views.cases, name="cases"),
    path("settings/", views.settings_page, name="settings"),
    path("matters/", views.matters, name="matters"),
    path("matters/<int:matter_id>/", views.matter_detail, name="matter"),
    path("recognitions/", views.recognitions, name="recognitions"),
    path("penalties/", views.penalties, name="penalties"),
    path("public/lists/", views.public_lists, name="public_lists"),
    path("public/lists/export.xlsx", views.public_lists_xlsx, name="public_lists_xlsx"),
    path("public/lists/v/<int:version_id>/", views.public_version, name="public_version"),
    path("public/matters/", views.public_matters, name="public_matters"),
]
