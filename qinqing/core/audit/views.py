from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qinqing.core.accounts.access import visible_units
from qinqing.core.audit import display
from qinqing.core.audit.queries import visible_events_for_user
from qinqing.core.audit.restricted import REDACTED_TEXT, redacted_seqs
from qinqing.core.audit.verbs import VERB_LABELS, verb_label


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    events = visible_events_for_user(request.user)
    unit = request.GET.get("unit", "")
    verb = request.GET.get("verb", "")
    object_type = request.GET.get("object_type", "")
    object_id = request.GET.get("object_id", "")
    if unit.isdigit():
        events = events.filter(unit_id=int(unit))
    if verb:
        events = events.filter(verb=verb)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    page = Paginator(events.order_by("-seq"), 50).get_page(request.GET.get("page"))
    units = {u.pk: u.name for u in visible_units(request.user).only("pk", "name")}
    hidden = redacted_seqs(page, request.user)
    rows = [
        {
            "event": e,
            "verb_label": verb_label(e.verb),
            "actor": display.actor_display(e.actor_label),
            "object": display.object_label(e.object_type, e.object_id, e.object_repr),
            "changes": display.changes(e.object_type, e.before, e.after),
            "unit_name": units.get(e.unit_id, "") if e.unit_id is not None else "",
            "redacted": e.seq in hidden,
        }
        for e in page
    ]
    return render(
        request,
        "audit/list.html",
        {
            "page": page,
            "rows": rows,
            "units": sorted(units.items(), key=lambda kv: kv[1]),
            "verbs": sorted(VERB_LABELS.items(), key=lambda kv: kv[1]),
            "redacted_text": REDACTED_TEXT,
            "f": {"unit": unit, "verb": verb, "object_type": object_type, "object_id": object_id},
        },
    )
