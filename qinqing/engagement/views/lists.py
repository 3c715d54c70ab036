"""Named enterprise lists (名录)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qinqing.core.accounts.access import require_capability
from qinqing.core.errors import InvalidInput, QinqingError
from qinqing.engagement import figures, forms, queries, service
from qinqing.engagement.models import (
    Pairing,
)
from qinqing.engagement.views._common import _enterprise, _error, _today


@login_required
def enterprise_lists(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "engagement.manage")
    area = queries.office_area(request.user)
    form = forms.ListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = service.create_enterprise_list(actor=request.user, now=timezone.now(),
                                                     area=area, **form.cleaned_data)  # fmt: skip
        except QinqingError as exc:
            _error(form, exc)
        else:
            messages.success(request, f"已建立名录“{created.name}”。")
            return redirect(created)
    today = _today()
    rows = queries.visible_lists_for_user(request.user).annotate(
        current=Count("memberships", filter=Q(memberships__left_on__isnull=True))
    )
    return render(request, "engagement/lists.html", {"lists": rows, "form": form, "today": today})


@login_required
def enterprise_list(request: HttpRequest, list_id: int) -> HttpResponse:
    found = queries.access_list_for_user(request.user, list_id)
    today = _today()
    members = found.memberships.select_related("enterprise").order_by("left_on", "-joined_on")
    current_ids = [m.enterprise_id for m in members if m.left_on is None]
    paired = set(
        Pairing.objects.filter(enterprise_id__in=current_ids, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .values_list("enterprise_id", flat=True)
    )
    return render(request, "engagement/list.html", {
        "list": found, "members": members, "paired": paired,
        "coverage": (len(paired), len(current_ids),
                     figures.rules.rate(len(paired), len(current_ids))),
        "form": forms.MemberForm(), "manage": queries.can_manage_area(request.user, found.area),
    })  # fmt: skip


@login_required
@require_POST
def list_add(request: HttpRequest, list_id: int) -> HttpResponse:
    found = queries.access_list_for_office(request.user, list_id)
    form = forms.MemberForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("请填写统一社会信用代码和有效的列入日期。")
    d = form.cleaned_data
    service.add_to_list(found, _enterprise(d["uscc"]), actor=request.user, now=timezone.now(),
                        joined_on=d["joined_on"], note=d["note"])  # fmt: skip
    messages.success(request, "已列入名录。")
    return redirect(found)


@login_required
@require_POST
def list_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = queries.access_membership_for_office(request.user, membership_id)
    service.remove_from_list(membership, actor=request.user, now=timezone.now())
    messages.success(request, f"已将 {membership.enterprise.name} 移出名录（历史记录保留）。")
    return redirect(membership.enterprise_list)
