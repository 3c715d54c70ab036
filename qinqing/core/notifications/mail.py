"""E-mail: the embedded default writes each message as an .eml file (no SMTP, no traceback).

``EmlFileBackend`` stores one RFC 5322 file per message under ``EMAIL_FILE_PATH``
(default ``QINQING_VAR_DIR/mail``); production sets ``QINQING_SMTP_HOST`` and gets Django's
SMTP backend instead (see qinqing/settings.py).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path = Path(file_path or getattr(settings, "EMAIL_FILE_PATH", "") or "mail")

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.path.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
            name = f"{stamp}-{secrets.token_hex(4)}.eml"
            (self.path / name).write_bytes(message.message().as_bytes(linesep="\r\n"))
            sent += 1
        return sent


def mask_email(address: str) -> str:
    """Keep the domain and the first letter, for the delivery log.

    Examples:
        >>> mask_email("market_clerk@example.invalid")
        'm***@example.invalid'
        >>> mask_email("")
        ''
    """
    if "@" not in (address or ""):
        return address or ""
    name, domain = address.rsplit("@", 1)
    return f"{name[:1]}***@{domain}"
