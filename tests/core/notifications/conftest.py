"""Fixtures for the notification centre: a real local SMTP server and a fake SMS API."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0, day: int = 1) -> dt.datetime:
    return dt.datetime(2025, 7, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _outbox_sms(settings):
    settings.QINQING_SMS_ADAPTER = "qinqing.core.notifications.sms.OutboxSmsAdapter"
    settings.QINQING_SMS_QUIET_HOURS = ("21:00", "08:00")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that Django's SMTP backend talks to."""
    from aiosmtpd.controller import Controller

    sink = _Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    controller.stop()


@pytest.fixture
def closed_smtp_port(settings):
    """Django's SMTP backend pointed at a port where nothing listens."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()
    settings.EMAIL_TIMEOUT = 2
    return settings.EMAIL_PORT


class FakeSmsProvider:
    """A local HTTP server shaped like a cloud SMS API; answers what ``reply`` says."""

    def __init__(self):
        self.requests: list[dict] = []
        self.reply: dict = {"Code": "OK", "Message": "OK", "BizId": "biz-1", "RequestId": "r-1"}
        self.status = 200
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server hook name)
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                provider.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "raw": raw,
                     "json": json.loads(raw)}
                )  # fmt: skip
                body = json.dumps(provider.reply).encode()
                self.send_response(provider.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sms_provider(settings):
    provider = FakeSmsProvider()
    settings.QINQING_SMS_ADAPTER = "qinqing.core.notifications.sms.HttpSmsAdapter"
    settings.QINQING_SMS_HTTP = {
        "URL": provider.url,
        "API_KEY": "key-123",
        "API_SECRET": "secret-456",
        "SIGN_NAME": "亲清",
        "TEMPLATE_CODE": "SMS_0001",
        "TEMPLATES": {"tests.urgent": "SMS_0099"},
        "TIMEOUT": 3,
    }
    yield provider
    provider.stop()
