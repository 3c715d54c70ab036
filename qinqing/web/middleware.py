"""Show domain errors to the user in Chinese instead of a server error.

Services run in their own transaction, so by the time the error reaches this middleware
nothing of the failed action has been written.
"""

from __future__ import annotations

from django.shortcuts import render

from qinqing.core.errors import NotFound, PermissionDenied, QinqingError


class QinqingErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, QinqingError):
            return None
        status = 400
        if isinstance(exception, PermissionDenied):
            status = 403
        elif isinstance(exception, NotFound):
            status = 404
        if (
            request.headers.get("Accept", "").startswith("application/json")
            or request.path.startswith("/api/")
            or "/api/" in request.path
        ):
            from django.http import JsonResponse

            return JsonResponse({"error": exception.message}, status=status)
        return render(request, "web/error.html", {"message": exception.message}, status=status)
