"""Who may read the registry: staff with enterprises.view (office, units, leaders)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from qinqing.core.accounts.access import require_capability
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import NotFound


def visible_enterprises_for_user(user) -> QuerySet[Enterprise]:
    require_capability(user, "enterprises.view")
    return Enterprise.objects.all()


def search_enterprises(user, text: str = "") -> QuerySet[Enterprise]:
    qs = visible_enterprises_for_user(user)
    text = (text or "").strip()
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(uscc__startswith=text.upper()))
    return qs


def access_enterprise_for_user(user, uscc: str) -> Enterprise:
    enterprise = visible_enterprises_for_user(user).filter(uscc=uscc).first()
    if enterprise is None:
        raise NotFound("企业不存在，或您没有查看它的权限。")
    return enterprise
