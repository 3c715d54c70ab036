"""The banners at the top of every page: each manifest's ``banners(user, now)`` provider.

A provider that fails is logged and left out; a broken banner never breaks a page.
"""

from __future__ import annotations

import importlib
import logging

from django.utils import timezone

from qinqing.core.manifest import Banner, manifests

log = logging.getLogger(__name__)


def banners_for(user, now) -> list[Banner]:
    out: list[Banner] = []
    for manifest in manifests():
        if not manifest.banners:
            continue
        module_name, _, attr = manifest.banners.rpartition(".")
        try:
            provider = getattr(importlib.import_module(module_name), attr)
            out.extend(provider(user, now))
        except Exception:
            log.exception("banner provider %s failed", manifest.banners)
    return out


def banners(request):
    """Context processor: ``banners`` for the logged-in user (computed once, when used)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"banners": []}
    cache: dict[str, list[Banner]] = {}

    def lazy() -> list[Banner]:
        if "v" not in cache:
            cache["v"] = banners_for(user, timezone.now())
        return cache["v"]

    return {"banners": _Lazy(lazy)}


class _Lazy:
    """A list computed on first iteration, so pages that never show banners pay nothing."""

    def __init__(self, compute) -> None:
        self._compute = compute

    def __iter__(self):
        return iter(self._compute())

    def __bool__(self) -> bool:
        return bool(self._compute())

    def __len__(self) -> int:
        return len(self._compute())
