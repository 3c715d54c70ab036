"""Request guards and response headers that every page gets (issue 14: holes found when the
site was attacked).

* ``RequestGuardMiddleware`` refuses, before anything reads the body, a request larger than
  its page accepts (a Chinese 413), and a NUL character in the address, the query or a form
  field (a Chinese 400; PostgreSQL cannot store it and answered 500).
* ``ResponseHeadersMiddleware`` marks logged-in pages and file downloads
  ``Cache-Control: no-store`` so a shared computer's browser or a proxy keeps no copy.

The Content-Security-Policy is django-csp's (``CONTENT_SECURITY_POLICY`` in settings).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

MB = 1024 * 1024


def request_limit(request) -> int:
    """The largest body the requested page accepts, by URL namespace (settings)."""
    limits = getattr(settings, "QINQING_REQUEST_BYTES_BY_NAMESPACE", {})
    default = getattr(settings, "QINQING_MAX_REQUEST_BYTES", 25 * MB)
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return default
    for namespace in match.namespaces:
        if namespace in limits:
            return limits[namespace]
    return default


def _wants_json(request) -> bool:
    return "/api/" in request.path or request.headers.get("Accept", "").startswith(
        "application/json"
    )


def _refuse(request, message: str, status: int) -> HttpResponse:
    response: HttpResponse
    if _wants_json(request):
        response = JsonResponse({"error": message}, status=status)
    else:
        response = render(request, "web/error.html", {"message": message}, status=status)
    if status == 413:
        response["Connection"] = "close"  # the unread body is not waited for
    return response


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values.getlist(key)) for key in values)


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        limit = request_limit(request)
        if not declared.isdigit() or int(declared) > limit:
            size = f"{int(declared) / MB:.1f} MB" if declared.isdigit() else "未知大小"
            return _refuse(
                request,
                f"提交的内容（{size}）超过本页面 {limit // MB} MB 的上限，未接收。"
                "请压缩或拆分附件后重新提交。",
                413,
            )
        if "\x00" in request.path or _has_nul(request.GET):
            return _refuse(request, "网址或查询条件中含有不允许的空字符，请删除后重试。", 400)
        content_type = request.content_type or ""
        if request.method == "POST" and content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            if _has_nul(request.POST):
                return _refuse(request, "提交的内容中含有不允许的空字符，请删除后重新提交。", 400)
        elif content_type == "application/json" and b"\\u0000" in request.body.lower():
            return _refuse(
                request, "提交的内容中含有不允许的空字符（\\u0000），请删除后重新提交。", 400
            )
        return self.get_response(request)


class ResponseHeadersMiddleware:
    """``Cache-Control: no-store`` on logged-in pages and on every download (exports,
    attachments)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        download = response.get("Content-Disposition", "").startswith("attachment")
        if download or (user is not None and user.is_authenticated):
            response["Cache-Control"] = "no-store"
        return response
