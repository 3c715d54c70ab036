"""Shell pages: login, logout, home per role, error pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from qinqing.core.accounts.access import has_capability, profile_of, scope_area
from qinqing.core.errors import PermissionDenied
from qinqing.web.workbench import sections_for


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        from django.conf import settings

        from qinqing.core.accounts.oidc import oidc_enabled

        context = super().get_context_data(**kwargs)
        context["oidc_label"] = settings.QINQING_OIDC_LABEL if oidc_enabled() else ""
        context["oidc_failed"] = self.request.GET.get("oidc") == "failed"
        return context


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The role's work queue: counts with deadline colours, each linking to its list."""
    profile = profile_of(request.user)
    role_code = profile.role.code if profile else ""
    if role_code == "leader" and scope_area(request.user) is not None:
        return cockpit(request)  # a leader's work is reading the figures
    sections = sections_for(request.user, timezone.now())
    return render(
        request,
        "web/home.html",
        {
            "sections": sections,
            "total": sum(i.count for s in sections for i in s.items),
            "role_code": role_code,
            "no_profile": profile is None,
            "cockpit": scope_area(request.user) is not None
            and has_capability(request.user, "supervision.overview"),
        },
    )


@login_required
def cockpit(request: HttpRequest) -> HttpResponse:
    """领导驾驶舱 (leaders and the office): every figure links to the records behind it."""
    from qinqing.web.cockpit import cockpit_context

    if scope_area(request.user) is None:
        raise PermissionDenied("领导驾驶舱仅供领导和营商办使用。")
    return render(request, "web/cockpit.html", cockpit_context(request.user, timezone.now()))


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
