"""JSON API for the city's 12345 platform (and other calling systems). Thin.

``POST /appeals/api/v1/appeals/`` with ``Authorization: Bearer <token>`` and a JSON body::

    {"external_id": "12345-20260601-0001", "enterprise_uscc": "…", "enterprise_name": "…",
     "contact_name": "…", "contact_phone": "…", "appeal_type": "complaint",
     "title": "…", "content": "…", "place": "…"}

answers ``201`` with the new appeal, or ``200`` with the existing one when the same
``external_id`` was sent before (idempotent). ``GET /appeals/api/v1/appeals/<external_id>/``
returns its state and, once answered, the reply. Errors are JSON ``{"error": "…"}`` in
Chinese (400 invalid, 401 no or bad token, 404 unknown id, 405 wrong method).
"""

from __future__ import annotations

import json
import time

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from qinqing.appeals import service
from qinqing.appeals.choices import AppealState, Channel
from qinqing.appeals.models import ApiClient, Appeal
from qinqing.core.errors import InvalidInput


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


# token hash → (client, valid until): the 12345 platform calls many times a second; a
# deactivated client is refused within CLIENT_CACHE_SECONDS.
CLIENT_CACHE_SECONDS = 30
_clients: dict[str, tuple[ApiClient, float]] = {}


def _client(request: HttpRequest) -> ApiClient | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    digest = service.token_digest(token.strip())
    cached = _clients.get(digest)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    client = (
        ApiClient.objects.filter(token_hash=digest, active=True).select_related("locality").first()
    )
    if client is None:
        _clients.pop(digest, None)
        return None
    _clients[digest] = (client, time.monotonic() + CLIENT_CACHE_SECONDS)
    return client


def forget_clients() -> None:
    _clients.clear()


def _unauthorized() -> JsonResponse:
    response = _error("未提供有效的接口令牌。请在请求头中加入 Authorization: Bearer <令牌>。", 401)
    response["WWW-Authenticate"] = 'Bearer realm="qinqing"'
    return response


def _body(appeal: Appeal) -> dict:
    return {
        "id": appeal.pk,
        "number": appeal.number,
        "external_id": appeal.external_id,
        "state": appeal.state,
        "state_label": AppealState(appeal.state).label,
        "appeal_type": appeal.appeal_type,
        "received_at": appeal.received_at.isoformat(),
        "replied_at": appeal.replied_at.isoformat() if appeal.replied_at else None,
        "reply": appeal.answer
        if appeal.state in (AppealState.REPLIED, AppealState.CLOSED, AppealState.ANSWERED)
        else None,
    }


@csrf_exempt
def appeals_collection(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return _error("请使用 POST 提交诉求。", 405)
    client = _client(request)
    if client is None:
        return _unauthorized()
    try:
        payload = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _error("请求体不是有效的 UTF-8 JSON。", 400)
    if not isinstance(payload, dict):
        return _error("请求体应为 JSON 对象。", 400)
    try:
        appeal, created = service.submit_from_api(client, payload, now=timezone.now())
    except InvalidInput as exc:
        return _error(exc.message, 400)
    return JsonResponse(
        _body(appeal), status=201 if created else 200, json_dumps_params={"ensure_ascii": False}
    )


@csrf_exempt
def appeal_item(request: HttpRequest, external_id: str) -> JsonResponse:
    if request.method != "GET":
        return _error("请使用 GET 查询诉求。", 405)
    client = _client(request)
    if client is None:
        return _unauthorized()
    appeal = Appeal.objects.filter(
        channel=Channel.API, source=client.code, external_id=external_id
    ).first()
    if appeal is None:
        return _error(f"没有编号为“{external_id}”的诉求（只能查询本系统提交的诉求）。", 404)
    return JsonResponse(_body(appeal), json_dumps_params={"ensure_ascii": False})
