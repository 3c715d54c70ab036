"""Supervision tests: text messages to the outbox, and a real SMTP server for e-mail."""

import pytest


@pytest.fixture(autouse=True)
def _sms_to_outbox(settings):
    """Text messages go to the outbox table, where tests read them (uploads: tests/conftest.py)."""
    settings.QINQING_SMS_ADAPTER = "qinqing.core.notifications.sms.OutboxSmsAdapter"


class _Sink:
    """Collects what the SMTP server receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    sink.port = port
    yield sink
    controller.stop()
