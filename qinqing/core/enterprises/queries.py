"""Who may read the registry: staff with enterprises.view (office, units, leaders)."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from qinqing.core.accounts.access import profile_of, require_capability
from qinqing.core.accounts.models import Scope
from qinqing.core.actor import AnyUser
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import NotFound


def region_prefix(code: str) -> str:
    """The registry prefix of an area's 行政区划代码 ('' when the area has none).

    Examples:
        >>> region_prefix("420600"), region_prefix("420602"), region_prefix("")
        ('4206', '420602', '')
    """
    code = (code or "").strip()
    if not re.fullmatch(r"\d{6}", code):
        return ""
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def visible_enterprises_for_user(user: AnyUser) -> QuerySet[Enterprise]:
    """Global roles see the whole registry; everyone else the enterprises registered in their
    area, when the area has a 行政区划代码 (another city's office saw this city's registry)."""
    require_capability(user, "enterprises.view")
    profile = profile_of(user)
    if profile is None:  # require_capability let only users with a role through
        return Enterprise.objects.none()
    if profile.role.scope == Scope.GLOBAL or profile.unit is None:
        return Enterprise.objects.all()
    prefix = region_prefix(profile.unit.area().code)
    if prefix:
        return Enterprise.objects.filter(region_code__startswith=prefix)
    return Enterprise.objects.all()


def search_enterprises(user: AnyUser, text: str = "") -> QuerySet[Enterprise]:
    qs = visible_enterprises_for_user(user)
    text = (text or "").strip()
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(uscc__startswith=text.upper()))
    return qs


def access_enterprise_for_user(user: AnyUser, uscc: str) -> Enterprise:
    enterprise = visible_enterprises_for_user(user).filter(uscc=uscc).first()
    if enterprise is None:
        raise NotFound("企业不存在，或您没有查看它的权限。")
    return enterprise
