"""Shared pieces of the inspections pages."""

from __future__ import annotations

from qinqing.core.errors import (
    IllegalTransition,
    InvalidInput,
    QinqingError,
)


def _refusable(exc: QinqingError) -> bool:
    """Errors shown on the page itself (not 403/404, which the middleware renders)."""
    return isinstance(exc, InvalidInput | IllegalTransition)
