"""JSON API for the city's 12345 platform (and other calling systems). Thin.

``POST /appeals/api/v1/appeals/`` with ``Authorization: Bearer <token>`` and a JSON body::

    {"external_id": "12345-20260601-0001", "enterprise_uscc": "…", "enterprise_name": "…",
     "contact_name": "…", "contact_phone": "…", "appeal_type": "complaint",
     "title": "…", "content": "…", "place": "…"}

answers ``201`` with the new appeal, or ``200`` with the existing one when the same
``external_id`` was sent before with the same content (idempotent); ``409`` when it was sent
before with different content. Every field is a string (``SUBMISSION_SCHEMA``); bodies over
``MAX_BODY_BYTES`` or nested deeper than ``MAX_DEPTH`` are refused before parsing. ``GET /appeals/api/v1/appeals/<external_id>/``
returns its state and, once answered, the reply. Errors are JSON ``{"error": "…"}`` in
Chinese (400 invalid, 401 no or bad token, 404 unknown id, 405 wrong method, 409 conflicting
replay, 413 body too large).
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

# The submission's schema: field → maximum length. Every value is a string; an object, list
# or number where a string belongs is refused, and so is a NUL character. Missing required
# fields are named by the intake (service.clean_intake) with their Chinese labels.
SUBMISSION_SCHEMA: dict[str, int] = {
    "external_id": 64,
    "enterprise_uscc": 18,
    "enterprise_name": 200,
    "contact_name": 50,
    "contact_phone": 30,
    "appeal_type": 20,
    "title": 200,
    "content": 5000,
    "place": 200,
}
MAX_BODY_BYTES = 64 * 1024  # the longest valid submission is about 20 KB of UTF-8
MAX_DEPTH = 8  # a submission is one flat object; 100,000 levels raised RecursionError


def json_depth_exceeds(body: str, limit: int) -> bool:
    """Whether ``body`` nests arrays or objects deeper than ``limit``, scanned without parsing.

    Examples:
        >>> json_depth_exceeds('{"a": [1, {"b": "[[["}]}', 3)  # brackets in strings do not count
        False
        >>> json_depth_exceeds("[" * 3 + "]" * 3, 2)
        True
    """
    depth, in_string, escaped = 0, False, False
    for ch in body:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def check_submission(payload: dict) -> None:
    """Validate a submission against SUBMISSION_SCHEMA; InvalidInput names every problem."""
    problems = []
    for name, max_length in SUBMISSION_SCHEMA.items():
        value = payload.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(f"“{name}”应为字符串")
        elif "\x00" in value:
            problems.append(f"“{name}”含有不允许的空字符（\\u0000）")
        elif len(value) > max_length:
            problems.append(f"“{name}”超过 {max_length} 个字符")
    if problems:
        raise InvalidInput("；".join(problems) + "。请修改后重新提交。")


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
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return _error(f"请求体超过 {MAX_BODY_BYTES // 1024} KB，请精简后重新提交。", 413)
    raw = request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        return _error(f"请求体超过 {MAX_BODY_BYTES // 1024} KB，请精简后重新提交。", 413)
    try:
        text = raw.decode("utf-8") or "{}"
    except UnicodeDecodeError:
        return _error("请求体不是有效的 UTF-8 JSON。", 400)
    if json_depth_exceeds(text, MAX_DEPTH):
        return _error("请求体嵌套层数过多：诉求应为一个不嵌套的 JSON 对象。", 400)
    try:
        payload = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return _error("请求体不是有效的 UTF-8 JSON。", 400)
    if not isinstance(payload, dict):
        return _error("请求体应为 JSON 对象。", 400)
    try:
        check_submission(payload)
        appeal, created = service.submit_from_api(client, payload, now=timezone.now())
    except service.ConflictingReplay as exc:
        return _error(exc.message, 409)
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
