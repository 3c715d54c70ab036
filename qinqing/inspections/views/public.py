"""一公开 pages (no login)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qinqing.inspections import queries
from qinqing.inspections.models import (
    CampaignState,
)


def public(request: HttpRequest) -> HttpResponse:
    campaigns = queries.public_campaigns().annotate(
        published_results=Count(
            "visits__visit_items",
            filter=Q(visits__visit_items__published_at__isnull=False)
            & ~Q(visits__visit_items__result=""),
        )
    )
    return render(request, "inspections/public_list.html", {"campaigns": campaigns})


def public_campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.access_public_campaign(campaign_id)
    q = request.GET.get("q", "").strip()
    results = queries.public_results(campaign)
    if q:
        results = results.filter(
            Q(visit__enterprise_name__contains=q) | Q(visit__uscc__startswith=q.upper())
        )
    page = Paginator(results, 100).get_page(request.GET.get("page"))
    published = campaign.state == CampaignState.PUBLISHED
    return render(
        request,
        "inspections/public_campaign.html",
        {
            "campaign": campaign,
            "departments": sorted({i.unit.name for i in campaign.items.select_related("unit")}),
            "items": campaign.items.select_related("unit").order_by("code"),
            "files": list(campaign.files.order_by("id").values("name", "sha256"))
            if published
            else [],
            "published": published,
            "page": page,
            "q": q,
        },
    )
