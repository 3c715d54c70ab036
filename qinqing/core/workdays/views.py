"""节假日安排 pages: the years in force, importing a notice, and the deadlines that moved."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from qinqing.core.accounts.access import require_capability, visible_units
from qinqing.core.accounts.models import Scope
from qinqing.core.actor import AnyUser
from qinqing.core.errors import InvalidInput
from qinqing.core.workdays import get_calendar
from qinqing.core.workdays.data import MAKEUP_WORKDAY, PUBLIC_HOLIDAY
from qinqing.core.workdays.forms import NoticeForm
from qinqing.core.workdays.models import DeadlineChange, DeadlineRecompute
from qinqing.core.workdays.notice import Notice, parse_notice


@login_required
def years(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "calendar.manage")
    calendar = get_calendar()
    today = timezone.localdate()
    rows = []
    for year in range(today.year - 2, today.year + 3):
        if not calendar.covers(year):
            continue
        data = calendar.year_data(year)
        rows.append(
            {
                "year": year,
                "data": data,
                "rest": sum(1 for d in data.holidays if d.weekday() < 5),
                "makeup": len(data.makeup_workdays),
            }
        )
    return render(request, "workdays/years.html", {"rows": rows})


def _read_form(form: NoticeForm) -> tuple[bytes | str, str]:
    upload = form.cleaned_data.get("file")
    if upload is not None:
        return upload.read(), upload.name
    return form.cleaned_data["text"], "notice.txt"


def _comparison(notice: Notice) -> list[dict[str, Any]]:
    """Every day the notice or the provisional calendar treats specially, side by side."""
    calendar = get_calendar()
    official = {d.day: d for d in notice.days}
    provisional = {}
    if calendar.covers(notice.year):
        data = calendar.year_data(notice.year)
        provisional = {d: ("rest", n) for d, n in data.holidays.items()}
        provisional.update({d: ("work", n) for d, n in data.makeup_workdays.items()})
    rows = []
    for day in sorted(set(official) | set(provisional)):
        entry = official.get(day)
        now_kind = provisional.get(day)
        rows.append(
            {
                "day": day,
                "weekday": "一二三四五六日"[day.weekday()],
                "notice": (
                    ("放假" if entry.kind == PUBLIC_HOLIDAY else "上班") + f"（{entry.name}）"
                    if entry
                    else ("上班" if day.weekday() < 5 else "休息")
                ),
                "current": (
                    ("休息" if now_kind[0] == "rest" else "上班") + f"（{now_kind[1]}）"
                    if now_kind
                    else ("上班" if day.weekday() < 5 else "休息")
                ),
                "changed": (entry is not None and entry.kind == MAKEUP_WORKDAY)
                or (now_kind is None) != (entry is None),
            }
        )
    return rows


@login_required
def import_notice(request: HttpRequest) -> HttpResponse:
    """Paste or upload the notice; preview beside the calendar in force; import on confirm."""
    require_capability(request.user, "calendar.manage")
    from qinqing.core.workdays.changes import recompute_if_calendar_changed
    from qinqing.core.workdays.service import import_notice as do_import

    form = NoticeForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method != "POST" or not form.is_valid():
        return render(request, "workdays/import.html", context, status=400 if form.errors else 200)
    content, filename = _read_form(form)
    try:
        notice = parse_notice(content, filename=filename)
    except InvalidInput as exc:
        context["error"] = exc.message
        return render(request, "workdays/import.html", context, status=400)
    context.update(notice=notice, comparison=_comparison(notice))
    if request.POST.get("confirm") != "1":
        context["holidays"] = sum(1 for d in notice.days if d.kind == PUBLIC_HOLIDAY)
        context["makeups"] = sum(1 for d in notice.days if d.kind == MAKEUP_WORKDAY)
        return render(request, "workdays/import.html", context)
    try:
        year = do_import(content, actor=request.user, replace=form.cleaned_data["replace"])
    except InvalidInput as exc:
        context["error"] = exc.message
        return render(request, "workdays/import.html", context, status=400)
    result = recompute_if_calendar_changed(timezone.now())
    messages.success(
        request,
        f"已导入 {year.year} 年节假日安排（第 {year.version} 版）。"
        f"已重算 {result['checked']} 项未办结事项的期限，其中 {result['moved']} 项有变动。",
    )
    latest = DeadlineRecompute.objects.order_by("-id").first()
    if latest is not None and result["checked"]:
        return redirect("workdays:change_detail", recompute_id=latest.pk)
    return redirect("workdays:years")


def _visible_changes(user: AnyUser) -> QuerySet[Any]:
    from qinqing.core.accounts.access import profile_of

    changes = DeadlineChange.objects.all()
    profile = profile_of(user)
    if profile is None or profile.role.scope != Scope.GLOBAL:
        changes = changes.filter(unit__in=visible_units(user))
    return changes


@login_required
def changes(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "calendar.manage")
    runs = DeadlineRecompute.objects.exclude(reason="初始日历").order_by("-id")
    visible = _visible_changes(request.user)
    rows = [{"run": run, "count": visible.filter(recompute=run).count()} for run in runs[:50]]
    return render(request, "workdays/changes.html", {"rows": rows})


@login_required
def change_detail(request: HttpRequest, recompute_id: int) -> HttpResponse:
    require_capability(request.user, "calendar.manage")
    run = DeadlineRecompute.objects.filter(pk=recompute_id).first()
    if run is None:
        raise Http404
    items = _visible_changes(request.user).filter(recompute=run).select_related("unit")
    app = request.GET.get("app", "")
    if app:
        items = items.filter(app_label=app)
    page = Paginator(items.order_by("app_label", "id"), 100).get_page(request.GET.get("page"))
    from django.apps import apps as django_apps

    labels = {c.label: str(c.verbose_name) for c in django_apps.get_app_configs()}
    apps_present = sorted(set(items.values_list("app_label", flat=True)))
    for change in page:
        change.app_name = labels.get(change.app_label, change.app_label)
    return render(
        request,
        "workdays/change_detail.html",
        {
            "run": run,
            "page": page,
            "app": app,
            "apps": [(a, labels.get(a, a)) for a in apps_present],
        },
    )
