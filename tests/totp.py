"""TOTP codes for tests (RFC 6238 via django-otp's own HOTP), as a phone authenticator makes them."""

from __future__ import annotations

import time
from base64 import b32decode
from urllib.parse import parse_qs, urlparse

from django_otp.oath import hotp


def totp_from_uri(uri: str, *, at: float | None = None) -> str:
    """The current code for an ``otpauth://totp/…?secret=…`` URI (what ``qinqing demo`` prints)."""
    query = parse_qs(urlparse(uri).query)
    secret = query["secret"][0]
    key = b32decode(secret + "=" * (-len(secret) % 8))
    step = int(query.get("period", ["30"])[0])
    digits = int(query.get("digits", ["6"])[0])
    counter = int((time.time() if at is None else at) // step)
    return f"{hotp(key, counter, digits):0{digits}d}"


def next_code(device) -> str:
    """A code the device will accept now: the current time step, or the next one when the
    current one was already used (django-otp refuses a code twice); waits if it must."""
    while True:
        device.refresh_from_db()
        now_t = int((time.time() - device.t0) // device.step) + device.drift
        counter = max(now_t, device.last_t + 1)
        if counter <= now_t + device.tolerance:
            return f"{hotp(device.bin_key, counter, device.digits):0{device.digits}d}"
        time.sleep(1)
