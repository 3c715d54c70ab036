"""The appeals part of the site-wide search box: by number, title or enterprise."""

from __future__ import annotations

import re

from django.db.models import Q

from qinqing.appeals.choices import AppealState
from qinqing.appeals.queries import require_appeals_access, visible_appeals_for_user
from qinqing.core.errors import PermissionDenied
from qinqing.core.manifest import SearchHit

NUMBER = re.compile(r"^SQ(\d{8})(\d{6,})$")


def site_search(user, q: str, limit: int) -> list[SearchHit]:
    try:
        require_appeals_access(user)
    except PermissionDenied:
        return []
    appeals = visible_appeals_for_user(user)
    referred_hidden = not user_sees_referred(user)
    match = Q(enterprise_name__icontains=q) | Q(enterprise_uscc=q.upper())
    number = NUMBER.match(q.strip().upper())
    if number:  # 诉求编号 SQ + receipt date + id
        match |= Q(pk=int(number.group(2)))
    # a referred appeal is 已移送 for everyone but 纪检监察: its text is not searchable
    text = Q(title__icontains=q)
    if referred_hidden:
        text &= ~Q(state=AppealState.REFERRED)
    hits = []
    for appeal in appeals.filter(match | text).order_by("-received_at")[:limit]:
        hidden = referred_hidden and appeal.state == AppealState.REFERRED
        hits.append(
            SearchHit(
                title=f"{appeal.number} {'（已移送）' if hidden else appeal.title}",
                url=f"/appeals/{appeal.pk}/",
                kind="诉求",
                detail=f"{appeal.get_state_display()} · {appeal.received_at:%Y-%m-%d}",
            )
        )
    return hits


def user_sees_referred(user) -> bool:
    from qinqing.core.accounts.access import has_capability

    return has_capability(user, "appeals.discipline")
