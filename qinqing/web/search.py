"""The search box on every page: each app's ``site_search`` providers (AppManifest.search)."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.module_loading import import_string

from qinqing.core.manifest import manifests

log = logging.getLogger(__name__)

PER_APP = 20
MAX_QUERY = 50


@login_required
def search(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").replace("\x00", "").strip()[:MAX_QUERY]
    groups = []
    if q:
        for manifest in manifests():
            for dotted in manifest.search:
                hits = import_string(dotted)(request.user, q, PER_APP)
                if hits:
                    groups.append((hits[0].kind, hits))
    total = sum(len(h) for _, h in groups)
    return render(request, "web/search.html", {"q": q, "groups": groups, "total": total})
