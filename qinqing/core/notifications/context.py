"""The bell (未读消息数) in the header of every page."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest

log = logging.getLogger(__name__)


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from qinqing.core.notifications.queries import unread_count

    return {"unread_notifications": unread_count(user)}
