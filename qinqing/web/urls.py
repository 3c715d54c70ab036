from django.urls import path

from qinqing.web import search, views

app_name = "web"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("search/", search.search, name="search"),
    path("cockpit/", views.cockpit, name="cockpit"),
]
