"""Intake pages: the enterprise web form, 热线登记 and the public QR form (码上反映)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from qinqing.appeals import queries, service
from qinqing.appeals.choices import (
    Channel,
    QrKind,
)
from qinqing.appeals.forms import (
    AppealForm,
)
from qinqing.appeals.views.common import (
    enterprise_profile,
    rate_limited,
)
from qinqing.core.accounts.access import (
    has_capability,
    require_capability,
    user_uscc,
)
from qinqing.core.errors import InvalidInput
from qinqing.core.privacy import mask_phone


def _intake(request, form, *, channel, locality=None, qr_entry=None, fixed=None):
    data = dict(form.cleaned_data)
    if fixed:
        data.update(fixed)
    return service.submit_appeal(
        actor=request.user,
        now=timezone.now(),
        channel=channel,
        data=data,
        locality=locality,
        qr_entry=qr_entry,
        files=data.pop("attachments", []) or [],
    )


@login_required
def appeal_new(request: HttpRequest) -> HttpResponse:
    """Enterprise web form (logged-in enterprise user; its own credit code)."""
    require_capability(request.user, "appeals.submit")
    profile = enterprise_profile(request.user)
    fixed = {"enterprise_uscc": user_uscc(request.user), "enterprise_name": profile.enterprise_name}
    initial = {
        **fixed,
        "contact_name": profile.user.get_full_name(),
        "contact_phone": profile.phone,
    }
    form = AppealForm(
        request.POST or None, request.FILES or None, initial=initial, enterprise_fixed=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            appeal = _intake(request, form, channel=Channel.WEB, fixed=fixed)
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, f"诉求已提交，编号 {appeal.number}。您可以在本页跟踪办理进度。"
            )
            return redirect(appeal)
    return render(
        request, "appeals/form.html", {"form": form, "heading": "提交诉求", "mode": "web"}
    )


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    """热线登记: an operator enters an appeal on a caller's behalf."""
    area = queries.office_area(request.user, "appeals.intake")
    form = AppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = _intake(request, form, channel=Channel.HOTLINE, locality=area)
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已登记诉求 {appeal.number}。")
            return redirect(appeal)
    return render(
        request, "appeals/form.html", {"form": form, "heading": "热线登记", "mode": "hotline"}
    )


def public_form(request: HttpRequest, token: str) -> HttpResponse:
    """码上反映: the form behind a QR code (no login needed; rate-limited; CSRF kept)."""
    entry = queries.public_qr_entry(token)
    user = request.user
    enterprise_user = user.is_authenticated and has_capability(user, "appeals.submit")
    fixed = None
    initial: dict = {}
    if enterprise_user:
        profile = enterprise_profile(user)
        fixed = {"enterprise_uscc": user_uscc(user), "enterprise_name": profile.enterprise_name}
        initial.update(
            fixed, contact_name=profile.user.get_full_name(), contact_phone=profile.phone
        )
    elif entry.kind == QrKind.ENTERPRISE:
        initial.update(enterprise_uscc=entry.enterprise_uscc, enterprise_name=entry.enterprise_name)
    if entry.kind == QrKind.WINDOW:
        initial["place"] = f"{entry.unit.name if entry.unit else ''}{entry.window_name}"
    form = AppealForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        enterprise_fixed=enterprise_user,
    )
    if request.method == "POST":
        if rate_limited(request, "qr"):
            return render(
                request,
                "web/error.html",
                {"message": "提交过于频繁，请 10 分钟后再试。如情况紧急，请拨打 12345 热线。"},
                status=429,
            )
        if form.is_valid():
            try:
                appeal = _intake(request, form, channel=Channel.QR, qr_entry=entry, fixed=fixed)
            except InvalidInput as exc:
                form.add_error(None, exc.message)
            else:
                if appeal.identity_confirmed:
                    messages.success(request, f"诉求已提交，编号 {appeal.number}。")
                    return redirect(appeal)
                queries.remember_unconfirmed(request.session, appeal)
                return render(
                    request, "appeals/public_done.html", {"appeal": appeal, "entry": entry}
                )
    return render(
        request,
        "appeals/form.html",
        {"form": form, "heading": "码上反映", "mode": "qr", "entry": entry},
    )


IDENTITY_SMS_LIMIT = 5  # code requests per address per ten minutes, on top of the per-appeal limit


def confirm_identity(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """码上反映 核验: the submitter confirms they speak for the enterprise they named.

    Only the browser that submitted the appeal reaches this page (the appeal is remembered
    in its session); the confirmation itself is a login as the enterprise's user or the
    code sent to the enterprise's registered phone.
    """
    appeal = queries.appeal_awaiting_confirmation(request.session, appeal_id)
    if appeal.identity_confirmed:
        return render(request, "appeals/confirm_identity.html", {"appeal": appeal, "done": True})
    code, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        code = request.POST.get("code", "")
        try:
            if action == "login":
                service.confirm_identity_by_login(appeal, actor=request.user, now=timezone.now())
                messages.success(request, f"已确认，诉求 {appeal.number} 已进入贵企业的账号。")
                return redirect(appeal)
            if action == "send":
                if rate_limited(request, "identity-sms", IDENTITY_SMS_LIMIT):
                    raise InvalidInput("获取验证码过于频繁，请 10 分钟后再试。")
                masked = service.send_identity_code(appeal, now=timezone.now())
                messages.success(request, f"验证码已发送至 {masked}，10 分钟内有效。")
                return redirect("appeals:confirm_identity", appeal.pk)
            service.confirm_identity_with_code(appeal, code, now=timezone.now())
        except InvalidInput as exc:
            messages.error(request, exc.message)
            status = 400
        else:
            appeal.refresh_from_db()
            return render(
                request, "appeals/confirm_identity.html", {"appeal": appeal, "done": True}
            )
    user = request.user
    context = {
        "appeal": appeal,
        "code": code,
        "phone": masked_registered_phone(appeal),
        "signed_in_as_enterprise": user.is_authenticated
        and has_capability(user, "appeals.submit")
        and user_uscc(user) == appeal.enterprise_uscc,
        "login_url": f"{reverse('web:login')}?{urlencode({'next': request.path})}",
    }
    return render(request, "appeals/confirm_identity.html", context, status=status)


def masked_registered_phone(appeal) -> str:
    phone = service.registered_phone(appeal.enterprise_uscc)
    return mask_phone(phone) if phone else ""
