"""SMS adapters: the outbox (default, no gateway) and one shaped like the cloud SMS APIs.

The adapter is chosen by the setting ``QINQING_SMS_ADAPTER`` (a dotted path to a class
whose instances have ``send(phone, text, *, kind, now) -> str``, returning the provider's
reference, and raising :class:`SmsError` when the provider refuses the message).

``HttpSmsAdapter`` POSTs JSON in the shape of Aliyun's SendSms (Tencent's SendSms takes
the same four things under other names) to ``QINQING_SMS_HTTP["URL"]``::

    {"PhoneNumbers": "13800138000", "SignName": "亲清", "TemplateCode": "SMS_0001",
     "TemplateParam": "{\\"content\\": \\"...\\"}"}

with ``Authorization: Bearer <API_KEY>`` and, when ``API_SECRET`` is set,
``X-Qinqing-Signature``: hex HMAC-SHA256 of the body. The JSON answer carries ``Code``
(``"OK"`` on success; Tencent's ``"Ok"`` and ``0`` are accepted too), ``Message`` and
``BizId``. Settings keys: URL, API_KEY, API_SECRET, SIGN_NAME, TEMPLATE_CODE, TEMPLATES
(kind → template code), TIMEOUT (seconds, default 5).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from qinqing.core.privacy import mask_phone

log = logging.getLogger(__name__)

DEFAULT_ADAPTER = "qinqing.core.notifications.sms.OutboxSmsAdapter"
OK_CODES = {"ok", "0"}


class SmsError(Exception):
    """The provider did not accept the message (the text says why, for the operators)."""


class SmsAdapter(Protocol):
    def send(
        self, phone: str, text: str, *, kind: str = "", now: dt.datetime | None = None
    ) -> str: ...


class OutboxSmsAdapter:
    """Stores the message in the SMS outbox with the phone masked; sends nothing."""

    def send(self, phone: str, text: str, *, kind: str = "", now: dt.datetime | None = None) -> str:
        from qinqing.core.notifications.models import SmsOutbox

        row = SmsOutbox.objects.create(
            phone=mask_phone(phone),
            text=text[:300],
            kind=kind[:60],
            created_at=now or timezone.now(),
        )
        log.info("sms %s to %s stored in the outbox (%d chars)", kind, mask_phone(phone), len(text))
        return f"outbox:{row.pk}"


class HttpSmsAdapter:
    """A cloud SMS HTTP API (Aliyun/Tencent shape), configured by ``QINQING_SMS_HTTP``."""

    def __init__(self, config: dict[str, Any] | None = None):
        self.config = dict(
            config if config is not None else getattr(settings, "QINQING_SMS_HTTP", {})
        )
        if not str(self.config.get("URL", "")).startswith(("http://", "https://")):
            raise SmsError("QINQING_SMS_HTTP['URL'] must be an http(s) address")

    def payload(self, phone: str, text: str, kind: str) -> dict[str, Any]:
        templates = self.config.get("TEMPLATES") or {}
        return {
            "PhoneNumbers": phone,
            "SignName": self.config.get("SIGN_NAME", "亲清"),
            "TemplateCode": templates.get(kind) or self.config.get("TEMPLATE_CODE", ""),
            "TemplateParam": json.dumps({"content": text}, ensure_ascii=False),
        }

    def send(self, phone: str, text: str, *, kind: str = "", now: dt.datetime | None = None) -> str:
        body = json.dumps(self.payload(phone, text, kind), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.config.get("API_KEY"):
            headers["Authorization"] = f"Bearer {self.config['API_KEY']}"
        if self.config.get("API_SECRET"):
            digest = hmac.new(self.config["API_SECRET"].encode(), body, hashlib.sha256)
            headers["X-Qinqing-Signature"] = digest.hexdigest()
        url, timeout = self.config["URL"], float(self.config.get("TIMEOUT", 5))
        # the URL comes from settings and its scheme is checked to be http(s) in __init__
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            if not raw:
                raise SmsError(f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"provider unreachable: {exc}") from exc
        try:
            answer = json.loads(raw or b"{}")
        except ValueError as exc:
            raise SmsError(f"provider answered non-JSON: {raw[:100]!r}") from exc
        code = str(answer.get("Code", answer.get("code", "")))
        if code.lower() not in OK_CODES:
            message = answer.get("Message", answer.get("message", ""))
            raise SmsError(f"provider refused: {code} {message}".strip())
        return str(answer.get("BizId", answer.get("RequestId", "")))[:100]


def get_sms_adapter() -> SmsAdapter:
    adapter: SmsAdapter = import_string(
        getattr(settings, "QINQING_SMS_ADAPTER", "") or DEFAULT_ADAPTER
    )()
    return adapter
