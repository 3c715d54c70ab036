"""The enterprise."""

from __future__ import annotations

import base64
import io

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from qinqing.appeals import queries as appeals_queries
from qinqing.core.accounts.access import require_capability, user_uscc
from qinqing.core.errors import NotFound
from qinqing.engagement import queries
from qinqing.engagement.views._common import _today


@login_required
def enterprise_home(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "engagement.enterprise")
    today = _today()
    pairings = queries.visible_pairings_for_user(request.user).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today), starts_on__lte=today
    )
    visits = queries.visible_visits_for_user(request.user).order_by("-visited_on", "-pk")[:30]
    meetings = queries.visible_meetings_for_user(request.user).order_by("-held_on")[:20]
    return render(request, "engagement/enterprise_home.html", {
        "pairings": pairings, "visits": visits, "meetings": meetings,
        "uscc": user_uscc(request.user),
    })  # fmt: skip


def _appeal_qr_data_uri(request: HttpRequest, uscc: str) -> tuple[str, str]:
    """The enterprise's appeal QR code (its 码上反映 entry if any, else the appeal form)."""
    import qrcode

    token = appeals_queries.enterprise_qr_token(uscc)
    if token is not None:
        url = request.build_absolute_uri(reverse("appeals:public_form", args=[token]))
    else:
        url = request.build_absolute_uri(reverse("appeals:new"))
    image = qrcode.make(url, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(), url


@login_required
def card(request: HttpRequest, uscc: str) -> HttpResponse:
    """明白卡: the enterprise's cadres and their contacts, and the appeal QR code, to print."""
    today = _today()
    pairings = (
        queries.visible_pairings_for_user(request.user)
        .filter(enterprise__uscc=uscc, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("cadre__unit")
        .order_by("grid_level")
    )
    if not pairings:
        raise NotFound("该企业没有在册的包联干部，或不在您可查看的范围内。")
    qr, url = _appeal_qr_data_uri(request, uscc)
    return render(request, "engagement/card.html", {
        "enterprise": pairings[0].enterprise, "pairings": pairings, "qr": qr, "qr_url": url,
    })  # fmt: skip
