"""我的消息 (inbox) and 消息设置 (channels per kind): thin views over queries and service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from qinqing.core.notifications import queries, service
from qinqing.core.notifications.kinds import all_kinds
from qinqing.core.notifications.models import Channel

PAGE_SIZE = 30


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    qs = queries.visible_notifications_for_user(request.user)
    if request.GET.get("unread") == "1":
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = all_kinds()
    for n in page.object_list:
        n.kind_label = labels.get(n.kind, n.kind)
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "only_unread": request.GET.get("unread") == "1"},
    )


def _safe_target(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return ""


@login_required
@require_POST
def open_item(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark read and go to the item the message is about."""
    n = service.mark_read(request.user, notification_id, now=timezone.now())
    return redirect(_safe_target(request, n.url) or "notifications:inbox")


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    service.mark_read(request.user, notification_id, now=timezone.now())
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = service.mark_all_read(request.user, now=timezone.now())
    messages.success(request, f"已将 {count} 条消息标为已读。" if count else "没有未读消息。")
    return redirect("notifications:inbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    kinds = all_kinds()
    current = queries.preferences_for_user(request.user)
    if request.method == "POST":
        choices = {
            kind: {c for c in Channel.values if request.POST.get(f"{kind}:{c}") == "on"}
            for kind in kinds
        }
        changed = service.save_preferences(request.user, choices, now=timezone.now())
        messages.success(
            request, f"已保存消息设置（{changed} 类有变化）。" if changed else "消息设置没有变化。"
        )
        return redirect("notifications:preferences")
    rows = []
    for kind, label in kinds.items():
        pref = current.get(kind)
        rows.append(
            {
                "kind": kind,
                "label": label,
                "channels": [
                    {
                        "code": c.value,
                        "label": c.label,
                        "on": pref.allows(c.value) if pref else True,
                    }
                    for c in Channel
                ],
            }
        )
    return render(
        request, "notifications/preferences.html", {"rows": rows, "channels": list(Channel)}
    )
