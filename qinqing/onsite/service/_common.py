"""Shared pieces of the on-site service modules: live states, text checks."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from qinqing.core.errors import InvalidInput
from qinqing.onsite.models import (
    RegistrationState,
)

S = RegistrationState
LIVE_STATES = (S.PENDING, S.REGISTERED, S.APPROVED, S.ARRIVED, S.DONE)
OPEN_STATES = (S.PENDING, S.REGISTERED, S.APPROVED)


def local_today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


def _text(value, label: str, *, required: bool = True, limit: int = 2000) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(f"请填写“{label}”。")
    if len(text) > limit:
        raise InvalidInput(f"“{label}”超过 {limit} 字（现为 {len(text)} 字），请精简。")
    return text
