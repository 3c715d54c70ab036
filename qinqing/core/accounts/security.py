"""身份鉴别 (GB/T 22239-2019, 8.1.4.1): second factor, idle timeout and password age.

* Two-factor login (TOTP, RFC 6238, through django-otp) is required for every staff role
  (office, department, leader, discipline, site admin: any role whose scope is not an
  enterprise) and for users without a profile who can reach the admin; enterprises may
  enrol, and once they have a device it is required for them too. ``QINQING_REQUIRE_2FA``
  (default on) governs it.
* A session idle for ``QINQING_IDLE_TIMEOUT_MINUTES`` is logged out.
* A local password older than ``QINQING_PASSWORD_MAX_AGE_DAYS`` (0: never) must be changed
  before anything else is done.

:class:`AccountSecurityMiddleware` enforces all three on every request, after
``django_otp.middleware.OTPMiddleware`` (which sets ``request.user.is_verified()``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone

from qinqing.core.accounts.access import role_of
from qinqing.core.accounts.models import Scope

LAST_SEEN_KEY = "qinqing_last_seen"
PASSWORD_OK_UNTIL_KEY = "qinqing_password_ok_until"  # noqa: S105 (a session key name)
# Pages a half-signed-in user must still reach: signing in and out, the second factor itself.
EXEMPT_PREFIXES = ("/login/", "/logout/", "/account/otp/", "/account/oidc/", "/static/", "/healthz")


def confirmed_devices(user: Any) -> QuerySet[Any]:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    devices: QuerySet[Any] = TOTPDevice.objects.filter(user=user, confirmed=True)
    return devices


def second_factor_required(user: Any) -> bool:
    """Must this user present a TOTP code after the password?"""
    if not getattr(settings, "QINQING_REQUIRE_2FA", True):
        return False
    if user is None or not user.is_authenticated:
        return False
    role = role_of(user)
    if role is None:  # no profile: only an admin account can do anything
        return bool(user.is_staff or user.is_superuser or confirmed_devices(user).exists())
    staff = role.scope != Scope.ENTERPRISE
    return staff or confirmed_devices(user).exists()


def password_changed_at(user: Any) -> dt.datetime:
    from qinqing.core.accounts.models import PasswordState

    state = PasswordState.objects.filter(user=user).first()
    changed: dt.datetime = state.changed_at if state else user.date_joined
    return changed


def password_expired(user: Any, now: dt.datetime) -> bool:
    days = getattr(settings, "QINQING_PASSWORD_MAX_AGE_DAYS", 90)
    if not days or not user.has_usable_password():
        return False  # accounts signed in through the unified identity platform have none
    return now - password_changed_at(user) > dt.timedelta(days=days)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "/api/" in request.path


class AccountSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._check(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request: HttpRequest, user: Any) -> HttpResponse | None:
        now = timezone.now()
        stamp = now.timestamp()
        last_seen = request.session.get(LAST_SEEN_KEY)
        idle_limit = 60 * getattr(settings, "QINQING_IDLE_TIMEOUT_MINUTES", 30)
        if idle_limit and last_seen and stamp - last_seen > idle_limit:
            logout(request)
            messages.info(request, "您已较长时间未操作，为保护账号安全已自动退出，请重新登录。")
            return self._redirect(request, reverse(settings.LOGIN_URL))
        if not last_seen or stamp - last_seen > 30:  # write the session at most every 30 s
            request.session[LAST_SEEN_KEY] = stamp
        if request.path.startswith(EXEMPT_PREFIXES):
            return None
        if second_factor_required(user) and not user.is_verified():
            name = (
                "accounts:otp_verify" if confirmed_devices(user).exists() else "accounts:otp_setup"
            )
            return self._redirect(request, reverse(name))
        if request.path.startswith("/account/password/"):
            return None
        if request.session.get(PASSWORD_OK_UNTIL_KEY, 0) < stamp:
            if password_expired(user, now):
                messages.warning(request, "您的密码已超过规定的使用期限，请先修改密码。")
                return self._redirect(request, reverse("accounts:password_change"))
            request.session[PASSWORD_OK_UNTIL_KEY] = stamp + 3600
        return None

    def _redirect(self, request: HttpRequest, url: str) -> HttpResponse:
        if _wants_json(request):
            return JsonResponse({"error": "请先完成登录验证。"}, status=401)
        return HttpResponseRedirect(f"{url}?next={quote(request.get_full_path())}")
