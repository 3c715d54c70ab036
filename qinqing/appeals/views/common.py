"""Helpers shared by the pages of 接诉即办: input parsing and the public form's rate limit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

from qinqing.core.accounts.access import profile_of
from qinqing.core.accounts.models import Profile
from qinqing.core.client_address import client_ip
from qinqing.core.errors import InvalidInput, PermissionDenied

PUBLIC_LIMIT = 5  # submissions per address …
PUBLIC_WINDOW = 600  # … per ten minutes


def client_address(request: HttpRequest) -> str:
    # behind the trusted reverse proxy: the client's address, not the proxy's
    return client_ip(request)


def rate_limited(request: HttpRequest, scope: str, limit: int = PUBLIC_LIMIT) -> bool:
    """More than ``limit`` requests from this address for ``scope`` within the window."""
    key = f"appeals:rate:{scope}:{client_address(request)}"
    if cache.add(key, 1, PUBLIC_WINDOW):
        return False
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, PUBLIC_WINDOW)
        return False
    return count > limit


def parse_date(value: str | None, default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"日期“{value}”格式不对，请按 2026-01-31 的格式填写。") from None


def int_field(value, label: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"“{label}”应为整数。") from None


def enterprise_profile(user: Any) -> Profile:
    """The signed-in enterprise user's profile (its credit code, name and phone)."""
    profile = profile_of(user)
    if profile is None:
        raise PermissionDenied("您的账号没有企业档案，请联系系统管理员。")
    return profile
