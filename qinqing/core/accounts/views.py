"""Account pages: the TOTP second factor (verify, enrol) and self-service password change."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme

from qinqing.core import audit
from qinqing.core.accounts.security import confirmed_devices


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("web:home")


def _token(request: HttpRequest) -> str:
    return "".join(ch for ch in request.POST.get("otp_token", "") if ch.isdigit())


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """输入动态口令: the second step of signing in."""
    import django_otp

    devices = list(confirmed_devices(request.user))
    if not devices:
        return redirect(f"{reverse('accounts:otp_setup')}?next={_next_url(request)}")
    error = ""
    if request.method == "POST":
        token = _token(request)
        throttled = not any(d.verify_is_allowed()[0] for d in devices)
        device = next((d for d in devices if token and d.verify_token(token)), None)
        if device is not None:
            django_otp.login(request, device)
            return redirect(_next_url(request))
        if throttled:
            # django-otp doubles the wait after each wrong code (1 s, 2 s, 4 s …)
            error = "动态口令输错次数过多，请稍等片刻后再输入验证器中当前显示的数字。"
        else:
            error = "动态口令不正确或已过期，请输入手机验证器中当前显示的 6 位数字。"
    return render(request, "accounts/otp_verify.html", {"error": error, "next": _next_url(request)})


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """绑定动态口令: enrol a TOTP authenticator (scan the code, enter one code to confirm)."""
    import django_otp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if confirmed_devices(request.user).exists():
        return redirect(f"{reverse('accounts:otp_verify')}?next={_next_url(request)}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="手机验证器", confirmed=False)
    error = ""
    if request.method == "POST":
        if device.verify_token(_token(request)):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit.record(request.user, "user.otp_confirmed", request.user)
            django_otp.login(request, device)
            messages.success(request, "已绑定动态口令。今后登录时请输入验证器中的 6 位数字。")
            return redirect(_next_url(request))
        error = "动态口令不正确，请确认手机时间准确后，输入验证器中当前显示的 6 位数字。"
    uri = device.config_url
    svg = io.BytesIO()
    qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage).save(svg)
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "error": error,
            "next": _next_url(request),
            "uri": uri,
            "qr_svg": svg.getvalue().decode(),
            "secret": _base32(device.bin_key),
        },
    )


def _base32(key: bytes) -> str:
    """The secret as typed into an authenticator by hand.

    Examples:
        >>> _base32(b"12345678901234567890")
        'GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ'
    """
    from base64 import b32encode

    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


class PasswordChangeView(auth_views.PasswordChangeView):
    """修改密码 (self service): checks the old password and the complexity rules."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            audit.record(self.request.user, "user.password_changed", self.request.user)
        messages.success(self.request, "密码已修改。")
        return response
