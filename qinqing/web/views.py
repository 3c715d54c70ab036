"""Shell pages: login, logout, home per role, error pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qinqing.core.accounts.access import profile_of
from qinqing.web.nav import nav_for


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def home(request: HttpRequest) -> HttpResponse:
    profile = profile_of(request.user)
    cards = nav_for(request.user)
    role_code = profile.role.code if profile else ""
    return render(
        request,
        "web/home.html",
        {"cards": cards, "role_code": role_code, "no_profile": profile is None},
    )


def page_not_found(request, exception=None):
    return render(
        request, "web/error.html", {"message": "页面不存在，或您没有查看它的权限。"}, status=404
    )


def permission_denied(request, exception=None):
    return render(request, "web/error.html", {"message": "您没有执行此操作的权限。"}, status=403)


def csrf_failure(request, reason=""):
    return render(
        request,
        "web/error.html",
        {"message": "页面已过期或来源不明，请刷新页面后重新提交。"},
        status=403,
    )
