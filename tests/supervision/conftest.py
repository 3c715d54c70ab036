"""Supervision tests keep uploads and generated files in a temporary folder."""

import pytest


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
    }
    settings.QINQING_SMS_SENDER = "qinqing.supervision.notify.OutboxSmsSender"
    return tmp_path / "uploads"
