"""The per-process cache of each locality's AppealSettings (read by ``service.settings_for``).

Kept apart from ``service`` so that the model can drop it on save without importing the
service module (models → service → models was an import cycle).
"""

from __future__ import annotations

from typing import Any

# locality id → (settings, expiry on time.monotonic())
CACHE: dict[int, tuple[Any, float]] = {}


def forget_settings() -> None:
    CACHE.clear()
