"""Audit events for what happens outside the domain services (issue 14, hole 3): changes made
in the Django admin, sign-ins, failed sign-ins and lockouts. Connected in WebConfig.ready().

Admin changes are recorded by wrapping every registered ModelAdmin's save/delete hooks, so an
admin registered later (a new app) is covered without writing anything in its admin.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import admin

from qinqing.core import audit
from qinqing.core.audit.verbs import register_read_verbs, register_verbs

ADMIN_VERBS = {
    "admin.added": "后台新增",
    "admin.changed": "后台修改",
    "admin.deleted": "后台删除",
}
READ_VERBS = {
    "user.login_failed": "登录失败",
    "user.locked_out": "登录锁定",
    "report.viewed_attachment": "查看进度报送附件",
    "application.viewed_attachment": "查看申报材料",
    "visit.viewed_attachment": "查看走访附件",
    "appeal.viewed_attachment": "查看诉求附件",
}
SECRET_FIELDS = {"password", "token_hash", "secret", "key", "otp_secret"}


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal | dt.date | dt.datetime | dt.time):
        return str(value)
    if hasattr(value, "all") and callable(value.all):  # a queryset of an M2M field
        return sorted(str(v) for v in value.all())
    if isinstance(value, list | tuple | set):
        return (
            sorted(str(v) for v in value) if isinstance(value, set) else [_plain(v) for v in value]
        )
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _changes(form) -> tuple[dict, dict]:
    before, after = {}, {}
    for name in form.changed_data:
        if name in SECRET_FIELDS or "password" in name:
            before[name], after[name] = "（已隐去）", "（已隐去）"
            continue
        field = form.fields.get(name)
        initial = form.initial.get(name, field.initial if field else None)
        before[name] = _plain(initial)
        after[name] = _plain(form.cleaned_data.get(name))
    return before, after


def _wrap(model_admin) -> None:
    if getattr(model_admin, "_qinqing_audited", False):
        return
    save_model, delete_model = model_admin.save_model, model_admin.delete_model
    delete_queryset, save_formset = model_admin.delete_queryset, model_admin.save_formset

    def audited_save_model(request, obj, form, change):
        before, after = _changes(form)
        save_model(request, obj, form, change)
        verb = "admin.changed" if change else "admin.added"
        audit.record(request.user, verb, obj, before=before or None, after=after)

    def audited_delete_model(request, obj):
        audit.record(request.user, "admin.deleted", obj, before={"repr": str(obj)})
        delete_model(request, obj)

    def audited_delete_queryset(request, queryset):
        for obj in queryset:
            audit.record(request.user, "admin.deleted", obj, before={"repr": str(obj)})
        delete_queryset(request, queryset)

    def audited_save_formset(request, form, formset, change):
        changed = [(f, *_changes(f)) for f in formset.forms if f.has_changed()]
        deleted = list(getattr(formset, "deleted_forms", []))
        save_formset(request, form, formset, change)
        for inline_form, before, after in changed:
            if inline_form in deleted or inline_form.instance.pk is None:
                continue
            verb = "admin.changed" if inline_form.initial else "admin.added"
            audit.record(
                request.user, verb, inline_form.instance, before=before or None, after=after
            )
        for obj in getattr(formset, "deleted_objects", []):
            audit.record(request.user, "admin.deleted", obj, before={"repr": str(obj)})

    model_admin.save_model = audited_save_model
    model_admin.delete_model = audited_delete_model
    model_admin.delete_queryset = audited_delete_queryset
    model_admin.save_formset = audited_save_formset
    model_admin._qinqing_audited = True


def audit_admin_site(site=admin.site) -> None:
    for model_admin in site._registry.values():
        _wrap(model_admin)


def _client(request) -> str:
    from qinqing.core.client_address import client_ip

    return client_ip(request) if request is not None else ""


def on_logged_in(sender, request, user, **kwargs) -> None:
    from qinqing.core.accounts.access import user_unit

    if request is None or "REQUEST_METHOD" not in request.META:
        return  # not an HTTP sign-in (the test client's force_login, a shell)
    unit = user_unit(user)
    audit.record(user, "user.logged_in", user, unit=unit, after={"ip": _client(request)})


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str((credentials or {}).get("username", ""))[:150]
    audit.record(
        "匿名", "user.login_failed", ("auth.user", "", username), after={"ip": _client(request)}
    )


def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    audit.record(
        "匿名", "user.locked_out", ("auth.user", "", str(username or "")[:150]),
        after={"ip": ip_address},
    )  # fmt: skip


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_login_failed

    register_verbs({**ADMIN_VERBS, **READ_VERBS})
    register_read_verbs(set(READ_VERBS))
    audit_admin_site()
    user_logged_in.connect(on_logged_in, dispatch_uid="qinqing.audit.logged_in")
    user_login_failed.connect(on_login_failed, dispatch_uid="qinqing.audit.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="qinqing.audit.locked_out")
